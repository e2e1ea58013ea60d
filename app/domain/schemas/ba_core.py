"""Better Auth 1.7's wire format, core part: users, sessions, accounts, and the bodies of the
email/password, session and account endpoints (camelCase; unknown keys are ignored).

Field rules follow Better Auth's zod schemas (see ``app.api.better_auth.validation`` for how a
struct is read). Length caps that Better Auth lacks keep values within what the database indexes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import UNSET, UnsetType

from app.domain.schemas.base import WireStruct

__all__ = (
    "BAEmail",
    "BaAccount",
    "BaError",
    "BaSession",
    "BaSessionUser",
    "BaUser",
    "ChangePasswordBody",
    "ChangePasswordOut",
    "DeleteUserBody",
    "DeleteUserOut",
    "GetSessionQuery",
    "RevokeSessionBody",
    "SignInEmailBody",
    "SignInOut",
    "SignOutBody",
    "SignUpEmailBody",
    "SignUpOut",
    "StatusOut",
    "SuccessOut",
    "UpdateUserBody",
)

BAEmail = Annotated[str, msgspec.Meta(max_length=254, extra_json_schema={"format": "email"})]
"""``z.email()``: zod's email rule (capped at 254 characters, the longest address)."""
BAText = Annotated[str, msgspec.Meta(max_length=10_000)]
"""``z.string()`` (capped: longer values are refused rather than stored)."""
CallbackURL = Annotated[str, msgspec.Meta(max_length=2048)]


class BaError(WireStruct, omit_defaults=True):
    """Better Auth's error body: ``code`` names the error (a few errors carry only a message)."""

    message: str | UnsetType = UNSET
    code: str | UnsetType = UNSET


class BaUser(WireStruct):
    """Better Auth's user (core fields and the admin plugin's)."""

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


class BaSession(WireStruct):
    """Better Auth's session, token included (it is the caller's own, or an admin's to revoke)."""

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


class BaSessionUser(WireStruct):
    session: BaSession
    user: BaUser


class BaAccount(WireStruct):
    id: str
    provider_id: str
    account_id: str
    user_id: str
    created_at: datetime
    updated_at: datetime
    scopes: list[str]


class SignUpOut(WireStruct):
    token: str | None
    user: BaUser


class SignInOut(WireStruct, omit_defaults=True):
    redirect: bool
    token: str
    user: BaUser
    url: str | UnsetType = UNSET


class StatusOut(WireStruct):
    status: bool


class SuccessOut(WireStruct):
    success: bool


class ChangePasswordOut(WireStruct):
    token: str | None
    user: BaUser


class DeleteUserOut(WireStruct):
    success: bool
    message: str


class SignUpEmailBody(WireStruct):
    name: BAText
    email: BAEmail
    password: BAText
    image: BAText | UnsetType = UNSET
    callback_url: CallbackURL | UnsetType = msgspec.field(default=UNSET, name="callbackURL")
    remember_me: bool | UnsetType = UNSET


class SignInEmailBody(WireStruct):
    email: BAText
    password: BAText
    callback_url: CallbackURL | UnsetType = msgspec.field(default=UNSET, name="callbackURL")
    remember_me: bool | UnsetType = UNSET


class SignOutBody(WireStruct):
    callback_url: CallbackURL | UnsetType = msgspec.field(default=UNSET, name="callbackURL")
    disable_redirect: bool | UnsetType = UNSET
    state: BAText | UnsetType = UNSET


class GetSessionQuery(WireStruct):
    disable_cookie_cache: str | list[str] | UnsetType = UNSET
    disable_refresh: str | list[str] | UnsetType = UNSET


class RevokeSessionBody(WireStruct):
    token: BAText


class UpdateUserBody(WireStruct):
    """``z.record(z.string(), z.any())``: any keys; ``name`` and ``image`` are the ones that change a user."""

    __wire_kind__: ClassVar[str] = "record"

    name: BAText | UnsetType = UNSET
    image: BAText | UnsetType | None = UNSET
    email: Any = UNSET


class ChangePasswordBody(WireStruct):
    new_password: BAText
    current_password: BAText
    revoke_other_sessions: bool | UnsetType = UNSET


class DeleteUserBody(WireStruct):
    callback_url: CallbackURL | UnsetType = msgspec.field(default=UNSET, name="callbackURL")
    password: BAText | UnsetType = UNSET
    token: BAText | UnsetType = UNSET
