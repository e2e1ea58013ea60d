"""Storage conventions shared with Better Auth and Drizzle: defaults, timestamps, booleans, foreign keys."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.db.models import Invitation, Member, Organization, Subscription, Team, User, UserSession
from app.db.types import from_epoch_ms, to_epoch_ms, utcnow


async def _reflect(engine: AsyncEngine, *names: str) -> dict[str, Table]:
    """Tables as the database has them: no ORM or Python-side defaults attached."""
    metadata = MetaData()
    async with engine.connect() as connection:
        await connection.run_sync(lambda c: metadata.reflect(c, only=list(names)))
    return {name: metadata.tables[name] for name in names}


async def test_rows_with_only_required_better_auth_values_are_complete(engine: AsyncEngine, db: AsyncSession) -> None:
    raw = await _reflect(engine, "user", "organization", "member", "invitation", "team", "subscription", "session")
    before = utcnow() - timedelta(seconds=5)
    async with engine.begin() as connection:
        await connection.execute(insert(raw["user"]).values(id="u1", name="Ada", email="ada@example.com"))
        await connection.execute(insert(raw["organization"]).values(id="o1", name="Acme", slug="acme"))
        await connection.execute(insert(raw["team"]).values(id="t1", name="Core", organizationId="o1"))
        await connection.execute(insert(raw["member"]).values(id="m1", organizationId="o1", userId="u1"))
        await connection.execute(
            insert(raw["invitation"]).values(
                id="i1", organizationId="o1", email="bob@example.com", inviterId="u1", expiresAt=raw_ts(engine)
            )
        )
        await connection.execute(insert(raw["subscription"]).values(id="s1", plan="pro", referenceId="o1"))
        await connection.execute(
            insert(raw["session"]).values(id="x1", token="t" * 32, userId="u1", expiresAt=raw_ts(engine))
        )

    user = (await db.execute(select(User))).scalar_one()
    assert user.email_verified is False
    assert user.banned is False
    assert user.role == "user"
    assert before <= user.created_at <= utcnow() + timedelta(seconds=5)
    assert user.updated_at.tzinfo is UTC
    assert (await db.execute(select(Member.role))).scalar_one() == "member"
    assert (await db.execute(select(Invitation.status))).scalar_one() == "pending"
    assert (await db.execute(select(Team.member_count))).scalar_one() == 0
    subscription = (await db.execute(select(Subscription))).scalar_one()
    assert subscription.status == "incomplete"
    assert subscription.cancel_at_period_end is False
    organization = (await db.execute(select(Organization))).scalar_one()
    assert organization.created_at.tzinfo is UTC
    assert (await db.execute(select(UserSession.updated_at))).scalar_one() is not None


def raw_ts(engine: AsyncEngine) -> object:
    """A timestamp literal in the backend's storage form (epoch ms on SQLite)."""
    value = utcnow() + timedelta(days=1)
    return to_epoch_ms(value) if engine.dialect.name == "sqlite" else value


async def test_timestamps_are_epoch_milliseconds_in_the_sqlite_file(engine: AsyncEngine, db: AsyncSession) -> None:
    moment = datetime(2026, 11, 22, 17, 50, 58, 446000, tzinfo=UTC)
    db.add(User(id="u1", name="Ada", email="ada@example.com", created_at=moment, updated_at=moment))
    await db.commit()
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        assert path
        with sqlite3.connect(path) as raw:
            stored, kind = raw.execute('SELECT "createdAt", typeof("createdAt") FROM "user"').fetchone()
        assert (stored, kind) == (1795369858446, "integer")
    db.expunge_all()
    assert (await db.execute(select(User.created_at))).scalar_one() == moment


async def test_iso_text_written_by_another_program_reads_back_as_aware_utc(
    engine: AsyncEngine, db: AsyncSession
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("ISO text in a date column is what a Kysely-based Better Auth writes on SQLite only")
    db.add(User(id="u1", name="Ada", email="ada@example.com"))
    await db.commit()
    path = engine.url.database
    assert path
    with sqlite3.connect(path) as raw:  # another program: Better Auth's Kysely adapter writes ISO text
        raw.execute(
            'UPDATE "user" SET "banExpires" = ?, "updatedAt" = ?', ("2026-11-22T17:50:58.446Z", "1795369858446")
        )
    db.expunge_all()
    user = (await db.execute(select(User))).scalar_one()
    expected = datetime(2026, 11, 22, 17, 50, 58, 446000, tzinfo=UTC)
    assert user.ban_expires == expected
    assert user.ban_expires.tzinfo is UTC
    assert user.updated_at == expected


def test_epoch_conversion_round_trips() -> None:
    moment = datetime(1999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
    assert from_epoch_ms(to_epoch_ms(moment)) == moment
    assert to_epoch_ms(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert to_epoch_ms(datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)) == -1


async def test_booleans_are_integers_on_sqlite(engine: AsyncEngine, db: AsyncSession) -> None:
    db.add(User(id="u1", name="Ada", email="ada@example.com", banned=True))
    await db.commit()
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        assert path
        with sqlite3.connect(path) as raw:
            assert raw.execute('SELECT banned, typeof(banned) FROM "user"').fetchone() == (1, "integer")


async def test_a_dangling_foreign_key_is_rejected(db: AsyncSession) -> None:
    db.add(UserSession(token="t" * 32, user_id="no-such-user", expires_at=utcnow()))
    with pytest.raises(IntegrityError):
        await db.commit()


async def test_deleting_a_user_cascades_and_deleting_a_team_keeps_the_membership(db: AsyncSession) -> None:
    db.add_all([User(id="u1", name="Ada", email="ada@example.com"), Organization(id="o1", name="Acme", slug="acme")])
    await db.flush()
    db.add(Team(id="t1", name="Core", organization_id="o1"))
    await db.flush()
    db.add_all(
        [
            Member(id="m1", organization_id="o1", user_id="u1", team_id="t1"),
            UserSession(token="t" * 32, user_id="u1", expires_at=utcnow()),
        ]
    )
    await db.commit()
    await db.delete(await db.get_one(Team, "t1"))
    await db.commit()
    db.expunge_all()
    assert (await db.execute(select(Member.team_id))).scalar_one() is None
    await db.execute(update(User).where(User.id == "u1").values(name="Ada L."))
    await db.delete(await db.get_one(User, "u1"))
    await db.commit()
    assert (await db.execute(select(Member))).first() is None
    assert (await db.execute(select(UserSession))).first() is None
