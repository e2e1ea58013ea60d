"""Better Auth's session and account endpoints over HTTP, on both databases: ``list-sessions``,
``revoke-session``, ``revoke-sessions``, ``revoke-other-sessions``, ``update-user``,
``change-password``, ``delete-user``, ``list-accounts``."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db.models import Account, User, UserSession
from app.db.types import utcnow
from tests.better_auth import PASSWORD, age_session, call, join, outcome
from tests.helpers import sign_in

CLEARED = [
    "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
]


async def second_session(client: httpx.AsyncClient, email: str) -> str:
    response = await sign_in(client, email, PASSWORD)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


async def test_list_sessions_shows_my_live_sessions_and_needs_a_fresh_one(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    ada = await join(client, "Ada")
    other = await second_session(client, ada.email)
    listed = await call(client, "GET", "/list-sessions", ada)
    assert listed.status_code == 200, listed.text
    assert sorted(s["token"] for s in listed.json()) == sorted([ada.token, other])
    await age_session(db, ada, created_at=utcnow() - timedelta(days=2))
    stale = await call(client, "GET", "/list-sessions", ada)
    assert outcome(stale) == (403, "SESSION_NOT_FRESH")
    assert outcome(await call(client, "GET", "/list-sessions")) == (401, "UNAUTHORIZED")


async def test_revoke_session_ends_only_my_own(client: httpx.AsyncClient, settings: Settings) -> None:
    ada, bob = await join(client, "Ada"), await join(client, "Bob")
    other = await second_session(client, ada.email)
    foreign = await call(client, "POST", "/revoke-session", ada, {"token": bob.token})
    assert foreign.json() == {"status": True}  # Better Auth answers the same, and ends nothing
    assert (await call(client, "GET", "/get-session", bob)).json()["user"]["id"] == bob.id
    ended = await call(client, "POST", "/revoke-session", ada, {"token": other})
    assert ended.json() == {"status": True}
    assert ended.headers.get_list("set-cookie") == []
    assert (await client.get("/api/auth/get-session", headers={"authorization": f"Bearer {other}"})).text == "null"
    mine = await client.post("/api/auth/revoke-session", headers=ada.cookie(settings), json={"token": ada.token})
    assert mine.headers.get_list("set-cookie") == CLEARED
    missing = await call(client, "POST", "/revoke-session", bob, {})
    assert missing.json() == {
        "code": "VALIDATION_ERROR",
        "message": "[body.token] Invalid input: expected string, received undefined",
    }


async def test_revoke_sessions_and_revoke_other_sessions(client: httpx.AsyncClient) -> None:
    ada = await join(client, "Ada")
    other = await second_session(client, ada.email)
    kept = await call(client, "POST", "/revoke-other-sessions", ada)
    assert kept.json() == {"status": True}
    assert (await client.get("/api/auth/get-session", headers={"authorization": f"Bearer {other}"})).text == "null"
    assert (await call(client, "GET", "/get-session", ada)).json()["session"]["token"] == ada.token
    everything = await call(client, "POST", "/revoke-sessions", ada)
    assert (everything.json(), everything.headers.get_list("set-cookie")) == ({"status": True}, CLEARED)
    assert (await call(client, "GET", "/get-session", ada)).text == "null"
    assert outcome(await call(client, "POST", "/revoke-sessions")) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"email": "new@example.com"}, 400, {"code": "EMAIL_CAN_NOT_BE_UPDATED", "message": "Email can not be updated"}),
        ({"role": "admin"}, 400, {"code": "FIELD_NOT_ALLOWED", "message": "role is not allowed to be set"}),
        ({"emailVerified": True}, 400, {"code": "FIELD_NOT_ALLOWED", "message": "emailVerified is not allowed to be set"}),
        ({"unknown": 1}, 400, {"message": "No fields to update"}),
        ({"name": 5}, 400, {"code": "VALIDATION_ERROR",
                             "message": "[body.name] Invalid input: expected string, received number"}),
        ([], 400, {"code": "VALIDATION_ERROR", "message": "[body] Invalid input: expected record, received array"}),
    ],
)  # fmt: skip
async def test_update_user_refuses_what_better_auth_refuses(
    client: httpx.AsyncClient, db: AsyncSession, body: object, status: int, expected: dict[str, str]
) -> None:
    ada = await join(client, "Ada")
    response = await call(client, "POST", "/update-user", ada, body)
    assert (response.status_code, response.json()) == (status, expected)
    stored = (await db.execute(select(User).where(User.id == ada.id))).scalar_one()
    assert (stored.role, stored.email_verified, stored.email) == ("user", False, ada.email)


async def test_update_user_changes_name_and_image_and_re_sets_the_cookie(client: httpx.AsyncClient) -> None:
    ada = await join(client, "Ada")
    response = await call(client, "POST", "/update-user", ada, {"name": "Ada L.", "image": "https://x.test/a.png"})
    assert response.json() == {"status": True}
    assert response.headers.get_list("set-cookie")[0].startswith("better-auth.session_token=")
    assert response.headers["set-auth-token"] == ada.signed
    user = (await call(client, "GET", "/get-session", ada)).json()["user"]
    assert (user["name"], user["image"]) == ("Ada L.", "https://x.test/a.png")
    cleared = await call(client, "POST", "/update-user", ada, {"image": None})
    assert cleared.status_code == 200
    assert (await call(client, "GET", "/get-session", ada)).json()["user"]["image"] is None
    assert (await call(client, "POST", "/update-user", None, {"name": "x"})).status_code == 401


async def test_change_password(client: httpx.AsyncClient) -> None:
    ada = await join(client, "Ada")
    other = await second_session(client, ada.email)
    wrong = await call(
        client, "POST", "/change-password", ada, {"currentPassword": "not it!!", "newPassword": "n" * 10}
    )
    assert outcome(wrong) == (400, "INVALID_PASSWORD")
    short = await call(client, "POST", "/change-password", ada, {"currentPassword": PASSWORD, "newPassword": "short"})
    assert outcome(short) == (400, "PASSWORD_TOO_SHORT")
    kept = await call(
        client, "POST", "/change-password", ada, {"currentPassword": PASSWORD, "newPassword": "second pw 2"}
    )
    assert (kept.status_code, kept.json()["token"], kept.json()["user"]["id"]) == (200, None, ada.id)
    assert (await client.get("/api/auth/get-session", headers={"authorization": f"Bearer {other}"})).status_code == 200
    rotated = await call(
        client,
        "POST",
        "/change-password",
        ada,
        {"currentPassword": "second pw 2", "newPassword": "third pw 33", "revokeOtherSessions": True},
    )
    new_token = rotated.json()["token"]
    assert new_token
    assert new_token not in (ada.token, other)
    assert rotated.headers["set-auth-token"].startswith(f"{new_token}.")
    # Better Auth replaces every session, this one included, with the new one.
    for token in (ada.token, other):
        assert (await client.get("/api/auth/get-session", headers={"authorization": f"Bearer {token}"})).text == "null"
    assert (await sign_in(client, ada.email, "third pw 33")).status_code == 200
    assert (await sign_in(client, ada.email, PASSWORD)).status_code == 401


async def test_change_password_without_a_password(client: httpx.AsyncClient, db: AsyncSession) -> None:
    ada = await join(client, "Ada")
    account = (await db.execute(select(Account).where(Account.user_id == ada.id))).scalar_one()
    account.provider_id, account.account_id, account.password = "github", "gh-1", None
    await db.commit()
    response = await call(
        client, "POST", "/change-password", ada, {"currentPassword": PASSWORD, "newPassword": "x" * 9}
    )
    assert outcome(response) == (400, "CREDENTIAL_ACCOUNT_NOT_FOUND")


async def test_delete_user(client: httpx.AsyncClient, db: AsyncSession, settings: Settings) -> None:
    ada = await join(client, "Ada")
    assert outcome(await call(client, "POST", "/delete-user", ada, {"password": "wrong pw"})) == (
        400,
        "INVALID_PASSWORD",
    )
    assert outcome(await call(client, "POST", "/delete-user", ada, {"token": "abc"})) == (404, "INVALID_TOKEN")
    evil = await call(client, "POST", "/delete-user", ada, {"callbackURL": "https://evil.example/bye"})
    assert outcome(evil) == (403, "INVALID_CALLBACK_URL")
    absent = await client.post("/api/auth/delete-user", headers=ada.headers)
    assert absent.json()["message"] == "[body] Invalid input: expected object, received undefined"
    await age_session(db, ada, created_at=utcnow() - timedelta(days=2))
    assert outcome(await call(client, "POST", "/delete-user", ada, {})) == (400, "SESSION_EXPIRED")
    with_password = await client.post(
        "/api/auth/delete-user", headers=ada.cookie(settings), json={"password": PASSWORD}
    )
    assert with_password.json() == {"success": True, "message": "User deleted"}
    assert with_password.headers.get_list("set-cookie") == CLEARED
    assert (await db.execute(select(func.count()).select_from(User).where(User.id == ada.id))).scalar_one() == 0
    bob = await join(client, "Bob")
    fresh = await call(client, "POST", "/delete-user", bob, {})
    assert fresh.json() == {"success": True, "message": "User deleted"}
    assert (await db.execute(select(func.count()).select_from(UserSession))).scalar_one() == 0


async def test_list_accounts_shows_no_secrets(client: httpx.AsyncClient) -> None:
    ada = await join(client, "Ada")
    response = await call(client, "GET", "/list-accounts", ada)
    [account] = response.json()
    assert set(account) == {"id", "providerId", "accountId", "userId", "createdAt", "updatedAt", "scopes"}
    assert (account["providerId"], account["accountId"], account["scopes"]) == ("credential", ada.id, [])
    assert outcome(await call(client, "GET", "/list-accounts")) == (401, "UNAUTHORIZED")
