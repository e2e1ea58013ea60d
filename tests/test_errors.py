"""Error handling: problem details everywhere, never internals."""

from __future__ import annotations

from litestar import get, post

from app.api.application import create_app
from app.api.dependencies import DB
from app.config import Settings
from app.db.models import User
from tests.helpers import api_client


@get("/explode", operation_id="explode")
async def explode() -> None:
    secret = "hunter2-super-secret"
    raise RuntimeError(f"boom with {secret} at /srv/app/internal.py")


async def test_unexpected_errors_give_a_generic_problem_without_internals(settings: Settings) -> None:
    app = create_app(settings)
    app.register(explode)
    async with api_client(settings, app) as client:
        response = await client.get("/explode")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["status"] == 500
    for leak in ("hunter2", "boom", "Traceback", "internal.py", "RuntimeError"):
        assert leak not in response.text


async def test_unknown_routes_and_methods_are_problem_details(settings: Settings) -> None:
    async with api_client(settings) as client:
        missing = await client.get("/nope")
        wrong_method = await client.post("/health")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


@post("/clash", operation_id="clash", status_code=201)
async def clash(db: DB) -> None:
    """Two rows with one email, written without the repositories' check: the constraint decides."""
    db.add_all([User(name="A", email="same@example.com"), User(name="B", email="same@example.com")])
    await db.flush()


async def test_a_constraint_that_fires_is_a_conflict_not_a_500(settings: Settings) -> None:
    app = create_app(settings)
    app.register(clash)
    async with api_client(settings, app) as client:
        response = await client.post("/clash")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "same@example.com" not in response.text
