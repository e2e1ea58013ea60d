"""Binding failure modes: an absent or unreachable DB/STORAGE fails only the requests that need it."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import get
from litestar.di import NamedDependency
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.application import create_app
from app.config import Settings, read_wrangler_bindings
from app.db.models import User
from tests.helpers import api_client, make_settings, recording_logs


@get("/probe-db", operation_id="probeDb")
async def needs_db(db: NamedDependency[AsyncSession]) -> dict[str, int]:
    """A route that needs the DB binding (registered by these tests only)."""
    rows = (await db.execute(select(User.id).limit(1))).all()
    return {"rows": len(rows)}


def app_with_probe(settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    app.register(needs_db)
    return app


async def test_absent_db_binding_fails_requests_that_need_it_and_nothing_else(
    tmp_path: Path,
) -> None:
    settings = make_settings(None, tmp_path / "storage")
    with recording_logs("app.bindings") as logs:
        app = app_with_probe(settings)
        async with api_client(settings, app) as client:
            failures = [await client.get("/probe-db") for _ in range(3)]
            live = await client.get("/health")
            ready = await client.get("/health/ready")
            docs = await client.get("/docs/openapi.json")
    for response in failures:
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"] == "binding_unavailable"
        assert body["binding"] == "DB"
        assert "DB" in body["detail"]
    assert live.status_code == 200
    assert docs.status_code == 200
    assert ready.status_code == 503
    assert {b["name"]: b["status"] for b in ready.json()["bindings"]} == {"DB": "absent", "STORAGE": "up"}
    assert len(logs.messages("binding DB")) == 1


async def test_unreachable_db_gives_a_problem_naming_db_and_is_logged_once(
    tmp_path: Path,
) -> None:
    settings = make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", tmp_path / "storage")
    with recording_logs("app.bindings") as logs:
        app = app_with_probe(settings)
        async with api_client(settings, app) as client:
            failures = [await client.get("/probe-db") for _ in range(3)]
            live = await client.get("/health")
            ready = await client.get("/health/ready")
    for response in failures:
        assert response.status_code == 500
        assert response.json()["binding"] == "DB"
        assert "127.0.0.1" not in response.text
    assert live.status_code == 200
    assert ready.status_code == 503
    assert {b["name"]: b["status"] for b in ready.json()["bindings"]}["DB"] == "down"
    assert len(logs.messages("binding DB is unreachable")) == 1


async def test_absent_storage_binding_is_reported_by_readiness(settings: Settings, tmp_path: Path) -> None:
    no_storage = make_settings(settings.db.url, None)
    async with api_client(no_storage) as client:
        ready = await client.get("/health/ready")
        live = await client.get("/health")
    assert live.status_code == 200
    assert ready.status_code == 503
    assert {b["name"]: b["status"] for b in ready.json()["bindings"]} == {"DB": "up", "STORAGE": "absent"}


def test_wrangler_bindings_are_read_by_name(tmp_path: Path) -> None:
    config = tmp_path / "wrangler.toml"
    config.write_text('[[d1_databases]]\nbinding = "DB"\ndatabase_name = "x"\n\n[[r2_buckets]]\nbinding = "FILES"\n')
    assert {name: b.kind for name, b in read_wrangler_bindings(config).items()} == {"DB": "d1", "FILES": "r2"}
    project = read_wrangler_bindings(Path(__file__).resolve().parent.parent / "wrangler.toml")
    assert {name: b.kind for name, b in project.items()} == {"DB": "d1", "STORAGE": "r2"}
    assert project["DB"].entry["migrations_dir"] == "migrations/d1"
    assert read_wrangler_bindings(tmp_path / "missing.toml") == {}


def test_settings_resolve_bindings_from_wrangler_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "wrangler.toml"
    config.write_text('[[d1_databases]]\nbinding = "DB"\ndatabase_name = "x"\n')
    monkeypatch.setenv("WRANGLER_CONFIG", str(config))
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("STORAGE_URL", raising=False)
    settings = Settings.from_env()
    assert settings.db.url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'db.sqlite3'}"
    assert settings.storage.url is None
    assert "not declared" in settings.storage.source
    monkeypatch.setenv("STORAGE_URL", (tmp_path / "files").as_uri())
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://db.internal/app")
    settings = Settings.from_env()
    assert settings.storage.url == (tmp_path / "files").as_uri()
    assert settings.db.url == "postgresql+asyncpg://db.internal/app"


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("BETTER_AUTH_SECRET", raising=False)
    monkeypatch.delenv("AUTH_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="BETTER_AUTH_SECRET"):
        create_app(Settings.from_env())
