"""The production command (``./scripts/production``) as an operator runs it: two uvicorn workers on
PostgreSQL, attempt limits shared through the machine's Redis (behind a loopback proxy the test can
cut), metrics and JSON logs, and a graceful shutdown with a request in flight.

Which worker served a request is read from the JSON log: the test is a trusted proxy
(``TRUSTED_PROXIES=127.0.0.1/32``), so the ``X-Request-ID`` it sends is the one logged with the
worker's pid. Every wait is bounded and polls for an event; nothing is timed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.db import migrations
from app.db.engine import create_engine
from app.db.models import User
from tests.helpers import OUTPUT_LINES, PASSWORDS, RESPONSES, TEST_SECRET, make_settings, new_database_url
from tests.test_faults import TcpProxy
from tests.test_observability import samples, value

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
METRICS_TOKEN = "metrics-token-for-production-test"
RESPONSES.secrets.add(METRICS_TOKEN)  # never in a response or a log line (end-of-run scan)
PASSWORD = "production password 1"
SIGN_IN = "/api/auth/sign-in/email"
STARTUP_SECONDS = 300  # the machine is shared: two workers importing the app can take a while


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


Line = dict[str, Any]


class ProductionServer:
    """``./scripts/production`` in its own process group, its output in a file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.port = int(env["PORT"])
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "production")],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def raw_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines() if self.log_path.exists() else []

    def lines(self) -> list[Line]:
        parsed = []
        for raw in self.raw_lines():
            if raw.startswith("{"):
                parsed.append(json.loads(raw))
        return parsed

    def tail(self) -> str:
        return "\n".join(self.raw_lines()[-40:])

    async def wait_for(self, what: str, found: Callable[[list[Line]], bool], within: float = 60) -> list[Line]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            lines = self.lines()
            if found(lines):
                return lines
            if self.process is not None and self.process.poll() is not None and not found(self.lines()):
                pytest.fail(f"the server exited ({self.process.returncode}) before {what}:\n{self.tail()}")
            await asyncio.sleep(0.2)
        pytest.fail(f"gave up waiting for {what}:\n{self.tail()}")

    async def worker_of(self, request_id: str) -> int:
        """The pid of the worker that served the request (its access line is written after the response)."""
        lines = await self.wait_for(
            f"the access line of {request_id}",
            lambda lines: any(
                line.get("request_id") == request_id and line["logger"] == "app.access" for line in lines
            ),
        )
        pids = {line["pid"] for line in lines if line.get("request_id") == request_id}
        assert len(pids) == 1, (request_id, pids)
        return int(pids.pop())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def startup_complete(lines: list[Line]) -> bool:
    return len({line["pid"] for line in lines if line.get("event") == "Application startup complete."}) == WORKERS


@pytest.fixture
def postgres_url(tmp_path: Path, pg_database_factory: list[str]) -> str:
    url = new_database_url("postgres", tmp_path, pg_database_factory)
    migrations.upgrade(make_settings(url, None))
    return url


@pytest.fixture
async def redis_proxy() -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy("127.0.0.1", 6379)
    await proxy.start()
    try:
        yield proxy
    finally:
        if proxy.server is not None and proxy.server.is_serving():
            await proxy.cut()


@pytest.fixture
def server(tmp_path: Path, postgres_url: str, redis_prefix: str, redis_proxy: TcpProxy) -> Iterator[ProductionServer]:
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        APP_ENV="production",
        BETTER_AUTH_SECRET=TEST_SECRET,
        DATABASE_URL=postgres_url,
        STORAGE_URL=(tmp_path / "storage").as_uri(),
        REDIS_URL=f"redis://127.0.0.1:{redis_proxy.port}/0",
        REDIS_KEY_PREFIX=redis_prefix,
        HOST="127.0.0.1",
        PORT=str(free_port()),
        WEB_CONCURRENCY=str(WORKERS),
        METRICS_TOKEN=METRICS_TOKEN,
        METRICS_PORT=str(free_port()),
        TRUSTED_PROXIES="127.0.0.1/32",
        AUTH_RATE_LIMIT_PER_ADDRESS="1000",
        AUTH_RATE_LIMIT_PER_EMAIL="10",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    production = ProductionServer(env, tmp_path / "production.log")
    production.start()
    try:
        yield production
    finally:
        production.stop()
        OUTPUT_LINES.extend(production.raw_lines())  # scanned for secrets at the end of the run


class Caller:
    """Requests to the server, each with an id of its own (logged with the pid that served it)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.served: dict[str, httpx.Response] = {}

    async def request(self, method: str, path: str, *, fresh: bool = True, **kwargs: Any) -> tuple[str, httpx.Response]:
        request_id = f"t-{uuid.uuid4().hex[:16]}"
        headers = {"X-Request-ID": request_id, **kwargs.pop("headers", {})}
        # a new connection per request: the kernel hands it to either worker
        async with httpx.AsyncClient(base_url=self.base, timeout=120) as client:
            response = await client.request(method, path, headers=headers, **kwargs)
        assert response.headers["x-request-id"] == request_id
        self.served[request_id] = response
        return request_id, response

    async def sign_in(self, email: str, password: str) -> tuple[str, httpx.Response]:
        return await self.request("POST", SIGN_IN, json={"email": email, "password": password})


async def _limits_hold_across_workers(server: ProductionServer, caller: Caller) -> None:
    """The 11th attempt on one email is refused whichever worker gets it (counted in Redis)."""
    PASSWORDS.add(PASSWORD)
    _, created = await caller.request(
        "POST", "/api/auth/sign-up/email", json={"name": "P", "email": "limit@example.com", "password": PASSWORD}
    )
    assert created.status_code == 200, created.text  # attempt 1
    allowed = [await caller.sign_in("limit@example.com", f"wrong password {n}") for n in range(9)]  # 2..10
    assert [response.status_code for _, response in allowed] == [401] * 9
    assert {response.json()["code"] for _, response in allowed} == {"INVALID_EMAIL_OR_PASSWORD"}
    refused_by: dict[int, int] = {}
    for _ in range(30):  # attempt 11 and on, until each worker has refused one
        request_id, response = await caller.sign_in("limit@example.com", PASSWORD)
        assert response.status_code == 429, response.text
        pid = await server.worker_of(request_id)
        refused_by[pid] = refused_by.get(pid, 0) + 1
        if len(refused_by) == WORKERS:
            break
    # each worker refused an attempt past the limit, whichever of them counted the first ten
    assert len(refused_by) == WORKERS, f"every refused attempt went to one worker: {refused_by}"


async def _limit_is_exact_under_concurrent_attempts(caller: Caller) -> None:
    results = await asyncio.gather(*(caller.sign_in("race@example.com", "wrong password x") for _ in range(30)))
    statuses = sorted(response.status_code for _, response in results)
    assert statuses == [401] * 10 + [429] * 20


def _count(caller: Caller, path: str, status: int) -> int:
    return sum(1 for r in caller.served.values() if r.request.url.path == path and r.status_code == status)


async def _metrics_add_up_every_worker(server: ProductionServer, caller: Caller) -> None:
    """Both workers served sign-ins (shown above): a scrape from either process counts them all."""
    for request_id in list(caller.served):
        await server.worker_of(request_id)  # every request so far is finished and counted
    _, protected = await caller.request("GET", "/metrics")
    _, scraped = await caller.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    async with httpx.AsyncClient(timeout=60) as client:
        separate = await client.get(f"http://127.0.0.1:{server.env['METRICS_PORT']}/metrics")
    assert protected.status_code == 401
    assert scraped.status_code == separate.status_code == 200
    for exposition in (scraped.text, separate.text):
        found = samples(exposition)
        for status in (401, 429):
            assert value(found, "saas_requests_total", path=SIGN_IN, status_code=str(status)) == _count(
                caller, SIGN_IN, status
            )
        assert value(found, "saas_sign_in_total", outcome="invalid_credentials") == _count(caller, SIGN_IN, 401)
        assert value(found, "saas_sign_in_total", outcome="rate_limited") == _count(caller, SIGN_IN, 429)
        assert value(found, "saas_requests_total", path="/health/ready", status_code="200") == _count(
            caller, "/health/ready", 200
        )
        assert value(found, "saas_db_pool_size", binding="DB") == WORKERS * 10  # DB_POOL_SIZE per live worker


async def _redis_outage_fails_open(server: ProductionServer, caller: Caller, proxy: TcpProxy) -> None:
    await proxy.cut()
    during = [await caller.sign_in("limit@example.com", PASSWORD) for _ in range(6)]
    assert [response.status_code for _, response in during] == [200] * 6
    _, ready = await caller.request("GET", "/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    outages = await server.wait_for(
        "the outage lines", lambda lines: any("REDIS is unreachable" in str(line.get("event")) for line in lines)
    )
    outage_lines = [line for line in outages if "REDIS is unreachable" in str(line.get("event"))]
    per_worker = [line["pid"] for line in outage_lines]
    assert len(per_worker) == len(set(per_worker)), "an outage was logged more than once by one worker"
    # the line was written during a request, and carries that request's id
    assert all(line["request_id"] in caller.served for line in outage_lines)
    await proxy.start()


async def _shutdown_finishes_the_request_in_flight(server: ProductionServer, postgres_url: str) -> None:
    body = json.dumps({"name": "Late", "email": "inflight@example.com", "password": PASSWORD}).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /api/auth/sign-up/email HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nX-Request-ID: in-flight-request\r\n" + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    await writer.drain()
    # "100 Continue" is sent when the handler asks for the body: the request is inside the app
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=120)
    assert interim.startswith(b"HTTP/1.1 100"), interim
    os.kill(server.pid, signal.SIGTERM)
    await server.wait_for(
        "the worker to wait for the open request",
        lambda lines: any(str(line.get("event", "")).startswith("Waiting for connections to close") for line in lines),
    )
    writer.write(body)
    await writer.drain()
    response = await asyncio.wait_for(reader.read(), timeout=120)  # until the worker closes the connection
    writer.close()
    assert response.startswith(b"HTTP/1.1 200"), response[:200]
    assert b"connection: close" in response.lower()
    assert server.process is not None
    returncode = await asyncio.to_thread(server.process.wait, 120)
    assert returncode == 0, server.tail()
    lines = server.lines()
    for event in ("database pool closed", "redis connections closed", "Application shutdown complete."):
        assert len({line["pid"] for line in lines if line.get("event") == event}) == WORKERS, event
    engine = create_engine(make_settings(postgres_url, None))
    try:
        async with engine.connect() as connection:
            stored = await connection.scalar(
                select(func.count()).select_from(User).where(User.email == "inflight@example.com")
            )
    finally:
        await engine.dispose()
    assert stored == 1


async def test_the_production_command_serves_two_workers_on_postgres_and_redis(
    server: ProductionServer, redis_proxy: TcpProxy, postgres_url: str
) -> None:
    await server.wait_for(f"{WORKERS} workers to start", startup_complete, within=STARTUP_SECONDS)
    caller = Caller(server.port)
    _, ready = await caller.request("GET", "/health/ready")
    assert ready.status_code == 200, ready.text
    assert {b["name"]: b["status"] for b in ready.json()["bindings"]} == {"DB": "up", "STORAGE": "up", "REDIS": "up"}

    await _limits_hold_across_workers(server, caller)
    await _limit_is_exact_under_concurrent_attempts(caller)
    await _metrics_add_up_every_worker(server, caller)
    await _redis_outage_fails_open(server, caller, redis_proxy)

    # every JSON line written while serving one of these requests names it; access lines exist for all
    for request_id in list(caller.served):
        await server.worker_of(request_id)
    lines = server.lines()
    assert all(line["request_id"] in caller.served for line in lines if line.get("request_id"))
    logged = {line["request_id"] for line in lines if line.get("logger") == "app.access"}
    assert set(caller.served) <= logged

    await _shutdown_finishes_the_request_in_flight(server, postgres_url)


def test_the_production_command_refuses_the_default_secret(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("BETTER_AUTH_SECRET", "AUTH_SECRET")}
    env.update(APP_ENV="production", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-m", "app.serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert "BETTER_AUTH_SECRET" in result.stderr
