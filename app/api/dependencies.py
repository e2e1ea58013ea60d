"""The request's database access: a driver-level reader for the caller, and an ORM session that is
the request's transaction.

The session is opened when a handler asks for ``db``. A successful handler's transaction is
committed by :func:`commit_request_session` before the response is sent (a failed commit is a
failed request). ``RequestSessionMiddleware`` closes the session when the request is over,
however it ended, which rolls back anything not committed: a request that fails anywhere (body
decoding, validation, a dependency, the handler, a client that goes away) returns its connection
at once, and with it SQLite's write lock. (Litestar only finalizes generator dependencies that
all resolved, so a generator cannot own this.)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Request, Response
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import DB_BINDING
from app.db.engine import writer
from app.db.reader import Reader
from app.domain.errors import BindingUnavailableError

__all__ = (
    "DATABASE_STATE_KEY",
    "DB",
    "READER_STATE_KEY",
    "RequestSessionMiddleware",
    "commit_request_session",
    "database_config",
    "provide_db",
    "reader",
    "write_unit",
)

DATABASE_STATE_KEY = "database"
"""App-state key of the advanced-alchemy config of the ``DB`` binding (absent: ``None``)."""
READER_STATE_KEY = "reader"
"""App-state key of the ``DB`` binding's :class:`~app.db.reader.Reader` (absent: ``None``)."""
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def database_config(state: State) -> SQLAlchemyAsyncConfig:
    config: SQLAlchemyAsyncConfig | None = state.get(DATABASE_STATE_KEY)
    if config is None:
        raise BindingUnavailableError(DB_BINDING, reason="absent")
    return config


def reader(state: State) -> Reader:
    found: Reader | None = state.get(READER_STATE_KEY)
    if found is None:
        raise BindingUnavailableError(DB_BINDING, reason="absent")
    return found


def _maker(config: SQLAlchemyAsyncConfig) -> async_sessionmaker[AsyncSession]:
    return cast("async_sessionmaker[AsyncSession]", config.create_session_maker())


@dataclass(slots=True)
class _RequestSessions:
    session: AsyncSession | None = None


_request_sessions: ContextVar[_RequestSessions | None] = ContextVar("request_sessions", default=None)


async def provide_db(state: State, request: Request[Any, Any, Any]) -> AsyncSession:
    """The request's session. Requests with a writing method declare it up front (SQLite then
    takes its write lock at the first statement instead of failing at the first write)."""
    holder = _request_sessions.get()
    if holder is None:
        msg = "RequestSessionMiddleware is not installed: nothing would end this session"
        raise RuntimeError(msg)
    config = database_config(state)
    engine = config.get_engine()
    holder.session = _maker(config)(bind=engine if request.method in READ_METHODS else writer(engine))
    return holder.session


async def commit_request_session(response: Response[Any]) -> Response[Any]:
    """``after_request`` hook: commit the request's transaction when the handler succeeded.

    It runs before the response is sent, inside Litestar's error handling: a failed commit
    becomes that request's error response.
    """
    holder = _request_sessions.get()
    session = holder.session if holder is not None else None
    if session is not None and session.in_transaction() and (response.status_code or 200) < 400:
        await session.commit()
    return response


def write_unit(state: State) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
    """A short writing transaction outside the request's own (committed when the block succeeds)."""

    @contextlib.asynccontextmanager
    async def unit() -> AsyncIterator[AsyncSession]:
        config = database_config(state)
        async with _maker(config)(bind=writer(config.get_engine())) as session, session.begin():
            yield session

    return unit()


class RequestSessionMiddleware:
    """Gives each request a slot for its session, and closes the session when the request is over,
    however it ended (closing rolls back anything not committed and returns the connection)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        holder = _RequestSessions()
        reset = _request_sessions.set(holder)
        try:
            await self.app(scope, receive, send)
        finally:
            _request_sessions.reset(reset)
            if holder.session is not None:
                await holder.session.close()


DB = NamedDependency[AsyncSession]
"""Handler parameter type of the request's database session (``db``)."""
