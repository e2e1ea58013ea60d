"""Liveness (no bindings) and readiness (each binding) probes."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec

from app.api.dependencies import DATABASE_STATE_KEY
from app.bindings import REDIS_BINDING, BindingMonitor, probe_db, probe_redis, probe_storage
from app.config import DB_BINDING, STORAGE_BINDING
from app.domain.schemas.base import BindingReport, Health, Readiness

__all__ = ("REDIS_STATE_KEY", "HealthController")

REDIS_STATE_KEY = "redis"
"""App-state key of the Redis client behind the shared attempt counters (``None`` without ``REDIS_URL``)."""


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/", operation_id="getLiveness", summary="Liveness: the process serves requests")
    async def liveness(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="getReadiness",
        summary="Readiness: the state of each binding (200 when DB and STORAGE are up, 503 otherwise)",
        description=(
            "`REDIS` (listed when configured) is not required: while it is down, attempt limits fail open "
            "and the status is `degraded` with 200, so an outage of the shared store does not take every "
            "instance out of service."
        ),
        responses={
            503: ResponseSpec(
                data_container=Readiness, description="A binding is absent or down", generate_examples=False
            )
        },
    )
    async def readiness(self, state: State) -> Response[Readiness]:
        monitor: BindingMonitor = state.bindings
        database = state.get(DATABASE_STATE_KEY)
        store = state.get("storage")
        results = {
            DB_BINDING: await probe_db(database.get_engine()) if database is not None else None,
            STORAGE_BINDING: await probe_storage(store) if store is not None else None,
        }
        redis = state.get(REDIS_STATE_KEY)
        if redis is not None:
            results[REDIS_BINDING] = await probe_redis(redis)
        reports: list[BindingReport] = []
        for name, problem in results.items():
            binding_state = monitor.states[name]
            if not binding_state.present:
                reports.append(BindingReport(name=name, status="absent", detail=binding_state.detail))
            elif problem is None:
                monitor.mark_up(name)
                reports.append(BindingReport(name=name, status="up", detail="ok"))
            else:
                monitor.mark_down(name, problem)
                reports.append(BindingReport(name=name, status="down", detail=problem))
        ready = all(report.status == "up" for report in reports if report.name != REDIS_BINDING)
        degraded = any(report.status != "up" for report in reports)
        status = ("degraded" if degraded else "ready") if ready else "not_ready"
        return Response(
            Readiness(status=status, bindings=reports),
            status_code=200 if ready else 503,
        )
