"""Request-scoped dependencies: the database session is the transaction boundary of a request."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import DB_BINDING
from app.domain.errors import BindingUnavailableError

__all__ = ("DATABASE_STATE_KEY", "DB", "provide_db")

DATABASE_STATE_KEY = "database"
"""App-state key of the advanced-alchemy config of the ``DB`` binding (absent: ``None``)."""


async def provide_db(state: State) -> AsyncGenerator[AsyncSession, None]:
    """One session per request: committed when the handler succeeds, rolled back when it raises.

    The commit runs before the response is sent, so a failed commit is a failed request.
    """
    config: SQLAlchemyAsyncConfig | None = state.get(DATABASE_STATE_KEY)
    if config is None:
        raise BindingUnavailableError(DB_BINDING, reason="absent")
    async with config.create_session_maker()() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        if session.in_transaction():
            await session.commit()


DB = NamedDependency[AsyncSession]
"""Handler parameter type of the request's database session (``db``)."""
