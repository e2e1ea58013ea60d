"""Runtime state of the ``DB`` and ``STORAGE`` bindings (and ``REDIS`` when ``REDIS_URL`` is set):
probes for readiness, and one log line per outage.

A binding that is absent is logged once at start-up; one that becomes unreachable is logged once
when it goes down and once when it comes back, however many requests fail in between.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import obstore
from obstore.store import ObjectStore, from_url
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Binding
from app.db.models import User

__all__ = (
    "REDIS_BINDING",
    "BindingMonitor",
    "BindingState",
    "open_redis",
    "open_store",
    "probe_db",
    "probe_redis",
    "probe_storage",
)

logger = logging.getLogger("app.bindings")

REDIS_BINDING = "REDIS"
"""The shared store of attempt counters (optional: without it they are per process)."""
REDIS_TIMEOUT_SECONDS = 1.0


@dataclass(slots=True)
class BindingState:
    name: str
    present: bool
    up: bool
    detail: str


@dataclass
class BindingMonitor:
    """Tracks whether each binding is usable and logs each change of state once."""

    states: dict[str, BindingState] = field(default_factory=dict)

    def register(self, binding: Binding) -> None:
        detail = "configured" if binding.present else f"absent: {binding.source}"
        self.states[binding.name] = BindingState(binding.name, binding.present, binding.present, detail)
        if not binding.present:
            logger.error("binding %s is absent (%s); requests that need it will fail", binding.name, binding.source)

    def mark_down(self, name: str, reason: str) -> None:
        state = self.states.get(name)
        if state is None or not state.present:
            return
        if state.up:
            logger.error("binding %s is unreachable: %s", name, reason)
        state.up = False
        state.detail = f"unreachable: {reason}"

    def mark_up(self, name: str) -> None:
        state = self.states.get(name)
        if state is None or not state.present:
            return
        if not state.up:
            logger.warning("binding %s is reachable again", name)
        state.up = True
        state.detail = "ok"


def open_store(binding: Binding) -> ObjectStore:
    """The object store behind ``STORAGE``: a local directory (``file://``) or S3-compatible (``s3://``)."""
    if binding.url is None:
        msg = f"the {binding.name} binding is absent"
        raise RuntimeError(msg)
    options: dict[str, Any] = {"mkdir": True} if binding.url.startswith("file:") else {}
    return from_url(binding.url, **options)


def open_redis(url: str) -> Redis:
    """A Redis client that gives up quickly (one retry, 1 s timeouts): a limit that fails open
    must not hold a sign-in for long while Redis is away."""
    return Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), retries=1),
    )


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}"


async def probe_db(engine: AsyncEngine) -> str | None:
    """None when the database answers and has the schema; otherwise why not (no secrets)."""
    try:
        async with engine.connect() as connection:
            await connection.execute(select(User.id).limit(1))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return _reason(exc)
    return None


async def probe_storage(store: ObjectStore) -> str | None:
    try:
        await obstore.list_with_delimiter_async(store)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return _reason(exc)
    return None


async def probe_redis(client: Redis) -> str | None:
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return _reason(exc)
    return None
