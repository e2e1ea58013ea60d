"""A real SMTP server in the test process (aiosmtpd on loopback, in its own thread), and readers for
what it received: the text and HTML parts, and the link inside.

Every link a test reads out of a message is remembered (:data:`MAIL_SECRETS`): the end-of-run log
scan fails if any log line carries one, except the local outbox's deliberate notice.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ("MAIL_SECRETS", "Inbox", "Received", "SmtpServer", "free_port", "running_smtp_server")

MAIL_SECRETS: set[str] = set()
"""Every token and link read out of a received message in this run."""

_LINK = re.compile(r"https?://[^\s\"<>]+")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    encrypted: bool

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        found = self.message.get_body(preferencelist=(subtype,))
        assert found is not None, f"no text/{subtype} part"
        assert found.get_content_subtype() == subtype, f"no text/{subtype} part"
        return str(found.get_content())

    @property
    def link(self) -> str:
        """The one link of the message (the same in both parts); remembered as a secret."""
        [link] = {str(found) for found in _LINK.findall(self.part("plain"))}
        html_links = {value.replace("&amp;", "&") for value in _LINK.findall(self.part("html"))}
        assert html_links == {link}, (html_links, link)
        remember(link)
        return link

    @property
    def token(self) -> str:
        """The token the link carries (``?token=`` or the last path segment)."""
        parts = urlsplit(self.link)
        query = parse_qs(parts.query)
        token = query["token"][0] if "token" in query else parts.path.rsplit("/", 1)[1]
        remember(token)
        return token


def remember(secret: str) -> None:
    MAIL_SECRETS.add(secret)


@dataclass
class Inbox:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Received) -> None:
        with self.lock:
            self.received.append(item)

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [item for item in self.received if address in item.recipients]

    def only(self, address: str) -> Received:
        """The single message sent to ``address`` (fails if there are none or several)."""
        found = self.to(address)
        assert len(found) == 1, f"{len(found)} messages to {address}: {[m.subject for m in found]}"
        return found[0]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.refuse_next = 0
        self.attempts = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.attempts += 1
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 Try again later"
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        encrypted = server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
        self.inbox.add(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, encrypted))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpServer:
    """A running server: ``url`` is what ``SMTP_URL`` should say to reach it."""

    url: str
    inbox: Inbox
    handler: _Handler
    client_tls: ssl.SSLContext | None = None

    def refuse(self, count: int) -> None:
        """Answer the next ``count`` messages with a temporary failure (451)."""
        self.handler.refuse_next = count


class _Authenticator:
    def __init__(self, username: str, password: str) -> None:
        self.expected = (username.encode(), password.encode())

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == self.expected
        return AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def running_smtp_server(*, tls: str | None = None, credentials: tuple[str, str] | None = None) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1: plain (``tls=None``), offering STARTTLS (``"starttls"``), or
    implicit TLS (``"implicit"``), with a certificate from a throwaway CA the client is given."""
    inbox = Inbox()
    handler = _Handler(inbox)
    port = free_port()
    server_tls: ssl.SSLContext | None = None
    client_tls: ssl.SSLContext | None = None
    if tls is not None:
        ca = trustme.CA()
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(server_tls)
        client_tls = ssl.create_default_context()
        ca.configure_trust(client_tls)
    options: dict[str, Any] = {}
    if credentials is not None:
        options["authenticator"] = _Authenticator(*credentials)
        options["auth_required"] = True
    if tls == "starttls":
        options["tls_context"] = server_tls
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ssl_context=server_tls if tls == "implicit" else None,
        server_hostname="127.0.0.1",
        **options,
    )
    controller.start()
    scheme = "smtps" if tls == "implicit" else "smtp"
    userinfo = f"{credentials[0]}:{credentials[1]}@" if credentials else ""
    try:
        yield SmtpServer(f"{scheme}://{userinfo}127.0.0.1:{port}", inbox, handler, client_tls)
    finally:
        controller.stop()
