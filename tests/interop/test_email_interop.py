"""Email tokens cross between this service and a real Better Auth 1.7 sharing the database and the
secret: reset tokens and verification links minted on either side work on the other, and the
``emailVerified`` state written by one is read by the other."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db.models import User, Verification
from tests.email_helpers import NEW_PASSWORD, PASSWORD, delivered, service, session_of, sign_in, sign_up, smtp
from tests.interop.tools import better_auth
from tests.smtp_server import SmtpServer, remember

__all__ = ("smtp",)  # the fixture


@pytest.fixture
def ba(node_tools: Path, migrated_url: str, engine: object) -> Any:
    """``ba(command, **arguments)``: Better Auth on the test database (emptied after the test)."""

    def run(command: str, **arguments: Any) -> Any:
        return better_auth(node_tools, migrated_url, command, **arguments)

    return run


def ba_http(ba: Any, path: str, **arguments: Any) -> dict[str, Any]:
    """One request to Better Auth's handler; every token it mailed is remembered as a secret."""
    result: dict[str, Any] = ba("http", path=path, **arguments)
    for mail in result["mail"]:
        remember(mail["token"])
        remember(mail["url"])
    return result


async def test_a_reset_token_minted_here_works_on_better_auth(settings: Settings, smtp: SmtpServer, ba: Any) -> None:
    async with service(settings, smtp) as (client, app):
        await sign_up(client, "ada@example.com")
        await client.post("/api/auth/request-password-reset", json={"email": "ada@example.com"})
        await delivered(app)
        token = smtp.inbox.only("ada@example.com").token
    reset = ba_http(ba, "/reset-password", body={"newPassword": NEW_PASSWORD, "token": token})
    assert (reset["status"], reset["body"]) == (200, {"status": True})
    assert ba("signIn", email="ada@example.com", password=NEW_PASSWORD)["status"] == 200
    again = ba_http(ba, "/reset-password", body={"newPassword": PASSWORD, "token": token})
    assert (again["status"], again["body"]["code"]) == (400, "INVALID_TOKEN")


async def test_a_reset_token_minted_by_better_auth_works_here(
    settings: Settings, smtp: SmtpServer, ba: Any, db: AsyncSession
) -> None:
    ba("signUp", email="grace@example.com", password=PASSWORD, name="Grace")
    asked = ba_http(ba, "/request-password-reset", body={"email": "grace@example.com", "redirectTo": "/reset"})
    [mail] = asked["mail"]
    stored = (await db.execute(select(Verification.identifier))).scalar_one()
    assert stored == f"reset-password:{mail['token']}"
    async with service(settings, smtp) as (client, _):
        opened = await client.get(f"/api/auth/reset-password/{mail['token']}", params={"callbackURL": "/reset"})
        assert opened.headers["location"].endswith(f"/reset?token={mail['token']}")
        reset = await client.post(
            "/api/auth/reset-password", json={"newPassword": NEW_PASSWORD, "token": mail["token"]}
        )
        assert reset.status_code == 200, reset.text
        assert (await sign_in(client, "grace@example.com", NEW_PASSWORD)).status_code == 200
    assert ba("signIn", email="grace@example.com", password=NEW_PASSWORD)["status"] == 200


async def test_a_verification_link_minted_here_works_on_better_auth(
    settings: Settings, smtp: SmtpServer, ba: Any
) -> None:
    async with service(settings, smtp) as (client, app):
        await sign_up(client, "ada@example.com")
        await client.post("/api/auth/send-verification-email", json={"email": "ada@example.com"})
        await delivered(app)
        message = smtp.inbox.only("ada@example.com")
        query = parse_qs(urlsplit(message.link).query)
        verified = ba_http(ba, "/verify-email", method="GET", query={"token": message.token})
        assert (verified["status"], verified["body"]) == (200, {"status": True, "user": None})
        assert query["callbackURL"] == ["/"]
        # Set by Better Auth, seen here.
        token = (await sign_in(client, "ada@example.com")).json()["token"]
        session = await session_of(client, token)
        assert session is not None
        assert session["user"]["emailVerified"] is True


async def test_a_verification_link_minted_by_better_auth_works_here(
    settings: Settings, smtp: SmtpServer, ba: Any
) -> None:
    ba("signUp", email="grace@example.com", password=PASSWORD, name="Grace")
    before = ba_http(ba, "/get-session", method="GET", email="grace@example.com", password=PASSWORD)
    assert before["body"]["user"]["emailVerified"] is False
    asked = ba_http(ba, "/send-verification-email", body={"email": "grace@example.com", "callbackURL": "/ok"})
    [mail] = asked["mail"]
    async with service(settings, smtp) as (client, _):
        link = urlsplit(mail["url"])
        opened = await client.get(f"{link.path}?{link.query}")
        assert (opened.status_code, opened.headers["location"]) == (302, "/ok")
    # Set here, seen by Better Auth.
    after = ba_http(ba, "/get-session", method="GET", email="grace@example.com", password=PASSWORD)
    assert after["body"]["user"]["emailVerified"] is True


async def test_email_changes_cross_both_ways(settings: Settings, smtp: SmtpServer, ba: Any, db: AsyncSession) -> None:
    # Better Auth mints the change (to the new address); this service completes it.
    created = ba("signUp", email="grace@example.com", password=PASSWORD, name="Grace")
    asked = ba_http(
        ba, "/change-email", body={"newEmail": "grace.new@example.com"}, email="grace@example.com", password=PASSWORD
    )
    [mail] = asked["mail"]
    assert mail["to"] == "grace.new@example.com"
    async with service(settings, smtp) as (client, app):
        opened = await client.get("/api/auth/verify-email", params={"token": mail["token"]})  # no callbackURL: JSON
        assert opened.status_code == 200, opened.text
        assert opened.json()["user"]["email"] == "grace.new@example.com"
        # This service mints the next change; Better Auth completes it.
        token = (await sign_in(client, "grace.new@example.com")).json()["token"]
        await client.post(
            "/api/auth/change-email",
            headers={"Authorization": f"Bearer {token}"},
            json={"newEmail": "grace3@example.com"},
        )
        await delivered(app)
        message = smtp.inbox.only("grace3@example.com")
    done = ba_http(ba, "/verify-email", method="GET", query={"token": message.token})
    assert done["status"] == 200, done
    email = (await db.execute(select(User.email).where(User.id == created["userId"]))).scalar_one()
    assert email == "grace3@example.com"
