"""Better Auth's signed session cookie (better-call ``signCookieValue``).

Value: ``encodeURIComponent(token + "." + base64(HMAC-SHA256(secret, token)))``; the signature is
standard base64 with padding (44 characters ending in ``=``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, unquote

__all__ = ("SECURE_SESSION_COOKIE", "SESSION_COOKIE", "sign_session_token", "unsign_session_cookie")

SESSION_COOKIE = "better-auth.session_token"
SECURE_SESSION_COOKIE = "__Secure-better-auth.session_token"


def _signature(token: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign_session_token(token: str, secret: str) -> str:
    """The cookie value Better Auth would set for this session token."""
    return quote(f"{token}.{_signature(token, secret)}", safe="")


def unsign_session_cookie(value: str, secret: str) -> str | None:
    """The session token inside a signed cookie value, or None if the signature does not match."""
    decoded = unquote(value)
    token, sep, signature = decoded.rpartition(".")
    if not sep or not token or len(signature) != 44 or not signature.endswith("="):
        return None
    if not hmac.compare_digest(_signature(token, secret), signature):
        return None
    return token
