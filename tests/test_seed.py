"""scripts/seed.py on SQLite and PostgreSQL: counts, idempotency, atomicity, guards, reproducibility."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.db import migrations
from app.db.models import Account, Base, Invitation, Member, Organization, Team, TeamMember, User
from app.dev import seed
from app.domain.passwords import verify_password
from app.domain.teams import membership_key
from tests.helpers import better_auth_verify, make_settings, new_database_url

ROOT = Path(__file__).resolve().parent.parent


def query(url: str, fn: Callable[[AsyncSession], Coroutine[Any, Any, Any]]) -> Any:
    async def go() -> Any:
        engine = create_async_engine(url)
        try:
            async with async_sessionmaker(engine)() as db:
                return await fn(db)
        finally:
            await engine.dispose()

    return asyncio.run(go())


async def counts(db: AsyncSession) -> dict[str, int]:
    return {
        t.name: (await db.execute(select(func.count()).select_from(t))).scalar_one()
        for t in Base.metadata.sorted_tables
    }


async def dump(db: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    tables = {}
    for table in Base.metadata.sorted_tables:
        rows = (await db.execute(select(table).order_by(*table.primary_key.columns))).all()
        tables[table.name] = [tuple(row) for row in rows]
    return tables


@pytest.fixture
def fresh_db(backend: str, tmp_path: Path, pg_database_factory: list[str]) -> str:
    url = new_database_url(backend, tmp_path, pg_database_factory)
    migrations.upgrade(make_settings(url, None))
    return url


def run_seed(url: str, *args: str) -> int:
    result: int = seed.main(["--database-url", url, "--quiet", *args])
    return result


def test_reseeding_lowers_the_counter_of_a_hand_made_team_by_the_seeded_members_it_loses(fresh_db: str) -> None:
    """The seed's removal goes through the one writer of ``memberCount``: a hand-made team with a
    hand-made member and two seeded ones ends with one, its ``updatedAt`` untouched."""
    edited = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    async def hand_made(db: AsyncSession) -> None:
        seeded = (await db.execute(select(User.id).where(User.email.like("%@seed.example.com")).limit(2))).scalars()
        db.add_all(
            [
                User(id="hand-user", name="Hand", email="hand@example.org"),
                Organization(id="hand-org", name="H", slug="hand"),
            ]
        )
        await db.flush()
        db.add(Team(id="hand-team", name="T", organization_id="hand-org", member_count=3, updated_at=edited))
        await db.flush()
        for user_id in ["hand-user", *seeded]:
            db.add(
                TeamMember(team_id="hand-team", user_id=user_id, membership_key=membership_key("hand-team", user_id))
            )
        await db.commit()

    async def hand_team(db: AsyncSession) -> tuple[int, int, datetime | None]:
        team = (await db.execute(select(Team).where(Team.id == "hand-team"))).scalar_one()
        rows = select(func.count()).select_from(TeamMember).where(TeamMember.team_id == "hand-team")
        return team.member_count, (await db.execute(rows)).scalar_one(), team.updated_at

    assert run_seed(fresh_db) == 0
    query(fresh_db, hand_made)
    assert run_seed(fresh_db) == 0
    count, rows, updated_at = query(fresh_db, hand_team)
    assert (count, rows) == (1, 1)
    assert updated_at is not None
    assert updated_at.replace(tzinfo=updated_at.tzinfo or UTC) == edited


def test_seed_twice_gives_the_same_rows_and_keeps_hand_made_ones(fresh_db: str) -> None:
    async def hand_made(db: AsyncSession) -> None:
        db.add_all(
            [
                User(id="hand-user", name="Hand", email="hand@example.org"),
                Organization(id="hand-org", name="H", slug="hand"),
            ]
        )
        await db.commit()

    query(fresh_db, hand_made)
    assert run_seed(fresh_db) == 0
    first = query(fresh_db, counts)
    assert run_seed(fresh_db) == 0
    second = query(fresh_db, counts)
    assert first == second

    async def facts(db: AsyncSession) -> dict[str, Any]:
        emails = (await db.execute(select(User.email))).scalars().all()
        slugs = (await db.execute(select(Organization.slug))).scalars().all()
        statuses = sorted((await db.execute(select(Invitation.status))).scalars().all())
        member_counts = (
            (await db.execute(select(func.count()).select_from(Member).group_by(Member.organization_id)))
            .scalars()
            .all()
        )
        team_ok = True
        for team in (await db.execute(select(Team))).scalars().all():
            rows = select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team.id)
            team_ok &= team.member_count == (await db.execute(rows)).scalar_one()
        seeded = (await db.execute(select(User).where(User.email.like("%@seed.example.com")))).scalars().all()
        credential = (await db.execute(select(Account).where(Account.provider_id == "credential"))).scalars().all()
        return {
            "duplicate_emails": len(emails) - len(set(emails)),
            "duplicate_slugs": len(slugs) - len(set(slugs)),
            "admins": sum(1 for u in seeded if u.role == "admin"),
            "users": len(seeded),
            "banned": sum(1 for u in seeded if u.banned and u.ban_reason and u.ban_expires),
            "statuses": set(statuses),
            "max_members": max(member_counts),
            "team_counts_ok": team_ok,
            "credential_per_user": {a.user_id for a in credential if a.account_id == a.user_id}
            >= {u.id for u in seeded},
            "hand_user": "hand@example.org" in emails,
            "hand_org": "hand" in slugs,
        }

    found = query(fresh_db, facts)
    assert found == {
        "duplicate_emails": 0,
        "duplicate_slugs": 0,
        "admins": 1,
        "users": 7,
        "banned": 1,
        "statuses": {"pending", "accepted", "rejected", "canceled"},
        "max_members": 4,
        "team_counts_ok": True,
        "credential_per_user": True,
        "hand_user": True,
        "hand_org": True,
    }
    assert first["passkey"] >= 1
    assert first["ssoProvider"] >= 1
    assert first["subscription"] >= 1
    assert first["session"] >= 3


def test_seeded_password_verifies_both_ways(fresh_db: str) -> None:
    assert run_seed(fresh_db) == 0

    async def owner_hash(db: AsyncSession) -> str:
        statement = (
            select(Account.password)
            .join(User, User.id == Account.user_id)
            .where(User.email == "owner@seed.example.com", Account.provider_id == "credential")
        )
        return str((await db.execute(statement)).scalar_one())

    stored = query(fresh_db, owner_hash)
    assert verify_password(stored, seed.DEFAULT_PASSWORD)
    assert better_auth_verify(stored, seed.DEFAULT_PASSWORD)


def test_an_injected_failure_changes_nothing(fresh_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_seed(fresh_db) == 0
    before = query(fresh_db, dump)
    original = seed.insert_plan

    async def fail_half_way(db: AsyncSession, plan: Any, progress: Any) -> None:
        del plan.rows[Organization]  # other tables go in, then the organizations' children fail
        await original(db, plan, progress)

    monkeypatch.setattr(seed, "insert_plan", fail_half_way)
    assert run_seed(fresh_db) == 1
    assert query(fresh_db, dump) == before


def test_seed_7_twice_gives_identical_dumps(backend: str, tmp_path: Path, pg_database_factory: list[str]) -> None:
    dumps = []
    for _ in range(2):
        url = new_database_url(backend, tmp_path, pg_database_factory)
        migrations.upgrade(make_settings(url, None))
        assert run_seed(url, "--seed", "7", "--scale", "10") == 0
        dumps.append(query(url, dump))
    for table in dumps[0]:
        assert dumps[0][table] == dumps[1][table], table
    assert len(dumps[0]["user"]) == 7 + 27


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "seed.py"), "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})},
        check=False,
    )


def test_an_unmigrated_database_is_refused_and_left_empty(
    backend: str, tmp_path: Path, pg_database_factory: list[str]
) -> None:
    url = new_database_url(backend, tmp_path, pg_database_factory)
    result = _cli("--database-url", url)
    assert result.returncode != 0
    assert "litestar database upgrade" in result.stderr

    async def tables(db: AsyncSession) -> list[str]:
        connection = await db.connection()
        return list(await connection.run_sync(lambda c: __import__("sqlalchemy").inspect(c).get_table_names()))

    assert query(url, tables) == []


def test_a_production_configuration_needs_force(fresh_db: str) -> None:
    env = {"APP_ENV": "production", "BETTER_AUTH_SECRET": "a-real-production-secret-0123456789-abc"}
    refused = _cli("--database-url", fresh_db, env=env)
    assert refused.returncode == 1
    assert "production" in refused.stderr
    forced = _cli("--database-url", fresh_db, "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert "owner@seed.example.com" in forced.stdout
    assert "gho_" not in forced.stdout + forced.stderr  # OAuth tokens are never printed


def test_messages_are_not_wrapped_when_output_is_captured(tmp_path: Path) -> None:
    """Captured output is not a terminal: Rich's 80-column fallback must not split a message."""
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "seed.py"),
            "--quiet",
            "--database-url",
            f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any("Run `litestar database upgrade` first." in line for line in lines), result.stderr
    assert len(lines) == 1, result.stderr
