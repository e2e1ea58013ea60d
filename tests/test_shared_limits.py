"""Attempt counters: exact under concurrency (memory and Redis), shared through Redis, failing open.

The Redis tests use the machine's Redis (127.0.0.1:6379, ``TEST_REDIS_URL``) under a key prefix of
their own; an outage is made by cutting a loopback proxy in front of it.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from app.api.ratelimit import AttemptCounter, MemoryAttemptCounter, RateLimiter, RedisAttemptCounter
from app.bindings import REDIS_BINDING, BindingMonitor, open_redis
from app.config import Binding, Settings
from app.domain.errors import RateLimitedError
from tests.helpers import REDIS_SERVER, api_client, recording_logs, sign_in, sign_up
from tests.test_faults import TcpProxy

ATTEMPTS = 60
LIMIT = 10


async def _allowed(limiters: list[RateLimiter], email: str) -> int:
    """How many of ATTEMPTS concurrent attempts (spread over the limiters) get through."""

    async def one(n: int) -> bool:
        try:
            await limiters[n % len(limiters)].attempt(address=None, email=email)
        except RateLimitedError:
            return False
        return True

    results = await asyncio.gather(*(one(n) for n in range(ATTEMPTS)))
    return sum(results)


def _limiter(counter: AttemptCounter) -> RateLimiter:
    return RateLimiter(counter, per_address=0, per_email=LIMIT, window_seconds=60)


async def test_the_memory_counter_is_exact_under_concurrent_attempts() -> None:
    assert await _allowed([_limiter(MemoryAttemptCounter())], "race@example.com") == LIMIT


def _redis_counter(client: Redis, prefix: str) -> RedisAttemptCounter:
    monitor = BindingMonitor()
    monitor.register(Binding(REDIS_BINDING, REDIS_SERVER, "test"))
    return RedisAttemptCounter(RedisStore(client, namespace=prefix), client, monitor)


async def test_the_redis_counter_is_exact_across_clients_under_concurrent_attempts(redis_prefix: str) -> None:
    """Two limiters with their own connections (as two workers have) share one exact count."""
    clients = [open_redis(REDIS_SERVER), open_redis(REDIS_SERVER)]
    try:
        limiters = [_limiter(_redis_counter(client, redis_prefix)) for client in clients]
        assert await _allowed(limiters, "race@example.com") == LIMIT
        # another email has its own counter; the window is set on the key
        assert await _allowed(limiters, "other@example.com") == LIMIT
        ttls = [await clients[0].pttl(key) async for key in clients[0].scan_iter(match=f"{redis_prefix}:*")]
    finally:
        for client in clients:
            await client.aclose()
    assert len(ttls) == 2
    assert all(0 < ttl <= 60_000 for ttl in ttls)


@pytest.fixture
async def redis_proxy() -> TcpProxy:
    url = make_url(REDIS_SERVER.replace("redis://", "redis+x://", 1))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 6379)
    await proxy.start()
    return proxy


async def test_limits_hold_through_redis_and_fail_open_while_it_is_down(
    settings: Settings, engine: object, redis_prefix: str, redis_proxy: TcpProxy
) -> None:
    shared = dataclasses.replace(
        settings,
        redis_url=f"redis://127.0.0.1:{redis_proxy.port}/0",
        redis_key_prefix=redis_prefix,
        auth_rate_limit_per_email=3,
        auth_rate_limit_per_address=1000,
    )
    password = "the right password 1"

    async def attempt(pw: str) -> int:
        return (await sign_in(client, "fo@example.com", pw)).status_code

    with recording_logs("app.bindings") as logs:
        async with api_client(shared) as client:
            await sign_up(client, "fo@example.com", password)  # attempt 1
            before = [await attempt("wrong password 1"), await attempt("wrong password 2"), await attempt(password)]
            assert (await client.get("/health/ready")).json()["status"] == "ready"

            await redis_proxy.cut()
            during = [await attempt(password) for _ in range(4)]
            ready = await client.get("/health/ready")
            outage_lines = logs.messages("REDIS")

            await redis_proxy.start()  # same port: Redis is back, and so is its count
            after = await attempt(password)
            back = await client.get("/health/ready")
    await redis_proxy.cut()

    assert before == [401, 401, 429]
    # fail open: the right password signs in although the limit was reached before the outage
    assert during == [200, 200, 200, 200]
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "degraded"
    assert {b["name"]: b["status"] for b in body["bindings"]} == {"DB": "up", "STORAGE": "up", "REDIS": "down"}
    assert len(outage_lines) == 1, outage_lines
    assert "unreachable" in outage_lines[0]
    assert after == 429
    assert back.json()["status"] == "ready"
    assert len(logs.messages("REDIS is reachable again")) == 1
