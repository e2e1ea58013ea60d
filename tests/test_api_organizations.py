"""Organizations, members, invitations, teams, SSO providers and subscriptions through HTTP."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Invitation, Member, SsoProvider, Subscription, Team, TeamMember, User, UserSession
from app.db.types import utcnow
from tests.helpers import bearer, sign_up


def reference_membership_key(team_id: str, user_id: str) -> str:
    """base64url_nopad(SHA-256(JSON.stringify([teamId, userId]))) from the Better Auth reference."""
    digest = hashlib.sha256(json.dumps([team_id, user_id], separators=(",", ":")).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def global_admin(client: httpx.AsyncClient, db: AsyncSession) -> str:
    token, _ = await sign_up(client, "root@example.com")
    await db.rollback()  # a write from a stale read snapshot would fail on SQLite
    await db.execute(update(User).where(User.email == "root@example.com").values(role="admin"))
    await db.commit()
    return token


async def create_org(client: httpx.AsyncClient, token: str, name: str = "Acme Inc", **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/organizations", headers=bearer(token), json={"name": name, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def invite_and_join(
    client: httpx.AsyncClient, owner: str, org_id: str, email: str, role: str = "member", teams: list[str] | None = None
) -> tuple[str, dict[str, Any]]:
    """A new user who accepts an invitation; returns (token, member)."""
    invited = await client.post(
        f"/api/organizations/{org_id}/invitations",
        headers=bearer(owner),
        json={"email": email, "role": role, "teamIds": teams or []},
    )
    assert invited.status_code == 201, invited.text
    token, _ = await sign_up(client, email)
    accepted = await client.post(f"/api/invitations/{invited.json()['id']}/accept", headers=bearer(token))
    assert accepted.status_code == 200, accepted.text
    return token, accepted.json()


async def test_create_list_read_update_delete(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner, _ = await sign_up(client, "owner@example.com")
    org = await create_org(client, owner, "Ünïcode Café", metadata={"plan": "pro", "seats": 3})
    assert (org["slug"], org["role"], org["metadata"]) == ("unicode-cafe", "owner", {"plan": "pro", "seats": 3})
    session = (await db.execute(select(UserSession).where(UserSession.token == owner))).scalar_one()
    assert session.active_organization_id == org["id"]

    again = await create_org(client, owner, "Ünïcode Café")
    assert again["slug"].startswith("unicode-cafe-")
    assert again["slug"] != org["slug"]
    taken = await client.post("/api/organizations", headers=bearer(owner), json={"name": "X", "slug": org["slug"]})
    assert taken.status_code == 409
    assert taken.json()["code"] == "slug_taken"
    bad_slug = await client.post("/api/organizations", headers=bearer(owner), json={"name": "X", "slug": "Not OK"})
    assert bad_slug.status_code == 422
    assert bad_slug.json()["errors"][0]["field"] == "slug"

    mine = await client.get("/api/organizations", headers=bearer(owner), params={"limit": 1})
    assert mine.json()["total"] == 2
    assert mine.json()["items"][0]["role"] == "owner"
    rest = await client.get("/api/organizations", headers=bearer(owner), params={"cursor": mine.json()["nextCursor"]})
    assert {o["id"] for o in mine.json()["items"] + rest.json()["items"]} == {org["id"], again["id"]}

    updated = await client.patch(
        f"/api/organizations/{org['id']}", headers=bearer(owner), json={"name": "Renamed", "metadata": None}
    )
    assert (updated.json()["name"], updated.json()["metadata"], updated.json()["slug"]) == (
        "Renamed",
        None,
        "unicode-cafe",
    )
    clash = await client.patch(f"/api/organizations/{org['id']}", headers=bearer(owner), json={"slug": again["slug"]})
    assert clash.status_code == 409

    member_token, _ = await invite_and_join(client, owner, org["id"], "m@example.com")
    team = await client.post(f"/api/organizations/{org['id']}/teams", headers=bearer(owner), json={"name": "T"})
    assert team.status_code == 201
    deleted = await client.delete(f"/api/organizations/{org['id']}", headers=bearer(owner))
    assert deleted.status_code == 204
    await db.rollback()
    assert (
        await db.execute(select(func.count()).select_from(Member).where(Member.organization_id == org["id"]))
    ).scalar_one() == 0
    assert (await db.execute(select(Team).where(Team.organization_id == org["id"]))).first() is None
    gone = await client.get(f"/api/organizations/{org['id']}", headers=bearer(member_token))
    assert gone.status_code == 404
    member_session = (await db.execute(select(UserSession).where(UserSession.token == member_token))).scalar_one()
    assert member_session.active_organization_id is None


async def test_member_roles_and_the_last_owner(client: httpx.AsyncClient) -> None:
    owner, owner_user = await sign_up(client, "o@example.com")
    org = (await create_org(client, owner))["id"]
    admin, admin_member = await invite_and_join(client, owner, org, "a@example.com", role="admin")
    member, member_row = await invite_and_join(client, owner, org, "m@example.com")
    listed = await client.get(f"/api/organizations/{org}/members", headers=bearer(member))
    assert [m["user"]["email"] for m in listed.json()["items"]] == ["o@example.com", "a@example.com", "m@example.com"]
    assert "password" not in listed.text
    owner_member = listed.json()["items"][0]["id"]
    base = f"/api/organizations/{org}/members"

    assert (
        await client.patch(f"{base}/{member_row['id']}", headers=bearer(member), json={"role": "admin"})
    ).status_code == 403
    grant_owner = await client.patch(f"{base}/{member_row['id']}", headers=bearer(admin), json={"role": "owner"})
    assert (grant_owner.status_code, grant_owner.json()["code"]) == (403, "owner_required")
    demote_owner = await client.patch(f"{base}/{owner_member}", headers=bearer(admin), json={"role": "member"})
    assert demote_owner.status_code == 403
    remove_owner = await client.delete(f"{base}/{owner_member}", headers=bearer(admin))
    assert remove_owner.status_code == 403
    bad_role = await client.patch(f"{base}/{member_row['id']}", headers=bearer(owner), json={"role": "superuser"})
    assert bad_role.status_code == 422

    last = await client.patch(f"{base}/{owner_member}", headers=bearer(owner), json={"role": "admin"})
    assert (last.status_code, last.json()["code"]) == (409, "last_owner")
    assert (await client.delete(f"{base}/{owner_member}", headers=bearer(owner))).json()["code"] == "last_owner"
    leave = await client.post(f"/api/organizations/{org}/leave", headers=bearer(owner))
    assert (leave.status_code, leave.json()["code"]) == (409, "last_owner")

    promoted = await client.patch(f"{base}/{member_row['id']}", headers=bearer(owner), json={"role": "owner"})
    assert promoted.json()["role"] == "owner"
    assert (await client.post(f"/api/organizations/{org}/leave", headers=bearer(owner))).status_code == 204
    # leaving clears the organization from the leaver's active session
    session = (await client.get("/api/auth/get-session", headers=bearer(owner))).json()["session"]
    assert session["activeOrganizationId"] is None
    assert (await client.get(f"/api/organizations/{org}", headers=bearer(owner))).status_code == 404
    assert (await client.delete(f"{base}/{admin_member['id']}", headers=bearer(member))).status_code == 204
    assert (await client.get(f"/api/organizations/{org}", headers=bearer(admin))).status_code == 404
    assert (await client.delete(f"{base}/nope", headers=bearer(member))).status_code == 404
    assert owner_user["id"]


async def test_invitation_lifecycle(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner, _ = await sign_up(client, "owner@example.com")
    org = (await create_org(client, owner))["id"]
    team = (await client.post(f"/api/organizations/{org}/teams", headers=bearer(owner), json={"name": "T"})).json()
    base = f"/api/organizations/{org}/invitations"

    created = await client.post(
        base, headers=bearer(owner), json={"email": "Guest@Example.com", "teamIds": [team["id"]]}
    )
    assert created.status_code == 201
    invitation = created.json()
    assert (invitation["email"], invitation["status"], invitation["role"]) == ("guest@example.com", "pending", "member")
    row = (await db.execute(select(Invitation).where(Invitation.id == invitation["id"]))).scalar_one()
    assert timedelta(hours=47, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=48)
    assert row.team_id == team["id"]

    again = await client.post(
        base, headers=bearer(owner), json={"email": "guest@example.com", "role": "admin", "teamIds": [team["id"]]}
    )
    assert again.status_code == 200
    assert again.json()["id"] == invitation["id"]
    assert again.json()["role"] == "admin"
    assert (await db.execute(select(func.count()).select_from(Invitation))).scalar_one() == 1

    assert (await client.post(base, headers=bearer(owner), json={"email": "owner@example.com"})).json()[
        "code"
    ] == "already_member"
    unknown_team = await client.post(base, headers=bearer(owner), json={"email": "x@example.com", "teamIds": ["nope"]})
    assert unknown_team.status_code == 404
    assert (await client.post(base, headers=bearer(owner), json={"email": "not-an-email"})).status_code == 422

    guest, _ = await sign_up(client, "guest@example.com")
    stranger, _ = await sign_up(client, "stranger@example.com")
    mine = await client.get("/api/me/invitations", headers=bearer(guest))
    assert [i["id"] for i in mine.json()["items"]] == [invitation["id"]]
    assert mine.json()["items"][0]["organizationName"] == "Acme Inc"
    assert (await client.get("/api/me/invitations", headers=bearer(stranger))).json()["items"] == []

    wrong = await client.post(f"/api/invitations/{invitation['id']}/accept", headers=bearer(stranger))
    assert wrong.status_code == 404
    accepted = await client.post(f"/api/invitations/{invitation['id']}/accept", headers=bearer(guest))
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["role"], accepted.json()["teamId"]) == ("admin", team["id"])
    await db.rollback()
    session = (await db.execute(select(UserSession).where(UserSession.token == guest))).scalar_one()
    assert (session.active_organization_id, session.active_team_id) == (org, team["id"])
    assert (await db.execute(select(Team.member_count).where(Team.id == team["id"]))).scalar_one() == 1

    for action in ("accept", "reject"):
        repeat = await client.post(f"/api/invitations/{invitation['id']}/{action}", headers=bearer(guest))
        assert (repeat.status_code, repeat.json()["code"]) == (409, "invitation_not_pending")
    cancel_done = await client.post(f"{base}/{invitation['id']}/cancel", headers=bearer(owner))
    assert cancel_done.status_code == 409
    accepted_only = await client.get(base, headers=bearer(owner), params={"status": "accepted"})
    assert [i["id"] for i in accepted_only.json()["items"]] == [invitation["id"]]
    assert (await client.get(base, headers=bearer(owner), params={"status": "pending"})).json()["items"] == []
    assert (await client.get(base, headers=bearer(owner), params={"status": "maybe"})).status_code == 422


async def test_reject_cancel_expiry_and_who_may_cancel(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner, _ = await sign_up(client, "owner@example.com")
    org = (await create_org(client, owner))["id"]
    base = f"/api/organizations/{org}/invitations"
    admin, admin_member = await invite_and_join(client, owner, org, "admin@example.com", role="admin")
    member, _ = await invite_and_join(client, owner, org, "member@example.com")

    to_reject = (await client.post(base, headers=bearer(owner), json={"email": "r@example.com"})).json()
    rejecter, _ = await sign_up(client, "r@example.com")
    rejected = await client.post(f"/api/invitations/{to_reject['id']}/reject", headers=bearer(rejecter))
    assert rejected.json()["status"] == "rejected"
    late_accept = await client.post(f"/api/invitations/{to_reject['id']}/accept", headers=bearer(rejecter))
    assert late_accept.status_code == 409

    by_admin = (await client.post(base, headers=bearer(admin), json={"email": "c1@example.com"})).json()
    by_owner = (await client.post(base, headers=bearer(owner), json={"email": "c2@example.com"})).json()
    assert (await client.post(f"{base}/{by_owner['id']}/cancel", headers=bearer(member))).status_code == 403
    # the inviter may cancel their invitation even after being demoted to member
    demote = await client.patch(
        f"/api/organizations/{org}/members/{admin_member['id']}", headers=bearer(owner), json={"role": "member"}
    )
    assert demote.status_code == 200
    canceled = await client.post(f"{base}/{by_admin['id']}/cancel", headers=bearer(admin))
    assert canceled.json()["status"] == "canceled"
    assert (await client.post(f"{base}/{by_owner['id']}/cancel", headers=bearer(owner))).json()["status"] == "canceled"
    invitee, _ = await sign_up(client, "c2@example.com")
    assert (await client.post(f"/api/invitations/{by_owner['id']}/accept", headers=bearer(invitee))).status_code == 409

    expiring = (await client.post(base, headers=bearer(owner), json={"email": "late@example.com"})).json()
    await db.rollback()
    await db.execute(
        update(Invitation).where(Invitation.id == expiring["id"]).values(expires_at=utcnow() - timedelta(minutes=1))
    )
    await db.commit()
    late, _ = await sign_up(client, "late@example.com")
    expired = await client.post(f"/api/invitations/{expiring['id']}/accept", headers=bearer(late))
    assert (expired.status_code, expired.json()["code"]) == (410, "invitation_expired")
    assert (await client.post(f"/api/invitations/{expiring['id']}/reject", headers=bearer(late))).status_code == 410
    assert (await client.post(f"{base}/{expiring['id']}/cancel", headers=bearer(owner))).status_code == 410
    assert (await client.get("/api/me/invitations", headers=bearer(late))).json()["items"] == []
    # an expired invitation is replaced, not extended, by a new one
    fresh = await client.post(base, headers=bearer(owner), json={"email": "late@example.com"})
    assert fresh.status_code == 201
    assert fresh.json()["id"] != expiring["id"]
    member_invite = await client.post(base, headers=bearer(member), json={"email": "nope@example.com"})
    assert member_invite.status_code == 403
    admin_owner_invite = await client.post(
        base, headers=bearer(owner), json={"email": "o2@example.com", "role": "owner"}
    )
    assert admin_owner_invite.status_code == 201


async def test_two_concurrent_accepts_make_one_member(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner, _ = await sign_up(client, "owner@example.com")
    org = (await create_org(client, owner))["id"]
    invitation = (
        await client.post(
            f"/api/organizations/{org}/invitations", headers=bearer(owner), json={"email": "g@example.com"}
        )
    ).json()
    guest, guest_user = await sign_up(client, "g@example.com")
    responses = await asyncio.gather(
        *(client.post(f"/api/invitations/{invitation['id']}/accept", headers=bearer(guest)) for _ in range(2))
    )
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    await db.rollback()
    count = await db.execute(
        select(func.count())
        .select_from(Member)
        .where(Member.user_id == guest_user["id"], Member.organization_id == org)
    )
    assert count.scalar_one() == 1


async def _team_state(db: AsyncSession, team_id: str) -> tuple[int, list[TeamMember]]:
    await db.rollback()
    count = (await db.execute(select(Team.member_count).where(Team.id == team_id))).scalar_one()
    rows = list((await db.execute(select(TeamMember).where(TeamMember.team_id == team_id))).scalars())
    return count, rows


async def assert_counter_exact(db: AsyncSession, team_id: str, expected: int) -> None:
    count, rows = await _team_state(db, team_id)
    assert count == len(rows) == expected
    for row in rows:
        assert row.membership_key == reference_membership_key(row.team_id, row.user_id)


async def test_team_counters_and_keys_stay_right(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner, owner_user = await sign_up(client, "owner@example.com")
    org = (await create_org(client, owner))["id"]
    teams_url = f"/api/organizations/{org}/teams"
    core = (await client.post(teams_url, headers=bearer(owner), json={"name": "Core"})).json()
    ops = (await client.post(teams_url, headers=bearer(owner), json={"name": "Ops"})).json()
    assert core["memberCount"] == 0
    users = {}
    for name in ("a", "b", "c"):
        _, member = await invite_and_join(client, owner, org, f"{name}@example.com")
        users[name] = member["userId"]
    outsider, outsider_user = await sign_up(client, "outsider@example.com")

    for name in ("a", "b", "c"):
        added = await client.post(
            f"{teams_url}/{core['id']}/members", headers=bearer(owner), json={"userId": users[name]}
        )
        assert added.status_code == 201, added.text
    await client.post(f"{teams_url}/{ops['id']}/members", headers=bearer(owner), json={"userId": users["a"]})
    await assert_counter_exact(db, core["id"], 3)
    await assert_counter_exact(db, ops["id"], 1)
    duplicate = await client.post(
        f"{teams_url}/{core['id']}/members", headers=bearer(owner), json={"userId": users["a"]}
    )
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "already_in_team")
    not_member = await client.post(
        f"{teams_url}/{core['id']}/members", headers=bearer(owner), json={"userId": outsider_user["id"]}
    )
    assert not_member.status_code == 404
    await assert_counter_exact(db, core["id"], 3)
    primary = (await db.execute(select(Member.team_id).where(Member.user_id == users["a"]))).scalar_one()
    assert primary == core["id"]
    read = await client.get(f"{teams_url}/{core['id']}", headers=bearer(owner))
    assert read.json()["memberCount"] == 3

    removed = await client.delete(f"{teams_url}/{core['id']}/members/{users['b']}", headers=bearer(owner))
    assert removed.status_code == 204
    assert (
        await client.delete(f"{teams_url}/{core['id']}/members/{users['b']}", headers=bearer(owner))
    ).status_code == 404
    await assert_counter_exact(db, core["id"], 2)

    c_member = (await db.execute(select(Member.id).where(Member.user_id == users["c"]))).scalar_one()
    assert (
        await client.delete(f"/api/organizations/{org}/members/{c_member}", headers=bearer(owner))
    ).status_code == 204
    await assert_counter_exact(db, core["id"], 1)

    await client.post(f"{teams_url}/{core['id']}/members", headers=bearer(owner), json={"userId": owner_user["id"]})
    await assert_counter_exact(db, core["id"], 2)
    admin_token = await global_admin(client, db)
    assert (await client.delete(f"/api/admin/users/{users['a']}", headers=bearer(admin_token))).status_code == 204
    await assert_counter_exact(db, core["id"], 1)
    await assert_counter_exact(db, ops["id"], 0)

    await client.put("/api/me/session/active-team", headers=bearer(owner), json={"teamId": core["id"]})
    assert (await client.delete(f"{teams_url}/{core['id']}", headers=bearer(owner))).status_code == 204
    await db.rollback()
    owner_member = (await db.execute(select(Member).where(Member.user_id == owner_user["id"]))).scalar_one()
    assert owner_member.team_id is None
    session = (await db.execute(select(UserSession).where(UserSession.token == owner))).scalar_one()
    assert session.active_team_id is None
    assert (await db.execute(select(TeamMember).where(TeamMember.team_id == core["id"]))).first() is None
    listed = await client.get(teams_url, headers=bearer(owner))
    assert [t["name"] for t in listed.json()["items"]] == ["Ops"]
    renamed = await client.patch(f"{teams_url}/{ops['id']}", headers=bearer(owner), json={"name": "Operations"})
    assert renamed.json()["name"] == "Operations"
    assert (await client.patch(f"{teams_url}/{ops['id']}", headers=bearer(owner), json={"name": ""})).status_code == 422
    assert outsider


async def test_invited_team_membership_counts(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner, _ = await sign_up(client, "owner@example.com")
    org = (await create_org(client, owner))["id"]
    teams_url = f"/api/organizations/{org}/teams"
    one = (await client.post(teams_url, headers=bearer(owner), json={"name": "One"})).json()
    two = (await client.post(teams_url, headers=bearer(owner), json={"name": "Two"})).json()
    _, member = await invite_and_join(client, owner, org, "x@example.com", teams=[one["id"], two["id"]])
    await assert_counter_exact(db, one["id"], 1)
    await assert_counter_exact(db, two["id"], 1)
    listed = await client.get(f"{teams_url}/{one['id']}/members", headers=bearer(owner))
    assert [m["userId"] for m in listed.json()["items"]] == [member["userId"]]


async def test_sso_providers_never_return_secrets(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner, _ = await sign_up(client, "owner@example.com")
    org = (await create_org(client, owner))["id"]
    base = f"/api/organizations/{org}/sso-providers"
    secret = "oidc-client-secret-XYZ-123"
    payload = {
        "providerId": "acme-okta",
        "issuer": "https://acme.okta.com",
        "domain": "Acme.com",
        "oidcConfig": {"clientId": "client-1", "clientSecret": secret, "scopes": ["openid", "email"]},
    }
    created = await client.post(base, headers=bearer(owner), json=payload)
    assert created.status_code == 201, created.text
    provider = created.json()
    assert provider["oidcConfig"]["clientSecret"] == "********"
    assert provider["domain"] == "acme.com"
    assert secret not in created.text
    assert (await client.post(base, headers=bearer(owner), json=payload)).status_code == 409

    for bad, field in (
        ({**payload, "providerId": "p2", "oidcConfig": {"clientId": "c"}}, "oidcConfig"),
        ({**payload, "providerId": "p3", "oidcConfig": None}, "oidcConfig"),
        ({**payload, "providerId": "p4", "issuer": "not a url"}, "issuer"),
        ({**payload, "providerId": "p5", "domain": "no_tld"}, "domain"),
        (
            {
                **payload,
                "providerId": "p6",
                "samlConfig": {"entryPoint": "https://x.example", "cert": "c", "callbackUrl": "https://y.example"},
            },
            "oidcConfig",
        ),
    ):
        response = await client.post(base, headers=bearer(owner), json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["errors"][0]["field"].startswith(field), response.text

    updated = await client.patch(
        f"{base}/{provider['id']}",
        headers=bearer(owner),
        json={"oidcConfig": {"clientId": "client-2", "clientSecret": "********"}},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["oidcConfig"]["clientId"] == "client-2"
    await db.rollback()
    row = (await db.execute(select(SsoProvider.oidc_config).where(SsoProvider.id == provider["id"]))).scalar_one()
    assert row is not None
    assert secret in row  # the secret was kept
    invalid = await client.patch(
        f"{base}/{provider['id']}", headers=bearer(owner), json={"oidcConfig": {"pkce": "yes"}}
    )
    assert invalid.status_code == 422

    saml = await client.post(
        base,
        headers=bearer(owner),
        json={
            "providerId": "acme-saml",
            "issuer": "https://idp.acme.com",
            "domain": "saml.acme.com",
            "samlConfig": {
                "entryPoint": "https://idp.acme.com/sso",
                "cert": "MIIC...",
                "callbackUrl": "https://app.example.com/sso/callback",
                "privateKey": "-----BEGIN PRIVATE KEY-----abc",
            },
        },
    )
    assert saml.status_code == 201, saml.text
    assert saml.json()["samlConfig"]["privateKey"] == "********"
    listed = await client.get(base, headers=bearer(owner))
    assert listed.json()["total"] == 2
    assert secret not in listed.text
    assert "BEGIN PRIVATE KEY" not in listed.text
    assert (await client.delete(f"{base}/{provider['id']}", headers=bearer(owner))).status_code == 204
    assert (await client.get(f"{base}/{provider['id']}", headers=bearer(owner))).status_code == 404


async def test_subscriptions_for_members_and_admins(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner, _ = await sign_up(client, "owner@example.com")
    org = (await create_org(client, owner))["id"]
    member, _ = await invite_and_join(client, owner, org, "m@example.com")
    db.add_all(
        [
            Subscription(plan="pro", reference_id=org, status="active", seats=5, stripe_customer_id="cus_secret"),
            Subscription(plan="team", reference_id="someone-else", status="past_due"),
        ]
    )
    await db.commit()
    mine = await client.get(f"/api/organizations/{org}/subscriptions", headers=bearer(member))
    assert [(s["plan"], s["status"], s["seats"]) for s in mine.json()["items"]] == [("pro", "active", 5)]
    assert "cus_secret" not in mine.text

    admin = await global_admin(client, db)
    everything = await client.get("/api/admin/subscriptions", headers=bearer(admin))
    assert everything.json()["total"] == 2
    past_due = await client.get("/api/admin/subscriptions", headers=bearer(admin), params={"status": "past_due"})
    assert [s["plan"] for s in past_due.json()["items"]] == ["team"]
    by_ref = await client.get("/api/admin/subscriptions", headers=bearer(admin), params={"referenceId": org})
    subscription_id = by_ref.json()["items"][0]["id"]
    fixed = await client.patch(
        f"/api/admin/subscriptions/{subscription_id}", headers=bearer(admin), json={"status": "canceled", "seats": 0}
    )
    assert (fixed.json()["status"], fixed.json()["seats"]) == ("canceled", 0)
    assert (
        await client.patch(
            f"/api/admin/subscriptions/{subscription_id}", headers=bearer(admin), json={"status": "gone"}
        )
    ).status_code == 422
    assert (
        await client.patch("/api/admin/subscriptions/nope", headers=bearer(admin), json={"seats": 1})
    ).status_code == 404


async def test_access_is_checked_before_the_page(client: httpx.AsyncClient) -> None:
    """A caller who may not see a list learns that (401, 404) before a bad page gets its 422."""
    owner, _ = await sign_up(client, "owner@example.com")
    outsider, _ = await sign_up(client, "outsider@example.com")
    org = await create_org(client, owner)
    bad_page = {"limit": 1000}
    lists = [f"/api/organizations/{org['id']}/{name}" for name in ("members", "invitations", "teams", "sso-providers")]
    for path in [*lists, f"/api/organizations/{org['id']}/subscriptions"]:
        assert (await client.get(path, headers=bearer(outsider), params=bad_page)).status_code == 404, path
        assert (await client.get(path, params=bad_page)).status_code == 401, path
        refused = await client.get(path, headers=bearer(owner), params=bad_page)
        assert refused.status_code == 422, path
        assert refused.json()["errors"] == [{"field": "limit", "message": "Expected `int` <= 200", "source": "query"}]
    for path in ("/api/organizations", "/api/me/sessions"):
        assert (await client.get(path, params=bad_page)).status_code == 401, path
