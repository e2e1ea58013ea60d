"""Helpers shared by the tests: databases on both backends, settings, and an HTTP client."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, cast

import asyncpg
import httpx
import pytest
from litestar import Litestar

from app.api.application import create_app
from app.config import Binding, Settings

PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b.strip() for b in os.environ.get("TEST_DATABASES", "sqlite,postgres").split(",") if b.strip()]
TEST_SECRET = "test-secret-0123456789-0123456789-abcdef"


def _asyncpg_url(database: str) -> str:
    base = PG_SERVER.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"


async def _pg_admin(statement: str) -> None:
    connection = await asyncpg.connect(PG_SERVER, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def pg_admin(statement: str) -> None:
    """Run one administrative statement (CREATE/DROP DATABASE) on the PostgreSQL server.

    Runs on its own thread and loop, so it works from sync and async fixtures alike.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _pg_admin(statement)).result()


def new_database_url(backend: str, directory: Path, created: list[str]) -> str:
    """A fresh, empty database of the given backend."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{directory / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
    name = f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        pg_admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL is unreachable at {PG_SERVER}: {exc!r}. Start it, or set TEST_DATABASES=sqlite.")
    created.append(name)
    return _asyncpg_url(name)


def make_settings(db_url: str | None, storage_dir: Path | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "db": Binding("DB", db_url, "test"),
        "storage": Binding("STORAGE", storage_dir.as_uri() if storage_dir else None, "test"),
        "secret": TEST_SECRET,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


class LogRecorder(logging.Handler):
    """Collects the records of one logger, whatever the app's logging config does to the root logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, containing: str = "") -> list[str]:
        return [m for r in self.records if containing in (m := r.getMessage())]


@contextmanager
def recording_logs(name: str) -> Iterator[LogRecorder]:
    logger = logging.getLogger(name)
    recorder = LogRecorder()
    logger.addHandler(recorder)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        yield recorder
    finally:
        logger.removeHandler(recorder)
        logger.setLevel(previous)


@asynccontextmanager
async def api_client(settings: Settings, app: Litestar | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the ASGI app, with the app's lifespan running (same event loop as the test)."""
    application = app or create_app(settings)
    async with application.lifespan():
        transport = httpx.ASGITransport(app=cast("Any", application))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
