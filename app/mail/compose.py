"""Builds a message: a plain-text part and an HTML part (``multipart/alternative``) in the user's language."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.mail.catalog import Kind, resolve_locale, texts_for

__all__ = ("OutgoingMail", "compose")


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A message ready to send, with what the logs may say about it (``kind``, never ``link``)."""

    kind: Kind
    message: EmailMessage
    link: str

    @property
    def recipient(self) -> str:
        return str(self.message["To"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


_HTML = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{subject}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1f2933; max-width: 560px; margin: 0 auto;">
<p>{greeting}</p>
<p>{intro}</p>
<p><a href="{link}" style="display: inline-block; padding: 10px 18px; background: #2563eb; color: #ffffff;
 text-decoration: none; border-radius: 6px;">{action}</a></p>
<p style="font-size: 13px; color: #52606d;">{link_text}</p>
<p>{expiry}</p>
<p style="font-size: 13px; color: #52606d;">{ignore}</p>
</body>
</html>
"""


def compose(
    kind: Kind,
    *,
    sender: str,
    to: str,
    name: str,
    link: str,
    locale: str | None,
    lifetime: timedelta,
    new_email: str | None = None,
) -> OutgoingMail:
    """The message of ``kind`` for one recipient; the language follows ``locale`` (English by default)."""
    lang = resolve_locale(locale)
    texts = texts_for(kind, lang)
    fields = {"name": name or to, "hours": max(1, math.ceil(lifetime.total_seconds() / 3600)), "new_email": new_email}

    def fill(text: str) -> str:
        return text.format(**fields)

    plain = "\n\n".join([fill(texts.greeting), fill(texts.intro), link, fill(texts.expiry), fill(texts.ignore)])
    escaped = {key: html.escape(fill(getattr(texts, key))) for key in ("greeting", "intro", "expiry", "ignore")}
    body = _HTML.format(
        lang=lang,
        subject=html.escape(texts.subject),
        action=html.escape(texts.action),
        link=html.escape(link, quote=True),
        link_text=html.escape(link),
        **escaped,
    )
    message = EmailMessage()
    message["Subject"] = texts.subject
    message["From"] = sender
    message["To"] = str(Address(addr_spec=to)) if "@" in to else to
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain + "\n")
    message.add_alternative(body, subtype="html")
    message["Content-Language"] = lang  # after the parts: set_content drops Content-* headers
    return OutgoingMail(kind=kind, message=message, link=link)
