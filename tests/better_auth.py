"""Helpers of the Better Auth face's tests: callers signed up through ``sign-up/email``, and calls
made the way the official client makes them (bearer, or the signed cookie with an Origin)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db.models import User, UserSession
from app.domain.cookies import SESSION_COOKIE, sign_session_token
from tests.helpers import PASSWORDS, bearer

PASSWORD = "better auth password"
PASSWORDS.add(PASSWORD)
ORIGIN = "http://testserver"
BASE = "/api/auth"


@dataclass(frozen=True)
class Caller:
    token: str
    user: dict[str, Any]
    signed: str
    """``set-auth-token``: the signed token the client keeps in bearer mode."""

    @property
    def id(self) -> str:
        return str(self.user["id"])

    @property
    def email(self) -> str:
        return str(self.user["email"])

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)

    def cookie(self, settings: Settings) -> dict[str, str]:
        return {"cookie": f"{SESSION_COOKIE}={sign_session_token(self.token, settings.secret)}", "origin": ORIGIN}


async def join(client: httpx.AsyncClient, name: str, *, email: str | None = None) -> Caller:
    """A new user, signed up and signed in through Better Auth's ``sign-up/email``."""
    address = email or f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    response = await client.post(f"{BASE}/sign-up/email", json={"name": name, "email": address, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return Caller(response.json()["token"], response.json()["user"], response.headers["set-auth-token"])


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    caller: Caller | None = None,
    body: Any = None,
    **params: Any,
) -> httpx.Response:
    """``method /api/auth<path>`` as ``caller`` (bearer), with a JSON body or query parameters."""
    headers = caller.headers if caller else {}
    if method == "GET":
        return await client.get(f"{BASE}{path}", headers=headers, params=params)
    return await client.request(method, f"{BASE}{path}", headers=headers, json=body)


def outcome(response: httpx.Response) -> tuple[int, str | None]:
    """(status, Better Auth code) of an error response (code None when the body has none)."""
    body = response.json() if response.content else {}
    return response.status_code, body.get("code") if isinstance(body, dict) else None


async def make_admin(db: AsyncSession, caller: Caller) -> None:
    await db.execute(update(User).where(User.id == caller.id).values(role="admin"))
    await db.commit()


async def verify_email(db: AsyncSession, caller: Caller) -> None:
    await db.execute(update(User).where(User.id == caller.id).values(email_verified=True))
    await db.commit()


async def age_session(db: AsyncSession, caller: Caller, **changes: Any) -> None:
    await db.execute(update(UserSession).where(UserSession.token == caller.token).values(**changes))
    await db.commit()


async def organization(client: httpx.AsyncClient, owner: Caller, slug: str | None = None) -> dict[str, Any]:
    """A new organization of ``owner`` (it and its default team become the owner's active ones)."""
    name = slug or f"org-{uuid.uuid4().hex[:8]}"
    response = await call(client, "POST", "/organization/create", owner, {"name": name.title(), "slug": name})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def member_of(client: httpx.AsyncClient, owner: Caller, org: dict[str, Any], user: Caller, role: str) -> str:
    """Invite ``user`` into ``org`` with ``role`` and accept; the new member's id."""
    invited = await call(
        client,
        "POST",
        "/organization/invite-member",
        owner,
        {"email": user.email, "role": role, "organizationId": org["id"]},
    )
    assert invited.status_code == 200, invited.text
    accepted = await call(
        client, "POST", "/organization/accept-invitation", user, {"invitationId": invited.json()["id"]}
    )
    assert accepted.status_code == 200, accepted.text
    return str(accepted.json()["member"]["id"])
