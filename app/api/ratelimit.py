"""Attempt limits for sign-in and sign-up, per client address and per email.

Each counter's window opens at its first attempt and lasts ``window_seconds``. Counting is one
atomic step per attempt, so the limit is exact under concurrent attempts:

- in memory (the default, one process): a Litestar ``MemoryStore`` updated under a lock;
- in Redis (``REDIS_URL``, shared by every worker): ``INCR`` and, on the first attempt,
  ``PEXPIRE``, in one Lua script on the client of the app's ``RedisStore`` (same key namespace).

When Redis is unreachable the limits fail open: attempts are allowed, the outage is reported to
the binding monitor (logged once; readiness shows it) and counting resumes when Redis answers.
Emails are hashed in keys, never stored in clear.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Protocol

from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.bindings import REDIS_BINDING, BindingMonitor
from app.domain.errors import RateLimitedError

__all__ = ("AttemptCounter", "MemoryAttemptCounter", "RateLimiter", "RedisAttemptCounter")


class AttemptCounter(Protocol):
    async def hit(self, key: str, window_seconds: int) -> tuple[int, float] | None:
        """Count one attempt on ``key``: (attempts in the current window, seconds until it closes);
        None when counting is unavailable (the limit then fails open)."""
        ...


@dataclass
class MemoryAttemptCounter:
    """Counters in a process-local Litestar ``MemoryStore``; the lock makes read-modify-write atomic."""

    store: MemoryStore = field(default_factory=MemoryStore)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        async with self._lock:
            now = time.time()
            stored = await self.store.get(key)
            opened, count = (float(part) for part in stored.decode().split(":")) if stored else (now, 0.0)
            if now - opened >= window_seconds:
                opened, count = now, 0.0
            count += 1
            remaining = window_seconds - (now - opened)
            await self.store.set(key, f"{opened}:{count:.0f}".encode(), expires_in=max(1, math.ceil(remaining)))
        return int(count), remaining


_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@dataclass
class RedisAttemptCounter:
    """Counters in Redis, shared by every worker and instance; each hit is one atomic script."""

    store: RedisStore
    client: Redis
    monitor: BindingMonitor

    def __post_init__(self) -> None:
        self._increment = self.client.register_script(_INCREMENT)

    def _key(self, key: str) -> str:
        return f"{self.store.namespace}:{key}" if self.store.namespace else key

    async def hit(self, key: str, window_seconds: int) -> tuple[int, float] | None:
        try:
            count, ttl_ms = await self._increment(keys=[self._key(key)], args=[window_seconds * 1000])
        except (RedisError, OSError) as exc:
            self.monitor.mark_down(REDIS_BINDING, type(exc).__name__)
            return None
        self.monitor.mark_up(REDIS_BINDING)
        return int(count), int(ttl_ms) / 1000


@dataclass
class RateLimiter:
    """Limits of one kind of attempt (``name``: ``auth`` for sign-in/up, ``mail`` for mail sending);
    limiters of different names share a counter (and Redis) without sharing counts."""

    counter: AttemptCounter
    per_address: int
    per_email: int
    window_seconds: int
    name: str = "auth"

    async def _count(self, scope: str, value: str, limit: int) -> None:
        """One more attempt in the key's window, which opens at its first attempt (not at clock ticks)."""
        if limit <= 0:
            return
        key = f"ratelimit:{self.name}:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"
        counted = await self.counter.hit(key, self.window_seconds)
        if counted is None:
            return
        count, remaining = counted
        if count > limit:
            raise RateLimitedError(
                "Too many attempts; try again later.",
                retry_after=max(1, math.ceil(remaining)),
                code="too_many_attempts",
            )

    async def attempt(self, *, address: str | None, email: str) -> None:
        """Count one sign-in/sign-up attempt; 429 once either counter passes its limit within its window."""
        await self._count("address", address or "unknown", self.per_address)
        await self._count("email", email.strip().lower(), self.per_email)
