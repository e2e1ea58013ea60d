"""Faults: the database going away and coming back, killed connections, a seed killed part-way."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import migrations
from tests.helpers import PG_SERVER, api_client, bearer, make_settings, new_database_url, sign_up
from tests.test_seed import dump, query

ROOT = Path(__file__).resolve().parent.parent


class TcpProxy:
    """A loopback TCP forwarder to PostgreSQL that the test can cut and restore."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.pipes: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self.pipes |= {writer, upstream_writer}
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and drop every open one."""
        assert self.server is not None
        self.server.close()
        for writer in self.pipes:
            writer.close()
        self.pipes.clear()
        await self.server.wait_closed()


@pytest.fixture
def pg_url(backend: str, migrated_url: str) -> str:
    if backend != "postgres":
        pytest.skip("network faults are PostgreSQL's (SQLite is a local file)")
    return migrated_url


async def test_postgres_going_away_gives_db_problems_and_the_service_recovers(
    pg_url: str, tmp_path: Path, engine: object
) -> None:
    url = make_url(pg_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = make_settings(proxied, tmp_path / "storage")
    async with api_client(settings) as client:
        token, _ = await sign_up(client, "steady@example.com")
        assert (await client.get("/api/me", headers=bearer(token))).status_code == 200

        await proxy.cut()
        down = [await client.get("/api/me", headers=bearer(token)) for _ in range(3)]
        ready = await client.get("/health/ready")
        live = await client.get("/health")
        for response in down:
            assert response.status_code == 500
            assert response.json()["binding"] == "DB"
        assert ready.status_code == 503
        assert live.status_code == 200

        await proxy.start()  # same port: the database is back
        deadline = time.monotonic() + 10
        recovered = await client.get("/api/me", headers=bearer(token))
        while recovered.status_code != 200 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            recovered = await client.get("/api/me", headers=bearer(token))
        assert recovered.status_code == 200, recovered.text
        assert (await client.get("/health/ready")).status_code == 200
    await proxy.cut()


async def test_terminated_postgres_connections_are_replaced(pg_url: str, client: httpx.AsyncClient) -> None:
    token, _ = await sign_up(client, "resilient@example.com")
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200
    database = make_url(pg_url).database
    admin = await asyncpg.connect(PG_SERVER)
    try:
        pids = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", database
        )
        await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [r["pid"] for r in pids])
        # pg_terminate_backend only signals: wait until the backends are gone, or a busy machine
        # lets the next request's pre-ping reach a backend that dies right after it.
        for _ in range(200):  # at most 10 s
            alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])"
            if not await admin.fetchval(alive, [r["pid"] for r in pids]):
                break
            await asyncio.sleep(0.05)
    finally:
        await admin.close()
    assert pids
    # pool_pre_ping notices the dead connections: the very next request succeeds
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200


def _sqlite_write_lock_held(url: str) -> bool:
    """Whether another connection holds SQLite's write lock (the seed's transaction is open).

    (The seed keeps its pages in a large cache, so the WAL file need not grow before the commit.)
    """
    probe = sqlite3.connect(url.split("///", 1)[1], timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            return True
        raise
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


async def _postgres_seed_in_transaction(url: str) -> bool:
    admin = await asyncpg.connect(PG_SERVER)
    try:
        rows = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'INSERT INTO%' "
            "AND xact_start IS NOT NULL",
            make_url(url).database,
        )
    finally:
        await admin.close()
    return bool(rows)


def test_a_seed_killed_mid_transaction_leaves_the_database_as_before(
    backend: str, tmp_path: Path, pg_database_factory: list[str]
) -> None:
    url = new_database_url(backend, tmp_path, pg_database_factory)
    migrations.upgrade(make_settings(url, None))
    first = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "seed.py"), "--database-url", url, "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    before = query(url, dump)

    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "seed.py"), "--database-url", url, "--quiet", "--scale", "5000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if backend == "sqlite":
                inside = _sqlite_write_lock_held(url)
            else:
                inside = asyncio.run(_postgres_seed_in_transaction(url))
            if inside:
                time.sleep(0.3)  # into the inserts, seconds before the commit
                break
            time.sleep(0.05)
        assert process.poll() is None, "the seed finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert query(url, dump) == before


async def test_a_held_sqlite_write_lock_gives_a_retryable_503(backend: str, settings: Settings) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's single writer lock")
    impatient = dataclasses.replace(settings, sqlite_busy_timeout_ms=100)
    path = make_url(impatient.db.url or "").database
    assert path
    async with api_client(impatient) as client:
        token, _ = await sign_up(client, "waiting@example.com")
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            busy = await client.patch("/api/me", headers=bearer(token), json={"name": "New"})
            read = await client.get("/api/me", headers=bearer(token))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        after = await client.patch("/api/me", headers=bearer(token), json={"name": "New"})
    assert busy.status_code == 503
    assert (busy.json()["code"], busy.headers["retry-after"]) == ("database_busy", "1")
    assert read.status_code == 200  # readers are not blocked (WAL)
    assert after.status_code == 200
