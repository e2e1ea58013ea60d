"""The invitation state machine and who may invite whom.

An invitation is stored ``pending`` and moves once, to ``accepted``, ``rejected`` or
``canceled``; a pending invitation whose ``expiresAt`` has passed is *expired* (a state that is
not stored: it is read off the clock). Expired invitations cannot be accepted or canceled; Better
Auth lets them be rejected. Pure decisions: the repositories load, lock and store, and apply each
transition with a conditional update that mirrors ``check_transition``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from app.domain.enums import InvitationStatus, MemberRole
from app.domain.errors import ConflictError, ExpiredError, InvalidStateError, PermissionDeniedError
from app.domain.organizations import check_role, is_owner
from app.domain.rules import INVITATION_LIFETIME, user_has_role

__all__ = (
    "TRANSITIONS",
    "InvitationState",
    "OnPending",
    "active_team_after_accept",
    "check_cancel",
    "check_invited_roles",
    "check_reinvite",
    "check_transition",
    "expiry",
    "invitation_state",
    "invites_owner",
)


class InvitationState(StrEnum):
    """What an invitation is now: its stored status, or ``expired`` for a pending one past its expiry."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELED = "canceled"
    EXPIRED = "expired"


TRANSITIONS: dict[InvitationState, frozenset[InvitationStatus]] = {
    InvitationState.PENDING: frozenset(
        {InvitationStatus.ACCEPTED, InvitationStatus.REJECTED, InvitationStatus.CANCELED}
    ),
    InvitationState.EXPIRED: frozenset({InvitationStatus.REJECTED}),
}
"""The statuses an invitation in each state may move to (answered ones move no more). From
``expired``, only when the caller allows it (Better Auth's reject)."""


class OnPending(StrEnum):
    """What inviting an email that already has a pending invitation does."""

    UPDATE = "update"
    """Extend it, with the new role, teams and inviter (the REST API)."""
    EXTEND = "extend"
    """Extend it, nothing else (Better Auth's ``resend``)."""
    REFUSE = "refuse"
    """Refuse (409 ``already_invited``), as Better Auth does without ``resend``."""


def expiry(now: datetime) -> datetime:
    """When an invitation sent (or extended) at ``now`` expires."""
    return now + INVITATION_LIFETIME


def invitation_state(status: str, expires_at: datetime, now: datetime) -> InvitationState:
    if status == InvitationStatus.PENDING.value and expires_at <= now:
        return InvitationState.EXPIRED
    return InvitationState(status)


def check_transition(
    status: str, expires_at: datetime, to: InvitationStatus, now: datetime, *, even_expired: bool = False
) -> None:
    """Whether a stored invitation may move to ``to`` at ``now`` (``even_expired``: an expired one
    may too, if the table allows it)."""
    if status not in InvitationState.__members__.values():  # a status of no known meaning: answered
        raise InvalidStateError(f"This invitation is already {status}.", code="invitation_not_pending")
    state = invitation_state(status, expires_at, now)
    if state is InvitationState.EXPIRED and not even_expired:
        raise ExpiredError("This invitation has expired.", code="invitation_expired")
    if to not in TRANSITIONS.get(state, frozenset()):
        if state in (InvitationState.PENDING, InvitationState.EXPIRED):
            raise ValueError(f"An invitation cannot move from {state.value} to {to.value}.")
        raise InvalidStateError(f"This invitation is already {status}.", code="invitation_not_pending")


def invites_owner(stored_role: str | None) -> bool:
    """Whether an invitation's stored role (roles joined with ``,``) includes ``owner``."""
    return user_has_role(stored_role, MemberRole.OWNER.value)


def check_invited_roles(actor_role: str | None, roles: Sequence[MemberRole]) -> None:
    """Admins invite members and admins; only an owner invites an owner."""
    if MemberRole.OWNER in roles and not is_owner(actor_role):
        raise PermissionDeniedError("Only an owner can invite an owner.", code="owner_required")


def check_reinvite(actor_role: str | None, pending_role: str | None, on_pending: OnPending) -> None:
    """Inviting an email that has a pending invitation (with ``pending_role``) again."""
    if on_pending is OnPending.REFUSE:
        raise ConflictError("This email already has a pending invitation.", code="already_invited")
    if on_pending is OnPending.EXTEND and invites_owner(pending_role) and not is_owner(actor_role):
        raise PermissionDeniedError("Only an owner can invite an owner.", code="owner_required")


def check_cancel(actor_user_id: str, actor_role: str | None, inviter_id: str | None) -> None:
    """The inviter cancels their own invitation; otherwise an admin or above."""
    if inviter_id != actor_user_id:
        check_role(actor_role, MemberRole.ADMIN)


def active_team_after_accept(team_ids: Sequence[str]) -> str | None:
    """Accepting an invitation to exactly one team makes it the session's active team."""
    return team_ids[0] if len(team_ids) == 1 else None
