"""The service plus one baseline route, for benchmarks only (never part of the product's routes).

    uvicorn bench.app:create_bench_app --factory

The baseline is the smallest Litestar route returning a small JSON document, served by the same
process with the same settings, so every case can be reported as a ratio to it.
"""

from __future__ import annotations

from litestar import Litestar, get

from app import create_app


@get("/bench/baseline", operation_id="benchBaseline", include_in_schema=False)
async def baseline() -> dict[str, object]:
    return {"status": "ok", "items": [1, 2, 3], "name": "baseline"}


def create_bench_app() -> Litestar:
    app = create_app()
    app.register(baseline)
    return app
