"""Reset tokens and verification rows at the repository level, on SQLite and PostgreSQL, with races."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db.engine import writer
from app.db.models import Account, UserSession, Verification
from app.db.types import utcnow
from app.domain.errors import InvalidInputError, InvalidTokenError
from app.domain.passwords import hash_password, verify_password
from app.domain.rules import SESSION_LIFETIME
from app.repositories import password_reset as reset_repo
from app.repositories import sessions as session_repo
from app.repositories import users as user_repo
from app.repositories.verification import consume_verification, create_verification, find_verification

HOUR = timedelta(hours=1)
NEW_PASSWORD = "a brand new passphrase"


def units(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(writer(engine), expire_on_commit=False)


async def make_user(
    engine: AsyncEngine, email: str, *, password: str | None = "old passphrase 1", sessions: int = 2
) -> str:
    async with units(engine)() as db, db.begin():
        user = await user_repo.create_user(
            db, name="Ada", email=email, password_hash=hash_password(password) if password else None
        )
        for _ in range(sessions):
            await session_repo.create_session(
                db, user_id=user.id, lifetime=SESSION_LIFETIME, ip_address=None, user_agent=None
            )
        return user.id


async def issue(engine: AsyncEngine, email: str, lifetime: timedelta = HOUR) -> str:
    async with units(engine)() as db, db.begin():
        issued = await reset_repo.issue_reset_token(db, email, lifetime=lifetime)
        assert issued is not None
        return issued[1]


async def reset(engine: AsyncEngine, token: str, password: str = NEW_PASSWORD, *, revoke: bool = True) -> str:
    async with units(engine)() as db:  # like a request's session: the repository ends its read transaction
        user_id = await reset_repo.reset_password(db, token=token, new_password=password, revoke_sessions=revoke)
        await db.commit()
        return user_id


async def count(db: AsyncSession, model: type[Verification] | type[UserSession], **where: str) -> int:
    await db.rollback()
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return int((await db.execute(statement)).scalar_one())


async def test_a_reset_token_is_a_verification_row_in_better_auths_form(engine: AsyncEngine, db: AsyncSession) -> None:
    user_id = await make_user(engine, "ada@example.com")
    token = await issue(engine, "ADA@example.com")
    assert re.fullmatch(r"[A-Za-z0-9]{24}", token)
    row = (await db.execute(select(Verification))).scalar_one()
    assert (row.identifier, row.value) == (f"reset-password:{token}", user_id)
    assert HOUR - timedelta(minutes=1) < row.expires_at - row.created_at <= HOUR


async def test_an_unknown_email_writes_nothing(engine: AsyncEngine, db: AsyncSession) -> None:
    async with units(engine)() as unit, unit.begin():
        assert await reset_repo.issue_reset_token(unit, "nobody@example.com", lifetime=HOUR) is None
    assert await count(db, Verification) == 0


async def test_a_reset_sets_the_password_spends_the_token_and_revokes_every_session(
    engine: AsyncEngine, db: AsyncSession
) -> None:
    user_id = await make_user(engine, "ada@example.com", sessions=3)
    token = await issue(engine, "ada@example.com")
    assert await reset(engine, token) == user_id
    account = (await db.execute(select(Account).where(Account.user_id == user_id))).scalar_one()
    assert account.password is not None
    assert verify_password(account.password, NEW_PASSWORD)
    assert await count(db, Verification) == 0
    assert await count(db, UserSession, user_id=user_id) == 0
    with pytest.raises(InvalidTokenError):
        await reset(engine, token, "yet another passphrase")


async def test_sessions_stay_when_revocation_is_off(engine: AsyncEngine, db: AsyncSession) -> None:
    user_id = await make_user(engine, "ada@example.com", sessions=2)
    await reset(engine, await issue(engine, "ada@example.com"), revoke=False)
    assert await count(db, UserSession, user_id=user_id) == 2


async def test_a_user_without_a_password_gets_a_credential_account(engine: AsyncEngine, db: AsyncSession) -> None:
    user_id = await make_user(engine, "oauth@example.com", password=None)
    await reset(engine, await issue(engine, "oauth@example.com"))
    account = (await db.execute(select(Account).where(Account.user_id == user_id))).scalar_one()
    assert (account.provider_id, account.account_id) == ("credential", user_id)
    assert account.password is not None
    assert verify_password(account.password, NEW_PASSWORD)


async def test_expired_unknown_and_empty_tokens_are_invalid(engine: AsyncEngine, db: AsyncSession) -> None:
    await make_user(engine, "ada@example.com")
    expired = await issue(engine, "ada@example.com", lifetime=-timedelta(seconds=1))
    for token in (expired, "A" * 24, ""):
        with pytest.raises(InvalidTokenError):
            await reset(engine, token)
    async with units(engine)() as unit:
        assert not await reset_repo.reset_token_is_live(unit, expired)


async def test_a_new_password_must_have_better_auths_length(engine: AsyncEngine) -> None:
    await make_user(engine, "ada@example.com")
    token = await issue(engine, "ada@example.com")
    for password, code in (("short", "password_too_short"), ("x" * 129, "password_too_long")):
        with pytest.raises(InvalidInputError) as caught:
            await reset(engine, token, password)
        assert (caught.value.code, caught.value.field) == (code, "newPassword")
    await reset(engine, token)  # the token survived the refusals


async def test_expired_rows_are_swept_when_a_token_is_issued(engine: AsyncEngine, db: AsyncSession) -> None:
    await make_user(engine, "ada@example.com")
    await issue(engine, "ada@example.com", lifetime=-timedelta(seconds=1))
    await issue(engine, "ada@example.com")
    assert await count(db, Verification) == 1


async def test_consume_returns_the_latest_row_and_removes_them_all(engine: AsyncEngine, db: AsyncSession) -> None:
    async with units(engine)() as unit, unit.begin():
        base = utcnow()
        for value, offset in (("first", 0), ("second", 1)):
            unit.add(
                Verification(
                    identifier="x:1",
                    value=value,
                    expires_at=base + HOUR,
                    created_at=base + timedelta(seconds=offset),
                    updated_at=base,
                )
            )
    async with units(engine)() as unit, unit.begin():
        found = await find_verification(unit, "x:1")
        assert found is not None
        assert found.value == "second"
        consumed = await consume_verification(unit, "x:1")
        assert consumed is not None
        assert consumed.value == "second"
    assert await count(db, Verification) == 0


async def test_an_expired_row_is_consumed_as_nothing(engine: AsyncEngine, db: AsyncSession) -> None:
    async with units(engine)() as unit, unit.begin():
        await create_verification(unit, identifier="x:2", value="v", expires_at=utcnow() - timedelta(seconds=1))
        assert await consume_verification(unit, "x:2") is None
    assert await count(db, Verification) == 0


async def test_concurrent_consumers_get_a_row_exactly_once(engine: AsyncEngine) -> None:
    async with units(engine)() as unit, unit.begin():
        await create_verification(unit, identifier="x:3", value="v", expires_at=utcnow() + HOUR)

    async def consume() -> str | None:
        async with units(engine)() as unit, unit.begin():
            found = await consume_verification(unit, "x:3")
            return None if found is None else found.value

    results = await asyncio.gather(*(consume() for _ in range(8)))
    assert Counter(results) == {"v": 1, None: 7}


async def test_concurrent_resets_with_one_token_succeed_exactly_once(engine: AsyncEngine, db: AsyncSession) -> None:
    user_id = await make_user(engine, "ada@example.com")
    token = await issue(engine, "ada@example.com")
    passwords = [f"racing passphrase {n}" for n in range(6)]
    results = await asyncio.gather(*(reset(engine, token, p) for p in passwords), return_exceptions=True)
    winners = [p for p, r in zip(passwords, results, strict=True) if r == user_id]
    assert len(winners) == 1
    assert all(isinstance(r, InvalidTokenError) for r in results if r != user_id)
    account = (await db.execute(select(Account).where(Account.user_id == user_id))).scalar_one()
    assert account.password is not None
    assert verify_password(account.password, winners[0])
