"""Who is calling: the session behind ``Authorization: Bearer <token>`` or Better Auth's signed cookie.

The caller is resolved once per request (:func:`resolve_caller`) and shared by the ``auth``
dependency and the guards.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler

from app.api.dependencies import reader, write_unit
from app.config import Settings
from app.domain.cookies import SECURE_SESSION_COOKIE, SESSION_COOKIE, sign_session_token, unsign_session_cookie
from app.domain.enums import UserRole
from app.domain.errors import AuthenticationError, PermissionDeniedError
from app.domain.rules import user_has_role
from app.repositories.auth import Authenticated, ClientInfo, authenticate

__all__ = (
    "AUTH_DEPENDENCIES",
    "Auth",
    "clear_session_cookie",
    "client_info",
    "provide_auth",
    "require_admin",
    "resolve_caller",
    "session_token",
    "set_session_cookie",
)

MAX_TOKEN_LENGTH = 256


def _settings(request: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def session_token(request: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The bearer token, else the token inside a correctly signed Better Auth session cookie."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
            raise AuthenticationError("Use 'Authorization: Bearer <session token>'.", code="invalid_authorization")
        return token
    for name in (SECURE_SESSION_COOKIE, SESSION_COOKIE):
        value = request.cookies.get(name)
        if value:
            return unsign_session_cookie(value, _settings(request).secret)
    return None


_CALLER_STATE_KEY = "caller"


async def resolve_caller(connection: ASGIConnection[Any, Any, Any, Any], *, refresh: bool = True) -> Authenticated:
    """The caller of this request (401 without a live session), resolved once per request.

    Every authenticated route, guard and face goes through here: one round trip to the database
    on the reader, no cache across requests. ``refresh`` (of the first call in a request) lets the
    session's expiry slide when it is due.
    """
    cached: Authenticated | None = connection.state.get(_CALLER_STATE_KEY)
    if cached is not None:
        return cached
    token = session_token(connection)
    if token is None:
        raise AuthenticationError("Sign in first.", code="unauthenticated")
    state = connection.app.state
    caller = await authenticate(reader(state), lambda: write_unit(state), token, refresh=refresh)
    connection.state[_CALLER_STATE_KEY] = caller
    return caller


async def provide_auth(request: Request[Any, Any, Any]) -> Authenticated:
    return await resolve_caller(request)


async def require_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of every ``/api/admin`` route: the caller must hold the global ``admin`` role.

    A guard, so that no handler can opt out of it by how it names a parameter.
    """
    caller = await resolve_caller(connection)
    if not user_has_role(caller.user.role, UserRole.ADMIN):
        raise PermissionDeniedError("Admins only.", code="admin_required")


AUTH_DEPENDENCIES = {"auth": Provide(provide_auth)}

Auth = NamedDependency[Authenticated]
"""Handler parameter type of the signed-in caller (``auth``): 401 without a live session."""


def client_info(request: Request[Any, Any, Any]) -> ClientInfo:
    return ClientInfo(
        ip_address=request.client.host if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
    )


def _cookie_name(settings: Settings) -> str:
    return SECURE_SESSION_COOKIE if settings.is_production else SESSION_COOKIE


def set_session_cookie(request: Request[Any, Any, Any], response: Response[Any], auth: Authenticated) -> None:
    """Set Better Auth's signed session cookie, so browsers (and a Better Auth server) share the session."""
    settings = _settings(request)
    max_age = int((auth.session.expires_at - auth.session.created_at).total_seconds())
    response.set_cookie(
        Cookie(
            key=_cookie_name(settings),
            value=sign_session_token(auth.session.token, settings.secret),
            path="/",
            max_age=max(max_age, 0),
            httponly=True,
            samesite="lax",
            secure=settings.is_production,
        )
    )


def clear_session_cookie(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    response.delete_cookie(_cookie_name(_settings(request)), path="/")
