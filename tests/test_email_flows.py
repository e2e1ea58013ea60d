"""The email flows end to end on the Better Auth face, on SQLite and PostgreSQL: a real SMTP server
receives every message, and each test follows the link inside it."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.api.dependencies import DATABASE_STATE_KEY
from app.config import Settings
from app.db.models import User, Verification
from app.domain.email_tokens import EmailRequest, create_email_token
from tests.email_helpers import (
    AUTH,
    BASE,
    NEW_PASSWORD,
    PASSWORD,
    delivered,
    follow,
    service,
    session_of,
    sign_in,
    sign_up,
    smtp,
)
from tests.helpers import PASSWORDS, TEST_SECRET, bearer
from tests.smtp_server import SmtpServer, remember

__all__ = ("smtp",)  # the fixture

# --- password reset ---------------------------------------------------------------------------


async def test_a_reset_link_leads_to_a_new_password_and_ends_every_session(
    settings: Settings, smtp: SmtpServer
) -> None:
    async with service(settings, smtp) as (client, app):
        first = (await sign_up(client, "ada@example.com"))["token"]
        second = (await sign_in(client, "ada@example.com")).json()["token"]
        asked = await client.post(
            "/api/auth/request-password-reset", json={"email": "Ada@example.com", "redirectTo": "/reset"}
        )
        assert (asked.status_code, asked.json()) == (
            200,
            {"status": True, "message": "If this email exists in our system, check your email for the reset link"},
        )
        await delivered(app)
        message = smtp.inbox.only("ada@example.com")
        assert message.subject == "Reset your password"
        assert message.link == f"{AUTH}/reset-password/{message.token}?callbackURL=%2Freset"

        opened = await follow(client, message)
        assert opened.status_code == 302
        assert opened.headers["location"] == f"{BASE}/reset?token={message.token}"

        reset = await client.post(
            "/api/auth/reset-password", json={"newPassword": NEW_PASSWORD, "token": message.token}
        )
        assert (reset.status_code, reset.json()) == (200, {"status": True})
        assert await session_of(client, first) is None
        assert await session_of(client, second) is None
        assert (await sign_in(client, "ada@example.com")).status_code == 401
        assert (await sign_in(client, "ada@example.com", NEW_PASSWORD)).status_code == 200

        again = await client.post("/api/auth/reset-password", json={"newPassword": PASSWORD, "token": message.token})
        assert (again.status_code, again.json()["code"]) == (400, "INVALID_TOKEN")
        reopened = await follow(client, message)
        assert reopened.headers["location"] == f"{BASE}/reset?error=INVALID_TOKEN"


def statements_in_task(engine: AsyncEngine) -> tuple[list[str], Any]:
    """Statements run by the current task (the request; background jobs run in tasks of their own)."""
    seen: list[str] = []
    task = asyncio.current_task()

    def record(*args: Any) -> None:
        if asyncio.current_task() is task:
            seen.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_reset_for_an_unknown_email_is_indistinguishable(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp) as (client, app):
        await sign_up(client, "known@example.com")
        answers = []
        for email in ("known@example.com", "unknown@example.com"):
            engine: AsyncEngine = app.state[DATABASE_STATE_KEY].get_engine()
            seen, stop = statements_in_task(engine)
            response = await client.post("/api/auth/request-password-reset", json={"email": email})
            stop()
            answers.append((response.status_code, response.content, sorted(response.headers.keys()), seen))
        assert answers[0] == answers[1]
        assert answers[0][3] == []  # the request itself reads nothing: the lookup happens after the response
        await delivered(app)
        assert len(smtp.inbox.to("known@example.com")) == 1
        assert smtp.inbox.to("unknown@example.com") == []


async def test_expired_used_tampered_and_foreign_reset_tokens_are_invalid(
    settings: Settings, smtp: SmtpServer, db: AsyncSession
) -> None:
    async with service(settings, smtp, reset_lifetime_seconds=3600) as (client, app):
        await sign_up(client, "ada@example.com")
        for _ in range(2):
            await client.post("/api/auth/request-password-reset", json={"email": "ada@example.com"})
        await delivered(app)
        first, second = (m.token for m in smtp.inbox.to("ada@example.com"))
        await db.execute(
            update(Verification)
            .where(Verification.identifier == f"reset-password:{first}")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await db.commit()
        tampered = second[:-1] + ("a" if second[-1] != "a" else "b")
        foreign = "Q" * 24
        for token in (first, tampered, foreign, "../" + second):
            refused = await client.post("/api/auth/reset-password", json={"newPassword": NEW_PASSWORD, "token": token})
            assert (refused.status_code, refused.json()["code"]) == (400, "INVALID_TOKEN"), token
        missing = await client.post("/api/auth/reset-password", json={"newPassword": NEW_PASSWORD})
        assert (missing.status_code, missing.json()["code"]) == (400, "INVALID_TOKEN")
        short = await client.post("/api/auth/reset-password", json={"newPassword": "short", "token": second})
        assert (short.status_code, short.json()["code"]) == (400, "PASSWORD_TOO_SHORT")
        ok = await client.post("/api/auth/reset-password", json={"newPassword": NEW_PASSWORD, "token": second})
        assert ok.status_code == 200


async def test_a_reset_link_with_an_untrusted_callback_is_refused(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp) as (client, _):
        untrusted = await client.post(
            "/api/auth/request-password-reset", json={"email": "a@example.com", "redirectTo": "https://evil.example/x"}
        )
        assert (untrusted.status_code, untrusted.json()["code"]) == (403, "INVALID_REDIRECT_URL")
        opened = await client.get("/api/auth/reset-password/abc?callbackURL=https://evil.example/")
        assert (opened.status_code, opened.json()["code"]) == (403, "INVALID_CALLBACK_URL")
        no_callback = await client.get("/api/auth/reset-password/abc")
        assert (no_callback.status_code, no_callback.json()["code"]) == (400, "VALIDATION_ERROR")


# --- email verification -----------------------------------------------------------------------


async def test_a_verification_link_verifies_the_email(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp) as (client, app):
        token = (await sign_up(client, "ada@example.com"))["token"]
        await delivered(app)
        assert smtp.inbox.to("ada@example.com") == []  # off by default on sign-up
        asked = await client.post(
            "/api/auth/send-verification-email", json={"email": "ada@example.com", "callbackURL": "/welcome"}
        )
        assert (asked.status_code, asked.json()) == (200, {"status": True})
        await delivered(app)
        message = smtp.inbox.only("ada@example.com")
        assert message.subject == "Verify your email address"
        assert message.link == f"{AUTH}/verify-email?token={message.token}&callbackURL=%2Fwelcome"
        opened = await follow(client, message)
        assert (opened.status_code, opened.headers["location"]) == (302, "/welcome")
        session = await session_of(client, token)
        assert session is not None
        assert session["user"]["emailVerified"] is True
        # Following it again changes nothing and still succeeds (Better Auth's tokens are not single-use).
        assert (await follow(client, message)).status_code == 302


async def test_sign_up_sends_the_link_in_the_users_language(
    settings: Settings, smtp: SmtpServer, db: AsyncSession
) -> None:
    async with service(settings, smtp, verification_on_sign_up=True) as (client, app):
        await sign_up(client, "ada@example.com")
        await delivered(app)
        assert smtp.inbox.only("ada@example.com").subject == "Verify your email address"
        await db.execute(update(User).where(User.email == "ada@example.com").values(preferred_locale="fr-CA"))
        await db.commit()
        await client.post("/api/auth/send-verification-email", json={"email": "ada@example.com"})
        await delivered(app)
        french = smtp.inbox.to("ada@example.com")[1]
        assert french.subject == "Vérifiez votre adresse e-mail"
        assert french.message["Content-Language"] == "fr"
        assert "Bonjour Ada" in french.part("plain")
        assert "Bonjour Ada" in french.part("html")


async def test_required_verification_refuses_sign_in_and_mails_a_new_link(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp, require_verification=True, verification_on_sign_up=True) as (client, app):
        signed_up = await sign_up(client, "ada@example.com")
        assert signed_up["token"] is None  # Better Auth does not sign in an unverified user
        refused = await sign_in(client, "ada@example.com")
        assert (refused.status_code, refused.json()["code"]) == (403, "EMAIL_NOT_VERIFIED")
        assert "set-cookie" not in refused.headers
        await delivered(app)
        _on_sign_up, on_sign_in = smtp.inbox.to("ada@example.com")
        wrong = await sign_in(client, "ada@example.com", "not the password at all")
        assert wrong.status_code == 401
        await delivered(app)
        assert len(smtp.inbox.to("ada@example.com")) == 2  # a wrong password mails nothing
        followed = await follow(client, on_sign_in)
        assert (followed.status_code, followed.headers["location"]) == (302, "/")  # Better Auth's default callbackURL
        assert (await sign_in(client, "ada@example.com")).status_code == 200


async def test_auto_sign_in_after_verification_sets_a_session_cookie(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp, auto_sign_in_after_verification=True) as (client, app):
        await sign_up(client, "ada@example.com")
        await client.post("/api/auth/send-verification-email", json={"email": "ada@example.com"})
        await delivered(app)
        opened = await follow(client, smtp.inbox.only("ada@example.com"))
        assert (opened.status_code, opened.headers["location"]) == (302, "/")
        token = opened.headers["set-auth-token"]
        session = await session_of(client, token)
        assert session is not None
        assert (session["user"]["email"], session["user"]["emailVerified"]) == ("ada@example.com", True)


async def test_bad_verification_tokens_get_better_auths_codes(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp) as (client, _):
        user_id = (await sign_up(client, "ada@example.com"))["user"]["id"]
        valid = create_email_token(TEST_SECRET, "ada@example.com", user_id=user_id)
        cases = {
            "TOKEN_EXPIRED": create_email_token(
                TEST_SECRET, "ada@example.com", user_id=user_id, now=datetime.now(UTC) - timedelta(hours=2)
            ),
            "INVALID_TOKEN": valid[:-3] + ("AAA" if not valid.endswith("AAA") else "BBB"),
        }
        foreign_secret = create_email_token("another-secret-0123456789-0123456789-x", "ada@example.com")
        someone_elses = create_email_token(TEST_SECRET, "ada@example.com", user_id="another-user-id")
        unknown = create_email_token(TEST_SECRET, "nobody@example.com")
        for token in (*cases.values(), foreign_secret, someone_elses, unknown):
            remember(token)
        expected = {**cases, "INVALID_TOKEN_SECRET": foreign_secret, "INVALID_TOKEN_USER": someone_elses}
        for label, token in expected.items():
            code = label.split("_SECRET")[0].split("_USER")[0]
            plain = await client.get("/api/auth/verify-email", params={"token": token})
            assert (plain.status_code, plain.json()["code"]) == (401, code), label
            redirected = await client.get("/api/auth/verify-email", params={"token": token, "callbackURL": "/done"})
            assert (redirected.status_code, redirected.headers["location"]) == (302, f"/done?error={code}"), label
        missing_user = await client.get("/api/auth/verify-email", params={"token": unknown})
        assert (missing_user.status_code, missing_user.json()["code"]) == (401, "USER_NOT_FOUND")
        me = await session_of(client, (await sign_in(client, "ada@example.com")).json()["token"])
        assert me is not None
        assert me["user"]["emailVerified"] is False


async def test_a_signed_in_user_asks_for_their_own_link_only(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp) as (client, app):
        token = (await sign_up(client, "ada@example.com"))["token"]
        other = await client.post(
            "/api/auth/send-verification-email", headers=bearer(token), json={"email": "b@example.com"}
        )
        assert (other.status_code, other.json()["code"]) == (400, "EMAIL_MISMATCH")
        mine = await client.post(
            "/api/auth/send-verification-email", headers=bearer(token), json={"email": "ada@example.com"}
        )
        assert mine.status_code == 200
        await delivered(app)
        await follow(client, smtp.inbox.only("ada@example.com"))
        again = await client.post(
            "/api/auth/send-verification-email", headers=bearer(token), json={"email": "ada@example.com"}
        )
        assert (again.status_code, again.json()["code"]) == (400, "EMAIL_ALREADY_VERIFIED")


# --- email change -----------------------------------------------------------------------------


async def test_an_email_changes_only_when_the_link_to_the_new_address_is_followed(
    settings: Settings, smtp: SmtpServer
) -> None:
    async with service(settings, smtp) as (client, app):
        token = (await sign_up(client, "ada@example.com"))["token"]
        asked = await client.post(
            "/api/auth/change-email",
            headers=bearer(token),
            json={"newEmail": "Ada.New@example.com", "callbackURL": "/settings"},
        )
        assert (asked.status_code, asked.json()) == (200, {"status": True})
        await delivered(app)
        assert smtp.inbox.to("ada@example.com") == []
        message = smtp.inbox.only("ada.new@example.com")
        assert message.subject == "Confirm your new email address"
        session = await session_of(client, token)
        assert session is not None
        assert session["user"]["email"] == "ada@example.com"  # nothing changes before the link is followed
        opened = await follow(client, message)
        assert (opened.status_code, opened.headers["location"]) == (302, "/settings")
        session = await session_of(client, token)
        assert session is not None
        assert session["user"]["email"] == "ada.new@example.com"
        reused = await follow(client, message)
        assert reused.headers["location"] == "/settings?error=INVALID_TOKEN"


async def test_an_email_change_to_a_taken_address_sends_nothing(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp) as (client, app):
        token = (await sign_up(client, "ada@example.com"))["token"]
        await sign_up(client, "taken@example.com")
        asked = await client.post(
            "/api/auth/change-email", headers=bearer(token), json={"newEmail": "taken@example.com"}
        )
        assert (asked.status_code, asked.json()) == (200, {"status": True})
        same = await client.post("/api/auth/change-email", headers=bearer(token), json={"newEmail": "ADA@example.com"})
        assert (same.status_code, same.json()) == (400, {"message": "Email is the same"})
        anonymous = await client.post("/api/auth/change-email", json={"newEmail": "x@example.com"})
        assert anonymous.status_code == 401
        await delivered(app)
        assert smtp.inbox.received == []


async def test_a_change_confirmed_while_the_address_was_taken_meanwhile_fails_cleanly(
    settings: Settings, smtp: SmtpServer
) -> None:
    async with service(settings, smtp) as (client, app):
        token = (await sign_up(client, "ada@example.com"))["token"]
        await client.post("/api/auth/change-email", headers=bearer(token), json={"newEmail": "new@example.com"})
        await delivered(app)
        message = smtp.inbox.only("new@example.com")
        await sign_up(client, "new@example.com")
        opened = await follow(client, message)
        assert (opened.status_code, opened.headers["location"]) == (
            302,
            "/?error=USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
        )
        token_only = await client.get("/api/auth/verify-email", params={"token": message.token})
        assert (token_only.status_code, token_only.json()["code"]) == (401, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
        session = await session_of(client, token)
        assert session is not None
        assert session["user"]["email"] == "ada@example.com"


async def test_better_auths_two_step_change_tokens_work_here(
    settings: Settings, smtp: SmtpServer, db: AsyncSession
) -> None:
    """``change-email-confirmation`` (sent by Better Auth to the current address with
    ``sendChangeEmailConfirmation``): following it mails the new address; that link changes the email."""
    async with service(settings, smtp) as (client, app):
        user_id = (await sign_up(client, "ada@example.com"))["user"]["id"]
        confirmation = create_email_token(
            TEST_SECRET,
            "ada@example.com",
            user_id=user_id,
            update_to="next@example.com",
            request_type=EmailRequest.CHANGE_EMAIL_CONFIRMATION,
        )
        remember(confirmation)
        opened = await client.get("/api/auth/verify-email", params={"token": confirmation})
        assert (opened.status_code, opened.json()) == (200, {"status": True})
        await delivered(app)
        assert (await follow(client, smtp.inbox.only("next@example.com"))).status_code == 302
        email = (await db.execute(select(User.email).where(User.id == user_id))).scalar_one()
        assert email == "next@example.com"


# --- abuse limits and secrets -----------------------------------------------------------------


async def test_mail_endpoints_are_rate_limited_per_email_and_per_address(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp, rate_limit_per_email=2, rate_limit_per_address=5) as (client, app):
        token = (await sign_up(client, "ada@example.com"))["token"]
        statuses = [
            (await client.post("/api/auth/request-password-reset", json={"email": "ada@example.com"})).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        other = await client.post("/api/auth/send-verification-email", json={"email": "bob@example.com"})
        assert other.status_code == 200  # another email has its own counter
        others = [
            (await client.post("/api/auth/send-verification-email", json={"email": f"u{n}@example.com"})).status_code
            for n in range(3)
        ]
        assert others == [200, 429, 429]  # from the address's 6th mail-sending request on
        change = await client.post("/api/auth/change-email", headers=bearer(token), json={"newEmail": "z@example.com"})
        assert change.status_code == 429
        await delivered(app)
        assert len(smtp.inbox.to("ada@example.com")) == 2


async def test_a_failed_send_never_fails_the_request(settings: Settings, smtp: SmtpServer) -> None:
    smtp.refuse(100)
    async with service(settings, smtp, send_attempts=2) as (client, app):
        await sign_up(client, "ada@example.com")
        asked = await client.post("/api/auth/request-password-reset", json={"email": "ada@example.com"})
        assert asked.status_code == 200
        await delivered(app)
        assert smtp.handler.attempts == 2
        assert smtp.inbox.received == []


async def test_concurrent_resets_with_one_mailed_token_succeed_once(settings: Settings, smtp: SmtpServer) -> None:
    async with service(settings, smtp) as (client, app):
        await sign_up(client, "ada@example.com")
        await client.post("/api/auth/request-password-reset", json={"email": "ada@example.com"})
        await delivered(app)
        token = smtp.inbox.only("ada@example.com").token
        passwords = [f"racing passphrase {n}" for n in range(6)]
        PASSWORDS.update(passwords)
        responses = await asyncio.gather(
            *(client.post("/api/auth/reset-password", json={"newPassword": p, "token": token}) for p in passwords)
        )
        assert sorted(r.status_code for r in responses) == [200] + [400] * 5
        assert {r.json().get("code") for r in responses if r.status_code == 400} == {"INVALID_TOKEN"}
        [winner] = [p for p, r in zip(passwords, responses, strict=True) if r.status_code == 200]
        assert (await sign_in(client, "ada@example.com", winner)).status_code == 200


async def test_without_smtp_url_messages_land_in_the_local_outbox(
    settings: Settings, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.mail")
    async with service(settings, smtp, smtp_url=None) as (client, app):
        await sign_up(client, "ada@example.com")
        await client.post("/api/auth/request-password-reset", json={"email": "ada@example.com"})
        await delivered(app)
    assert smtp.inbox.received == []
    [path] = settings.mail.outbox_dir.glob("*.eml")
    saved = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert saved["To"] == "ada@example.com"
    [notice] = [r for r in caplog.records if r.name == "app.mail.outbox"]
    assert str(path) in notice.getMessage()
    assert f"{AUTH}/reset-password/" in notice.getMessage()
    remember(notice.getMessage().rsplit("(link: ", 1)[1].rstrip(")"))
