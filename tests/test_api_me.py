"""The signed-in user's own resources, through HTTP, on both databases."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Account, Member, Organization, Passkey, Team, TeamMember, UserSession
from app.db.types import utcnow
from tests.helpers import RESPONSES, bearer, sign_up


async def test_profile_read_and_update(client: httpx.AsyncClient) -> None:
    token, user = await sign_up(client, "ann@example.com", name="Ann")
    me = await client.get("/api/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]

    updated = await client.patch(
        "/api/me",
        headers=bearer(token),
        json={"name": "Ann B.", "image": "https://cdn.example.com/a.png", "preferredLocale": "zh-Hant-TW"},
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["name"], updated.json()["preferredLocale"]) == ("Ann B.", "zh-Hant-TW")

    cleared = await client.patch("/api/me", headers=bearer(token), json={"image": None})
    assert cleared.json()["image"] is None
    assert cleared.json()["name"] == "Ann B."  # untouched fields stay

    for payload, field in (
        ({"preferredLocale": "english please"}, "preferredLocale"),
        ({"preferredLocale": "en-"}, "preferredLocale"),
        ({"name": ""}, "name"),
        ({"image": "javascript:alert(1)"}, "image"),
        ({"email": "x@example.com"}, "email"),
    ):
        bad = await client.patch("/api/me", headers=bearer(token), json=payload)
        assert bad.status_code == 422, (payload, bad.text)
        assert field in [e["field"] for e in bad.json()["errors"]]
    assert (await client.get("/api/me")).status_code == 401
    assert (await client.patch("/api/me", json={"name": "x"})).status_code == 401


async def test_change_password(client: httpx.AsyncClient) -> None:
    token, _ = await sign_up(client, "ben@example.com", "old password 1")
    other = await client.post(
        "/api/auth/sign-in/email", json={"email": "ben@example.com", "password": "old password 1"}
    )
    other_token = other.json()["token"]

    wrong = await client.post(
        "/api/me/password",
        headers=bearer(token),
        json={"currentPassword": "not my password", "newPassword": "new password 2"},
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "currentPassword"
    short = await client.post(
        "/api/me/password", headers=bearer(token), json={"currentPassword": "old password 1", "newPassword": "short"}
    )
    assert short.status_code == 422

    changed = await client.post(
        "/api/me/password",
        headers=bearer(token),
        json={"currentPassword": "old password 1", "newPassword": "new password 2", "revokeOtherSessions": True},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"revoked": 1}
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200
    assert (await client.get("/api/me", headers=bearer(other_token))).status_code == 401
    old = await client.post("/api/auth/sign-in/email", json={"email": "ben@example.com", "password": "old password 1"})
    new = await client.post("/api/auth/sign-in/email", json={"email": "ben@example.com", "password": "new password 2"})
    assert (old.status_code, new.status_code) == (401, 200)
    assert (
        await client.post("/api/me/password", json={"currentPassword": "a" * 8, "newPassword": "b" * 8})
    ).status_code == 401


async def test_change_password_without_a_credential_account(client: httpx.AsyncClient, db: AsyncSession) -> None:
    token, user = await sign_up(client, "oauth@example.com", "initial password")
    account = (await db.execute(select(Account).where(Account.user_id == user["id"]))).scalar_one()
    account.provider_id = "github"
    account.account_id = "gh-123"
    account.password = None
    await db.commit()
    response = await client.post(
        "/api/me/password", headers=bearer(token), json={"currentPassword": "whatever1", "newPassword": "whatever2"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "no_password"


async def test_sessions_list_revoke_one_and_revoke_others(client: httpx.AsyncClient) -> None:
    token, _ = await sign_up(client, "cat@example.com", "cat password")
    tokens = [token]
    for _ in range(3):
        signed = await client.post(
            "/api/auth/sign-in/email", json={"email": "cat@example.com", "password": "cat password"}
        )
        tokens.append(signed.json()["token"])
    victim_token, _ = await sign_up(client, "dog@example.com")

    first = await client.get("/api/me/sessions", headers=bearer(token), params={"limit": 3})
    assert first.status_code == 200
    page = first.json()
    assert page["total"] == 4
    assert len(page["items"]) == 3
    assert page["nextCursor"]
    rest = await client.get(
        "/api/me/sessions", headers=bearer(token), params={"limit": 3, "cursor": page["nextCursor"]}
    )
    items = page["items"] + rest.json()["items"]
    assert rest.json()["nextCursor"] is None
    assert len({s["id"] for s in items}) == 4
    assert [s["current"] for s in items].count(True) == 1
    assert all("token" not in s for s in items)
    assert not any(t in first.text + rest.text for t in tokens)

    bad_cursor = await client.get("/api/me/sessions", headers=bearer(token), params={"cursor": "garbage!"})
    assert bad_cursor.status_code == 422
    assert {(e["source"], e["field"]) for e in bad_cursor.json()["errors"]} == {("query", "cursor")}
    too_many = await client.get("/api/me/sessions", headers=bearer(token), params={"limit": 1000})
    assert too_many.status_code == 422

    victim_sessions = await client.get("/api/me/sessions", headers=bearer(victim_token))
    victim_session_id = victim_sessions.json()["items"][0]["id"]
    not_mine = await client.delete(f"/api/me/sessions/{victim_session_id}", headers=bearer(token))
    assert not_mine.status_code == 404
    assert (await client.get("/api/me", headers=bearer(victim_token))).status_code == 200

    second_id = next(s["id"] for s in items if not s["current"])
    assert (await client.delete(f"/api/me/sessions/{second_id}", headers=bearer(token))).status_code == 204
    assert (await client.delete(f"/api/me/sessions/{second_id}", headers=bearer(token))).status_code == 404
    others = await client.post("/api/me/sessions/revoke-others", headers=bearer(token))
    assert others.json() == {"revoked": 2}
    for other in tokens[1:]:
        assert (await client.get("/api/me", headers=bearer(other))).status_code == 401
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 200
    assert (await client.get("/api/me/sessions")).status_code == 401


async def test_linked_accounts_never_show_tokens_or_passwords(client: httpx.AsyncClient, db: AsyncSession) -> None:
    token, user = await sign_up(client, "eve@example.com")
    secrets = {"ya29.access-token-value-123", "1//refresh-token-value-456", "eyJhbGciOiJSUzI1NiJ9.id-token"}
    RESPONSES.secrets.update(secrets)
    access, refresh, id_token = sorted(secrets)
    db.add(
        Account(
            account_id="google-42",
            provider_id="google",
            user_id=user["id"],
            access_token=access,
            refresh_token=refresh,
            id_token=id_token,
            scope="openid,email,profile",
            access_token_expires_at=utcnow(),
        )
    )
    await db.commit()
    response = await client.get("/api/me/accounts", headers=bearer(token))
    assert response.status_code == 200
    items = response.json()["items"]
    assert {a["providerId"] for a in items} == {"credential", "google"}
    google = next(a for a in items if a["providerId"] == "google")
    assert google["scopes"] == ["openid", "email", "profile"]
    assert google["accountId"] == "google-42"
    for key in ("accessToken", "refreshToken", "idToken", "password"):
        assert f'"{key}"' not in response.text
    assert (await client.get("/api/me/accounts")).status_code == 401


async def test_passkeys_list_rename_delete(client: httpx.AsyncClient, db: AsyncSession) -> None:
    token, user = await sign_up(client, "fin@example.com")
    other_token, other = await sign_up(client, "gia@example.com")
    for owner, name in ((user["id"], "Laptop"), (other["id"], "Phone")):
        db.add(
            Passkey(
                name=name,
                public_key="pQECAyYgASFYIA==",
                user_id=owner,
                credential_id=f"cred-{name}",
                counter=0,
                device_type="multiDevice",
                backed_up=True,
                transports="internal,hybrid",
            )
        )
    await db.commit()
    listed = await client.get("/api/me/passkeys", headers=bearer(token))
    assert listed.status_code == 200
    [mine] = listed.json()["items"]
    assert (mine["name"], mine["transports"], mine["backedUp"]) == ("Laptop", ["internal", "hybrid"], True)
    assert "publicKey" not in listed.text
    theirs = (await client.get("/api/me/passkeys", headers=bearer(other_token))).json()["items"][0]

    renamed = await client.patch(f"/api/me/passkeys/{mine['id']}", headers=bearer(token), json={"name": "Work laptop"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Work laptop"
    assert (
        await client.patch(f"/api/me/passkeys/{mine['id']}", headers=bearer(token), json={"name": ""})
    ).status_code == 422
    assert (
        await client.patch(f"/api/me/passkeys/{theirs['id']}", headers=bearer(token), json={"name": "Mine now"})
    ).status_code == 404
    assert (await client.delete(f"/api/me/passkeys/{theirs['id']}", headers=bearer(token))).status_code == 404
    assert (await client.delete(f"/api/me/passkeys/{mine['id']}", headers=bearer(token))).status_code == 204
    assert (await client.get("/api/me/passkeys", headers=bearer(token))).json()["items"] == []
    assert (await client.get("/api/me/passkeys")).status_code == 401


async def test_active_organization_and_team(client: httpx.AsyncClient, db: AsyncSession) -> None:
    token, user = await sign_up(client, "hugo@example.com")
    db.add_all([Organization(id="org-a", name="A", slug="a"), Organization(id="org-b", name="B", slug="b")])
    await db.flush()
    db.add_all(
        [
            Member(organization_id="org-a", user_id=user["id"], role="member"),
            Team(id="team-a", name="Core", organization_id="org-a"),
            Team(id="team-a2", name="Other", organization_id="org-a"),
        ]
    )
    await db.flush()
    db.add(TeamMember(team_id="team-a", user_id=user["id"]))
    await db.commit()

    not_member = await client.put(
        "/api/me/session/active-organization", headers=bearer(token), json={"organizationId": "org-b"}
    )
    assert not_member.status_code == 404
    ok = await client.put(
        "/api/me/session/active-organization", headers=bearer(token), json={"organizationId": "org-a"}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["activeOrganizationId"] == "org-a"

    not_in_team = await client.put("/api/me/session/active-team", headers=bearer(token), json={"teamId": "team-a2"})
    assert not_in_team.status_code == 404
    team = await client.put("/api/me/session/active-team", headers=bearer(token), json={"teamId": "team-a"})
    assert team.status_code == 200
    assert (team.json()["activeTeamId"], team.json()["activeOrganizationId"]) == ("team-a", "org-a")
    session = (await db.execute(select(UserSession).where(UserSession.token == token))).scalar_one()
    assert session.active_team_id == "team-a"

    cleared = await client.put(
        "/api/me/session/active-organization", headers=bearer(token), json={"organizationId": None}
    )
    assert (cleared.json()["activeOrganizationId"], cleared.json()["activeTeamId"]) == (None, None)
    missing = await client.put("/api/me/session/active-team", headers=bearer(token), json={})
    assert missing.status_code == 422
    anonymous = await client.put("/api/me/session/active-team", json={"teamId": None})
    assert anonymous.status_code == 401
