"""The D1 migration files: up to date, the Alembic schema, and no silent cascade on D1.

D1 is emulated here by SQLite with foreign keys always on (what D1 enforces); the real tool runs
the same files in ``tests/interop/test_d1_wrangler.py``.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from app.config import PROJECT_ROOT, Settings
from app.db.migrations import upgrade
from app.dev.d1_export import D1ExportError, check_d1_safe, d1_migrations_dir, export, render_migrations
from tests.helpers import add_revision, copy_migrations, make_settings
from tests.sqlite_schema import describe_file

D1_DIR = d1_migrations_dir(PROJECT_ROOT / "wrangler.toml")
HEAD = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()

# Rebuilds "team" (batch mode: copy, DROP TABLE team, rename). Its children: "teamMember"
# (ON DELETE CASCADE) and "member"."teamId" (ON DELETE SET NULL).
REBUILD_TEAM = """
from app.db.models import Base
with op.batch_alter_table("team", recreate="always", copy_from=Base.metadata.tables["team"]) as batch:
    batch.add_column(sa.Column("color", sa.Text()))
"""
SAVE_CHILDREN = """
op.execute('CREATE TABLE keep_team_member AS SELECT * FROM "teamMember"')
op.execute('CREATE TABLE keep_member_team AS SELECT id, "teamId" FROM member WHERE "teamId" IS NOT NULL')
"""
RESTORE_CHILDREN = """
op.execute('INSERT INTO "teamMember" SELECT * FROM keep_team_member')
op.execute(
    'UPDATE member SET "teamId" = (SELECT k."teamId" FROM keep_member_team k WHERE k.id = member.id) '
    'WHERE id IN (SELECT id FROM keep_member_team)'
)
op.execute("DROP TABLE keep_team_member")
op.execute("DROP TABLE keep_member_team")
"""


def offline_settings(migrations_dir: Path) -> Settings:
    return dataclasses.replace(make_settings(None, None), migrations_dir=migrations_dir)


def apply_like_d1(path: Path, files: list[str]) -> None:
    """Run migration scripts in order on a SQLite file with foreign keys on, as D1 does."""
    with sqlite3.connect(path, isolation_level=None) as db:
        db.execute("PRAGMA foreign_keys=ON")
        for text in files:
            db.executescript(text)
    db.close()


def test_the_committed_d1_files_are_up_to_date() -> None:
    assert export(offline_settings(PROJECT_ROOT / "migrations"), D1_DIR, check_only=True) == []


def test_check_mode_names_missing_and_stale_files(tmp_path: Path) -> None:
    settings = offline_settings(PROJECT_ROOT / "migrations")
    assert export(settings, tmp_path) != []  # an empty folder: everything was missing
    assert export(settings, tmp_path, check_only=True) == []
    first = sorted(tmp_path.glob("*.sql"))[0]
    first.write_text(first.read_text() + "-- edited\n")
    (tmp_path / "9999_stray.sql").write_text("SELECT 1;\n")
    assert export(settings, tmp_path, check_only=True) == [
        f"out of date {first.name}",
        "not from any revision 9999_stray.sql",
    ]


def test_the_cli_check_fails_on_a_stale_folder_and_says_how_to_fix_it(tmp_path: Path) -> None:
    wrangler = tmp_path / "wrangler.toml"
    wrangler.write_text('[[d1_databases]]\nbinding = "DB"\ndatabase_name = "x"\nmigrations_dir = "d1"\n')
    command = [sys.executable, "scripts/export_d1.py", "--wrangler", str(wrangler)]
    stale = subprocess.run([*command, "--check"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert stale.returncode == 1
    assert "missing 0001_" in stale.stderr
    assert "python scripts/export_d1.py" in stale.stderr
    assert subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, check=False).returncode == 0
    fresh = subprocess.run([*command, "--check"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert fresh.returncode == 0, fresh.stderr


def test_one_file_per_revision_in_the_order_d1_applies_them() -> None:
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    in_order = [revision.revision for revision in reversed(list(script.walk_revisions()))]
    files = sorted(path.name for path in D1_DIR.glob("*.sql"))  # D1 applies them by file name
    assert [name.split("_")[1] for name in files] == in_order


def test_the_files_hold_no_transaction_statements() -> None:
    for path in D1_DIR.glob("*.sql"):
        for line in path.read_text().splitlines():
            assert line.split(" ", 1)[0].upper().rstrip(";") not in ("BEGIN", "COMMIT", "ROLLBACK", "END", "SAVEPOINT")


def test_the_files_build_the_schema_alembic_builds_on_sqlite(tmp_path: Path) -> None:
    alembic_db = tmp_path / "alembic.sqlite3"
    upgrade(make_settings(f"sqlite+aiosqlite:///{alembic_db}", None))
    d1_db = tmp_path / "d1.sqlite3"
    apply_like_d1(d1_db, [path.read_text() for path in sorted(D1_DIR.glob("*.sql"))])
    assert describe_file(d1_db) == describe_file(alembic_db)
    with sqlite3.connect(d1_db) as db:
        assert db.execute("SELECT version_num FROM alembic_versions").fetchall() == [(HEAD,)]
    db.close()


def test_a_transaction_statement_is_refused(tmp_path: Path) -> None:
    migrations = copy_migrations(tmp_path)
    assert HEAD is not None
    add_revision(migrations, "txn000000001", HEAD, 'op.execute("SAVEPOINT before_change")')
    with pytest.raises(D1ExportError, match="transaction statements"):
        check_d1_safe(render_migrations(offline_settings(migrations)))


def test_a_rebuild_of_a_table_with_cascading_children_is_refused_naming_them(tmp_path: Path) -> None:
    migrations = copy_migrations(tmp_path)
    assert HEAD is not None
    add_revision(migrations, "rebuild00001", HEAD, REBUILD_TEAM)
    with pytest.raises(D1ExportError) as refused:
        check_d1_safe(render_migrations(offline_settings(migrations)))
    message = str(refused.value)
    assert "rebuild00001" in message
    assert 'drops table "team"' in message
    assert '"teamMember" (ON DELETE CASCADE)' in message
    assert '"member" (ON DELETE SET NULL)' in message


def test_a_rebuild_of_organization_names_the_children_of_its_children(tmp_path: Path) -> None:
    migrations = copy_migrations(tmp_path)
    assert HEAD is not None
    add_revision(migrations, "rebuild00002", HEAD, REBUILD_TEAM.replace('"team"', '"organization"'))
    with pytest.raises(D1ExportError) as refused:
        check_d1_safe(render_migrations(offline_settings(migrations)))
    assert '"teamMember" (ON DELETE CASCADE via "team")' in str(refused.value)
    assert '"invitation" (ON DELETE CASCADE)' in str(refused.value)


def populated_d1(path: Path, files: list[str]) -> None:
    """A D1-like database at head with a team, a member in it and a team membership."""
    apply_like_d1(path, files)
    with sqlite3.connect(path, isolation_level=None) as db:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("""INSERT INTO "user" (id, name, email) VALUES ('u1', 'Ada', 'ada@example.com')""")
        db.execute("INSERT INTO organization (id, name, slug) VALUES ('o1', 'Acme', 'acme')")
        db.execute("""INSERT INTO team (id, name, "organizationId") VALUES ('t1', 'Core', 'o1')""")
        db.execute("""INSERT INTO member (id, "organizationId", "userId", "teamId") VALUES ('m1', 'o1', 'u1', 't1')""")
        db.execute("""INSERT INTO "teamMember" (id, "teamId", "userId") VALUES ('tm1', 't1', 'u1')""")
    db.close()


def team_rows(path: Path) -> tuple[int, str | None]:
    with sqlite3.connect(path) as db:
        memberships = db.execute('SELECT count(*) FROM "teamMember"').fetchone()[0]
        team_id = db.execute('SELECT "teamId" FROM member WHERE id = ?', ("m1",)).fetchone()[0]
    db.close()
    return int(memberships), team_id


def test_the_refused_rebuild_would_really_lose_rows_on_d1(tmp_path: Path) -> None:
    """What the refusal prevents: the unchecked SQL, applied as D1 applies it, loses the children."""
    migrations = copy_migrations(tmp_path)
    assert HEAD is not None
    add_revision(migrations, "rebuild00001", HEAD, REBUILD_TEAM)
    *committed, rebuild = [m.text for m in render_migrations(offline_settings(migrations))]
    path = tmp_path / "d1.sqlite3"
    populated_d1(path, committed)
    apply_like_d1(path, [rebuild])
    assert team_rows(path) == (0, None)


def test_a_rebuild_that_saves_and_restores_its_children_is_exported_and_keeps_them(tmp_path: Path) -> None:
    migrations = copy_migrations(tmp_path)
    assert HEAD is not None
    add_revision(migrations, "rebuild00003", HEAD, SAVE_CHILDREN + REBUILD_TEAM + RESTORE_CHILDREN)
    target = tmp_path / "d1"
    export(offline_settings(migrations), target)  # no refusal
    *committed, rebuild = [path.read_text() for path in sorted(target.glob("*.sql"))]
    assert "rebuild00003" in rebuild
    path = tmp_path / "d1.sqlite3"
    populated_d1(path, committed)
    apply_like_d1(path, [rebuild])
    assert team_rows(path) == (1, "t1")


def test_saving_only_some_children_is_still_refused(tmp_path: Path) -> None:
    migrations = copy_migrations(tmp_path)
    assert HEAD is not None
    partial_restore = RESTORE_CHILDREN.split("op.execute(\n")[0]  # restores teamMember only
    add_revision(migrations, "rebuild00004", HEAD, SAVE_CHILDREN + REBUILD_TEAM + partial_restore)
    with pytest.raises(D1ExportError) as refused:
        check_d1_safe(render_migrations(offline_settings(migrations)))
    assert '"member" (ON DELETE SET NULL)' in str(refused.value)
    assert "teamMember" not in str(refused.value)
