"""Alembic environment for ``litestar database ...`` (advanced-alchemy's Alembic integration).

Beyond the stock template it:
- renders the project's column types and server defaults with their imports, so revision files
  work on every dialect;
- refuses to run with several heads, naming each of them;
- on SQLite, turns foreign keys off while revisions run (a batch rebuild of a parent table would
  otherwise cascade-delete its children), then runs ``PRAGMA foreign_key_check`` and fails on any
  violation before turning them back on;
- after upgrading, checks that every foreign key references an existing table (SQLite accepts a
  dangling reference silently; PostgreSQL's own error is rewritten to say ``foreign key``);
- keeps revisions transactional on PostgreSQL (see ``script.py.mako``: no autocommit block).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal, cast

from alembic import context
from sqlalchemy import inspect, pool
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_engine_from_config
from sqlalchemy.schema import DefaultClause

from app.db.models import Base
from app.db.types import UTCDateTime, UtcNow

if TYPE_CHECKING:
    from advanced_alchemy.alembic.commands import AlembicCommandConfig
    from alembic.autogenerate.api import AutogenContext
    from sqlalchemy.engine import Connection

config: AlembicCommandConfig = context.config  # type: ignore[assignment]
target_metadata = Base.metadata


class MigrationError(RuntimeError):
    """A problem with the revisions or the schema they produce; the message names it."""


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render project types with an import instead of Alembic's ``sa.<Type>`` guess."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("from app.db.types import UTCDateTime")
        return "UTCDateTime()"
    if type_ == "server_default" and isinstance(obj, DefaultClause) and isinstance(obj.arg, UtcNow):
        autogen_context.imports.add("from app.db.types import UtcNow")
        return "UtcNow()"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=config.compare_type,
        version_table=config.version_table_name,
        version_table_schema=config.version_table_schema,
        version_table_pk=config.version_table_pk,
        user_module_prefix=config.user_module_prefix,
        render_as_batch=config.render_as_batch,
        render_item=render_item,
        **kwargs,
    )


def check_single_head() -> None:
    heads = context.script.get_heads()
    if len(heads) > 1:
        names = ", ".join(sorted(heads))
        msg = (
            f"Multiple head revisions: {names}. Two revisions share a parent; "
            'merge them with `litestar database merge -m "merge" heads` (or re-parent one) and try again.'
        )
        raise MigrationError(msg)


def check_foreign_key_targets(connection: Connection) -> None:
    """Every foreign key must reference a table that exists after the revisions ran."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    for table in sorted(tables):
        for fk in inspector.get_foreign_keys(table):
            target = fk["referred_table"]
            if target not in tables:
                columns = ", ".join(fk["constrained_columns"])
                msg = f'foreign key {table}({columns}) references missing table "{target}"'
                raise MigrationError(msg)


def _sqlite_foreign_key_check(connection: Connection) -> None:
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        listed = "; ".join(f"{row[0]} rowid {row[1]} -> {row[2]}" for row in problems[:10])
        msg = f"foreign key check failed after migration ({len(problems)} violations): {listed}"
        raise MigrationError(msg)


def _rewrite_missing_reference(exc: DBAPIError) -> None:
    statement = str(exc.statement or "").upper()
    if "REFERENCES" in statement and "does not exist" in str(exc.orig):
        msg = f"foreign key references a missing table: {exc.orig}"
        raise MigrationError(msg) from exc


def _sqlite_foreign_keys(connection: Connection, enabled: bool) -> None:
    """PRAGMA foreign_keys is a no-op inside a transaction: run it on the raw DBAPI connection,
    outside SQLAlchemy's transaction handling."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
    finally:
        cursor.close()


def do_run_migrations(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        if connection.in_transaction():
            connection.commit()
        _sqlite_foreign_keys(connection, enabled=False)
    _configure(connection=connection)
    try:
        with context.begin_transaction():
            context.run_migrations()
            check_foreign_key_targets(connection)
            if is_sqlite:
                _sqlite_foreign_key_check(connection)
    except DBAPIError as exc:
        _rewrite_missing_reference(exc)
        raise
    finally:
        if is_sqlite:
            if connection.in_transaction():
                connection.commit()
            _sqlite_foreign_keys(connection, enabled=True)


def run_migrations_offline() -> None:
    """Emit SQL instead of running it (``upgrade --sql``)."""
    _configure(url=config.db_url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    configuration = config.get_section(config.config_ini_section) or {}
    configuration["sqlalchemy.url"] = config.db_url
    connectable = cast(
        "AsyncEngine",
        config.engine
        or async_engine_from_config(configuration, prefix="sqlalchemy.", poolclass=pool.NullPool, future=True),
    )
    async with connectable.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await connectable.dispose()


check_single_head()
if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
