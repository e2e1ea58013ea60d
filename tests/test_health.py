from __future__ import annotations

from pathlib import Path

from app.config import Settings
from tests.helpers import api_client, make_settings


async def test_liveness_and_readiness_on_a_migrated_database(settings: Settings) -> None:
    async with api_client(settings) as client:
        live = await client.get("/health")
        ready = await client.get("/health/ready")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert {b["name"]: b["status"] for b in body["bindings"]} == {"DB": "up", "STORAGE": "up"}


async def test_readiness_reports_an_unmigrated_database_as_down(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path / "storage")
    async with api_client(settings) as client:
        ready = await client.get("/health/ready")
    assert ready.status_code == 503
    statuses = {b["name"]: b["status"] for b in ready.json()["bindings"]}
    assert statuses == {"DB": "down", "STORAGE": "up"}
