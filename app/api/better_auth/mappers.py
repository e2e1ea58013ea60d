"""Rows → Better Auth's wire structs: which fields Better Auth shows, and nothing else.

Inputs are typed structurally (the attributes the repositories' rows carry), so this face depends
on no ORM. Better Auth leaves out what is not in its schema: ``user.preferredLocale``,
``organization.updatedAt``, ``member.teamId``; ``team.memberCount`` appears only inside the full
organization; organization ``metadata`` is the stored JSON text except where Better Auth parses it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from app.domain.schemas.ba_core import BaAccount, BaSession, BaSessionUser, BaUser

__all__ = ("UserRow", "account_out", "session_out", "session_user_out", "user_out")


class UserRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def email_verified(self) -> bool | None: ...
    @property
    def image(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def role(self) -> str | None: ...
    @property
    def banned(self) -> bool | None: ...
    @property
    def ban_reason(self) -> str | None: ...
    @property
    def ban_expires(self) -> datetime | None: ...


class SessionRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def token(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def ip_address(self) -> str | None: ...
    @property
    def user_agent(self) -> str | None: ...
    @property
    def user_id(self) -> str: ...
    @property
    def impersonated_by(self) -> str | None: ...
    @property
    def active_organization_id(self) -> str | None: ...
    @property
    def active_team_id(self) -> str | None: ...


class AccountRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def provider_id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def scope(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


class CallerLike(Protocol):
    @property
    def user(self) -> UserRow: ...
    @property
    def session(self) -> SessionRow: ...


def user_out(user: UserRow) -> BaUser:
    return BaUser(
        id=user.id,
        name=user.name,
        email=user.email,
        email_verified=bool(user.email_verified),
        image=user.image,
        created_at=user.created_at,
        updated_at=user.updated_at,
        role=user.role,
        banned=bool(user.banned),
        ban_reason=user.ban_reason,
        ban_expires=user.ban_expires,
    )


def session_out(session: SessionRow) -> BaSession:
    return BaSession(
        id=session.id,
        expires_at=session.expires_at,
        token=session.token,
        created_at=session.created_at,
        updated_at=session.updated_at,
        ip_address=session.ip_address,
        user_agent=session.user_agent,
        user_id=session.user_id,
        impersonated_by=session.impersonated_by,
        active_organization_id=session.active_organization_id,
        active_team_id=session.active_team_id,
    )


def session_user_out(caller: CallerLike) -> BaSessionUser:
    return BaSessionUser(session=session_out(caller.session), user=user_out(caller.user))


def account_out(account: AccountRow) -> BaAccount:
    scopes = [part.strip() for part in (account.scope or "").split(",") if part.strip()]
    return BaAccount(
        id=account.id,
        provider_id=account.provider_id,
        account_id=account.account_id,
        user_id=account.user_id,
        created_at=account.created_at,
        updated_at=account.updated_at,
        scopes=scopes,
    )
