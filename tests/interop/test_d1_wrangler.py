"""The exported D1 migrations, applied by the real ``wrangler d1 migrations apply DB --local``.

wrangler runs D1 locally in workerd (shipped in an npm package, so this works offline); the
schema D1 ends up with is read back through ``wrangler d1 execute`` and compared with the schema
``litestar database upgrade`` builds in SQLite.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory

from app.config import PROJECT_ROOT
from app.db.migrations import upgrade
from app.dev.d1_export import d1_migrations_dir
from tests.helpers import make_settings
from tests.interop.tools import run_node
from tests.sqlite_schema import SCHEMA_QUERIES, describe, describe_file

D1_DIR = d1_migrations_dir(PROJECT_ROOT / "wrangler.toml")


@pytest.fixture(scope="module")
def worker(node_tools: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's wrangler.toml and D1 migrations, as a Worker project would have them."""
    project = tmp_path_factory.mktemp("worker")
    shutil.copy(PROJECT_ROOT / "wrangler.toml", project / "wrangler.toml")
    shutil.copytree(D1_DIR, project / D1_DIR.relative_to(PROJECT_ROOT))
    return project


def wrangler(node_tools: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_node([str(node_tools / "node_modules" / ".bin" / "wrangler"), *args], project, timeout=300)


def d1_query(node_tools: Path, project: Path, sql: str) -> list[list[dict[str, Any]]]:
    result = wrangler(node_tools, project, "d1", "execute", "DB", "--local", "--json", "--command", sql)
    assert result.returncode == 0, result.stdout + result.stderr
    return [batch["results"] for batch in json.loads(result.stdout)]


@pytest.fixture(scope="module")
def applied(node_tools: Path, worker: Path) -> subprocess.CompletedProcess[str]:
    return wrangler(node_tools, worker, "d1", "migrations", "apply", "DB", "--local")


def test_wrangler_applies_every_file_in_order(node_tools: Path, worker: Path, applied: Any) -> None:
    assert applied.returncode == 0, applied.stdout + applied.stderr
    files = sorted(path.name for path in D1_DIR.glob("*.sql"))
    [recorded] = d1_query(node_tools, worker, "SELECT name FROM d1_migrations ORDER BY id")
    assert [row["name"] for row in recorded] == files
    again = wrangler(node_tools, worker, "d1", "migrations", "apply", "DB", "--local")
    assert again.returncode == 0
    assert "No migrations to apply" in again.stdout + again.stderr


def test_local_d1_has_the_schema_alembic_builds_in_sqlite(
    node_tools: Path, worker: Path, applied: Any, tmp_path: Path
) -> None:
    assert applied.returncode == 0, applied.stdout + applied.stderr
    d1 = describe(d1_query(node_tools, worker, ";\n".join(SCHEMA_QUERIES)))
    alembic_db = tmp_path / "alembic.sqlite3"
    upgrade(make_settings(f"sqlite+aiosqlite:///{alembic_db}", None))
    alembic = describe_file(alembic_db)
    assert {("user",), ("teamMember",), ("alembic_versions",)} <= alembic["tables"]
    for section in ("tables", "columns", "foreign keys", "indexes"):
        assert d1[section] == alembic[section], section
    [versions] = d1_query(node_tools, worker, "SELECT version_num FROM alembic_versions")
    head = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()
    assert versions == [{"version_num": head}]


def test_local_d1_enforces_the_foreign_keys_and_defaults(node_tools: Path, worker: Path, applied: Any) -> None:
    assert applied.returncode == 0, applied.stdout + applied.stderr
    dangling = wrangler(
        node_tools,
        worker,
        *("d1", "execute", "DB", "--local", "--command"),
        """INSERT INTO session (id, token, "userId", "expiresAt") VALUES ('s1', 't1', 'nobody', 0)""",
    )
    assert dangling.returncode != 0
    assert "FOREIGN KEY constraint failed" in dangling.stdout + dangling.stderr
    [rows] = d1_query(
        node_tools,
        worker,
        """INSERT INTO "user" (id, name, email) VALUES ('u1', 'Ada', 'ada@example.com')
           RETURNING "emailVerified", typeof("createdAt") AS created_type, "createdAt" > 1700000000000 AS in_ms""",
    )
    assert rows == [{"emailVerified": 0, "created_type": "integer", "in_ms": 1}]
