"""Mail delivery against a real SMTP server (aiosmtpd on loopback): plain, STARTTLS with login,
implicit TLS; bounded retries; the local outbox; messages in the user's language; after-commit."""

from __future__ import annotations

import logging
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import ConfigurationError, MailSettings
from app.log import SHOWN_AS_WRITTEN, RedactSecrets
from app.mail.catalog import Kind, resolve_locale
from app.mail.compose import OutgoingMail, compose
from app.mail.postman import OUTBOX_NOTICE, Postman
from app.mail.transports import OutboxTransport, SmtpTransport, transport_for
from tests.helpers import recording_logs
from tests.smtp_server import remember, running_smtp_server

LINK = "http://127.0.0.1:3000/api/auth/verify-email?token=eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl&callbackURL=%2F"
remember("eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl")


def mail(to: str = "ada@example.com", *, kind: Kind = Kind.VERIFY_EMAIL, locale: str | None = None) -> OutgoingMail:
    return compose(
        kind,
        sender="Acme <no-reply@acme.test>",
        to=to,
        name="Ada <Lovelace>",
        link=LINK,
        locale=locale,
        lifetime=timedelta(hours=1),
        new_email="new@example.com",
    )


def test_a_message_has_a_text_and_an_html_part_with_the_same_link() -> None:
    message = mail().message
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert LINK in plain.get_content()
    html_text = html.get_content()
    assert f'href="{LINK.replace("&", "&amp;")}"' in html_text
    assert "Ada &lt;Lovelace&gt;" in html_text  # names are escaped, never markup
    assert message["To"] == "ada@example.com"
    assert message["From"] == "Acme <no-reply@acme.test>"
    assert message["Message-ID"].endswith("@acme.test>")


@pytest.mark.parametrize(
    ("preferred", "language", "subject"),
    [
        ("fr", "fr", "Vérifiez votre adresse e-mail"),
        ("fr-CA", "fr", "Vérifiez votre adresse e-mail"),
        ("en-GB", "en", "Verify your email address"),
        ("de", "en", "Verify your email address"),
        (None, "en", "Verify your email address"),
    ],
)
def test_the_language_follows_the_preferred_locale_with_english_as_fallback(
    preferred: str | None, language: str, subject: str
) -> None:
    assert resolve_locale(preferred) == language
    message = mail(locale=preferred).message
    assert (message["Subject"], message["Content-Language"]) == (subject, language)


def test_every_kind_has_every_language() -> None:
    for kind in Kind:
        for locale in ("en", "fr"):
            message = mail(kind=kind, locale=locale).message
            assert message["Subject"]
            assert LINK in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    change = mail(kind=Kind.CHANGE_EMAIL, locale="fr").message
    assert "new@example.com" in change.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


async def test_smtp_delivers_a_message() -> None:
    with running_smtp_server() as server:
        postman = Postman(SmtpTransport.from_url(server.url))
        postman.send(mail())
        await postman.drain()
        received = server.inbox.only("ada@example.com")
    assert received.sender == "no-reply@acme.test"
    assert received.subject == "Verify your email address"
    assert received.link == LINK
    assert "Ada <Lovelace>" in received.part("plain")


async def test_smtp_upgrades_with_starttls_and_logs_in_with_decoded_credentials() -> None:
    user, password = "mail user", "p@ss:w/rd%"
    with running_smtp_server(tls="starttls", credentials=(user, password)) as server:
        url = server.url.replace(f"{user}:{password}@", f"{quote(user)}:{quote(password, safe='')}@")
        postman = Postman(SmtpTransport.from_url(url, tls_context=server.client_tls))
        postman.send(mail())
        await postman.drain()
        received = server.inbox.only("ada@example.com")
    assert received.encrypted


async def test_smtps_speaks_tls_from_the_start() -> None:
    with running_smtp_server(tls="implicit") as server:
        transport = SmtpTransport.from_url(server.url, tls_context=server.client_tls)
        assert transport.implicit_tls
        postman = Postman(transport)
        postman.send(mail())
        await postman.drain()
        assert server.inbox.only("ada@example.com").encrypted


async def test_a_refused_message_is_retried_and_the_log_never_has_the_link() -> None:
    with running_smtp_server() as server, recording_logs("app.mail") as logs:
        server.refuse(2)
        postman = Postman(SmtpTransport.from_url(server.url), attempts=3, retry_delay=0.01)
        postman.send(mail())
        await postman.drain()
        server.inbox.only("ada@example.com")
        assert server.handler.attempts == 3
    warnings = [r for r in logs.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("451" in r.getMessage() for r in warnings)
    assert not any(LINK in r.getMessage() or "token" in r.getMessage() for r in logs.records)


async def test_delivery_gives_up_after_the_bounded_attempts() -> None:
    with running_smtp_server() as server, recording_logs("app.mail") as logs:
        server.refuse(10)
        postman = Postman(SmtpTransport.from_url(server.url), attempts=3, retry_delay=0.01)
        postman.send(mail())
        await postman.drain()
        assert server.inbox.to("ada@example.com") == []
        assert server.handler.attempts == 3
    [error] = [r for r in logs.records if r.levelno == logging.ERROR]
    assert "not sent after 3 attempt(s)" in error.getMessage()
    assert LINK not in error.getMessage()


async def test_an_unreachable_server_is_logged_not_raised() -> None:
    with running_smtp_server() as server:
        url = server.url
    with recording_logs("app.mail") as logs:  # the server is stopped: connections are refused
        postman = Postman(SmtpTransport.from_url(url), attempts=2, retry_delay=0.01)
        postman.send(mail())
        await postman.drain()
    assert [r.levelno for r in logs.records] == [logging.WARNING, logging.ERROR]


async def test_the_local_outbox_writes_an_eml_file_and_logs_its_path_and_link(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.mail")
    outbox = tmp_path / "mail"
    with recording_logs("app.mail") as logs:
        postman = Postman(OutboxTransport(outbox))
        postman.send(mail(locale="fr"))
        await postman.drain()
    [path] = outbox.glob("*.eml")
    assert not list(outbox.glob("*.partial"))
    saved = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(saved, EmailMessage)
    assert saved["Subject"] == "Vérifiez votre adresse e-mail"
    assert LINK in saved.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    [notice] = logs.records
    assert (notice.name, notice.msg) == ("app.mail.outbox", OUTBOX_NOTICE)
    assert str(path) in notice.getMessage()
    assert LINK in notice.getMessage()
    # The console filter leaves this one record's link clickable, and only because it is marked.
    assert getattr(notice, SHOWN_AS_WRITTEN)
    assert RedactSecrets().filter(notice)
    assert LINK in notice.getMessage()
    unmarked = logging.LogRecord("app", logging.INFO, __file__, 1, "see %s", (LINK,), None)
    RedactSecrets().filter(unmarked)
    assert "c2lnbmF0dXJl" not in unmarked.getMessage()


async def test_no_link_is_logged_for_smtp_or_when_links_are_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.mail")
    with running_smtp_server() as server, recording_logs("app.mail") as logs:
        postman = Postman(SmtpTransport.from_url(server.url))
        postman.send(mail())
        quiet = Postman(OutboxTransport(tmp_path), log_links=False)
        quiet.send(mail())
        await postman.drain()
        await quiet.drain()
    assert len(logs.records) == 2
    assert not any(LINK in r.getMessage() for r in logs.records)
    assert not any(getattr(r, SHOWN_AS_WRITTEN, False) for r in logs.records)


def eml_files(directory: Path) -> int:
    return len(list(directory.glob("*.eml")))


async def test_a_message_waits_for_the_commit_and_is_dropped_on_rollback(db: AsyncSession, tmp_path: Path) -> None:
    postman = Postman(OutboxTransport(tmp_path), log_links=False)
    await db.connection()
    postman.send_after_commit(db, mail("kept@example.com"))
    await postman.drain()
    assert eml_files(tmp_path) == 0  # nothing before the commit
    await db.commit()
    await postman.drain()
    assert eml_files(tmp_path) == 1
    await db.connection()
    postman.send_after_commit(db, mail("dropped@example.com"))
    await db.rollback()
    await db.commit()  # a later commit does not resurrect it
    await postman.drain()
    assert eml_files(tmp_path) == 1


def test_the_transport_follows_smtp_url(tmp_path: Path) -> None:
    assert isinstance(transport_for(MailSettings(outbox_dir=tmp_path)), OutboxTransport)
    smtp = transport_for(MailSettings(smtp_url="smtp://a%40b:c@mail.example:2525"))
    assert smtp == SmtpTransport(hostname="mail.example", port=2525, username="a@b", password="c")
    assert SmtpTransport.from_url("smtp://mail.example").port == 587
    assert SmtpTransport.from_url("smtps://mail.example").port == 465


def test_settings_read_the_mail_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REQUIRE_EMAIL_VERIFICATION", "true")
    monkeypatch.setenv("MAIL_FROM", "Acme <hello@acme.test>")
    settings = MailSettings.from_env(tmp_path)
    assert settings.require_verification
    assert settings.verification_on_sign_up  # Better Auth's default follows requireEmailVerification
    assert (settings.sender, settings.outbox_dir) == ("Acme <hello@acme.test>", tmp_path / "mail")
    monkeypatch.setenv("EMAIL_VERIFICATION_ON_SIGN_UP", "false")
    assert not MailSettings.from_env(tmp_path).verification_on_sign_up
    monkeypatch.setenv("SMTP_URL", "http://mail.example")
    with pytest.raises(ConfigurationError, match="SMTP_URL"):
        MailSettings.from_env(tmp_path)
    monkeypatch.setenv("SMTP_URL", "smtp://mail.example")
    monkeypatch.setenv("REQUIRE_EMAIL_VERIFICATION", "maybe")
    with pytest.raises(ConfigurationError, match="REQUIRE_EMAIL_VERIFICATION"):
        MailSettings.from_env(tmp_path)
