"""Users, sessions, accounts and passkeys as the API shows them (never a secret)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from app.domain.enums import UserRole
from app.domain.schemas.base import CamelStruct, Email, Locale, Name, Password, Url

__all__ = (
    "AccountOut",
    "ActiveOrganizationIn",
    "ActiveTeamIn",
    "AdminUserCreate",
    "AdminUserUpdate",
    "AuthResult",
    "BanIn",
    "ChangePasswordIn",
    "PasskeyOut",
    "PasskeyRename",
    "ProfileUpdate",
    "RevokedCount",
    "SessionOut",
    "SessionWithUser",
    "SignInIn",
    "SignUpIn",
    "UserOut",
)


class UserOut(CamelStruct):
    id: str
    name: str
    email: str
    email_verified: bool
    image: str | None
    role: str | None
    banned: bool
    ban_reason: str | None
    ban_expires: datetime | None
    preferred_locale: str | None
    created_at: datetime
    updated_at: datetime


class SessionOut(CamelStruct):
    """A session without its token (the token is only ever returned to whoever signs in)."""

    id: str
    user_id: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    ip_address: str | None
    user_agent: str | None
    impersonated_by: str | None
    active_organization_id: str | None
    active_team_id: str | None
    current: bool = False


class AuthResult(CamelStruct):
    """A new session: ``token`` authenticates requests as ``Authorization: Bearer <token>``."""

    token: str
    user: UserOut
    session: SessionOut


class SessionWithUser(CamelStruct):
    user: UserOut
    session: SessionOut


class SignUpIn(CamelStruct):
    name: Name
    email: Email
    password: Password
    image: Url | None = None
    preferred_locale: Locale | None = None
    remember_me: bool = True


class SignInIn(CamelStruct):
    email: Email
    password: Password
    remember_me: bool = True


class ProfileUpdate(CamelStruct):
    name: Name | UnsetType = UNSET
    image: Url | UnsetType | None = UNSET
    preferred_locale: Locale | UnsetType | None = UNSET


class ChangePasswordIn(CamelStruct):
    current_password: Password
    new_password: Password
    revoke_other_sessions: bool = False


class RevokedCount(CamelStruct):
    revoked: int


class AccountOut(CamelStruct):
    """A linked sign-in method; tokens and password hashes are never part of it."""

    id: str
    provider_id: str
    account_id: str
    scopes: list[str]
    access_token_expires_at: datetime | None
    refresh_token_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PasskeyOut(CamelStruct):
    id: str
    name: str | None
    device_type: str
    backed_up: bool
    transports: list[str]
    aaguid: str | None
    created_at: datetime | None


class PasskeyRename(CamelStruct):
    name: Name


class ActiveOrganizationIn(CamelStruct):
    organization_id: str | None


class ActiveTeamIn(CamelStruct):
    team_id: str | None


class AdminUserCreate(CamelStruct):
    name: Name
    email: Email
    password: Password
    role: UserRole = UserRole.USER
    email_verified: bool = False


class AdminUserUpdate(CamelStruct):
    name: Name | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    role: UserRole | UnsetType = UNSET
    email_verified: bool | UnsetType = UNSET


class BanIn(CamelStruct):
    """Ban a user: ``expiresAt`` in the future, or omitted for a ban without end."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None
    expires_at: datetime | None = None
