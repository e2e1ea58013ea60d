"""Values of the text columns that Better Auth validates in the application (stored as text)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ("InvitationStatus", "MemberRole", "SortDirection", "SubscriptionStatus", "UserRole")


class UserRole(StrEnum):
    USER = "user"
    ADMIN = "admin"


class MemberRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELED = "canceled"


class SubscriptionStatus(StrEnum):
    """Stripe subscription statuses (Better Auth mirrors them)."""

    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"
