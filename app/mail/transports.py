"""Where messages go: an SMTP server (aiosmtplib), or the local outbox (``.eml`` files in a directory).

``smtp://user:pass@host:port`` upgrades with STARTTLS when the server offers it (port 587 by
default); ``smtps://`` speaks TLS from the first byte (port 465). User and password are
percent-decoded. Without ``SMTP_URL`` the local outbox keeps each message as a file a developer
can open in any mail client.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from app.config import MailSettings

__all__ = ("OutboxTransport", "SmtpTransport", "Transport", "transport_for")


class Transport(Protocol):
    local: bool
    """True when messages stay on this machine (the local outbox)."""

    async def deliver(self, message: EmailMessage) -> str | None:
        """Hand the message over; where it went (a file path) when that is worth saying, else None."""
        ...


@dataclass(frozen=True, slots=True)
class SmtpTransport:
    hostname: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    tls_context: ssl.SSLContext | None = None
    timeout: float = 20.0
    local = False

    @classmethod
    def from_url(cls, url: str, *, tls_context: ssl.SSLContext | None = None) -> SmtpTransport:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            msg = "SMTP_URL must be smtp://user:pass@host:port or smtps://user:pass@host:port"
            raise ValueError(msg)
        implicit = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if implicit else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            tls_context=tls_context,
        )

    async def deliver(self, message: EmailMessage) -> str | None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            start_tls=False if self.implicit_tls else None,  # None: STARTTLS when the server offers it
            tls_context=self.tls_context,
            timeout=self.timeout,
        )
        return None


@dataclass(frozen=True, slots=True)
class OutboxTransport:
    directory: Path
    local = True

    def _write(self, data: bytes) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        partial = target.with_suffix(".eml.partial")
        partial.write_bytes(data)
        os.replace(partial, target)  # a reader never sees half a message
        return target

    async def deliver(self, message: EmailMessage) -> str | None:
        path = await asyncio.to_thread(self._write, message.as_bytes(policy=SMTP))
        return str(path)


def transport_for(settings: MailSettings, *, tls_context: ssl.SSLContext | None = None) -> Transport:
    """SMTP when ``SMTP_URL`` is set, the local outbox otherwise."""
    if settings.smtp_url:
        return SmtpTransport.from_url(settings.smtp_url, tls_context=tls_context)
    return OutboxTransport(settings.outbox_dir)
