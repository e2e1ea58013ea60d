"""The migrated schema matches Better Auth's own DDL (1.7.25, from ``tests/data``), inspected on both databases.

Better Auth's DDL is applied to a scratch database of the same backend; both are then read back
with SQLAlchemy's inspector and compared: tables, columns, nullability, unique constraints,
indexes and foreign keys with their ``ON DELETE`` action.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.helpers import new_database_url

DATA = Path(__file__).parent / "data"
BETTER_AUTH_TABLES = {
    "user", "session", "account", "verification", "organization", "member",
    "invitation", "team", "teamMember", "passkey", "ssoProvider", "subscription",
}  # fmt: skip


def _snapshot(connection: Connection) -> dict[str, dict[str, Any]]:
    inspector = inspect(connection)
    tables: dict[str, dict[str, Any]] = {}
    for table in inspector.get_table_names():
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
        uniques |= {tuple(c for c in i["column_names"] if c) for i in inspector.get_indexes(table) if i["unique"]}
        tables[table] = {
            "columns": {c["name"]: c for c in inspector.get_columns(table)},
            "uniques": uniques,
            "indexes": {i["name"]: tuple(i["column_names"]) for i in inspector.get_indexes(table)},
            "fks": _foreign_keys(connection, table),
        }
    return tables


def _foreign_keys(connection: Connection, table: str) -> dict[tuple[Any, ...], str]:
    """(columns, target table, target columns) -> ON DELETE action.

    SQLite's reflection does not parse the action of an inline ``REFERENCES ... ON DELETE``
    (Better Auth's DDL style), so SQLite asks the engine itself.
    """
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').mappings().all()
        return {((r["from"],), r["table"], (r["to"],)): str(r["on_delete"]).upper() for r in rows}
    return {
        (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"])): (
            (fk.get("options") or {}).get("ondelete") or "NO ACTION"
        ).upper()
        for fk in inspect(connection).get_foreign_keys(table)
    }


async def _inspect(engine: AsyncEngine) -> dict[str, dict[str, Any]]:
    async with engine.connect() as connection:
        return await connection.run_sync(_snapshot)


@pytest.fixture
async def reference(backend: str, tmp_path: Path, pg_database_factory: list[str]) -> dict[str, dict[str, Any]]:
    """Better Auth's schema, created by its own DDL in a scratch database of this backend."""
    url = new_database_url(backend, tmp_path, pg_database_factory)
    ddl = (DATA / f"better-auth-1.7.25-{'sqlite' if backend == 'sqlite' else 'postgres'}.sql").read_text()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in filter(None, (s.strip() for s in ddl.split(";"))):
                await connection.exec_driver_sql(statement)
        return await _inspect(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def ours(engine: AsyncEngine) -> dict[str, dict[str, Any]]:
    return await _inspect(engine)


def test_every_better_auth_table_and_column_with_its_nullability(
    reference: dict[str, dict[str, Any]], ours: dict[str, dict[str, Any]]
) -> None:
    assert set(reference) == BETTER_AUTH_TABLES
    assert set(ours) >= BETTER_AUTH_TABLES
    for table, ref in reference.items():
        for name, column in ref["columns"].items():
            assert name in ours[table]["columns"], f"{table}.{name} is missing"
            assert ours[table]["columns"][name]["nullable"] == column["nullable"], f"{table}.{name} nullability"


def test_columns_added_to_better_auth_tables_are_nullable_or_defaulted(
    reference: dict[str, dict[str, Any]], ours: dict[str, dict[str, Any]]
) -> None:
    for table, ref in reference.items():
        for name in set(ours[table]["columns"]) - set(ref["columns"]):
            column = ours[table]["columns"][name]
            assert column["nullable"] or column["default"] is not None, f"{table}.{name} would break Better Auth"


def test_unique_constraints_and_indexes(reference: dict[str, dict[str, Any]], ours: dict[str, dict[str, Any]]) -> None:
    for table, ref in reference.items():
        assert ref["uniques"] <= ours[table]["uniques"], table
        for name, columns in ref["indexes"].items():
            assert ours[table]["indexes"].get(name) == columns, f"index {name}"
    expected = {("user", "email"), ("session", "token"), ("organization", "slug"),
                ("ssoProvider", "providerId"), ("teamMember", "membershipKey")}  # fmt: skip
    for table, column in expected:
        assert (column,) in ours[table]["uniques"]


def test_foreign_keys_cascade_and_are_indexed(
    reference: dict[str, dict[str, Any]], ours: dict[str, dict[str, Any]]
) -> None:
    for table, ref in reference.items():
        for key, ondelete in ref["fks"].items():
            assert ours[table]["fks"].get(key) == "CASCADE" == ondelete, f"{table} {key}"
    cascades = [key for t in ours.values() for key, action in t["fks"].items() if action == "CASCADE"]
    assert len(cascades) >= 11
    for snapshot in ours.values():
        indexed = set(snapshot["indexes"].values()) | snapshot["uniques"]
        for columns, _target, _cols in snapshot["fks"]:
            assert columns in indexed, f"foreign key {columns} is not indexed"


def test_columns_the_seed_adds(ours: dict[str, dict[str, Any]]) -> None:
    assert ours["user"]["columns"]["preferredLocale"]["nullable"]
    assert ours["member"]["columns"]["teamId"]["nullable"]
    assert ours["member"]["fks"][(("teamId",), "team", ("id",))] == "SET NULL"
    assert "member" in str(ours["member"]["columns"]["role"]["default"])
    for table in BETTER_AUTH_TABLES:
        assert {"createdAt", "updatedAt"} <= set(ours[table]["columns"]), table
