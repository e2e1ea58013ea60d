"""Attempt limits for sign-in and sign-up, per client address and per email (fixed windows).

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

    async def _count(self, scope: str, value: str, limit: int, window: int) -> None:
        if limit <= 0:
            return
        digest = hashlib.sha256(value.encode()).hexdigest()[:32]
        key = f"ratelimit:{scope}:{digest}:{window}"
        current = await self.store.get(key)
        count = (int(current) if current else 0) + 1
        await self.store.set(key, str(count).encode(), expires_in=self.window_seconds)
        if count > limit:
            now = time.time()
            retry_after = max(1, math.ceil((window + 1) * self.window_seconds - now))
            raise RateLimitedError(
                "Too many attempts; try again later.", retry_after=retry_after, code="too_many_attempts"
            )

    async def attempt(self, *, address: str | None, email: str) -> None:
        """Count one sign-in/sign-up attempt; 429 once either counter passes its limit in this window."""
        window = int(time.time() // self.window_seconds)
        await self._count("address", address or "unknown", self.per_address, window)
        await self._count("email", email.strip().lower(), self.per_email, window)
