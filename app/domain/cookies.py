"""Better Auth's cookies: their names and better-call's signed values; and the bearer token forms.

Signed value: ``encodeURIComponent(value + "." + base64(HMAC-SHA256(secret, value)))``; the
signature is standard base64 with padding (44 characters ending in ``=``). Names are
``better-auth.<kind>``, with the ``__Secure-`` prefix when cookies are secure (an ``https``
``BETTER_AUTH_URL``, or production without one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, unquote

__all__ = (
    "ADMIN_SESSION",
    "DONT_REMEMBER",
    "SECURE_PREFIX",
    "SECURE_SESSION_COOKIE",
    "SESSION_COOKIE",
    "SESSION_DATA",
    "SESSION_TOKEN",
    "cookie_name",
    "sign_cookie_value",
    "sign_session_token",
    "token_from_bearer",
    "unsign_cookie_value",
    "unsign_session_cookie",
)

COOKIE_PREFIX = "better-auth"
SECURE_PREFIX = "__Secure-"
SESSION_TOKEN = "session_token"  # noqa: S105 - a cookie name
SESSION_DATA = "session_data"
"""Better Auth's cookie cache (off by default): never issued here, but cleared where Better Auth clears it."""
DONT_REMEMBER = "dont_remember"
"""Signed ``true`` when the session was opened with ``rememberMe: false``."""
ADMIN_SESSION = "admin_session"
"""Signed ``<admin session token>:<dont_remember value>`` while an admin impersonates someone."""


def cookie_name(kind: str, *, secure: bool) -> str:
    return f"{SECURE_PREFIX if secure else ''}{COOKIE_PREFIX}.{kind}"


SESSION_COOKIE = cookie_name(SESSION_TOKEN, secure=False)
SECURE_SESSION_COOKIE = cookie_name(SESSION_TOKEN, secure=True)


def _signature(value: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign_cookie_value(value: str, secret: str) -> str:
    """The cookie value Better Auth would set for ``value`` (URL-encoded ``value.signature``)."""
    return quote(f"{value}.{_signature(value, secret)}", safe="")


def unsign_cookie_value(raw: str, secret: str) -> str | None:
    """The value inside a signed cookie (URL-encoded or not), or None if the signature does not match."""
    decoded = unquote(raw) if "%" in raw else raw
    value, sep, signature = decoded.rpartition(".")
    if not sep or not value or len(signature) != 44 or not signature.endswith("="):
        return None
    if not hmac.compare_digest(_signature(value, secret), signature):
        return None
    return value


sign_session_token = sign_cookie_value
unsign_session_cookie = unsign_cookie_value


def token_from_bearer(credentials: str, secret: str) -> str | None:
    """The session token of ``Authorization: Bearer <credentials>`` (Better Auth's bearer plugin).

    A value with a ``.`` is the signed cookie value (``token.signature``, URL-encoded or not) and
    must carry a valid signature; any other value is the raw session token.
    """
    if "." in credentials:
        return unsign_cookie_value(credentials, secret)
    return credentials or None
