"""The driver-level reader: single-statement reads in one round trip, for the hottest lookups.

Resolving the caller of a request is one ``SELECT`` (session joined with its user, by token).
Through SQLAlchemy's async session it costs about a millisecond (greenlet hand-offs, pool
checkout and reset, ``BEGIN``/``COMMIT``, ORM loading, and on SQLite eight thread hand-offs);
the statement itself takes tens of microseconds. The reader keeps the statement a SQLAlchemy
construct, compiles it once per dialect, and runs it on a connection of its own small pool:
one ``execute_fetchall`` hand-off on aiosqlite, one prepared ``fetchrow`` on asyncpg. Column
types still convert the values (epoch milliseconds, 0/1 booleans, ISO text), through their
own result processors.

There is no cache: every read sees the database as it is, including rows written by another
process (a second worker, or a Better Auth server sharing the database). The reader never
writes (SQLite connections are ``query_only``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiosqlite
import asyncpg
from sqlalchemy import Select
from sqlalchemy.engine import URL, Dialect, make_url

from app.config import DB_BINDING
from app.db.engine import sqlite_pragmas
from app.domain.errors import BindingUnavailableError, DatabaseBusyError

__all__ = ("CompiledRead", "PostgresReader", "Reader", "SqliteReader", "open_reader")

Processor = Callable[[Any], Any] | None
FailureHook = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class CompiledRead:
    """A ``Select`` compiled for one dialect: its SQL, positional parameters and column processors."""

    sql: str
    parameters: tuple[str, ...]
    defaults: dict[str, Any]
    bind_processors: tuple[Processor, ...]
    result_processors: tuple[Processor, ...]

    @classmethod
    def build(cls, statement: Select[Any], dialect: Dialect) -> CompiledRead:
        compiled = statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        # Literal values of the statement (a LIMIT 1, say) are bind parameters with a value.
        defaults = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
        binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in statement.selected_columns
        )
        return cls(compiled.string, names, defaults, binds, results)

    def bind(self, values: dict[str, Any]) -> list[Any]:
        """The positional parameters; a missing one is a programming error (``KeyError``)."""
        given = {**self.defaults, **values} if self.defaults else values
        return [
            value if process is None else process(value)
            for process, value in zip(self.bind_processors, (given[name] for name in self.parameters), strict=True)
        ]

    def convert(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(self.result_processors, row, strict=True)
        )


class Reader(Protocol):
    """Runs compiled single-statement reads; absent or unreachable databases raise
    :class:`BindingUnavailableError` naming ``DB``."""

    dialect: Dialect

    async def fetch_all(self, statement: Select[Any], **values: Any) -> list[tuple[Any, ...]]: ...

    async def fetch_one(self, statement: Select[Any], **values: Any) -> tuple[Any, ...] | None: ...

    async def close(self) -> None: ...


class _Compiler:
    """Each statement compiled once for the reader's dialect (statements are module constants)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._compiled: dict[int, tuple[Select[Any], CompiledRead]] = {}

    def __call__(self, statement: Select[Any]) -> CompiledRead:
        found = self._compiled.get(id(statement))
        if found is None or found[0] is not statement:
            found = (statement, CompiledRead.build(statement, self.dialect))
            self._compiled[id(statement)] = found
        return found[1]


def _unreachable(exc: BaseException, on_failure: FailureHook | None) -> BindingUnavailableError:
    if on_failure is not None:
        on_failure(type(exc).__name__)
    return BindingUnavailableError(DB_BINDING, reason="unreachable")


class SqliteReader:
    """A few ``query_only`` aiosqlite connections to the database file (WAL: reads never wait for writers)."""

    def __init__(self, url: URL, dialect: Dialect, *, size: int, busy_timeout_ms: int, on_failure: FailureHook | None):
        self.dialect = dialect
        self._path = str(url.database)
        self._size = size
        self._busy_timeout_ms = busy_timeout_ms
        self._on_failure = on_failure
        self._compile = _Compiler(dialect)
        self._idle: list[aiosqlite.Connection] = []
        self._open = 0
        self._returned = asyncio.Condition()

    async def _connect(self) -> aiosqlite.Connection:
        # mode=rw: a missing file is an error, never a new empty database.
        connection = await aiosqlite.connect(f"file:{self._path}?mode=rw", uri=True, isolation_level=None)
        try:
            for pragma in (*sqlite_pragmas(self._busy_timeout_ms), "PRAGMA query_only=ON"):
                await connection.execute(pragma)
        except BaseException:
            await connection.close()
            raise
        return connection

    async def _acquire(self) -> aiosqlite.Connection:
        async with self._returned:
            while not self._idle and self._open >= self._size:
                await self._returned.wait()
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return await self._connect()
        except BaseException:
            async with self._returned:
                self._open -= 1
                self._returned.notify()
            raise

    async def _release(self, connection: aiosqlite.Connection, *, broken: bool) -> None:
        if broken:
            await connection.close()
        async with self._returned:
            if broken:
                self._open -= 1
            else:
                self._idle.append(connection)
            self._returned.notify()

    async def fetch_all(self, statement: Select[Any], **values: Any) -> list[tuple[Any, ...]]:
        compiled = self._compile(statement)
        try:
            connection = await self._acquire()
        except (sqlite3.Error, OSError) as exc:
            raise _unreachable(exc, self._on_failure) from exc
        broken = False
        try:
            rows = await connection.execute_fetchall(compiled.sql, compiled.bind(values))
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise DatabaseBusyError("The database is busy; retry shortly.") from exc
            broken = True
            raise _unreachable(exc, self._on_failure) from exc
        finally:
            await self._release(connection, broken=broken)
        return [compiled.convert(row) for row in rows]

    async def fetch_one(self, statement: Select[Any], **values: Any) -> tuple[Any, ...] | None:
        rows = await self.fetch_all(statement, **values)
        return rows[0] if rows else None

    async def close(self) -> None:
        async with self._returned:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
        for connection in idle:
            await connection.close()


_PG_CONNECTION_ERRORS = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,  # terminated by an administrator, server shutting down
)


class PostgresReader:
    """An asyncpg pool of its own; statements are prepared once per connection (asyncpg's cache)."""

    def __init__(self, url: URL, dialect: Dialect, *, size: int, on_failure: FailureHook | None) -> None:
        self.dialect = dialect
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._size = size
        self._on_failure = on_failure
        self._compile = _Compiler(dialect)
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _get_pool(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn, min_size=1, max_size=self._size, timeout=10, command_timeout=30
                )
            return self._pool

    async def fetch_all(self, statement: Select[Any], **values: Any) -> list[tuple[Any, ...]]:
        compiled = self._compile(statement)
        parameters = compiled.bind(values)
        for attempt in (1, 2):
            try:
                pool = await self._get_pool()
                rows = await pool.fetch(compiled.sql, *parameters)
            except _PG_CONNECTION_ERRORS as exc:
                # A connection the server closed (restart, pg_terminate_backend) fails once; the
                # pool replaces it. Idle ones are likely dead too: expire them, and retry once.
                if self._pool is not None:
                    await self._pool.expire_connections()
                if attempt == 2:
                    raise _unreachable(exc, self._on_failure) from exc
            else:
                return [compiled.convert(tuple(row)) for row in rows]
        raise AssertionError("unreachable")  # pragma: no cover

    async def fetch_one(self, statement: Select[Any], **values: Any) -> tuple[Any, ...] | None:
        rows = await self.fetch_all(statement, **values)
        return rows[0] if rows else None

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


def open_reader(
    url: str, dialect: Dialect, *, size: int, busy_timeout_ms: int, on_failure: FailureHook | None
) -> Reader:
    """The reader for the ``DB`` binding's URL (connections open on first use)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SqliteReader(parsed, dialect, size=size, busy_timeout_ms=busy_timeout_ms, on_failure=on_failure)
    return PostgresReader(parsed, dialect, size=size, on_failure=on_failure)
