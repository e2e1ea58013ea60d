"""Test fixtures: every database test runs on SQLite *and* PostgreSQL (real servers, real files).

``TEST_DATABASES`` selects the backends (default ``sqlite,postgres``). PostgreSQL is expected at
``TEST_POSTGRES_URL`` (default 127.0.0.1:5432, user postgres); each run creates a uniquely named
database and drops it at the end. An unreachable PostgreSQL fails the run: it is never skipped
silently.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.api.application import create_app
from app.config import Settings
from app.db import migrations
from app.db.engine import create_engine
from app.db.models import Base
from tests.helpers import (
    BACKENDS,
    REDIS_SERVER,
    RESPONSES,
    LogScan,
    close_app,
    http_client,
    make_settings,
    new_database_url,
    pg_admin,
)


@pytest.fixture(scope="session")
def pg_database_factory() -> Iterator[list[str]]:
    """Names of the databases this run created; all are dropped at the end."""
    created: list[str] = []
    yield created
    for name in created:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_url(backend: str, tmp_path_factory: pytest.TempPathFactory, pg_database_factory: list[str]) -> str:
    """One database per backend for the whole run, migrated to head by the real revisions."""
    url = new_database_url(backend, tmp_path_factory.mktemp(backend), pg_database_factory)
    migrations.upgrade(make_settings(url, None))
    return url


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return make_settings(migrated_url, tmp_path / "storage")


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the migrated database; every table is emptied after the test."""
    engine = create_engine(settings)
    try:
        yield engine
    finally:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(delete(table))
        await engine.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session


@pytest.fixture
async def client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on a fresh app over the migrated database (tables emptied after the test).

    The app's lifespan is not run here (pytest-asyncio tears fixtures down in another task, which
    anyio's cancel scopes refuse); nothing needs it, and the engine is disposed explicitly.
    """
    app = create_app(settings)
    try:
        async with http_client(app) as http:
            yield http
    finally:
        await close_app(app)


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test alone on the shared Redis (``TEST_REDIS_URL``); its keys are
    deleted afterwards. An unreachable Redis fails the test: it is never skipped."""
    client = redis.asyncio.Redis.from_url(REDIS_SERVER)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as exc:
        await client.aclose()
        pytest.fail(f"Redis is unreachable at {REDIS_SERVER}: {exc!r}")
    prefix = f"test-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture(scope="session", autouse=True)
def no_secret_leaks() -> Iterator[None]:
    """After the whole run: no response carried a password hash, a known secret or another user's
    token, and no log record of any logger held a password, a token, a hash or a credential header."""
    scan = LogScan()
    root = logging.getLogger()
    root.addHandler(scan)
    try:
        yield
    finally:
        root.removeHandler(scan)
    problems = RESPONSES.violations()
    assert not problems, "secrets leaked in responses:\n" + "\n".join(problems[:20])
    logged = scan.violations(RESPONSES)
    assert not logged, "secrets leaked in logs:\n" + "\n".join(logged[:20])


EXIT_WATCHDOG_SECONDS = 120
"""How long the process may outlive the run before its threads' stacks are printed and it exits 1."""


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A process that does not exit after the run (a thread or a child left running) would show in
    CI only as a timeout: after ``EXIT_WATCHDOG_SECONDS``, print every thread's stack and fail."""
    stream = os.fdopen(os.dup(2), "w")
    config.stash[_WATCHDOG_STREAM] = stream  # keeps the descriptor open until the process ends
    faulthandler.dump_traceback_later(EXIT_WATCHDOG_SECONDS, exit=True, file=stream)


_WATCHDOG_STREAM = pytest.StashKey[object]()


SQLITE_THREAD = "_connection_worker_thread"
"""aiosqlite runs each connection on a thread of this target; since 0.22 it is not a daemon, so a
connection that is never closed keeps the process alive after the run (CI would time out)."""


def _sqlite_connection_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if SQLITE_THREAD in thread.name and thread.is_alive()}


@pytest.fixture(autouse=True)
def closes_its_sqlite_connections() -> Iterator[None]:
    """Every aiosqlite connection a test opens is closed by the end of its teardown."""
    before = _sqlite_connection_threads()
    yield
    left = _sqlite_connection_threads() - before
    for thread in left:
        thread.join(timeout=1)  # a closed connection's thread ends just after close() returns
    if unclosed := [thread for thread in left if thread.is_alive()]:
        pytest.fail(f"{len(unclosed)} aiosqlite connection(s) left open (close the app: tests.helpers.close_app)")
