"""SQLite connections go back to the pool with no transaction open, and without a needless ROLLBACK.

The pool's generic reset-on-return is replaced by a listener that asks SQLite whether a
transaction is open (app/db/engine.py): these tests hold it to both halves of that promise.
"""

from __future__ import annotations

from typing import Any

import aiosqlite
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from app.db.models import User
from tests.helpers import write_lock_is_free


@pytest.fixture
def sqlite_engine(engine: AsyncEngine) -> AsyncEngine:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's pool reset (PostgreSQL keeps the pool's own reset)")
    return engine


async def driver_connection(connection: AsyncConnection) -> aiosqlite.Connection:
    driver = (await connection.get_raw_connection()).driver_connection
    assert isinstance(driver, aiosqlite.Connection)
    return driver


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.connect() as connection:
        driver = await driver_connection(connection)
        await driver.execute("BEGIN IMMEDIATE")  # behind SQLAlchemy's back
        assert driver.in_transaction
        assert not write_lock_is_free(sqlite_engine)
    # Back in the pool: the transaction was rolled back and the write lock released.
    assert write_lock_is_free(sqlite_engine)
    async with sqlite_engine.connect() as connection:
        assert not (await driver_connection(connection)).in_transaction


async def test_a_finished_session_returns_its_connection_without_another_rollback(
    sqlite_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_engine.connect():
        pass  # the first connect initializes the dialect (with a rollback of its own)
    driver_rollbacks: list[str] = []
    real_rollback = aiosqlite.Connection.rollback

    async def counted_rollback(self: aiosqlite.Connection) -> None:
        driver_rollbacks.append("rollback")
        await real_rollback(self)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", counted_rollback)
    resets: list[bool] = []

    def on_reset(dbapi_connection: Any, _record: Any, _state: Any) -> None:
        resets.append(bool(dbapi_connection.driver_connection.in_transaction))

    event.listen(sqlite_engine.sync_engine.pool, "reset", on_reset)
    try:
        async with async_sessionmaker(sqlite_engine)() as db:
            await db.execute(select(User.id).limit(1))
            await db.commit()
        assert (resets, driver_rollbacks) == ([False], [])  # returned once, idle, no ROLLBACK sent
        async with async_sessionmaker(sqlite_engine)() as db:
            await db.execute(select(User.id).limit(1))
            await db.rollback()
        assert driver_rollbacks == ["rollback"]  # the session's own rollback, and no second one
    finally:
        event.remove(sqlite_engine.sync_engine.pool, "reset", on_reset)
    assert write_lock_is_free(sqlite_engine)
