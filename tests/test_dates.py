"""Every date leaves the service as JavaScript's ``toISOString()`` writes it: three fractional digits and ``Z``.

(The suite-wide response scan in ``tests/conftest.py`` checks every response of the run too.)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Organization, User
from app.domain.instants import Instant, js_iso, json_encoder, to_instant
from app.domain.schemas.users import BanIn
from tests.helpers import bearer, sign_up

JS_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def test_js_iso_matches_to_iso_string() -> None:
    assert js_iso(datetime(2026, 1, 2, 3, 4, 5, 678_999, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"
    assert js_iso(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000Z"
    assert js_iso(datetime(2026, 1, 2, 3, 4, 5, 150_000)) == "2026-01-02T03:04:05.150Z"  # naive is UTC
    paris = timezone(timedelta(hours=1))
    assert js_iso(datetime(2026, 1, 2, 0, 30, 0, 1_000, tzinfo=paris)) == "2026-01-01T23:30:00.001Z"
    assert js_iso(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00.000Z"


def test_structs_hold_instants_whatever_produced_the_date() -> None:
    decoded = BanIn(expires_at=datetime(2030, 5, 6, 7, 8, 9, 123_456, tzinfo=UTC))
    assert type(decoded.expires_at) is Instant
    assert json_encoder.encode(decoded) == b'{"reason":null,"expiresAt":"2030-05-06T07:08:09.123Z"}'
    assert to_instant(decoded.expires_at) is decoded.expires_at


async def test_rest_dates_have_three_fractional_digits(client: httpx.AsyncClient, db: AsyncSession) -> None:
    token, user = await sign_up(client, "dates@example.com")
    org = (await client.post("/api/organizations", headers=bearer(token), json={"name": "Dates"})).json()
    # Microseconds (PostgreSQL keeps them) and a whole second (msgspec would drop the fraction).
    await db.execute(
        update(Organization)
        .where(Organization.id == org["id"])
        .values(created_at=datetime(2026, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC))
    )
    await db.execute(
        update(User).where(User.id == user["id"]).values(created_at=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))
    )
    await db.commit()
    read = (await client.get(f"/api/organizations/{org['id']}", headers=bearer(token))).json()
    assert read["createdAt"] == "2026-03-04T05:06:07.891Z"
    me = (await client.get("/api/me", headers=bearer(token))).json()
    assert me["createdAt"] == "2026-03-04T05:06:07.000Z"
    assert all(JS_DATE.fullmatch(me[key]) for key in ("createdAt", "updatedAt"))


async def test_openapi_still_documents_dates_as_date_time(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/docs/openapi.json")).json()["components"]["schemas"]
    for name in ("UserOut", "BaUser"):  # the REST face's user and Better Auth's
        assert schemas[name]["properties"]["createdAt"] == {"type": "string", "format": "date-time"}
