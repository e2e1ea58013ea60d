"""Trusted origins over HTTP: the set for a request, CORS for exactly that set, and the REST face's check.

The rules themselves are ``app.domain.origins``. The Better Auth face applies them with its own
error codes (``app.api.better_auth.guard``); the REST face refuses a cookie-authenticated write
whose ``Origin`` (or ``Referer``) is missing (403 ``missing_origin``) or untrusted (403
``invalid_origin``). Bearer-authenticated requests need no origin: a browser never adds that
header on its own, so a cross-site page cannot forge one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.config.cors import CORSConfig

from app.config import Settings
from app.domain.cookies import SECURE_SESSION_COOKIE, SESSION_COOKIE
from app.domain.errors import PermissionDeniedError
from app.domain.origins import OriginVerdict, check_request_origin, is_trusted, trusted_origins

__all__ = ("TrustedOriginsCORS", "base_url_for", "cors_config", "require_trusted_origin", "trusted_for", "verdict_for")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXPOSED_HEADERS = ["set-auth-token"]
"""Better Auth's bearer plugin hands the signed session token to clients in this header."""


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def base_url_for(request: Request[Any, Any, Any]) -> str:
    """``BETTER_AUTH_URL``, or (as Better Auth does without one) the URL the request was sent to."""
    return _settings(request).base_url or str(request.base_url)


def trusted_for(request: Request[Any, Any, Any]) -> tuple[str, ...]:
    settings = _settings(request)
    return trusted_origins(base_url_for(request), settings.trusted_origin_entries)


def verdict_for(request: Request[Any, Any, Any]) -> OriginVerdict:
    """Whether the request's ``Origin`` (else ``Referer``) is trusted, missing or untrusted."""
    headers = request.headers
    origin = headers.get("origin")
    same_origin_null = origin == "null" and headers.get("sec-fetch-site") == "same-origin"
    return check_request_origin(
        origin,
        headers.get("referer"),
        trusted_for(request),
        base_url=base_url_for(request) if same_origin_null else None,
    )


async def require_trusted_origin(request: Request[Any, Any, Any]) -> None:
    """REST face (``before_request``): a write authenticated by the session cookie needs a trusted origin."""
    if request.method in SAFE_METHODS or request.headers.get("authorization"):
        return
    cookies = request.cookies
    if not (cookies.get(SESSION_COOKIE) or cookies.get(SECURE_SESSION_COOKIE)):
        return
    verdict = verdict_for(request)
    if verdict is OriginVerdict.MISSING:
        raise PermissionDeniedError(
            "A cookie-authenticated write must send an Origin (or Referer) header.", code="missing_origin"
        )
    if verdict is OriginVerdict.UNTRUSTED:
        raise PermissionDeniedError("The request's origin is not trusted.", code="invalid_origin")


@dataclass
class TrustedOriginsCORS(CORSConfig):
    """CORS with credentials for exactly the trusted origins (Better Auth's matching, wildcards included)."""

    trusted: tuple[str, ...] = field(default=())

    def is_origin_allowed(self, origin: str) -> bool:
        return is_trusted(origin, self.trusted)


def cors_config(settings: Settings) -> TrustedOriginsCORS | None:
    """CORS only when ``BETTER_AUTH_TRUSTED_ORIGINS`` lists origins (a same-origin front-end needs none)."""
    if not settings.trusted_origin_entries:
        return None
    trusted = trusted_origins(settings.base_url, settings.trusted_origin_entries)
    return TrustedOriginsCORS(
        allow_origins=[],
        allow_credentials=True,
        expose_headers=EXPOSED_HEADERS,
        trusted=trusted,
    )
