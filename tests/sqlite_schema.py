"""A comparable description of a SQLite schema, readable through any SQL channel.

The same query runs through Python's ``sqlite3`` and through ``wrangler d1 execute --json`` (D1
exposes the ``pragma_*`` table-valued functions, but refuses them on its own ``_cf_`` tables), so a D1 database and an Alembic-built SQLite
file are compared by what SQLite itself reports: tables, columns (type, nullability, default,
primary key), foreign keys (target, actions) and indexes (name, uniqueness, columns).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

__all__ = ("SCHEMA_QUERIES", "describe", "describe_file", "platform_table")

SCHEMA_QUERIES = (
    """SELECT m.name AS tbl, p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk
       FROM sqlite_master m JOIN pragma_table_info(m.name) p
       WHERE m.type = 'table' AND substr(m.name, 1, 4) <> '_cf_' ORDER BY m.name, p.cid""",
    """SELECT m.name AS tbl, f.id, f.seq, f."table" AS ref, f."from" AS col, f."to" AS ref_col,
              f.on_update, f.on_delete
       FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table' AND substr(m.name, 1, 4) <> '_cf_' ORDER BY m.name, f.id, f.seq""",
    """SELECT m.name AS tbl, il.name AS idx, il."unique", il.origin, il.partial, ii.seqno, ii.name AS col
       FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii
       WHERE m.type = 'table' AND substr(m.name, 1, 4) <> '_cf_' ORDER BY m.name, il.name, ii.seqno""",
)
SECTIONS = ("columns", "foreign keys", "indexes")


def platform_table(name: str) -> bool:
    """Tables SQLite or D1 keep for themselves (D1's migration log, its ``_cf_`` tables)."""
    return name.startswith(("sqlite_", "_cf_")) or name == "d1_migrations"


def describe(results: list[list[dict[str, Any]]]) -> dict[str, set[tuple[Any, ...]]]:
    """Rows of :data:`SCHEMA_QUERIES`' results -> section -> set of rows (platform tables left out)."""
    described: dict[str, set[tuple[Any, ...]]] = {}
    for section, rows in zip(SECTIONS, results, strict=True):
        described[section] = {tuple(row.values()) for row in rows if not platform_table(str(row["tbl"]))}
    described["tables"] = {(row[0],) for row in described["columns"]}
    return described


def describe_file(path: Path) -> dict[str, set[tuple[Any, ...]]]:
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        results = [[dict(row) for row in connection.execute(query)] for query in SCHEMA_QUERIES]
    connection.close()
    return describe(results)
