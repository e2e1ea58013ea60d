"""Attempt limits for sign-in and sign-up, per client address and per email.

Each counter's window opens at its first attempt and lasts ``window_seconds``.

Counters live in a Litestar store: memory by default (one process); pass a shared store (Redis)
when several workers serve the API. Emails are hashed in keys, never stored in clear.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from litestar.stores.base import Store

from app.domain.errors import RateLimitedError

__all__ = ("RateLimiter",)


@dataclass
class RateLimiter:
    store: Store
    per_address: int
    per_email: int
    window_seconds: int

    async def _count(self, scope: str, value: str, limit: int, now: float) -> None:
        """One more attempt in the key's window, which opens at its first attempt (not at clock ticks)."""
        if limit <= 0:
            return
        key = f"ratelimit:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"
        stored = await self.store.get(key)
        opened, count = (float(part) for part in stored.decode().split(":")) if stored else (now, 0.0)
        if now - opened >= self.window_seconds:
            opened, count = now, 0.0
        count += 1
        remaining = self.window_seconds - (now - opened)
        await self.store.set(key, f"{opened}:{count:.0f}".encode(), expires_in=max(1, math.ceil(remaining)))
        if count > limit:
            raise RateLimitedError(
                "Too many attempts; try again later.",
                retry_after=max(1, math.ceil(remaining)),
                code="too_many_attempts",
            )

    async def attempt(self, *, address: str | None, email: str) -> None:
        """Count one sign-in/sign-up attempt; 429 once either counter passes its limit within its window."""
        now = time.time()
        await self._count("address", address or "unknown", self.per_address, now)
        await self._count("email", email.strip().lower(), self.per_email, now)
