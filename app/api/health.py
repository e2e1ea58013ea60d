"""Liveness (no bindings) and readiness (each binding) probes."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec

from app.api.dependencies import DATABASE_STATE_KEY
from app.bindings import BindingMonitor, probe_db, probe_storage
from app.config import DB_BINDING, STORAGE_BINDING
from app.domain.schemas.base import BindingReport, Health, Readiness

__all__ = ("HealthController",)


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/", operation_id="getLiveness", summary="Liveness: the process serves requests")
    async def liveness(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="getReadiness",
        summary="Readiness: the state of each binding (200 when all are up, 503 otherwise)",
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
        ready = all(report.status == "up" for report in reports)
        return Response(
            Readiness(status="ready" if ready else "not_ready", bindings=reports),
            status_code=200 if ready else 503,
        )
