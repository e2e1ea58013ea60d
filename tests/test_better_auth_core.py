"""Better Auth's core endpoints over HTTP, on both databases: ``sign-up/email``, ``sign-in/email``,
``sign-out``, ``get-session``; their cookies, bearer forms, origin checks and errors.

Expected bodies, codes and cookies are the ones Better Auth 1.7.25 answers (read from a real
server: tests/interop runs the official client against both).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import re
import sys
import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db.models import Account, User, UserSession
from app.db.types import utcnow
from app.domain.cookies import SESSION_COOKIE, sign_session_token
from app.domain.passwords import dummy_hash, hash_password, verify_password
from app.repositories import auth as auth_repository
from tests.helpers import api_client, bearer, better_auth_verify, sign_in, sign_up

TOKEN = re.compile(r"^[A-Za-z0-9]{32}$")
JS_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ORIGIN = {"origin": "http://testserver"}
CLEARED = [
    "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
]
USER_KEYS = {"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt", "role", "banned", "banReason",
             "banExpires"}  # fmt: skip
SESSION_KEYS = {"id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId",
                "impersonatedBy", "activeOrganizationId", "activeTeamId"}  # fmt: skip


def cookie_for(token: str, settings: Settings) -> dict[str, str]:
    return {"cookie": f"{SESSION_COOKIE}={sign_session_token(token, settings.secret)}", **ORIGIN}


def error(response: httpx.Response) -> tuple[int, str | None]:
    return response.status_code, response.json().get("code")


async def test_sign_up_creates_better_auth_rows_and_sets_the_session_cookie(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    response = await client.post(
        "/api/auth/sign-up/email",
        json={"name": "Ada", "email": "Ada@Example.COM", "password": "Ünïcode pässword", "unknownKey": 1},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"token", "user"}
    assert set(body["user"]) == USER_KEYS
    assert TOKEN.match(body["token"])
    assert (body["user"]["email"], body["user"]["role"], body["user"]["banned"]) == ("ada@example.com", "user", False)
    assert JS_DATE.match(body["user"]["createdAt"])
    signed = sign_session_token(body["token"], settings.secret)
    assert response.headers.get_list("set-cookie") == [
        f"better-auth.session_token={signed}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
    ]
    assert response.headers["set-auth-token"] == f"{body['token']}.{signed.split('.')[1].replace('%2B', '+')}".replace(
        "%2F", "/"
    ).replace("%3D", "=")
    assert response.headers["access-control-expose-headers"] == "set-auth-token"

    user = (await db.execute(select(User))).scalar_one()
    account = (await db.execute(select(Account))).scalar_one()
    session = (await db.execute(select(UserSession))).scalar_one()
    assert (account.provider_id, account.account_id, account.user_id) == ("credential", user.id, user.id)
    assert account.password is not None
    assert better_auth_verify(account.password, "Ünïcode pässword")
    assert session.token == body["token"]
    lifetime = session.expires_at - session.created_at
    assert timedelta(days=7) - timedelta(seconds=5) <= lifetime <= timedelta(days=7)


def test_password_hashes_verify_both_ways() -> None:
    ours = hash_password("hunter2 hunter2")
    assert better_auth_verify(ours, "hunter2 hunter2")
    assert not better_auth_verify(ours, "hunter2 hunter3")
    salt = "0123456789abcdef0123456789abcdef"
    key = hashlib.scrypt(b"s3cret-password", salt=salt.encode(), n=16384, r=16, p=1, dklen=64, maxmem=2**26)
    assert verify_password(f"{salt}:{key.hex()}", "s3cret-password")
    assert not verify_password(f"{salt}:{key.hex()}", "s3cret-passwore")
    assert not verify_password("not-a-hash", "anything")


@pytest.mark.parametrize(
    ("payload", "status", "code", "message"),
    [
        ({"name": "A", "email": "not-an-email", "password": "long enough"}, 400, "VALIDATION_ERROR",
         "[body.email] Invalid email address"),
        ({"email": "a@example.com", "password": 5}, 400, "VALIDATION_ERROR",
         "[body.name] Invalid input: expected string, received undefined; "
         "[body.password] Invalid input: expected string, received number"),
        ({"name": "A", "email": "a@example.com", "password": "short"}, 400, "PASSWORD_TOO_SHORT", "Password too short"),
        ({"name": "A", "email": "a@example.com", "password": "x" * 129}, 400, "PASSWORD_TOO_LONG", "Password too long"),
        ({"name": "A", "email": "a@example.com", "password": "long enough", "rememberMe": "no"}, 400,
         "VALIDATION_ERROR", "[body.rememberMe] Invalid input: expected boolean, received string"),
        ({"name": "A", "email": "a@example.com", "password": "long enough", "role": "admin"}, 400, "FIELD_NOT_ALLOWED",
         "role is not allowed to be set"),
        ({"name": "A\u0000", "email": "a@example.com", "password": "long enough"}, 400, "VALIDATION_ERROR",
         "[body.name] Invalid input: text must not contain NUL characters"),
        ([1, 2], 400, "VALIDATION_ERROR", "[body] Invalid input: expected object, received array"),
    ],
)  # fmt: skip
async def test_sign_up_refuses_bad_input_as_better_auth_does(
    client: httpx.AsyncClient, payload: object, status: int, code: str, message: str
) -> None:
    response = await client.post("/api/auth/sign-up/email", json=payload)
    assert response.status_code == status, response.text
    assert response.json() == {"code": code, "message": message}
    assert response.headers["content-type"] == "application/json"


async def test_bodies_that_are_not_json_objects(client: httpx.AsyncClient) -> None:
    bad_json = await client.post(
        "/api/auth/sign-in/email", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.json() == {"code": "BAD_REQUEST", "message": "Invalid JSON in request body"}
    assert bad_json.status_code == 400
    deep = await client.post(
        "/api/auth/sign-in/email",
        content=b'{"a":' * 5000 + b"1" + b"}" * 5000,
        headers={"content-type": "application/json"},
    )
    assert error(deep) == (400, "BAD_REQUEST")
    text = await client.post("/api/auth/sign-in/email", content=b"x", headers={"content-type": "text/plain"})
    assert text.status_code == 415
    assert text.json() == {
        "code": "UNSUPPORTED_MEDIA_TYPE",
        "message": 'Content-Type "text/plain" is not allowed. Allowed types: application/x-www-form-urlencoded, '
        "application/json",
    }
    absent = await client.post("/api/auth/sign-in/email", headers={"content-type": "application/json"})
    assert absent.json()["message"] == "[body] Invalid input: expected object, received undefined"


async def test_sign_up_and_sign_in_accept_form_bodies(client: httpx.AsyncClient) -> None:
    form = {"name": "Form", "email": "form@example.com", "password": "form password"}
    created = await client.post("/api/auth/sign-up/email", data=form)
    assert created.status_code == 200, created.text
    signed = await client.post(
        "/api/auth/sign-in/email", data={"email": "form@example.com", "password": "form password"}
    )
    assert signed.status_code == 200, signed.text


async def test_duplicate_email_is_422(client: httpx.AsyncClient) -> None:
    await sign_up(client, "dup@example.com")
    response = await client.post(
        "/api/auth/sign-up/email", json={"name": "B", "email": "DUP@example.com", "password": "another password"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
        "message": "User already exists. Use another email.",
    }


async def test_sign_in_returns_redirect_token_and_user(client: httpx.AsyncClient, db: AsyncSession) -> None:
    await sign_up(client, "bob@example.com", "bob's password")
    long = await sign_in(client, "BOB@example.com", "bob's password")
    assert long.status_code == 200, long.text
    assert set(long.json()) == {"redirect", "token", "user"}
    assert long.json()["redirect"] is False
    short = await sign_in(client, "bob@example.com", "bob's password", rememberMe=False)
    token = short.json()["token"]
    cookies = short.headers.get_list("set-cookie")
    assert cookies[0].startswith("better-auth.session_token=")
    assert "Max-Age" not in cookies[0]
    assert cookies[1].startswith("better-auth.dont_remember=true.")
    assert "Max-Age" not in cookies[1]
    sessions = {s.token: s for s in (await db.execute(select(UserSession))).scalars()}
    long_life = sessions[long.json()["token"]].expires_at - sessions[long.json()["token"]].created_at
    short_life = sessions[token].expires_at - sessions[token].created_at
    assert timedelta(days=6, hours=23) < long_life <= timedelta(days=7)
    assert timedelta(hours=23) < short_life <= timedelta(days=1)


@pytest.mark.parametrize(
    ("callback", "status"), [("/dashboard", 200), ("http://testserver/home", 200), ("https://evil.example/x", 403)]
)
async def test_sign_in_with_a_callback_url(client: httpx.AsyncClient, callback: str, status: int) -> None:
    await sign_up(client, "cal@example.com", "cal password")
    response = await sign_in(client, "cal@example.com", "cal password", callbackURL=callback)
    assert response.status_code == status, response.text
    if status == 200:
        assert (response.json()["redirect"], response.json()["url"]) == (True, callback)
        assert response.headers["location"] == callback
    else:
        assert response.json() == {"code": "INVALID_CALLBACK_URL", "message": "Invalid callbackURL"}


async def test_wrong_password_and_unknown_email_answer_the_same_after_the_same_work(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up(client, "carol@example.com", "carol's password")
    verified: list[str] = []

    def counting_verify(stored: str, password: str) -> bool:
        verified.append(stored)
        return verify_password(stored, password)

    monkeypatch.setattr(auth_repository, "verify_password", counting_verify)
    bodies = []
    for email in ("nobody@example.com", "carol@example.com"):
        response = await sign_in(client, email, "not the password")
        assert response.status_code == 401
        bodies.append(response.json())
    assert bodies == [{"code": "INVALID_EMAIL_OR_PASSWORD", "message": "Invalid email or password"}] * 2
    assert len(verified) == 2
    assert verified[0] == dummy_hash()
    assert verified[1] != dummy_hash()
    invalid = await sign_in(client, "not-an-email", "whatever")
    assert (invalid.status_code, invalid.json()) == (400, {"code": "INVALID_EMAIL", "message": "Invalid email"})


async def test_a_sign_in_burst_runs_at_most_one_scrypt_per_core(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up(client, "erin@example.com", "erin's password")
    running, peak = 0, 0
    lock = threading.Lock()

    def watched_verify(stored: str, password: str) -> bool:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            return verify_password(stored, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(auth_repository, "verify_password", watched_verify)
    burst = 4 * auth_repository.SCRYPT_THREADS + 2
    responses = await asyncio.gather(*(sign_in(client, "erin@example.com", "erin's password") for _ in range(burst)))
    assert [r.status_code for r in responses] == [200] * burst
    assert 1 <= peak <= auth_repository.SCRYPT_THREADS


@pytest.mark.skipif(sys.platform != "linux", reason="nice values are per thread on Linux only")
async def test_sign_in_hashes_at_a_lower_cpu_priority_than_the_event_loop(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up(client, "nina@example.com", password="nina's password")
    seen: list[int] = []

    def watched_verify(stored: str, password: str) -> bool:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return verify_password(stored, password)

    monkeypatch.setattr(auth_repository, "verify_password", watched_verify)
    assert (await sign_in(client, "nina@example.com", "nina's password")).status_code == 200
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < auth_repository.SCRYPT_NICENESS
    assert seen == [auth_repository.SCRYPT_NICENESS]


async def test_get_session_by_raw_and_signed_bearer_and_cookie(client: httpx.AsyncClient, settings: Settings) -> None:
    created = await client.post(
        "/api/auth/sign-up/email", json={"name": "Dee", "email": "dee@example.com", "password": "dee password"}
    )
    token, signed = created.json()["token"], created.headers["set-auth-token"]
    for headers in (bearer(token), bearer(signed), cookie_for(token, settings)):
        response = await client.get("/api/auth/get-session", headers=headers)
        assert response.status_code == 200, headers
        assert set(response.json()) == {"session", "user"}
        assert set(response.json()["session"]) == SESSION_KEYS
        assert response.json()["session"]["token"] == token
        assert response.headers["cache-control"] == "no-store"
    anonymous = await client.get("/api/auth/get-session")
    assert (anonymous.status_code, anonymous.text) == (200, "null")
    forged = await client.get("/api/auth/get-session", headers=bearer(f"{token}.{'A' * 43}="))
    assert forged.text == "null"
    gone = await client.get("/api/auth/get-session", headers=bearer("x" * 32))
    assert gone.text == "null"
    assert gone.headers.get_list("set-cookie") == CLEARED  # a signed-valid token without a session clears cookies
    posted = await client.post("/api/auth/get-session", headers=bearer(token))
    assert error(posted) == (405, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED")


async def test_the_cookie_cache_is_cleared_wherever_better_auth_clears_it(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    token, _ = await sign_up(client, "cache@example.com")
    chunks = "better-auth.session_data=a; better-auth.session_data.0=b; better-auth.session_data.1=c"
    read = await client.get("/api/auth/get-session", headers={**bearer(token), "cookie": chunks})
    assert read.headers.get_list("set-cookie") == [
        f"{name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
        for name in ("better-auth.session_data", "better-auth.session_data.0", "better-auth.session_data.1")
    ]
    cookie = cookie_for(token, settings)
    out = await client.post("/api/auth/sign-out", headers={**cookie, "cookie": f"{cookie['cookie']}; {chunks}"})
    assert out.json() == {"success": True}
    assert out.headers.get_list("set-cookie") == [
        CLEARED[0],
        CLEARED[1],
        CLEARED[1],
        CLEARED[1].replace("session_data=", "session_data.0="),
        CLEARED[1].replace("session_data=", "session_data.1="),
        CLEARED[2],
    ]


async def test_sign_out_ends_the_session_and_never_401s(client: httpx.AsyncClient) -> None:
    token, _ = await sign_up(client, "dave@example.com")
    out = await client.post("/api/auth/sign-out", headers=bearer(token))
    assert (out.status_code, out.json()) == (200, {"success": True})
    assert out.headers.get_list("set-cookie") == CLEARED
    assert (await client.get("/api/auth/get-session", headers=bearer(token))).text == "null"
    again = await client.post("/api/auth/sign-out")
    assert (again.status_code, again.json()) == (200, {"success": True})
    refused = await client.post("/api/auth/sign-out", json={"callbackURL": 5})
    assert (refused.status_code, refused.json()) == (400, {"message": "Invalid callbackURL: expected a string"})


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"cookie": "x=1"}, "MISSING_OR_NULL_ORIGIN"),
        ({"cookie": "x=1", "origin": "null"}, "MISSING_OR_NULL_ORIGIN"),
        ({"cookie": "x=1", "origin": "https://evil.example"}, "INVALID_ORIGIN"),
        ({"cookie": "x=1", "referer": "https://evil.example/page"}, "INVALID_ORIGIN"),
        ({"cookie": "x=1", "origin": "null", "sec-fetch-site": "same-origin"}, None),
        ({"cookie": "x=1", "referer": "http://testserver/settings"}, None),
    ],
)
async def test_writes_that_carry_cookies_need_a_trusted_origin(
    client: httpx.AsyncClient, headers: dict[str, str], code: str | None
) -> None:
    response = await client.post("/api/auth/sign-out", headers=headers)
    if code is None:
        assert response.status_code == 200, response.text
    else:
        assert error(response) == (403, code)


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"}, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED"),
        ({"origin": "https://evil.example"}, "INVALID_ORIGIN"),
        ({"sec-fetch-site": "same-origin", "sec-fetch-mode": "cors"}, "MISSING_OR_NULL_ORIGIN"),
        ({"sec-fetch-site": "same-origin", "sec-fetch-mode": "cors", **ORIGIN}, None),
        ({}, None),
    ],
)
async def test_login_csrf(client: httpx.AsyncClient, headers: dict[str, str], code: str | None) -> None:
    await sign_up(client, "csrf@example.com", "csrf password")
    response = await client.post(
        "/api/auth/sign-in/email", json={"email": "csrf@example.com", "password": "csrf password"}, headers=headers
    )
    if code is None:
        assert response.status_code == 200, response.text
    else:
        assert error(response) == (403, code)


async def test_trusted_origins_come_from_the_settings(settings: Settings) -> None:
    configured = dataclasses.replace(
        settings, base_url="https://api.example.com", trusted_origin_entries=("https://*.example.com", "myapp://")
    )
    async with api_client(configured) as client:
        token, _ = await sign_up(client, "trust@example.com")
        cookie = f"__Secure-better-auth.session_token={sign_session_token(token, settings.secret)}"
        for origin, status in (
            ("https://app.example.com", 200),
            ("https://api.example.com", 200),
            ("http://testserver", 403),
            ("https://example.com.evil.example", 403),
        ):
            response = await client.post("/api/auth/sign-out", headers={"cookie": cookie, "origin": origin})
            assert response.status_code == status, (origin, response.text)
        signed = await client.post(
            "/api/auth/sign-in/email",
            json={"email": "trust@example.com", "password": "correct horse battery", "callbackURL": "myapp://done"},
        )
    assert signed.status_code == 200, signed.text
    # An https base URL means secure cookies, with Better Auth's __Secure- prefix.
    assert signed.headers.get_list("set-cookie")[0].startswith("__Secure-better-auth.session_token=")
    assert "; Secure; SameSite=Lax" in signed.headers.get_list("set-cookie")[0]


async def test_the_session_slides_after_a_day_and_re_sets_its_cookie(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    token, _ = await sign_up(client, "fay@example.com", "fay's password")
    now = utcnow()
    await db.execute(
        update(UserSession)
        .where(UserSession.token == token)
        .values(expires_at=now + timedelta(days=5), updated_at=now - timedelta(days=2))
    )
    await db.commit()
    response = await client.get("/api/auth/get-session", headers=bearer(token))
    assert response.status_code == 200
    assert response.headers.get_list("set-cookie")[0].startswith("better-auth.session_token=")
    assert "Max-Age=604800" in response.headers.get_list("set-cookie")[0]
    assert response.headers["set-auth-token"].startswith(f"{token}.")
    db.expunge_all()
    session = (await db.execute(select(UserSession).where(UserSession.token == token))).scalar_one()
    assert session.expires_at > now + timedelta(days=6, hours=23)
    unchanged = await client.get("/api/auth/get-session", headers=bearer(token))
    assert unchanged.headers.get_list("set-cookie") == []

    await db.execute(
        update(UserSession).where(UserSession.token == token).values(expires_at=now - timedelta(seconds=1))
    )
    await db.commit()
    expired = await client.get("/api/auth/get-session", headers=bearer(token))
    assert (expired.text, expired.headers.get_list("set-cookie")) == ("null", CLEARED)
    again = await sign_in(client, "fay@example.com", "fay's password")  # purges the expired session
    assert again.status_code == 200, again.text
    db.expunge_all()
    assert (await db.execute(select(UserSession).where(UserSession.token == token))).first() is None


async def test_banned_users_cannot_sign_in_until_the_ban_expires(client: httpx.AsyncClient, db: AsyncSession) -> None:
    _token, user = await sign_up(client, "hal@example.com", "hal's password")
    await db.execute(update(User).where(User.id == user["id"]).values(banned=True, ban_reason="spam"))
    await db.commit()
    refused = await sign_in(client, "hal@example.com", "hal's password")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "BANNED_USER",
        "message": "You have been banned from this application. Please contact support if you believe this is an error.",
    }
    wrong = await sign_in(client, "hal@example.com", "not hal's pw")  # a wrong password says nothing of the ban
    assert error(wrong) == (401, "INVALID_EMAIL_OR_PASSWORD")
    await db.execute(update(User).where(User.id == user["id"]).values(ban_expires=utcnow() - timedelta(minutes=1)))
    await db.commit()
    lifted = await sign_in(client, "hal@example.com", "hal's password")
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["user"]["banned"] is False


async def test_unknown_paths_and_methods_are_empty_404s(client: httpx.AsyncClient) -> None:
    for method, path in (("GET", "/api/auth/nope"), ("GET", "/api/auth/sign-out"), ("POST", "/api/auth/sign-out/")):
        response = await client.request(method, path)
        assert (response.status_code, response.content) == (404, b""), (method, path)
