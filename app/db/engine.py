"""Engine and session configuration (advanced-alchemy) for the ``DB`` binding.

SQLite is the embedded default; PostgreSQL (asyncpg) serves deployments with many workers.
On SQLite every connection enforces foreign keys (as D1 does), uses WAL and waits on locks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import PoolResetState

from app.config import Settings
from app.db.models import Base

__all__ = (
    "create_engine",
    "ensure_sqlite_directory",
    "install_sqlite_pragmas",
    "sqlalchemy_config",
    "sqlite_pragmas",
    "writer",
)

WRITE_OPTION = "sqlite_begin_immediate"


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (same pool) for a unit of work that will write.

    SQLite allows one writer. A deferred transaction that reads and then writes can fail at once
    with "database is locked" when another writer committed in between (the busy timeout does not
    help); on connections of this engine SQLite transactions start with ``BEGIN IMMEDIATE``, take
    the write lock up front and wait their turn instead. Reads keep plain ``BEGIN`` and run
    concurrently under WAL. Other databases ignore the option.
    """
    return engine.execution_options(**{WRITE_OPTION: True})


VERSION_TABLE = "alembic_versions"


def ensure_sqlite_directory(url: str | URL) -> None:
    """Create the directory of a SQLite file so that the first ``upgrade`` can create the file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def sqlite_pragmas(busy_timeout_ms: int) -> tuple[str, ...]:
    """What every SQLite connection of the service runs first: foreign keys enforced (as on D1),
    WAL (readers never wait for the writer), and a busy timeout instead of failing at once."""
    return (
        "PRAGMA foreign_keys=ON",
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        f"PRAGMA busy_timeout={int(busy_timeout_ms)}",
    )


def install_sqlite_pragmas(engine: AsyncEngine, busy_timeout_ms: int, cache_kib: int | None = None) -> None:
    """Per-connection pragmas, and explicit transactions (``BEGIN`` / ``BEGIN IMMEDIATE``) on SQLite.

    The driver's own implicit transactions are turned off (``isolation_level = None``) so that
    SQLAlchemy's begin emits the statement chosen here, DDL included (transactional migrations).
    ``cache_kib`` enlarges the page cache (SQLite's default is 2 MiB) for bulk loads.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in sqlite_pragmas(busy_timeout_ms):
                cursor.execute(pragma)
            if cache_kib:
                cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine.sync_engine.pool, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # The pool's own reset (disabled in create_engine) would send a ROLLBACK for every
        # connection returned, though a request's session has already committed or rolled back:
        # one more thread round trip per request. SQLite says whether a transaction is open, so
        # roll back exactly when one is (a connection never goes back to the pool holding a lock).
        if state.asyncio_safe and dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()


def _engine_kwargs(settings: Settings) -> dict[str, Any]:
    if settings.is_sqlite:
        # Reset on return is done by install_sqlite_pragmas' "reset" listener, only when needed.
        kwargs: dict[str, Any] = {
            "connect_args": {"timeout": settings.sqlite_busy_timeout_ms / 1000},
            "pool_reset_on_return": None,
        }
        if make_url(settings.db.url or "").database not in (None, "", ":memory:"):
            # An in-memory database lives on one connection (a StaticPool, which takes no size).
            kwargs.update(pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size)
        return kwargs
    return {"pool_size": settings.db_pool_size, "max_overflow": settings.db_pool_size, "pool_pre_ping": True}


def create_engine(settings: Settings, *, sqlite_cache_kib: int | None = None) -> AsyncEngine:
    """A standalone engine for the ``DB`` binding (scripts and tests; the app uses the plugin's)."""
    if settings.db.url is None:
        msg = f"the DB binding is absent ({settings.db.source})"
        raise RuntimeError(msg)
    ensure_sqlite_directory(settings.db.url)
    engine = create_async_engine(
        settings.db.url, echo=settings.db_echo, hide_parameters=True, **_engine_kwargs(settings)
    )
    if settings.is_sqlite:
        install_sqlite_pragmas(engine, settings.sqlite_busy_timeout_ms, sqlite_cache_kib)
    return engine


def sqlalchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    """advanced-alchemy's config: the engine, sessions, and the Alembic integration (``litestar database``)."""
    engine = create_engine(settings)
    return SQLAlchemyAsyncConfig(
        engine_instance=engine,
        metadata=Base.metadata,
        session_config=AsyncSessionConfig(expire_on_commit=False, autoflush=False),
        engine_config=EngineConfig(),
        # Sessions are opened and committed per request by app.api.dependencies.provide_db.
        session_dependency_key="db_session",
        create_all=False,
        enable_touch_updated_timestamp_listener=False,
        enable_file_object_listener=False,
        alembic_config=AlembicAsyncConfig(
            script_location=str(settings.migrations_dir),
            script_config="",
            version_table_name=VERSION_TABLE,
            render_as_batch=True,
            compare_type=True,
            user_module_prefix=None,
        ),
    )
