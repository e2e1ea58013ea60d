"""Request-scoped dependencies: the database session is the transaction boundary of a request."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, cast

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import DB_BINDING
from app.db.engine import writer
from app.domain.errors import BindingUnavailableError

__all__ = ("DATABASE_STATE_KEY", "DB", "provide_db")

DATABASE_STATE_KEY = "database"
"""App-state key of the advanced-alchemy config of the ``DB`` binding (absent: ``None``)."""


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def provide_db(state: State, request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
    """One session per request: committed when the handler succeeds, rolled back when it raises.

    The commit runs before the response is sent, so a failed commit is a failed request.
    Requests with a writing method declare it up front (SQLite then takes its write lock first).
    """
    config: SQLAlchemyAsyncConfig | None = state.get(DATABASE_STATE_KEY)
    if config is None:
        raise BindingUnavailableError(DB_BINDING, reason="absent")
    engine = config.get_engine()
    bind = engine if request.method in READ_METHODS else writer(engine)
    maker = cast("async_sessionmaker[AsyncSession]", config.create_session_maker())
    async with maker(bind=bind) as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        if session.in_transaction():
            await session.commit()


DB = NamedDependency[AsyncSession]
"""Handler parameter type of the request's database session (``db``)."""
