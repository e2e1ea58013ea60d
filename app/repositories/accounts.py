"""Linked accounts (credential and OAuth) and passkeys of a user."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Account, Passkey
from app.domain.errors import NotFoundError
from app.repositories.pagination import Keyset, PageResult, paginate
from app.repositories.users import CREDENTIAL_PROVIDER

__all__ = ("delete_passkey", "get_credential_account", "list_accounts", "list_passkeys", "rename_passkey")


async def get_credential_account(db: AsyncSession, user_id: str) -> Account | None:
    """The email/password account Better Auth 1.7 signs in with (``accountId`` equals the user id)."""
    statement = select(Account).where(
        Account.user_id == user_id, Account.provider_id == CREDENTIAL_PROVIDER, Account.account_id == user_id
    )
    return (await db.execute(statement)).scalars().first()


async def list_accounts(
    db: AsyncSession, user_id: str, *, limit: int | None, cursor: str | None
) -> PageResult[Account]:
    statement = select(Account).where(Account.user_id == user_id)
    return await paginate(db, statement, Keyset(Account.created_at, Account.id), limit=limit, cursor=cursor)


async def list_passkeys(
    db: AsyncSession, user_id: str, *, limit: int | None, cursor: str | None
) -> PageResult[Passkey]:
    # passkey.createdAt is nullable in Better Auth, so the id alone orders the list.
    statement = select(Passkey).where(Passkey.user_id == user_id)
    return await paginate(db, statement, Keyset(Passkey.id, Passkey.id), limit=limit, cursor=cursor)


async def rename_passkey(db: AsyncSession, user_id: str, passkey_id: str, name: str) -> Passkey:
    passkey = await db.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user_id:
        raise NotFoundError("No such passkey.", code="passkey_not_found")
    passkey.name = name.strip()
    await db.flush()
    return passkey


async def delete_passkey(db: AsyncSession, user_id: str, passkey_id: str) -> None:
    result = await db.execute(delete(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user_id))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFoundError("No such passkey.", code="passkey_not_found")
