"""Global administration of users, through HTTP, on both databases."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Account, User, UserSession
from app.db.types import utcnow
from tests.helpers import bearer, sign_up


async def make_admin(client: httpx.AsyncClient, db: AsyncSession, email: str = "root@example.com") -> str:
    token, user = await sign_up(client, email, "admin password")
    await db.execute(update(User).where(User.id == user["id"]).values(role="admin"))
    await db.commit()
    return token


async def test_every_admin_route_refuses_anonymous_and_regular_users(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    user_token, user = await sign_up(client, "plain@example.com")
    uid = user["id"]
    routes = [
        ("GET", "/api/admin/users"),
        ("POST", "/api/admin/users"),
        ("GET", f"/api/admin/users/{uid}"),
        ("PATCH", f"/api/admin/users/{uid}"),
        ("DELETE", f"/api/admin/users/{uid}"),
        ("POST", f"/api/admin/users/{uid}/ban"),
        ("POST", f"/api/admin/users/{uid}/unban"),
        ("GET", f"/api/admin/users/{uid}/sessions"),
        ("DELETE", f"/api/admin/users/{uid}/sessions/some-id"),
        ("POST", f"/api/admin/users/{uid}/sessions/revoke-all"),
        ("POST", f"/api/admin/users/{uid}/impersonate"),
    ]
    bodies = {"POST /api/admin/users": {"name": "N", "email": "n@example.com", "password": "password1"}}
    for method, path in routes:
        body = bodies.get(f"{method} {path}", {} if method in ("POST", "PATCH") else None)
        anonymous = await client.request(method, path, json=body)
        regular = await client.request(method, path, json=body, headers=bearer(user_token))
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert regular.status_code == 403, (method, path, regular.text)
        assert regular.json()["code"] == "admin_required"
    assert (await db.execute(select(func.count()).select_from(User))).scalar_one() == 1


async def test_list_search_filter_sort_and_paginate(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin = await make_admin(client, db)
    for name in ("Zoe Zed", "Amy Apple", "Bob Banana", "Cid Cherry"):
        await sign_up(client, f"{name.split()[0].lower()}@example.com", name=name)
    await db.execute(update(User).where(User.email == "bob@example.com").values(banned=True))
    await db.execute(
        update(User)
        .where(User.email == "cid@example.com")
        .values(banned=True, ban_expires=utcnow() - timedelta(days=1))
    )
    await db.commit()

    everyone = await client.get(
        "/api/admin/users", headers=bearer(admin), params={"sortBy": "name", "sortDirection": "asc"}
    )
    assert everyone.status_code == 200
    names = [u["name"] for u in everyone.json()["items"]]
    assert names == sorted(names)
    assert everyone.json()["total"] == 5

    search = await client.get("/api/admin/users", headers=bearer(admin), params={"search": "APPLE"})
    assert [u["email"] for u in search.json()["items"]] == ["amy@example.com"]
    by_email = await client.get("/api/admin/users", headers=bearer(admin), params={"search": "zoe@"})
    assert [u["name"] for u in by_email.json()["items"]] == ["Zoe Zed"]
    wildcard = await client.get("/api/admin/users", headers=bearer(admin), params={"search": "%"})
    assert wildcard.json()["items"] == []

    admins = await client.get("/api/admin/users", headers=bearer(admin), params={"role": "admin"})
    assert [u["email"] for u in admins.json()["items"]] == ["root@example.com"]
    banned = await client.get("/api/admin/users", headers=bearer(admin), params={"banned": "true"})
    assert [u["email"] for u in banned.json()["items"]] == ["bob@example.com"]  # Cid's ban has expired
    not_banned = await client.get("/api/admin/users", headers=bearer(admin), params={"banned": "false"})
    assert not_banned.json()["total"] == 4

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, "sortBy": "email", "sortDirection": "desc"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/admin/users", headers=bearer(admin), params=params)).json()
        seen += [u["email"] for u in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == 5

    by_created = await client.get("/api/admin/users", headers=bearer(admin), params={"limit": 2})
    created = by_created.json()
    follow = await client.get(
        "/api/admin/users", headers=bearer(admin), params={"limit": 2, "cursor": created["nextCursor"]}
    )
    assert not {u["id"] for u in created["items"]} & {u["id"] for u in follow.json()["items"]}

    for bad_params, field in (
        ({"sortBy": "password"}, "sortBy"),
        ({"role": "superuser"}, "role"),
        ({"sortDirection": "sideways"}, "sortDirection"),
        ({"limit": 0}, "limit"),
        ({"banned": "maybe"}, "banned"),
    ):
        bad = await client.get("/api/admin/users", headers=bearer(admin), params=bad_params)
        assert bad.status_code == 422, (bad_params, bad.text)
        assert field in [e["field"] for e in bad.json()["errors"]], bad.text


async def test_create_get_update_delete(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin = await make_admin(client, db)
    created = await client.post(
        "/api/admin/users",
        headers=bearer(admin),
        json={"name": "New", "email": "New@Example.com", "password": "initial pw 1", "role": "admin"},
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["email"], user["role"]) == ("new@example.com", "admin")
    signed = await client.post("/api/auth/sign-in/email", json={"email": "new@example.com", "password": "initial pw 1"})
    assert signed.status_code == 200
    account = (await db.execute(select(Account).where(Account.user_id == user["id"]))).scalar_one()
    assert (account.provider_id, account.account_id) == ("credential", user["id"])

    duplicate = await client.post(
        "/api/admin/users",
        headers=bearer(admin),
        json={"name": "Again", "email": "new@example.com", "password": "initial pw 1"},
    )
    assert duplicate.status_code == 409
    bad_role = await client.post(
        "/api/admin/users",
        headers=bearer(admin),
        json={"name": "X", "email": "x@example.com", "password": "initial pw 1", "role": "owner"},
    )
    assert bad_role.status_code == 422

    fetched = await client.get(f"/api/admin/users/{user['id']}", headers=bearer(admin))
    assert fetched.json()["id"] == user["id"]
    assert (await client.get("/api/admin/users/nope", headers=bearer(admin))).status_code == 404

    updated = await client.patch(
        f"/api/admin/users/{user['id']}",
        headers=bearer(admin),
        json={"role": "user", "emailVerified": True, "email": "Renamed@Example.com"},
    )
    assert updated.status_code == 200
    assert (updated.json()["role"], updated.json()["emailVerified"], updated.json()["email"]) == (
        "user",
        True,
        "renamed@example.com",
    )
    taken = await client.patch(
        f"/api/admin/users/{user['id']}", headers=bearer(admin), json={"email": "root@example.com"}
    )
    assert taken.status_code == 409
    assert (await client.patch("/api/admin/users/nope", headers=bearer(admin), json={"name": "x"})).status_code == 404

    admin_id = (await client.get("/api/me", headers=bearer(admin))).json()["id"]
    assert (await client.delete(f"/api/admin/users/{admin_id}", headers=bearer(admin))).status_code == 409
    assert (await client.delete(f"/api/admin/users/{user['id']}", headers=bearer(admin))).status_code == 204
    assert (await client.delete(f"/api/admin/users/{user['id']}", headers=bearer(admin))).status_code == 404
    await db.rollback()  # end this test session's read snapshot
    assert (await db.execute(select(Account).where(Account.user_id == user["id"]))).first() is None


async def test_ban_revokes_sessions_and_unban_restores_sign_in(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin = await make_admin(client, db)
    token, user = await sign_up(client, "troll@example.com", "troll password")
    past = (utcnow() - timedelta(hours=1)).isoformat()
    bad = await client.post(f"/api/admin/users/{user['id']}/ban", headers=bearer(admin), json={"expiresAt": past})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "expiresAt"

    until = (utcnow() + timedelta(days=3)).isoformat()
    banned = await client.post(
        f"/api/admin/users/{user['id']}/ban", headers=bearer(admin), json={"reason": "spam", "expiresAt": until}
    )
    assert banned.status_code == 200, banned.text
    assert (banned.json()["banned"], banned.json()["banReason"]) == (True, "spam")
    assert (await client.get("/api/me", headers=bearer(token))).status_code == 401
    assert (
        await db.execute(select(func.count()).select_from(UserSession).where(UserSession.user_id == user["id"]))
    ).scalar_one() == 0
    refused = await client.post(
        "/api/auth/sign-in/email", json={"email": "troll@example.com", "password": "troll password"}
    )
    assert refused.status_code == 403

    admin_id = (await client.get("/api/me", headers=bearer(admin))).json()["id"]
    assert (await client.post(f"/api/admin/users/{admin_id}/ban", headers=bearer(admin), json={})).status_code == 409
    assert (await client.post("/api/admin/users/nope/ban", headers=bearer(admin), json={})).status_code == 404

    unbanned = await client.post(f"/api/admin/users/{user['id']}/unban", headers=bearer(admin))
    assert unbanned.status_code == 200
    assert unbanned.json()["banned"] is False
    again = await client.post(
        "/api/auth/sign-in/email", json={"email": "troll@example.com", "password": "troll password"}
    )
    assert again.status_code == 200
    assert (await client.post("/api/admin/users/nope/unban", headers=bearer(admin))).status_code == 404


async def test_list_and_revoke_a_users_sessions(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin = await make_admin(client, db)
    token, user = await sign_up(client, "ivy@example.com", "ivy password")
    await client.post("/api/auth/sign-in/email", json={"email": "ivy@example.com", "password": "ivy password"})
    listed = await client.get(f"/api/admin/users/{user['id']}/sessions", headers=bearer(admin))
    assert listed.status_code == 200
    assert listed.json()["total"] == 2
    assert token not in listed.text
    assert (await client.get("/api/admin/users/nope/sessions", headers=bearer(admin))).status_code == 404

    one = listed.json()["items"][0]["id"]
    assert (
        await client.delete(f"/api/admin/users/{user['id']}/sessions/{one}", headers=bearer(admin))
    ).status_code == 204
    assert (
        await client.delete(f"/api/admin/users/{user['id']}/sessions/{one}", headers=bearer(admin))
    ).status_code == 404
    revoked = await client.post(f"/api/admin/users/{user['id']}/sessions/revoke-all", headers=bearer(admin))
    assert revoked.json() == {"revoked": 1}
    assert (await client.post("/api/admin/users/nope/sessions/revoke-all", headers=bearer(admin))).status_code == 404


async def test_impersonation(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin = await make_admin(client, db)
    admin_id = (await client.get("/api/me", headers=bearer(admin))).json()["id"]
    _, user = await sign_up(client, "jon@example.com")
    other_admin = await make_admin(client, db, "other-admin@example.com")
    other_admin_id = (await client.get("/api/me", headers=bearer(other_admin))).json()["id"]

    refused = await client.post(f"/api/admin/users/{other_admin_id}/impersonate", headers=bearer(admin))
    assert refused.status_code == 403
    assert refused.json()["code"] == "cannot_impersonate_admin"
    assert (await client.post("/api/admin/users/nope/impersonate", headers=bearer(admin))).status_code == 404

    started = await client.post(f"/api/admin/users/{user['id']}/impersonate", headers=bearer(admin))
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["user"]["id"] == user["id"]
    assert body["session"]["impersonatedBy"] == admin_id
    session = (await db.execute(select(UserSession).where(UserSession.token == body["token"]))).scalar_one()
    assert timedelta(minutes=59) < session.expires_at - session.created_at <= timedelta(hours=1)
    as_user = await client.get("/api/me", headers=bearer(body["token"]))
    assert as_user.json()["id"] == user["id"]

    not_impersonating = await client.post("/api/admin/impersonation/stop", headers=bearer(admin))
    assert not_impersonating.status_code == 409
    stopped = await client.post("/api/admin/impersonation/stop", headers=bearer(body["token"]))
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["user"]["id"] == admin_id
    assert (await client.get("/api/me", headers=bearer(body["token"]))).status_code == 401
    assert (await client.get("/api/me", headers=bearer(stopped.json()["token"]))).json()["id"] == admin_id
    assert (await client.post("/api/admin/impersonation/stop")).status_code == 401


@pytest.mark.parametrize("role", ["admin,user", "user,admin"])
async def test_comma_separated_roles_count_as_admin(client: httpx.AsyncClient, db: AsyncSession, role: str) -> None:
    token, user = await sign_up(client, "multi@example.com")
    await db.execute(update(User).where(User.id == user["id"]).values(role=role))
    await db.commit()
    assert (await client.get("/api/admin/users", headers=bearer(token))).status_code == 200
