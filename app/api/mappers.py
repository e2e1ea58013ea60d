"""Models → response structs. The only place that decides which columns leave the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.db.models import Account, Passkey, User, UserSession
from app.domain.schemas.base import Page
from app.domain.schemas.users import AccountOut, PasskeyOut, SessionOut, UserOut
from app.repositories.pagination import PageResult

__all__ = ("account_out", "page_out", "passkey_out", "session_out", "user_out")

M = TypeVar("M")
S = TypeVar("S")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        name=user.name,
        email=user.email,
        email_verified=bool(user.email_verified),
        image=user.image,
        role=user.role,
        banned=bool(user.banned),
        ban_reason=user.ban_reason,
        ban_expires=user.ban_expires,
        preferred_locale=user.preferred_locale,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def session_out(session: UserSession, current_id: str | None = None) -> SessionOut:
    return SessionOut(
        id=session.id,
        user_id=session.user_id,
        expires_at=session.expires_at,
        created_at=session.created_at,
        updated_at=session.updated_at,
        ip_address=session.ip_address,
        user_agent=session.user_agent,
        impersonated_by=session.impersonated_by,
        active_organization_id=session.active_organization_id,
        active_team_id=session.active_team_id,
        current=session.id == current_id,
    )


def account_out(account: Account) -> AccountOut:
    return AccountOut(
        id=account.id,
        provider_id=account.provider_id,
        account_id=account.account_id,
        scopes=_split(account.scope),
        access_token_expires_at=account.access_token_expires_at,
        refresh_token_expires_at=account.refresh_token_expires_at,
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


def passkey_out(passkey: Passkey) -> PasskeyOut:
    return PasskeyOut(
        id=passkey.id,
        name=passkey.name,
        device_type=passkey.device_type,
        backed_up=bool(passkey.backed_up),
        transports=_split(passkey.transports),
        aaguid=passkey.aaguid,
        created_at=passkey.created_at,
    )


def page_out(page: PageResult[M], convert: Callable[[M], S]) -> Page[S]:
    return Page(items=[convert(item) for item in page.items], next_cursor=page.next_cursor, total=page.total)
