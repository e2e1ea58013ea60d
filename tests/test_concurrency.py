"""50 concurrent writers on SQLite and PostgreSQL: no 5xx, nothing lost or doubled, counters exact."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Member, Team, TeamMember, User
from tests.helpers import bearer, sign_up

WRITERS = 50


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


async def test_fifty_concurrent_writers(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner, _ = await sign_up(client, "owner@example.com")
    org = (await client.post("/api/organizations", headers=bearer(owner), json={"name": "Busy"})).json()["id"]
    team = (await client.post(f"/api/organizations/{org}/teams", headers=bearer(owner), json={"name": "All"})).json()

    # sign-ups: 50 distinct emails, plus 10 racing for the same one
    signups = await asyncio.gather(
        *(
            client.post(
                "/api/auth/sign-up/email",
                json={"name": f"User {n}", "email": f"user{n}@example.com", "password": "password 123"},
            )
            for n in range(WRITERS)
        ),
        *(
            client.post(
                "/api/auth/sign-up/email",
                json={"name": "Twin", "email": "twin@example.com", "password": "password 123"},
            )
            for _ in range(10)
        ),
    )
    assert statuses(list(signups)) == {200: WRITERS + 1, 422: 9}, [r.text for r in signups if r.status_code >= 500]
    tokens = [r.json()["token"] for r in signups[:WRITERS]]

    # invitations: 50 concurrent creates by the same owner
    invitations = await asyncio.gather(
        *(
            client.post(
                f"/api/organizations/{org}/invitations", headers=bearer(owner), json={"email": f"user{n}@example.com"}
            )
            for n in range(WRITERS)
        )
    )
    assert statuses(list(invitations)) == {201: WRITERS}

    # accepts: 50 invitees at once, each racing a duplicate accept of their own invitation
    accepts = await asyncio.gather(
        *(
            client.post(f"/api/invitations/{inv.json()['id']}/accept", headers=bearer(token))
            for inv, token in zip(invitations, tokens, strict=True)
            for _ in range(2)
        )
    )
    assert statuses(list(accepts)) == {200: WRITERS, 409: WRITERS}

    # team member adds: every new member at once, plus 10 racing duplicates of one of them
    user_ids = [r.json()["user"]["id"] for r in signups[:WRITERS]]
    adds = await asyncio.gather(
        *(
            client.post(
                f"/api/organizations/{org}/teams/{team['id']}/members", headers=bearer(owner), json={"userId": user_id}
            )
            for user_id in [*user_ids, *([user_ids[0]] * 10)]
        )
    )
    assert statuses(list(adds)) == {201: WRITERS, 409: 10}

    await db.rollback()
    assert (await db.execute(select(func.count()).select_from(User))).scalar_one() == WRITERS + 2
    members = (await db.execute(select(Member.user_id).where(Member.organization_id == org))).scalars().all()
    assert len(members) == len(set(members)) == WRITERS + 1
    rows = (
        await db.execute(select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team["id"]))
    ).scalar_one()
    counter = (await db.execute(select(Team.member_count).where(Team.id == team["id"]))).scalar_one()
    assert rows == counter == WRITERS
