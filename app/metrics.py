"""Prometheus metrics: what is measured, and how several worker processes add up to one answer.

- Requests: Litestar's ``PrometheusMiddleware`` (``PROMETHEUS``): ``saas_requests_total`` and
  ``saas_request_duration_seconds`` by method, route template (``path``) and status code.
- Sign-in outcomes: ``saas_sign_in_total{outcome}`` (``count_sign_in``).
- Database pool: ``saas_db_pool_connections_in_use`` and ``saas_db_pool_size`` (``instrument_pool``).

With several workers (the production command), ``PROMETHEUS_MULTIPROC_DIR`` is set before any
worker starts: each process writes its samples to files there and ``render_metrics`` (any worker,
or the supervisor's metrics port) merges them, so a scrape sees every worker's counts, whichever
process answers. Counters and histograms are summed over every process that ever ran (counts never
go back); the pool gauges are summed over live processes only (``livesum``): a worker removes its
gauge files when it shuts down, and files of processes that died without doing so are removed
before each scrape.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from litestar.plugins.prometheus import PrometheusConfig
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, generate_latest, multiprocess
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import PROMETHEUS_MULTIPROC_DIR
from app.domain.errors import AuthenticationError, EmailNotVerifiedError, PermissionDeniedError, RateLimitedError

__all__ = (
    "MULTIPROC_ENV",
    "PROMETHEUS",
    "count_sign_in",
    "forget_process",
    "instrument_pool",
    "metrics_registry",
    "render_metrics",
)

MULTIPROC_ENV = PROMETHEUS_MULTIPROC_DIR.variable

PROMETHEUS = PrometheusConfig(app_name="saas-data", prefix="saas", group_path=True, exclude=["^/metrics$"])

SIGN_INS = Counter("saas_sign_in", "Sign-in attempts by outcome", ["outcome"])
POOL_IN_USE = Gauge(
    "saas_db_pool_connections_in_use",
    "Database connections checked out of the pool",
    ["binding"],
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "saas_db_pool_size", "Persistent connections each pool keeps", ["binding"], multiprocess_mode="livesum"
)


@contextmanager
def count_sign_in() -> Iterator[None]:
    """Count the outcome of the sign-in attempt run inside (``success``, ``invalid_credentials``,
    ``banned``, ``email_not_verified``, ``rate_limited`` or ``error``); exceptions pass through."""
    outcome = "error"
    try:
        yield
        outcome = "success"
    except RateLimitedError:
        outcome = "rate_limited"
        raise
    except AuthenticationError:
        outcome = "invalid_credentials"
        raise
    except EmailNotVerifiedError:
        outcome = "email_not_verified"
        raise
    except PermissionDeniedError:
        outcome = "banned"
        raise
    finally:
        SIGN_INS.labels(outcome).inc()


def instrument_pool(engine: AsyncEngine, binding: str) -> None:
    """Keep the pool gauges of ``binding`` up to date from the engine's pool events."""
    pool = engine.sync_engine.pool
    size = getattr(pool, "size", None)
    if callable(size):
        POOL_SIZE.labels(binding).set(size())
    in_use = POOL_IN_USE.labels(binding)
    checked_out: set[int] = set()

    def on_checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        if id(record) not in checked_out:
            checked_out.add(id(record))
            in_use.inc()

    def on_checkin(_dbapi: Any, record: Any) -> None:
        if id(record) in checked_out:
            checked_out.discard(id(record))
            in_use.dec()

    event.listen(pool, "checkout", on_checkout)
    event.listen(pool, "checkin", on_checkin)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _LiveProcessesCollector(Collector):
    """``MultiProcessCollector`` after dropping the live-gauge files of processes that are gone."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def collect(self) -> Iterable[Metric]:
        for path in glob.glob(os.path.join(self.directory, "gauge_live*_*.db")):
            pid = path.rsplit("_", 1)[-1].removesuffix(".db")
            if pid.isdigit() and not _alive(int(pid)):
                multiprocess.mark_process_dead(int(pid), self.directory)  # type: ignore[no-untyped-call]
        return multiprocess.MultiProcessCollector(None, path=self.directory).collect()  # type: ignore[no-untyped-call,no-any-return]


def metrics_registry() -> CollectorRegistry:
    """Every worker's metrics in multiprocess mode, else this process's registry."""
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    registry.register(_LiveProcessesCollector(directory))
    return registry


def render_metrics() -> bytes:
    return generate_latest(metrics_registry())


def forget_process() -> None:
    """At a worker's shutdown: its live gauges stop counting (multiprocess mode only)."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]
