"""The OpenAPI document: served, every operation named and its errors documented."""

from __future__ import annotations

import httpx

METHODS = {"get", "post", "put", "patch", "delete"}


async def test_every_operation_has_a_stable_id_and_documented_errors(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operations = [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(operations) >= 25
    ids = [operation.get("operationId") for _, _, operation in operations]
    assert all(ids), [f"{m} {p}" for m, p, o in operations if not o.get("operationId")]
    assert len(ids) == len(set(ids))
    for method, path, operation in operations:
        if path.startswith("/health"):
            continue
        responses = operation["responses"]
        assert "500" in responses, f"{method} {path}"
        error_type = "application/json" if path.startswith("/api/auth/") else "application/problem+json"
        assert error_type in responses["500"]["content"], f"{method} {path}"
        if path.startswith(("/api/me", "/api/admin")):
            assert "401" in responses, f"{method} {path} does not document 401"
    interactive = await client.get("/docs")
    assert interactive.status_code == 200
