"""Sign-up, sign-in, sign-out and the current session, through HTTP, on both databases."""

from __future__ import annotations

import asyncio
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
from tests.helpers import bearer, reference_verify, sign_up

TOKEN = re.compile(r"^[A-Za-z0-9]{32}$")


async def test_sign_up_creates_better_auth_rows(client: httpx.AsyncClient, db: AsyncSession) -> None:
    response = await client.post(
        "/api/auth/sign-up",
        json={"name": "Ada", "email": "Ada@Example.COM", "password": "Ünïcode pässword", "preferredLocale": "pt-BR"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert TOKEN.match(body["token"])
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["role"] == "user"
    assert body["user"]["preferredLocale"] == "pt-BR"
    assert "password" not in response.text.lower().replace("pässword", "")

    user = (await db.execute(select(User))).scalar_one()
    account = (await db.execute(select(Account))).scalar_one()
    session = (await db.execute(select(UserSession))).scalar_one()
    assert (account.provider_id, account.account_id, account.user_id) == ("credential", user.id, user.id)
    assert account.password is not None
    assert re.fullmatch(r"[0-9a-f]{32}:[0-9a-f]{128}", account.password)
    assert reference_verify(account.password, "Ünïcode pässword")
    assert session.token == body["token"]
    lifetime = session.expires_at - session.created_at
    assert timedelta(days=7) - timedelta(seconds=5) <= lifetime <= timedelta(days=7)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie


def test_password_hashes_verify_both_ways() -> None:
    ours = hash_password("hunter2 hunter2")
    assert reference_verify(ours, "hunter2 hunter2")
    assert not reference_verify(ours, "hunter2 hunter3")
    # a hash made by the reference algorithm (Better Auth's) verifies with ours
    salt = "0123456789abcdef0123456789abcdef"
    key = hashlib.scrypt(b"s3cret-password", salt=salt.encode(), n=16384, r=16, p=1, dklen=64, maxmem=2**26)
    assert verify_password(f"{salt}:{key.hex()}", "s3cret-password")
    assert not verify_password(f"{salt}:{key.hex()}", "s3cret-passwore")
    assert not verify_password("not-a-hash", "anything")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "A", "email": "not-an-email", "password": "long enough"}, "email"),
        ({"name": "A", "email": "a@example.com", "password": "short"}, "password"),
        ({"name": "A", "email": "a@example.com", "password": "x" * 129}, "password"),
        ({"name": "", "email": "a@example.com", "password": "long enough"}, "name"),
        ({"email": "a@example.com", "password": "long enough"}, "name"),
        (
            {"name": "A", "email": "a@example.com", "password": "long enough", "preferredLocale": "en_US!"},
            "preferredLocale",
        ),
        (
            {"name": "A", "email": "a@example.com", "password": "long enough", "preferredLocale": "toolonglanguage"},
            "preferredLocale",
        ),
        ({"name": "A", "email": "a@example.com", "password": "long enough", "role": "admin"}, "role"),
    ],
)
async def test_sign_up_rejects_bad_input_naming_the_field(
    client: httpx.AsyncClient, payload: dict[str, str], field: str
) -> None:
    response = await client.post("/api/auth/sign-up", json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] in ("validation_failed", "invalid_input")
    assert field in [error["field"] for error in body["errors"]]


async def test_malformed_json_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/sign-in", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_duplicate_email_is_a_conflict(client: httpx.AsyncClient) -> None:
    await sign_up(client, "dup@example.com")
    response = await client.post(
        "/api/auth/sign-up", json={"name": "B", "email": "DUP@example.com", "password": "another password"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


async def test_sign_in_returns_a_better_auth_session(client: httpx.AsyncClient, db: AsyncSession) -> None:
    await sign_up(client, "bob@example.com", "bob's password")
    long = await client.post("/api/auth/sign-in", json={"email": "BOB@example.com", "password": "bob's password"})
    short = await client.post(
        "/api/auth/sign-in", json={"email": "bob@example.com", "password": "bob's password", "rememberMe": False}
    )
    assert long.status_code == 200, long.text
    assert short.status_code == 200
    assert TOKEN.match(long.json()["token"])
    sessions = {s.token: s for s in (await db.execute(select(UserSession))).scalars()}
    long_life = sessions[long.json()["token"]].expires_at - sessions[long.json()["token"]].created_at
    short_life = sessions[short.json()["token"]].expires_at - sessions[short.json()["token"]].created_at
    assert timedelta(days=6, hours=23) < long_life <= timedelta(days=7)
    assert timedelta(hours=23) < short_life <= timedelta(days=1)


async def test_unknown_email_and_wrong_password_look_the_same(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up(client, "carol@example.com", "carol's password")
    verified: list[str] = []

    def counting_verify(stored: str, password: str) -> bool:
        verified.append(stored)
        return verify_password(stored, password)

    monkeypatch.setattr(auth_repository, "verify_password", counting_verify)
    bodies = {}
    for kind, email in (("unknown", "nobody@example.com"), ("wrong", "carol@example.com")):
        response = await client.post("/api/auth/sign-in", json={"email": email, "password": "not the password"})
        assert response.status_code == 401
        body = response.json()
        bodies[kind] = (body["code"], body["detail"])
    assert bodies["unknown"] == bodies["wrong"] == ("invalid_credentials", "Invalid email or password.")
    # Both paths run exactly one scrypt verification (the unknown email against a dummy hash),
    # so they cost the same: no timing difference tells an attacker which emails exist.
    assert len(verified) == 2
    assert verified[0] == dummy_hash()
    assert verified[1] != dummy_hash()


async def test_a_sign_in_burst_runs_at_most_one_scrypt_per_core(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sign-ins beyond the core count queue for scrypt rather than oversubscribing the CPU."""
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
    body = {"email": "erin@example.com", "password": "erin's password"}
    burst = 4 * auth_repository.SCRYPT_THREADS + 2
    responses = await asyncio.gather(*(client.post("/api/auth/sign-in", json=body) for _ in range(burst)))
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
    response = await client.post("/api/auth/sign-in", json={"email": "nina@example.com", "password": "nina's password"})
    assert response.status_code == 200
    loop_niceness = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert loop_niceness < auth_repository.SCRYPT_NICENESS
    assert seen == [auth_repository.SCRYPT_NICENESS]


async def test_sign_out_ends_the_session(client: httpx.AsyncClient) -> None:
    token, _ = await sign_up(client, "dave@example.com")
    assert (await client.get("/api/auth/session", headers=bearer(token))).status_code == 200
    out = await client.post("/api/auth/sign-out", headers=bearer(token))
    assert out.status_code == 204
    after = await client.get("/api/auth/session", headers=bearer(token))
    assert after.status_code == 401
    assert after.json()["code"] == "invalid_session"


async def test_current_session_requires_authentication(client: httpx.AsyncClient) -> None:
    anonymous = await client.get("/api/auth/session")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthenticated"
    garbage = await client.get("/api/auth/session", headers=bearer("x" * 32))
    assert garbage.status_code == 401
    wrong_scheme = await client.get("/api/auth/session", headers={"Authorization": "Basic abc"})
    assert wrong_scheme.status_code == 401
    assert (await client.post("/api/auth/sign-out")).status_code == 401


async def test_signed_cookie_authenticates_and_a_forged_one_does_not(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    token, user = await sign_up(client, "erin@example.com")
    client.cookies.clear()
    good = await client.get(
        "/api/auth/session", headers={"cookie": f"{SESSION_COOKIE}={sign_session_token(token, settings.secret)}"}
    )
    assert good.status_code == 200, good.text
    assert good.json()["user"]["id"] == user["id"]
    forged = sign_session_token(token, "another-secret-another-secret-0000")
    bad = await client.get("/api/auth/session", headers={"cookie": f"{SESSION_COOKIE}={forged}"})
    assert bad.status_code == 401


async def test_session_slides_after_a_day_and_expired_sessions_end(client: httpx.AsyncClient, db: AsyncSession) -> None:
    token, _ = await sign_up(client, "fay@example.com", "fay's password")
    now = utcnow()
    # Two days into a 7-day session: the next request slides it to now + 7 days.
    await db.execute(
        update(UserSession)
        .where(UserSession.token == token)
        .values(expires_at=now + timedelta(days=5), updated_at=now - timedelta(days=2))
    )
    await db.commit()
    response = await client.get("/api/auth/session", headers=bearer(token))
    assert response.status_code == 200
    db.expunge_all()
    session = (await db.execute(select(UserSession).where(UserSession.token == token))).scalar_one()
    assert session.expires_at > now + timedelta(days=6, hours=23)

    await db.execute(
        update(UserSession).where(UserSession.token == token).values(expires_at=now - timedelta(seconds=1))
    )
    await db.commit()
    expired = await client.get("/api/auth/session", headers=bearer(token))
    assert expired.status_code == 401
    assert expired.json()["code"] == "session_expired"
    # the next sign-in purges the user's expired sessions
    again = await client.post("/api/auth/sign-in", json={"email": "fay@example.com", "password": "fay's password"})
    assert again.status_code == 200, again.text
    db.expunge_all()
    assert (await db.execute(select(UserSession).where(UserSession.token == token))).first() is None


async def test_a_fresh_or_short_session_does_not_slide(client: httpx.AsyncClient, db: AsyncSession) -> None:
    await sign_up(client, "gus@example.com", "gus password!")
    short = await client.post(
        "/api/auth/sign-in", json={"email": "gus@example.com", "password": "gus password!", "rememberMe": False}
    )
    token = short.json()["token"]
    before = (await db.execute(select(UserSession.expires_at).where(UserSession.token == token))).scalar_one()
    assert (await client.get("/api/auth/session", headers=bearer(token))).status_code == 200
    db.expunge_all()
    after = (await db.execute(select(UserSession.expires_at).where(UserSession.token == token))).scalar_one()
    assert after == before


async def test_banned_users_cannot_sign_in_or_use_sessions_until_the_ban_expires(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    token, user = await sign_up(client, "hal@example.com", "hal's password")
    await db.execute(update(User).where(User.id == user["id"]).values(banned=True, ban_reason="spam"))
    await db.commit()
    refused = await client.post("/api/auth/sign-in", json={"email": "hal@example.com", "password": "hal's password"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "user_banned"
    used = await client.get("/api/auth/session", headers=bearer(token))
    assert used.status_code == 403
    assert used.json()["code"] == "user_banned"
    # a wrong password still says nothing about the ban
    wrong = await client.post("/api/auth/sign-in", json={"email": "hal@example.com", "password": "not hal's pw"})
    assert wrong.status_code == 401

    await db.execute(update(User).where(User.id == user["id"]).values(ban_expires=utcnow() - timedelta(minutes=1)))
    await db.commit()
    lifted = await client.post("/api/auth/sign-in", json={"email": "hal@example.com", "password": "hal's password"})
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["user"]["banned"] is False
    db.expunge_all()
    row = (await db.execute(select(User).where(User.id == user["id"]))).scalar_one()
    assert (row.banned, row.ban_reason, row.ban_expires) == (False, None, None)
