"""Who is calling, as Better Auth's ``getSession`` decides it, on top of the shared caller resolution.

The token: ``Authorization: Bearer <token>`` (raw, or the signed ``token.signature``; a bad
signature or another scheme is ignored, as the bearer plugin does), else the signed session
cookie. The session behind it comes from ``app.repositories.auth.authenticate`` (the one caller
resolution of both faces). Like Better Auth, every lookup expires the cookie cache the request
carries; a token whose session is gone or expired also clears the session cookies; a session
slid forward by this request gets its cookie re-set.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from app.api.better_auth.errors import BetterAuthError, ba_error
from app.api.better_auth.responses import (
    clean_session_data,
    clear_session_cookies,
    names,
    read_signed_cookie,
    set_session_cookie,
)
from app.api.dependencies import reader, write_unit
from app.config import Settings
from app.domain.cookies import token_from_bearer
from app.domain.errors import AuthenticationError, PermissionDeniedError
from app.domain.instants import utcnow
from app.domain.rules import is_session_fresh, user_has_role
from app.repositories.auth import Authenticated, authenticate

__all__ = ("find_caller", "forget_caller", "request_token", "require_admin", "require_caller", "require_fresh_caller")

_CALLER_KEY = "better_auth_caller"
_MISSING = object()


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def request_token(request: Request[Any, Any, Any]) -> str | None:
    """The session token the request presents, by Better Auth's rules (bearer first, then the cookie)."""
    header = request.headers.get("authorization") or ""
    if header[:7].lower() == "bearer ":
        credentials = header[7:].strip()
        if credentials and (token := token_from_bearer(credentials, _settings(request).secret)):
            return token
    return read_signed_cookie(request, names(_settings(request)).session_token)


def _may_refresh(request: Request[Any, Any, Any]) -> bool:
    """Better Auth slides a session unless the client asked it not to (``?disableRefresh``, any value)
    or the session was opened with ``rememberMe: false`` (its signed ``dont_remember`` cookie)."""
    if request.query_params.get("disableRefresh"):
        return False
    return read_signed_cookie(request, names(_settings(request)).dont_remember) is None


async def find_caller(request: Request[Any, Any, Any]) -> Authenticated | None:
    """The caller's live session, or None (once per request; read through the driver-level reader,
    as the REST face's caller is)."""
    cached = request.state.get(_CALLER_KEY, _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[no-any-return]
    clean_session_data(request)
    token = request_token(request)
    caller: Authenticated | None = None
    if token is not None:
        state = request.app.state
        try:
            caller = await authenticate(reader(state), lambda: write_unit(state), token, refresh=_may_refresh(request))
        except (AuthenticationError, PermissionDeniedError):
            clear_session_cookies(request)
        else:
            if caller.refreshed:
                set_session_cookie(request, caller.session.token, dont_remember=False)
    request.state[_CALLER_KEY] = caller
    return caller


def forget_caller(request: Request[Any, Any, Any], caller: Authenticated | None) -> None:
    """Replace the request's caller (after a session of it was replaced, e.g. by impersonation)."""
    request.state[_CALLER_KEY] = caller


async def require_caller(request: Request[Any, Any, Any], *, bare: bool = False) -> Authenticated:
    """Better Auth's ``sessionMiddleware``: 401 ``UNAUTHORIZED`` without a live session.

    ``bare``: the endpoint answers ``APIError.fromStatus("UNAUTHORIZED")`` instead, with no body.
    """
    caller = await find_caller(request)
    if caller is None:
        raise BetterAuthError(401) if bare else BetterAuthError(401, "UNAUTHORIZED", "Unauthorized")
    return caller


async def require_fresh_caller(request: Request[Any, Any, Any]) -> Authenticated:
    """``freshSessionMiddleware``: the session must be younger than a day (403 ``SESSION_NOT_FRESH``)."""
    caller = await require_caller(request)
    if not is_session_fresh(caller.session.created_at, utcnow()):
        raise ba_error(403, "SESSION_NOT_FRESH")
    return caller


async def require_admin(request: Request[Any, Any, Any], denied: str) -> Authenticated:
    """The admin plugin: a session (else a bare 401) whose user holds the ``admin`` role (else 403 ``denied``)."""
    caller = await require_caller(request, bare=True)
    if not user_has_role(caller.user.role, "admin"):
        raise ba_error(403, denied)
    return caller
