"""Read-only values of rows, as the driver-level reader returns them (``app.db.reader``).

A request resolves its caller once, in one statement, into a session and a user record (see
``app.repositories.sessions.find_session_by_token``); read-only routes read organizations and
members into records too. They are plain data, not ORM instances: to change a row, call the
repository function that writes it. Field names are the models' attribute names
(``tests/test_records.py`` keeps the two in step).
"""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = ("MemberRecord", "OrganizationRecord", "SessionRecord", "UserRecord")


class UserRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A ``user`` row."""

    id: str
    name: str
    email: str
    email_verified: bool
    image: str | None
    created_at: datetime
    updated_at: datetime
    role: str | None
    banned: bool | None
    ban_reason: str | None
    ban_expires: datetime | None
    stripe_customer_id: str | None
    preferred_locale: str | None


class SessionRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A ``session`` row."""

    id: str
    expires_at: datetime
    token: str
    created_at: datetime
    updated_at: datetime
    ip_address: str | None
    user_agent: str | None
    user_id: str
    impersonated_by: str | None
    active_organization_id: str | None
    active_team_id: str | None


class OrganizationRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An ``organization`` row."""

    id: str
    name: str
    slug: str
    logo: str | None
    created_at: datetime
    metadata_json: str | None
    stripe_customer_id: str | None
    updated_at: datetime | None


class MemberRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A ``member`` row; ``user`` is its user where the read joined it."""

    id: str
    organization_id: str
    user_id: str
    role: str
    created_at: datetime
    team_id: str | None
    updated_at: datetime | None
    user: UserRecord | None = None
