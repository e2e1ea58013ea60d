"""The organization plugin's endpoints over HTTP, on both databases: organizations, members and
invitations, with Better Auth's codes for non-members, missing rights and the last owner."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db.models import Invitation, Member, UserSession
from app.db.types import utcnow
from tests.better_auth import call, join, member_of, organization, outcome, verify_email

ORG_KEYS = {"id", "name", "slug", "logo", "createdAt", "metadata"}
MEMBER_KEYS = {"id", "organizationId", "userId", "role", "createdAt"}
INVITATION_KEYS = {"id", "organizationId", "email", "role", "teamId", "status", "expiresAt", "createdAt", "inviterId"}


async def test_create_makes_the_owner_a_default_team_and_both_active(
    client: httpx.AsyncClient, db: AsyncSession, backend: str
) -> None:
    ada = await join(client, "Ada")
    free = await call(client, "POST", "/organization/check-slug", ada, {"slug": "acme-co"})
    assert free.json() == {"status": True}
    created = await call(
        client, "POST", "/organization/create", ada, {"name": "Acme", "slug": "acme-co", "metadata": {"plan": "pro"}}
    )
    assert created.status_code == 200, created.text
    org = created.json()
    assert set(org) == ORG_KEYS | {"members"}
    assert (org["metadata"], org["members"][0]["role"], org["members"][0]["userId"]) == (
        {"plan": "pro"},
        "owner",
        ada.id,
    )
    assert set(org["members"][0]) == MEMBER_KEYS
    session = (await call(client, "GET", "/get-session", ada)).json()["session"]
    teams = (await call(client, "GET", "/organization/list-teams", ada)).json()
    # Better Auth's own row: Kysely leaves updatedAt to PostgreSQL's default, Drizzle writes NULL
    assert [(t["name"], t["updatedAt"] is None) for t in teams] == [("Acme", backend == "sqlite")]
    assert (session["activeOrganizationId"], session["activeTeamId"]) == (org["id"], teams[0]["id"])
    taken = await call(client, "POST", "/organization/check-slug", ada, {"slug": "acme-co"})
    assert outcome(taken) == (400, "ORGANIZATION_SLUG_ALREADY_TAKEN")
    again = await call(client, "POST", "/organization/create", ada, {"name": "Acme", "slug": "acme-co"})
    assert outcome(again) == (400, "ORGANIZATION_ALREADY_EXISTS")
    empty = await call(client, "POST", "/organization/create", ada, {"name": "", "slug": ""})
    assert empty.json()["message"] == (
        "[body.name] Too small: expected string to have >=1 characters; "
        "[body.slug] Too small: expected string to have >=1 characters"
    )
    anonymous = await call(client, "POST", "/organization/create", None, {"name": "X", "slug": "x"})
    assert (anonymous.status_code, anonymous.content) == (401, b"")
    kept = await call(
        client,
        "POST",
        "/organization/create",
        ada,
        {"name": "Side", "slug": "side-co", "keepCurrentActiveOrganization": True},
    )
    assert kept.status_code == 200
    assert (await call(client, "GET", "/get-session", ada)).json()["session"]["activeOrganizationId"] == org["id"]
    listed = await call(client, "GET", "/organization/list", ada)
    assert sorted(o["slug"] for o in listed.json()) == ["acme-co", "side-co"]
    assert json.loads(next(o for o in listed.json() if o["slug"] == "acme-co")["metadata"]) == {"plan": "pro"}


async def test_set_active_by_id_slug_or_null_and_a_non_member_loses_it(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    ada, bob = await join(client, "Ada"), await join(client, "Bob")
    org = await organization(client, ada)
    cleared = await call(client, "POST", "/organization/set-active", ada, {"organizationId": None})
    assert (cleared.status_code, cleared.text) == (200, "null")
    assert cleared.headers["set-auth-token"] == ada.signed
    by_slug = await call(client, "POST", "/organization/set-active", ada, {"organizationSlug": org["slug"]})
    assert set(by_slug.json()) == ORG_KEYS
    assert isinstance(by_slug.json()["metadata"], str | None)
    assert (await call(client, "GET", "/get-session", ada)).json()["session"]["activeOrganizationId"] == org["id"]
    unknown = await call(client, "POST", "/organization/set-active", ada, {"organizationSlug": "nope"})
    assert outcome(unknown) == (400, "ORGANIZATION_NOT_FOUND")
    bob_org = await organization(client, bob)
    refused = await call(client, "POST", "/organization/set-active", bob, {"organizationId": org["id"]})
    assert outcome(refused) == (403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    # Better Auth drops the active organization of a caller found not to be a member.
    active = (
        await db.execute(select(UserSession.active_organization_id).where(UserSession.token == bob.token))
    ).scalar_one()
    assert active is None
    assert bob_org["id"] != org["id"]


async def test_full_organization(client: httpx.AsyncClient) -> None:
    ada, bob, carol = await join(client, "Ada"), await join(client, "Bob"), await join(client, "Carol")
    assert (await call(client, "GET", "/organization/get-full-organization", bob)).text == "null"
    org = await organization(client, ada)
    await member_of(client, ada, org, bob, "member")
    await call(client, "POST", "/organization/invite-member", ada, {"email": "pending@example.com", "role": "owner"})
    full = (await call(client, "GET", "/organization/get-full-organization", ada)).json()
    assert set(full) == ORG_KEYS | {"members", "invitations", "teams"}
    assert [m["user"]["email"] for m in full["members"]] == [ada.email, bob.email]
    assert {i["email"]: i["status"] for i in full["invitations"]} == {
        bob.email: "accepted",
        "pending@example.com": "pending",
    }
    assert full["teams"][0]["memberCount"] == 1
    # A plain member sees no invitations (they are invitation links).
    seen_by_bob = await call(client, "GET", "/organization/get-full-organization", bob, organizationId=org["id"])
    assert seen_by_bob.json()["invitations"] == []
    limited = await call(client, "GET", "/organization/get-full-organization", ada, membersLimit="1")
    assert len(limited.json()["members"]) == 1
    outsider = await call(client, "GET", "/organization/get-full-organization", carol, organizationId=org["id"])
    assert outcome(outsider) == (403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    missing = await call(client, "GET", "/organization/get-full-organization", carol, organizationId="nope")
    assert outcome(missing) == (400, "ORGANIZATION_NOT_FOUND")


async def test_update_and_delete(client: httpx.AsyncClient) -> None:
    ada, bob, carol = await join(client, "Ada"), await join(client, "Bob"), await join(client, "Carol")
    org = await organization(client, ada)
    other = await organization(client, carol)
    await member_of(client, ada, org, bob, "admin")
    updated = await call(client, "POST", "/organization/update", bob, {"data": {"name": "New", "metadata": {"a": 1}}})
    assert (updated.json()["name"], updated.json()["metadata"]) == ("New", {"a": 1})
    taken = await call(client, "POST", "/organization/update", ada, {"data": {"slug": other["slug"]}})
    assert outcome(taken) == (400, "ORGANIZATION_SLUG_ALREADY_TAKEN")
    nothing = await call(client, "POST", "/organization/update", ada, {"data": {}})
    assert nothing.json()["name"] == "New"
    outsider = await call(
        client, "POST", "/organization/update", carol, {"data": {"name": "X"}, "organizationId": org["id"]}
    )
    assert outcome(outsider) == (400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    admin_delete = await call(client, "POST", "/organization/delete", bob, {"organizationId": org["id"]})
    assert outcome(admin_delete) == (403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION")
    deleted = await call(client, "POST", "/organization/delete", ada, {"organizationId": org["id"]})
    assert (deleted.status_code, deleted.json()["id"]) == (200, org["id"])
    assert (await call(client, "GET", "/get-session", ada)).json()["session"]["activeOrganizationId"] is None
    gone = await call(client, "POST", "/organization/delete", ada, {"organizationId": org["id"]})
    assert outcome(gone) == (400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")


async def test_a_member_may_not_update(client: httpx.AsyncClient) -> None:
    ada, bob = await join(client, "Ada"), await join(client, "Bob")
    org = await organization(client, ada)
    await member_of(client, ada, org, bob, "member")
    refused = await call(client, "POST", "/organization/update", bob, {"data": {"name": "Mine"}})
    assert outcome(refused) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION")


async def test_invite_member_errors_and_resend(client: httpx.AsyncClient, db: AsyncSession) -> None:
    ada, bob, carol = await join(client, "Ada"), await join(client, "Bob"), await join(client, "Carol")
    org = await organization(client, ada)
    await member_of(client, ada, org, bob, "admin")
    invited = await call(
        client, "POST", "/organization/invite-member", ada, {"email": carol.email.upper(), "role": "member"}
    )
    assert set(invited.json()) == INVITATION_KEYS
    assert (invited.json()["email"], invited.json()["status"]) == (carol.email, "pending")
    expires = invited.json()["expiresAt"]
    again = await call(client, "POST", "/organization/invite-member", ada, {"email": carol.email, "role": "admin"})
    assert outcome(again) == (400, "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION")
    resent = await call(
        client, "POST", "/organization/invite-member", ada, {"email": carol.email, "role": "admin", "resend": True}
    )
    assert (resent.json()["id"], resent.json()["role"]) == (invited.json()["id"], "member")
    assert resent.json()["expiresAt"] >= expires
    cases = [
        ({"email": "bad", "role": "member"}, (400, "INVALID_EMAIL")),
        ({"email": "x@example.com", "role": "boss"}, (400, None)),
        ({"email": ada.email, "role": "member"}, (400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION")),
        ({"email": "y@example.com", "role": "member", "teamId": "a,b"}, (400, "INVALID_TEAM_ID")),
        ({"email": "y@example.com", "role": "member", "teamId": "nope"}, (400, "TEAM_NOT_FOUND")),
    ]
    for body, expected in cases:
        assert outcome(await call(client, "POST", "/organization/invite-member", ada, body)) == expected, body
    boss = await call(client, "POST", "/organization/invite-member", ada, {"email": "x@example.com", "role": "boss"})
    assert boss.json() == {"message": "ROLE_NOT_FOUND: boss"}
    owner_by_admin = await call(
        client, "POST", "/organization/invite-member", bob, {"email": "z@example.com", "role": "owner"}
    )
    assert outcome(owner_by_admin) == (403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE")
    several = await call(
        client, "POST", "/organization/invite-member", ada, {"email": "w@example.com", "role": ["admin", "member"]}
    )
    assert several.json()["role"] == "admin,member"
    dave = await join(client, "Dave")
    outsider = await call(
        client,
        "POST",
        "/organization/invite-member",
        dave,
        {"email": "q@example.com", "role": "member", "organizationId": org["id"]},
    )
    assert outcome(outsider) == (400, "MEMBER_NOT_FOUND")


async def test_invitations_answered_by_their_recipient(client: httpx.AsyncClient, db: AsyncSession) -> None:
    ada, bob, eve = await join(client, "Ada"), await join(client, "Bob"), await join(client, "Eve")
    org = await organization(client, ada)
    team = (await call(client, "GET", "/organization/list-teams", ada)).json()[0]
    invited = (
        await call(
            client,
            "POST",
            "/organization/invite-member",
            ada,
            {"email": bob.email, "role": "admin", "teamId": team["id"]},
        )
    ).json()
    details = await call(client, "GET", "/organization/get-invitation", bob, id=invited["id"])
    assert (details.json()["organizationSlug"], details.json()["inviterEmail"]) == (org["slug"], ada.email)
    assert outcome(await call(client, "GET", "/organization/get-invitation", eve, id=invited["id"])) == (
        403,
        "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION",
    )
    foreign = await call(client, "POST", "/organization/accept-invitation", eve, {"invitationId": invited["id"]})
    assert outcome(foreign) == (403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION")
    accepted = await call(client, "POST", "/organization/accept-invitation", bob, {"invitationId": invited["id"]})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["invitation"]["status"], accepted.json()["member"]["role"]) == ("accepted", "admin")
    assert accepted.headers["set-auth-token"] == bob.signed  # one team: it became active, the cookie is re-set
    session = (await call(client, "GET", "/get-session", bob)).json()["session"]
    assert (session["activeOrganizationId"], session["activeTeamId"]) == (org["id"], team["id"])
    twice = await call(client, "POST", "/organization/accept-invitation", bob, {"invitationId": invited["id"]})
    assert outcome(twice) == (400, "INVITATION_NOT_FOUND")

    expired = (
        await call(client, "POST", "/organization/invite-member", ada, {"email": eve.email, "role": "member"})
    ).json()
    await db.execute(
        update(Invitation).where(Invitation.id == expired["id"]).values(expires_at=utcnow() - timedelta(minutes=1))
    )
    await db.commit()
    late = await call(client, "POST", "/organization/accept-invitation", eve, {"invitationId": expired["id"]})
    assert outcome(late) == (400, "INVITATION_NOT_FOUND")
    assert outcome(await call(client, "GET", "/organization/get-invitation", eve, id=expired["id"])) == (
        400,
        "INVITATION_NOT_FOUND",
    )
    rejected = await call(client, "POST", "/organization/reject-invitation", eve, {"invitationId": expired["id"]})
    assert (rejected.json()["invitation"]["status"], rejected.json()["member"]) == ("rejected", None)
    not_found = await call(client, "POST", "/organization/reject-invitation", eve, {"invitationId": expired["id"]})
    assert not_found.json() == {"code": "INVITATION_NOT_FOUND", "message": "Invitation not found!"}
    anonymous = await call(client, "GET", "/organization/get-invitation", None, id=invited["id"])
    assert (anonymous.status_code, anonymous.json()) == (401, {"message": "Not authenticated"})


async def test_cancel_and_list_invitations(client: httpx.AsyncClient, db: AsyncSession) -> None:
    ada, bob, carol = await join(client, "Ada"), await join(client, "Bob"), await join(client, "Carol")
    org = await organization(client, ada)
    await member_of(client, ada, org, bob, "member")
    owner_invite = (
        await call(client, "POST", "/organization/invite-member", ada, {"email": "o@example.com", "role": "owner"})
    ).json()
    plain = (
        await call(client, "POST", "/organization/invite-member", ada, {"email": carol.email, "role": "member"})
    ).json()
    by_member = await call(client, "POST", "/organization/cancel-invitation", bob, {"invitationId": plain["id"]})
    assert outcome(by_member) == (403, "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION")
    listed_by_member = await call(client, "GET", "/organization/list-invitations", bob)
    assert outcome(listed_by_member) == (403, "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS")
    outsider = await call(client, "GET", "/organization/list-invitations", carol, organizationId=org["id"])
    assert (outsider.status_code, outsider.json()) == (403, {"message": "You are not a member of this organization"})
    listed = await call(client, "GET", "/organization/list-invitations", ada)
    assert {i["id"] for i in listed.json()} >= {owner_invite["id"], plain["id"]}
    canceled = await call(client, "POST", "/organization/cancel-invitation", ada, {"invitationId": plain["id"]})
    assert canceled.json()["status"] == "canceled"
    assert outcome(await call(client, "POST", "/organization/cancel-invitation", ada, {"invitationId": "nope"})) == (
        400,
        "INVITATION_NOT_FOUND",
    )
    # list-user-invitations needs a verified email, as Better Auth's default does
    fresh = (
        await call(client, "POST", "/organization/invite-member", ada, {"email": carol.email, "role": "member"})
    ).json()
    assert outcome(await call(client, "GET", "/organization/list-user-invitations", carol)) == (
        403,
        "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION",
    )
    await verify_email(db, carol)
    mine = await call(client, "GET", "/organization/list-user-invitations", carol)
    assert [(i["id"], i["organizationName"]) for i in mine.json()] == [(fresh["id"], org["name"])]
    passed = await call(client, "GET", "/organization/list-user-invitations", carol, email=carol.email)
    assert passed.json() == {"message": "User email cannot be passed for client side API calls."}


async def test_list_members_by_limit_offset_sort_and_filter(client: httpx.AsyncClient) -> None:
    ada, bob, carol, dan = [await join(client, name) for name in ("Ada", "Bob", "Carol", "Dan")]
    org = await organization(client, ada)
    await member_of(client, ada, org, bob, "admin")
    await member_of(client, ada, org, carol, "member")
    everyone = (await call(client, "GET", "/organization/list-members", ada)).json()
    assert everyone["total"] == 3
    assert [m["user"]["email"] for m in everyone["members"]] == [ada.email, bob.email, carol.email]
    page = (await call(client, "GET", "/organization/list-members", ada, limit="1", offset="1")).json()
    assert ([m["userId"] for m in page["members"]], page["total"]) == ([bob.id], 3)
    newest = (
        await call(client, "GET", "/organization/list-members", ada, sortBy="createdAt", sortDirection="desc")
    ).json()
    assert newest["members"][0]["userId"] == carol.id
    admins = (
        await call(client, "GET", "/organization/list-members", ada, filterField="role", filterValue="admin")
    ).json()
    assert ([m["userId"] for m in admins["members"]], admins["total"]) == ([bob.id], 1)
    bad = await call(client, "GET", "/organization/list-members", ada, sortDirection="sideways")
    assert bad.json()["message"] == '[query.sortDirection] Invalid option: expected one of "asc"|"desc"'
    outsider = await call(client, "GET", "/organization/list-members", dan, organizationId=org["id"])
    assert outcome(outsider) == (403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
    none_active = await call(client, "GET", "/organization/list-members", dan)
    assert outcome(none_active) == (400, "NO_ACTIVE_ORGANIZATION")


async def test_active_member_and_role(client: httpx.AsyncClient) -> None:
    ada, bob = await join(client, "Ada"), await join(client, "Bob")
    assert outcome(await call(client, "GET", "/organization/get-active-member", bob)) == (400, "NO_ACTIVE_ORGANIZATION")
    org = await organization(client, ada)
    await member_of(client, ada, org, bob, "admin")
    active = (await call(client, "GET", "/organization/get-active-member", bob)).json()
    assert (active["role"], active["user"]["email"]) == ("admin", bob.email)
    assert (await call(client, "GET", "/organization/get-active-member-role", bob)).json() == {"role": "admin"}
    owner_role = await call(client, "GET", "/organization/get-active-member-role", bob, userId=ada.id)
    assert owner_role.json() == {"role": "owner"}


async def test_update_member_role(client: httpx.AsyncClient) -> None:
    ada, bob, carol = await join(client, "Ada"), await join(client, "Bob"), await join(client, "Carol")
    org = await organization(client, ada)
    bob_member = await member_of(client, ada, org, bob, "admin")
    carol_member = await member_of(client, ada, org, carol, "member")
    owner_member = (await call(client, "GET", "/organization/get-active-member", ada)).json()["id"]
    both = await call(
        client, "POST", "/organization/update-member-role", ada, {"memberId": carol_member, "role": ["admin", "member"]}
    )
    assert (both.json()["role"], set(both.json())) == ("admin,member", MEMBER_KEYS)
    boss = await call(
        client, "POST", "/organization/update-member-role", ada, {"memberId": carol_member, "role": "boss"}
    )
    assert boss.json() == {"code": "ROLE_NOT_FOUND", "message": "ROLE_NOT_FOUND: boss"}
    by_admin = await call(
        client, "POST", "/organization/update-member-role", bob, {"memberId": owner_member, "role": "member"}
    )
    assert outcome(by_admin) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    last_owner = await call(
        client, "POST", "/organization/update-member-role", ada, {"memberId": owner_member, "role": "member"}
    )
    assert outcome(last_owner) == (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER")
    missing = await call(
        client, "POST", "/organization/update-member-role", ada, {"memberId": "nope", "role": "member"}
    )
    assert outcome(missing) == (400, "MEMBER_NOT_FOUND")
    # Carol's roles now include admin: she may demote the other admin.
    by_carol = await call(
        client, "POST", "/organization/update-member-role", carol, {"memberId": bob_member, "role": "member"}
    )
    assert (by_carol.status_code, by_carol.json()["role"]) == (200, "member")
    by_member = await call(
        client, "POST", "/organization/update-member-role", bob, {"memberId": carol_member, "role": "member"}
    )
    assert outcome(by_member) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")


async def test_remove_member_and_leave(client: httpx.AsyncClient, db: AsyncSession) -> None:
    ada, bob, carol = await join(client, "Ada"), await join(client, "Bob"), await join(client, "Carol")
    org = await organization(client, ada)
    bob_member = await member_of(client, ada, org, bob, "member")
    await member_of(client, ada, org, carol, "member")
    by_member = await call(client, "POST", "/organization/remove-member", bob, {"memberIdOrEmail": carol.email})
    assert outcome(by_member) == (401, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER")
    owner_by_member = await call(client, "POST", "/organization/remove-member", bob, {"memberIdOrEmail": ada.email})
    assert outcome(owner_by_member) == (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    by_email = await call(client, "POST", "/organization/remove-member", ada, {"memberIdOrEmail": carol.email})
    assert (by_email.json()["member"]["userId"], by_email.json()["member"]["user"]["email"]) == (carol.id, carol.email)
    by_id = await call(client, "POST", "/organization/remove-member", ada, {"memberIdOrEmail": bob_member})
    assert set(by_id.json()["member"]) == MEMBER_KEYS
    only_owner = await call(client, "POST", "/organization/remove-member", ada, {"memberIdOrEmail": ada.email})
    assert outcome(only_owner) == (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    leaving = await call(client, "POST", "/organization/leave", ada, {"organizationId": org["id"]})
    assert outcome(leaving) == (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    await member_of(client, ada, org, bob, "member")
    left = await call(client, "POST", "/organization/leave", bob, {"organizationId": org["id"]})
    assert (left.json()["userId"], left.json()["user"]["email"]) == (bob.id, bob.email)
    assert (await db.execute(select(Member).where(Member.user_id == bob.id))).first() is None
    assert (await call(client, "GET", "/get-session", bob)).json()["session"]["activeOrganizationId"] is None
    gone = await call(client, "POST", "/organization/leave", bob, {"organizationId": org["id"]})
    assert outcome(gone) == (400, "MEMBER_NOT_FOUND")


async def test_organization_calls_with_the_cookie_need_a_trusted_origin(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    ada = await join(client, "Ada")
    cookie = ada.cookie(settings)
    ok = await client.post("/api/auth/organization/create", headers=cookie, json={"name": "C", "slug": "c-org"})
    assert ok.status_code == 200, ok.text
    evil = await client.post(
        "/api/auth/organization/create",
        headers={**cookie, "origin": "https://evil.example"},
        json={"name": "E", "slug": "e-org"},
    )
    assert outcome(evil) == (403, "INVALID_ORIGIN")
