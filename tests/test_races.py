"""Check-then-write rules under conflicting requests fired at the same instant, on both databases.

Each test sets up its rows directly, then sends RACERS conflicting requests at once and checks the
invariant afterwards. SQLite serializes writers (``BEGIN IMMEDIATE``); on PostgreSQL the rules hold
because the repositories lock the organization row (or the user row) before they check, or a
unique constraint decides.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db.models import Invitation, Member, Organization, Team, TeamMember, User, UserSession
from app.db.types import utcnow
from app.domain.enums import UserRole
from app.domain.rules import INVITATION_LIFETIME, SESSION_LIFETIME
from app.repositories import sessions as session_repo
from app.repositories import users as user_repo
from tests.helpers import bearer, sign_in, sign_up

RACERS = 8


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    token: str
    session_id: str


async def people(engine: AsyncEngine, count: int, role: UserRole = UserRole.USER) -> list[Person]:
    """Users with a live session each, made through the repositories (no scrypt)."""
    made: list[Person] = []
    async with async_sessionmaker(engine, expire_on_commit=False)() as db, db.begin():
        for _ in range(count):
            email = f"racer-{uuid.uuid4().hex[:10]}@example.com"
            user = await user_repo.create_user(db, name="Racer", email=email, password_hash=None, role=role)
            session = await session_repo.create_session(
                db, user_id=user.id, lifetime=SESSION_LIFETIME, ip_address=None, user_agent=None
            )
            made.append(Person(user.id, email, session.token, session.id))
    return made


async def organization_of_owners(engine: AsyncEngine, owners: list[Person]) -> tuple[str, list[str]]:
    """An organization whose members are all owners; returns its id and the member ids (in order)."""
    async with async_sessionmaker(engine, expire_on_commit=False)() as db, db.begin():
        org = Organization(name="Contested", slug=f"contested-{uuid.uuid4().hex[:8]}")
        db.add(org)
        await db.flush()
        members = [Member(organization_id=org.id, user_id=person.id, role="owner") for person in owners]
        db.add_all(members)
        await db.flush()
        return org.id, [member.id for member in members]


async def at_once(*requests: Awaitable[httpx.Response]) -> Counter[int]:
    responses = await asyncio.gather(*requests)
    server_errors = [f"{r.request.method} {r.request.url.path}: {r.text}" for r in responses if r.status_code >= 500]
    assert not server_errors
    return Counter(response.status_code for response in responses)


async def owners_left(db: AsyncSession, org_id: str) -> int:
    await db.rollback()
    roles = (await db.execute(select(Member.role).where(Member.organization_id == org_id))).scalars().all()
    return sum(1 for role in roles if role == "owner")


async def test_owners_demoting_each_other_leave_an_owner(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    owners = await people(engine, RACERS)
    org, members = await organization_of_owners(engine, owners)
    statuses = await at_once(
        *(
            client.patch(
                f"/api/organizations/{org}/members/{members[(n + 1) % RACERS]}",
                headers=bearer(owner.token),
                json={"role": "member"},
            )
            for n, owner in enumerate(owners)
        )
    )
    assert await owners_left(db, org) >= 1
    # Each demotion either happened, or found the last owner (409) or a caller no longer an owner (403).
    assert set(statuses) <= {200, 403, 409}
    assert statuses[200] == RACERS - await owners_left(db, org)


async def test_owners_removing_each_other_leave_an_owner(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    owners = await people(engine, RACERS)
    org, members = await organization_of_owners(engine, owners)
    statuses = await at_once(
        *(
            client.delete(f"/api/organizations/{org}/members/{members[(n + 1) % RACERS]}", headers=bearer(owner.token))
            for n, owner in enumerate(owners)
        )
    )
    assert await owners_left(db, org) >= 1
    assert set(statuses) <= {204, 403, 404, 409}


async def test_owners_leaving_at_once_leave_an_owner(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    owners = await people(engine, RACERS)
    org, _ = await organization_of_owners(engine, owners)
    statuses = await at_once(
        *(client.post(f"/api/organizations/{org}/leave", headers=bearer(owner.token)) for owner in owners)
    )
    assert await owners_left(db, org) == 1
    assert statuses == {204: RACERS - 1, 409: 1}


async def test_deleting_every_owner_at_once_leaves_an_owner(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    owners = await people(engine, RACERS)
    (admin,) = await people(engine, 1, UserRole.ADMIN)
    org, _ = await organization_of_owners(engine, owners)
    statuses = await at_once(
        *(client.delete(f"/api/admin/users/{owner.id}", headers=bearer(admin.token)) for owner in owners)
    )
    assert await owners_left(db, org) == 1
    assert statuses == {204: RACERS - 1, 409: 1}


async def test_an_invitation_is_accepted_once(client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession) -> None:
    owner, invitee = await people(engine, 2)
    org, _ = await organization_of_owners(engine, [owner])
    async with async_sessionmaker(engine, expire_on_commit=False)() as setup, setup.begin():
        invitation = Invitation(
            organization_id=org,
            email=invitee.email,
            role="member",
            status="pending",
            expires_at=utcnow() + INVITATION_LIFETIME,
            inviter_id=owner.id,
        )
        setup.add(invitation)
    statuses = await at_once(
        *(client.post(f"/api/invitations/{invitation.id}/accept", headers=bearer(invitee.token)) for _ in range(RACERS))
    )
    assert statuses == {200: 1, 409: RACERS - 1}
    await db.rollback()
    joined = (
        await db.execute(select(func.count()).where(Member.organization_id == org, Member.user_id == invitee.id))
    ).scalar_one()
    assert joined == 1


async def test_concurrent_invitations_of_one_email_make_one_pending_invitation(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    (owner,) = await people(engine, 1)
    org, _ = await organization_of_owners(engine, [owner])
    statuses = await at_once(
        *(
            client.post(
                f"/api/organizations/{org}/invitations", headers=bearer(owner.token), json={"email": "once@example.com"}
            )
            for _ in range(RACERS)
        )
    )
    assert statuses == {201: 1, 200: RACERS - 1}
    await db.rollback()
    pending = (
        await db.execute(select(func.count()).where(Invitation.organization_id == org, Invitation.status == "pending"))
    ).scalar_one()
    assert pending == 1


async def test_a_user_joins_a_team_once_and_the_count_stays_exact(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    owner, joiner, *others = await people(engine, 2 + RACERS)
    org, _ = await organization_of_owners(engine, [owner])
    async with async_sessionmaker(engine, expire_on_commit=False)() as setup, setup.begin():
        setup.add_all(Member(organization_id=org, user_id=p.id, role="member") for p in [joiner, *others])
        team = Team(name="Crowded", organization_id=org, member_count=0)
        setup.add(team)
    base = f"/api/organizations/{org}/teams/{team.id}/members"
    same = await at_once(
        *(client.post(base, headers=bearer(owner.token), json={"userId": joiner.id}) for _ in range(RACERS))
    )
    assert same == {201: 1, 409: RACERS - 1}
    # Adds of everyone else racing removals of half of them as they land.
    await at_once(*(client.post(base, headers=bearer(owner.token), json={"userId": p.id}) for p in others))
    await at_once(
        *(client.delete(f"{base}/{p.id}", headers=bearer(owner.token)) for p in others[: RACERS // 2]),
        *(client.post(base, headers=bearer(owner.token), json={"userId": p.id}) for p in others),
    )
    await db.rollback()
    rows = (await db.execute(select(func.count()).where(TeamMember.team_id == team.id))).scalar_one()
    keys = (await db.execute(select(TeamMember.user_id).where(TeamMember.team_id == team.id))).scalars().all()
    counter = (await db.execute(select(Team.member_count).where(Team.id == team.id))).scalar_one()
    assert rows == counter == len(set(keys))


async def test_emails_and_slugs_stay_unique_and_a_clash_is_a_409(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    (admin,) = await people(engine, 1, UserRole.ADMIN)
    owners = await people(engine, RACERS)
    users = await at_once(
        *(
            client.post(
                "/api/admin/users",
                headers=bearer(admin.token),
                json={"name": "Twin", "email": "twin@example.com", "password": "password 123"},
            )
            for _ in range(RACERS)
        )
    )
    assert users == {201: 1, 409: RACERS - 1}
    created = await at_once(
        *(
            client.post("/api/organizations", headers=bearer(owner.token), json={"name": "Same", "slug": "same-slug"})
            for owner in owners
        )
    )
    assert created == {201: 1, 409: RACERS - 1}
    # Renaming distinct organizations to one slug at once.
    orgs = [
        (await client.post("/api/organizations", headers=bearer(owner.token), json={"name": "Mine"})).json()["id"]
        for owner in owners
    ]
    renamed = await at_once(
        *(
            client.patch(f"/api/organizations/{org}", headers=bearer(owner.token), json={"slug": "one-slug"})
            for org, owner in zip(orgs, owners, strict=True)
        )
    )
    assert renamed == {200: 1, 409: RACERS - 1}
    await db.rollback()
    assert (await db.execute(select(func.count()).where(User.email == "twin@example.com"))).scalar_one() == 1
    assert (await db.execute(select(func.count()).where(Organization.slug == "one-slug"))).scalar_one() == 1


async def age_session(engine: AsyncEngine, session_id: str) -> None:
    """Make a session due for its daily slide (last slid two days ago)."""
    now = utcnow()
    async with engine.begin() as connection:
        await connection.execute(
            update(UserSession)
            .where(UserSession.id == session_id)
            .values(updated_at=now - timedelta(days=2), expires_at=now + SESSION_LIFETIME - timedelta(days=2))
        )


async def sessions_of(db: AsyncSession, user_id: str) -> int:
    await db.rollback()
    return (await db.execute(select(func.count()).where(UserSession.user_id == user_id))).scalar_one()


async def test_a_ban_wins_over_concurrent_session_refreshes(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    user, admin = await people(engine, 2)
    await db.execute(update(User).where(User.id == admin.id).values(role="admin"))
    await db.commit()
    await age_session(engine, user.session_id)
    statuses = await at_once(
        *(client.get("/api/me", headers=bearer(user.token)) for _ in range(RACERS)),
        client.post(f"/api/admin/users/{user.id}/ban", headers=bearer(admin.token), json={"reason": "race"}),
    )
    assert set(statuses) <= {200, 401, 403}
    assert await sessions_of(db, user.id) == 0
    assert (await client.get("/api/me", headers=bearer(user.token))).status_code == 401


async def test_a_revocation_wins_over_concurrent_session_refreshes(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    (user,) = await people(engine, 1)
    async with async_sessionmaker(engine, expire_on_commit=False)() as setup, setup.begin():
        other = await session_repo.create_session(
            setup, user_id=user.id, lifetime=SESSION_LIFETIME, ip_address=None, user_agent=None
        )
    await age_session(engine, user.session_id)
    statuses = await at_once(
        *(client.get("/api/me", headers=bearer(user.token)) for _ in range(RACERS)),
        client.delete(f"/api/me/sessions/{user.session_id}", headers=bearer(other.token)),
    )
    assert set(statuses) <= {200, 204, 401}
    await db.rollback()
    assert (await db.execute(select(func.count()).where(UserSession.id == user.session_id))).scalar_one() == 0
    assert (await client.get("/api/me", headers=bearer(user.token))).status_code == 401


async def test_a_ban_wins_over_concurrent_sign_ins(
    client: httpx.AsyncClient, engine: AsyncEngine, db: AsyncSession
) -> None:
    """Sign-ins racing a ban: each either sees the ban (403) or opened its session before the ban
    ended every session; none survives it."""
    _, user = await sign_up(client, "contested@example.com", "contested password 1")
    (admin,) = await people(engine, 1, UserRole.ADMIN)
    statuses = await at_once(
        *(sign_in(client, "contested@example.com", "contested password 1") for _ in range(RACERS)),
        client.post(f"/api/admin/users/{user['id']}/ban", headers=bearer(admin.token), json={"reason": "race"}),
    )
    assert set(statuses) <= {200, 403}
    assert await sessions_of(db, user["id"]) == 0
    assert (await sign_in(client, "contested@example.com", "contested password 1")).status_code == 403
