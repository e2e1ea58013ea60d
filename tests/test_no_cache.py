"""No session cache: whatever ends a session takes effect on the very next request, whoever made it.

Each case changes the database from outside the service (a separate engine, as another worker or
a Better Auth server sharing the database would) between two requests of one client, and once
through the service itself. The daily slide of a session writes at most once a day.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.models import User, UserSession
from app.db.types import utcnow
from app.domain.rules import SESSION_LIFETIME
from tests.helpers import bearer
from tests.test_races import Person, people

Change = Callable[[AsyncEngine, Person], Awaitable[None]]


async def sign_out(engine: AsyncEngine, person: Person) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(UserSession).where(UserSession.token == person.token))


async def revoke_all(engine: AsyncEngine, person: Person) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(UserSession).where(UserSession.user_id == person.id))


async def ban(engine: AsyncEngine, person: Person) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(User).where(User.id == person.id).values(banned=True, ban_reason="outside"))


async def expire(engine: AsyncEngine, person: Person) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(UserSession).where(UserSession.token == person.token).values(expires_at=utcnow())
        )


async def delete_user(engine: AsyncEngine, person: Person) -> None:
    async with engine.begin() as connection:
        await connection.execute(delete(User).where(User.id == person.id))


@pytest.mark.parametrize(
    ("change", "status"),
    [(sign_out, 401), (revoke_all, 401), (ban, 403), (expire, 401), (delete_user, 401)],
    ids=["sign-out", "revocation", "ban", "expiry", "user deletion"],
)
async def test_a_change_made_elsewhere_applies_to_the_next_request(
    client: httpx.AsyncClient, engine: AsyncEngine, change: Change, status: int
) -> None:
    (person,) = await people(engine, 1)
    assert (await client.get("/api/me", headers=bearer(person.token))).status_code == 200
    await change(engine, person)
    for path in ("/api/me", "/api/organizations", "/api/me/sessions"):
        assert (await client.get(path, headers=bearer(person.token))).status_code == status


async def test_changes_made_through_the_service_apply_to_the_next_request(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    user, other, admin = await people(engine, 3)
    async with engine.begin() as connection:
        await connection.execute(update(User).where(User.id == admin.id).values(role="admin"))
    assert (await client.delete(f"/api/me/sessions/{user.session_id}", headers=bearer(user.token))).status_code == 204
    assert (await client.get("/api/me", headers=bearer(user.token))).status_code == 401
    assert (await client.get("/api/me", headers=bearer(other.token))).status_code == 200
    banned = await client.post(f"/api/admin/users/{other.id}/ban", headers=bearer(admin.token), json={"reason": "x"})
    assert banned.status_code == 200
    assert (await client.get("/api/me", headers=bearer(other.token))).status_code == 401  # the ban ended its sessions


async def test_the_expiry_slides_at_most_once_a_day(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    (person,) = await people(engine, 1)
    now = utcnow()
    two_days_ago = now - timedelta(days=2)
    async with engine.begin() as connection:
        await connection.execute(
            update(UserSession)
            .where(UserSession.id == person.session_id)
            .values(updated_at=two_days_ago, expires_at=two_days_ago + SESSION_LIFETIME)
        )

    async def stored() -> tuple[datetime, datetime]:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    select(UserSession.updated_at, UserSession.expires_at).where(UserSession.id == person.session_id)
                )
            ).one()
        return row[0], row[1]

    assert (await client.get("/api/me", headers=bearer(person.token))).status_code == 200
    slid = await stored()
    updated_at, expires_at = slid
    assert updated_at >= now
    assert expires_at == updated_at + SESSION_LIFETIME
    for _ in range(5):
        assert (await client.get("/api/me", headers=bearer(person.token))).status_code == 200
    assert await stored() == slid  # no further writes within the day
