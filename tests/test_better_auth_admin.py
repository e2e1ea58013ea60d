"""The admin plugin's endpoints over HTTP, on both databases: every one refuses anonymous callers
(401) and non-admins (403 with its own code); users, roles, bans, sessions and impersonation."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db.models import User, UserSession
from app.domain.cookies import sign_cookie_value
from tests.better_auth import PASSWORD, Caller, call, join, make_admin, outcome
from tests.helpers import sign_in

ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("GET", "/admin/list-users", None, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS"),
    ("GET", "/admin/get-user", {"id": "x"}, "YOU_ARE_NOT_ALLOWED_TO_GET_USER"),
    ("POST", "/admin/create-user", {"email": "n@example.com", "name": "N"}, "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS"),
    ("POST", "/admin/update-user", {"userId": "x", "data": {"name": "N"}}, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS"),
    ("POST", "/admin/set-role", {"userId": "x", "role": "admin"}, "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE"),
    ("POST", "/admin/set-user-password", {"userId": "x", "newPassword": "p" * 9}, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD"),
    ("POST", "/admin/ban-user", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"),
    ("POST", "/admin/unban-user", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"),
    ("POST", "/admin/list-user-sessions", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS"),
    ("POST", "/admin/revoke-user-session", {"sessionToken": "x"}, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"),
    ("POST", "/admin/revoke-user-sessions", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"),
    ("POST", "/admin/remove-user", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS"),
    ("POST", "/admin/impersonate-user", {"userId": "x"}, "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS"),
]  # fmt: skip


async def admin_and_user(client: httpx.AsyncClient, db: AsyncSession) -> tuple[Caller, Caller]:
    admin, user = await join(client, "Admin"), await join(client, "User")
    await make_admin(db, admin)
    return admin, user


async def request(
    client: httpx.AsyncClient, method: str, path: str, caller: Caller | None, body: Any
) -> httpx.Response:
    if method == "GET":
        return await call(client, "GET", path, caller, **(body or {}))
    return await call(client, method, path, caller, body)


@pytest.mark.parametrize(("method", "path", "body", "code"), ENDPOINTS, ids=[e[1] for e in ENDPOINTS])
async def test_every_admin_endpoint_refuses_anonymous_and_non_admin_callers(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None, code: str
) -> None:
    anonymous = await request(client, method, path, None, body)
    assert (anonymous.status_code, anonymous.content) == (401, b"")
    user = await join(client, "User")
    refused = await request(client, method, path, user, body)
    assert outcome(refused) == (403, code)


async def test_list_users_with_limit_offset_search_filter_and_sort(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin, user = await admin_and_user(client, db)
    carol = await join(client, "Carol")
    everyone = await call(client, "GET", "/admin/list-users", admin)
    assert set(everyone.json()) == {"users", "total"}
    assert everyone.json()["total"] == 3
    page = (await call(client, "GET", "/admin/list-users", admin, limit="1", offset="1")).json()
    assert (page["total"], page["limit"], page["offset"], [u["id"] for u in page["users"]]) == (3, 1, 1, [user.id])
    newest = (await call(client, "GET", "/admin/list-users", admin, sortBy="createdAt", sortDirection="desc")).json()
    assert newest["users"][0]["id"] == carol.id
    found = await call(client, "GET", "/admin/list-users", admin, searchValue="aro", searchField="name")
    assert [u["id"] for u in found.json()["users"]] == [carol.id]  # contains, the default operator
    by_name = await call(
        client, "GET", "/admin/list-users", admin, searchValue="Car", searchField="name", searchOperator="starts_with"
    )
    assert [u["id"] for u in by_name.json()["users"]] == [carol.id]
    admins = await call(client, "GET", "/admin/list-users", admin, filterField="role", filterValue="admin")
    assert [u["id"] for u in admins.json()["users"]] == [admin.id]
    bad = await call(client, "GET", "/admin/list-users", admin, searchField="nope", searchValue="x")
    assert bad.json()["message"] == '[query.searchField] Invalid option: expected one of "email"|"name"'
    unknown_field = await call(client, "GET", "/admin/list-users", admin, filterField="password", filterValue="x")
    assert unknown_field.status_code == 400


async def test_roles_users_and_passwords(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin, user = await admin_and_user(client, db)
    promoted = await call(client, "POST", "/admin/set-role", admin, {"userId": user.id, "role": ["user", "admin"]})
    assert promoted.json()["user"]["role"] == "user,admin"
    unknown = await call(client, "POST", "/admin/set-role", admin, {"userId": user.id, "role": "boss"})
    assert outcome(unknown) == (400, "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE")
    missing = await call(client, "POST", "/admin/set-role", admin, {"userId": "nope", "role": "user"})
    assert outcome(missing) == (404, "USER_NOT_FOUND")
    created = await call(
        client,
        "POST",
        "/admin/create-user",
        admin,
        {"email": "New@Example.com", "password": PASSWORD, "name": "New", "data": {"emailVerified": True}},
    )
    assert (created.json()["user"]["email"], created.json()["user"]["emailVerified"]) == ("new@example.com", True)
    assert (await sign_in(client, "new@example.com", PASSWORD)).status_code == 200
    duplicate = await call(client, "POST", "/admin/create-user", admin, {"email": "new@example.com", "name": "Twin"})
    assert outcome(duplicate) == (400, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
    assert outcome(await call(client, "POST", "/admin/create-user", admin, {"email": "bad", "name": "B"})) == (
        400,
        "INVALID_EMAIL",
    )
    got = await call(client, "GET", "/admin/get-user", admin, id=user.id)
    assert got.json()["id"] == user.id
    renamed = await call(client, "POST", "/admin/update-user", admin, {"userId": user.id, "data": {"name": "Renamed"}})
    assert renamed.json()["name"] == "Renamed"
    empty = await call(client, "POST", "/admin/update-user", admin, {"userId": user.id, "data": {}})
    assert outcome(empty) == (400, "NO_DATA_TO_UPDATE")
    password = await call(client, "POST", "/admin/update-user", admin, {"userId": user.id, "data": {"password": "x"}})
    assert outcome(password) == (400, "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER")
    reset = await call(
        client, "POST", "/admin/set-user-password", admin, {"userId": user.id, "newPassword": "brand new 1"}
    )
    assert reset.json() == {"status": True}
    assert (await sign_in(client, user.email, "brand new 1")).status_code == 200
    allowed = await call(client, "POST", "/admin/has-permission", admin, {"permissions": {"user": ["ban", "create"]}})
    assert allowed.json() == {"error": None, "success": True}
    denied = await call(client, "POST", "/admin/has-permission", user, {"permissions": {"user": ["ban"]}})
    assert denied.json()["success"] is True  # the user was promoted above
    assert (await call(client, "POST", "/admin/has-permission", admin, {"permission": {"user": ["ban"]}})).json() == {
        "message": "invalid permission check. no permission(s) were passed."
    }


async def test_ban_ends_sessions_and_blocks_sign_in_until_unbanned(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin, user = await admin_and_user(client, db)
    banned = await call(client, "POST", "/admin/ban-user", admin, {"userId": user.id, "banExpiresIn": 3600})
    body = banned.json()["user"]
    assert (body["banned"], body["banReason"], body["banExpires"] is not None) == (True, "No reason", True)
    assert (await call(client, "GET", "/get-session", user)).text == "null"
    assert outcome(await sign_in(client, user.email, PASSWORD)) == (403, "BANNED_USER")
    assert outcome(await call(client, "POST", "/admin/ban-user", admin, {"userId": admin.id})) == (
        400,
        "YOU_CANNOT_BAN_YOURSELF",
    )
    assert outcome(await call(client, "POST", "/admin/ban-user", admin, {"userId": "nope"})) == (404, "USER_NOT_FOUND")
    unbanned = await call(client, "POST", "/admin/unban-user", admin, {"userId": user.id})
    assert (unbanned.json()["user"]["banned"], unbanned.json()["user"]["banReason"]) == (False, None)
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 200


async def test_sessions_of_a_user(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin, user = await admin_and_user(client, db)
    second = (await sign_in(client, user.email, PASSWORD)).json()["token"]
    listed = await call(client, "POST", "/admin/list-user-sessions", admin, {"userId": user.id})
    assert sorted(s["token"] for s in listed.json()["sessions"]) == sorted([user.token, second])
    assert (await call(client, "POST", "/admin/list-user-sessions", admin, {"userId": "nope"})).json() == {
        "sessions": []
    }
    one = await call(client, "POST", "/admin/revoke-user-session", admin, {"sessionToken": second})
    assert one.json() == {"success": True}
    assert (await client.get("/api/auth/get-session", headers={"authorization": f"Bearer {second}"})).text == "null"
    everything = await call(client, "POST", "/admin/revoke-user-sessions", admin, {"userId": user.id})
    assert everything.json() == {"success": True}
    assert (await call(client, "GET", "/get-session", user)).text == "null"


async def test_remove_user(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin, user = await admin_and_user(client, db)
    assert outcome(await call(client, "POST", "/admin/remove-user", admin, {"userId": admin.id})) == (
        400,
        "YOU_CANNOT_REMOVE_YOURSELF",
    )
    assert outcome(await call(client, "POST", "/admin/remove-user", admin, {"userId": "nope"})) == (
        404,
        "USER_NOT_FOUND",
    )
    removed = await call(client, "POST", "/admin/remove-user", admin, {"userId": user.id})
    assert removed.json() == {"success": True}
    assert (await db.execute(select(func.count()).select_from(User).where(User.id == user.id))).scalar_one() == 0


def cookies_of(response: httpx.Response) -> list[tuple[str, str, str]]:
    """(name, value, attributes) of each Set-Cookie line, in order."""
    out = []
    for line in response.headers.get_list("set-cookie"):
        pair, _, attributes = line.partition("; ")
        name, _, value = pair.partition("=")
        out.append((name, value, attributes))
    return out


async def test_impersonation_keeps_the_admin_session_in_admin_session(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    admin, user = await admin_and_user(client, db)
    cookie = admin.cookie(settings)
    started = await client.post("/api/auth/admin/impersonate-user", headers=cookie, json={"userId": user.id})
    assert started.status_code == 200, started.text
    session = started.json()["session"]
    assert (session["userId"], session["impersonatedBy"]) == (user.id, admin.id)
    jar = cookies_of(started)
    assert [name for name, _, _ in jar] == [
        "better-auth.session_token",
        "better-auth.session_data",
        "better-auth.dont_remember",
        "better-auth.admin_session",
        "better-auth.session_token",
        "better-auth.dont_remember",
    ]
    assert jar[3][1] == sign_cookie_value(f"{admin.token}:", settings.secret)
    assert jar[3][2].startswith("Max-Age=604800")
    assert unquote(jar[4][1]).split(".")[0] == session["token"]
    assert "Max-Age" not in jar[4][2]  # an impersonation lasts an hour, the cookie a browser session
    assert started.headers["set-auth-token"].startswith(f"{session['token']}.")
    # The admin's own session is untouched; the impersonation is not in the subject's list.
    assert (await call(client, "GET", "/get-session", admin)).json()["user"]["id"] == admin.id
    assert session["token"] not in {s["token"] for s in (await call(client, "GET", "/list-sessions", user)).json()}

    browser = {
        "cookie": f"better-auth.session_token={jar[4][1]}; better-auth.admin_session={jar[3][1]}; "
        f"better-auth.dont_remember={jar[5][1]}",
        "origin": cookie["origin"],
    }
    stopped = await client.post("/api/auth/admin/stop-impersonating", headers=browser)
    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["session"]["token"], stopped.json()["user"]["id"]) == (admin.token, admin.id)
    back = cookies_of(stopped)
    # The admin's session comes back (for 7 days: the admin had no dont_remember cookie), the
    # impersonation's dont_remember and the admin_session cookie go.
    expired = ("", "Max-Age=0; Path=/; HttpOnly; SameSite=Lax")
    assert [name for name, _, _ in back] == [
        "better-auth.session_token",
        "better-auth.dont_remember",
        "better-auth.admin_session",
    ]
    assert unquote(back[0][1]).split(".")[0] == admin.token
    assert back[0][2].startswith("Max-Age=604800")
    assert (back[1][1:], back[2][1:]) == (expired, expired)
    gone = await db.execute(select(func.count()).select_from(UserSession).where(UserSession.token == session["token"]))
    assert gone.scalar_one() == 0


async def test_impersonation_errors(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin, user = await admin_and_user(client, db)
    other_admin = await join(client, "Other")
    await make_admin(db, other_admin)
    assert outcome(await call(client, "POST", "/admin/impersonate-user", admin, {"userId": other_admin.id})) == (
        403,
        "YOU_CANNOT_IMPERSONATE_ADMINS",
    )
    assert outcome(await call(client, "POST", "/admin/impersonate-user", admin, {"userId": "nope"})) == (
        404,
        "USER_NOT_FOUND",
    )
    not_impersonating = await call(client, "POST", "/admin/stop-impersonating", admin)
    assert (not_impersonating.status_code, not_impersonating.json()) == (
        400,
        {"message": "You are not impersonating anyone"},
    )
    started = await call(client, "POST", "/admin/impersonate-user", admin, {"userId": user.id})
    token = started.json()["session"]["token"]
    # In bearer mode the client has no admin_session cookie: Better Auth answers 500 there; this service 400.
    lost = await client.post("/api/auth/admin/stop-impersonating", headers={"authorization": f"Bearer {token}"})
    assert (lost.status_code, lost.json()) == (400, {"message": "Failed to find admin session"})
    assert (await call(client, "POST", "/admin/stop-impersonating")).status_code == 401
