"""The migration workflow through the real CLI (``litestar database ...``) on both databases.

Broken situations (two heads, a foreign key to a missing table, a failing revision, a table
rebuild) are built in a temporary copy of ``migrations/`` so the committed revisions stay untouched.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import create_async_engine

from app.db.models import UserSession
from tests.helpers import add_revision, copy_migrations, new_database_url

pytestmark = pytest.mark.cli

ROOT = Path(__file__).resolve().parent.parent


# Broken revisions are stacked on the committed head (whatever it is when the test runs).
def _committed_head() -> str:
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert head is not None
    return head


HEAD = _committed_head()


def litestar(*args: str, db_url: str, migrations_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "APP_ENV": "test", "NO_COLOR": "1", "COLUMNS": "200"}
    env["MIGRATIONS_DIR"] = str(migrations_dir or ROOT / "migrations")
    return subprocess.run(
        [sys.executable, "-m", "litestar", "database", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path, pg_database_factory: list[str]) -> str:
    return new_database_url(backend, tmp_path, pg_database_factory)


@pytest.fixture
def scratch_migrations(tmp_path: Path) -> Path:
    """A throwaway copy of migrations/ to add broken revisions to."""
    return copy_migrations(tmp_path)


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_to_base_and_upgrade_again(fresh_url: str) -> None:
    first = litestar("upgrade", "--no-prompt", db_url=fresh_url)
    assert first.returncode == 0, first.stderr
    assert {"user", "teamMember", "ssoProvider"} <= await table_names(fresh_url)
    assert litestar("check", db_url=fresh_url).returncode == 0

    down = litestar("downgrade", "base", "--no-prompt", db_url=fresh_url)
    assert down.returncode == 0, down.stderr
    assert await table_names(fresh_url) <= {"alembic_versions"}

    again = litestar("upgrade", "--no-prompt", db_url=fresh_url)
    assert again.returncode == 0, again.stderr
    assert "user" in await table_names(fresh_url)


async def test_check_fails_when_models_and_revisions_differ(fresh_url: str, scratch_migrations: Path) -> None:
    add_revision(
        scratch_migrations,
        "drift0000001",
        HEAD,
        """
        with op.batch_alter_table("user") as batch:
            batch.drop_column("preferredLocale")
        """,
    )
    assert litestar("upgrade", "--no-prompt", db_url=fresh_url, migrations_dir=scratch_migrations).returncode == 0
    result = litestar("check", db_url=fresh_url, migrations_dir=scratch_migrations)
    assert result.returncode != 0
    assert "preferredLocale" in result.stdout + result.stderr


async def test_make_migrations_on_an_unchanged_schema_writes_nothing(fresh_url: str, scratch_migrations: Path) -> None:
    assert litestar("upgrade", "--no-prompt", db_url=fresh_url, migrations_dir=scratch_migrations).returncode == 0
    before = sorted(p.name for p in (scratch_migrations / "versions").iterdir())
    result = litestar(
        "make-migrations", "--no-prompt", "-m", "nothing", db_url=fresh_url, migrations_dir=scratch_migrations
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (scratch_migrations / "versions").iterdir()) == before


async def test_two_heads_fail_naming_both_revisions(fresh_url: str, scratch_migrations: Path) -> None:
    add_revision(scratch_migrations, "headaaaa0001", HEAD, 'op.add_column("team", sa.Column("colour", sa.Text()))')
    add_revision(scratch_migrations, "headbbbb0002", HEAD, 'op.add_column("team", sa.Column("motto", sa.Text()))')
    result = litestar("upgrade", "--no-prompt", db_url=fresh_url, migrations_dir=scratch_migrations)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "headaaaa0001" in output
    assert "headbbbb0002" in output
    assert "user" not in await table_names(fresh_url)


async def test_a_foreign_key_to_a_missing_table_fails_and_says_so(fresh_url: str, scratch_migrations: Path) -> None:
    add_revision(
        scratch_migrations,
        "ghostfk00001",
        HEAD,
        """
        op.create_table(
            "widget",
            sa.Column("id", sa.Text(), primary_key=True),
            sa.Column("ghostId", sa.Text(), sa.ForeignKey("ghost.id", ondelete="CASCADE")),
        )
        """,
    )
    result = litestar("upgrade", "--no-prompt", db_url=fresh_url, migrations_dir=scratch_migrations)
    assert result.returncode != 0
    assert "foreign key" in (result.stdout + result.stderr).lower()


async def test_a_failing_revision_leaves_nothing_behind_on_postgres(
    backend: str, fresh_url: str, scratch_migrations: Path
) -> None:
    if backend != "postgres":
        pytest.skip("transactional DDL is a PostgreSQL guarantee")
    assert litestar("upgrade", "--no-prompt", db_url=fresh_url).returncode == 0
    add_revision(
        scratch_migrations,
        "halfway00001",
        HEAD,
        """
        op.create_table("halfway", sa.Column("id", sa.Text(), primary_key=True))
        op.add_column("user", sa.Column("nickname", sa.Text()))
        op.create_table("user", sa.Column("id", sa.Text(), primary_key=True))  # fails: exists
        """,
    )
    result = litestar("upgrade", "--no-prompt", db_url=fresh_url, migrations_dir=scratch_migrations)
    assert result.returncode != 0
    assert "halfway" not in await table_names(fresh_url)
    current = litestar("show-current-revision", db_url=fresh_url, migrations_dir=scratch_migrations)
    assert HEAD in current.stdout + current.stderr


async def test_a_sqlite_batch_rebuild_of_a_parent_keeps_every_child_row(
    backend: str, fresh_url: str, scratch_migrations: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("batch table rebuilds are SQLite's way of altering tables")
    assert litestar("upgrade", "--no-prompt", db_url=fresh_url).returncode == 0
    path = fresh_url.split("///", 1)[1]
    with sqlite3.connect(path) as raw:
        raw.execute("""INSERT INTO "user" (id, name, email) VALUES ('u1', 'Ada', 'ada@example.com')""")
        raw.executemany(
            """INSERT INTO session (id, token, "userId", "expiresAt") VALUES (?, ?, 'u1', 0)""",
            [(f"s{i}", f"token{i}") for i in range(5)],
        )
    add_revision(
        scratch_migrations,
        "rebuild00001",
        HEAD,
        """
        with op.batch_alter_table("user", recreate="always") as batch:
            batch.add_column(sa.Column("nickname", sa.Text()))
        """,
    )
    result = litestar("upgrade", "--no-prompt", db_url=fresh_url, migrations_dir=scratch_migrations)
    assert result.returncode == 0, result.stderr
    engine = create_async_engine(fresh_url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(select(func.count()).select_from(UserSession))).scalar_one() == 5
    finally:
        await engine.dispose()
