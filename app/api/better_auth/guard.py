"""What Better Auth checks before an endpoint runs: the body's media type and JSON, the origin of
cookie-carrying writes, the redirect targets, and (sign-in and sign-up) login CSRF.

Order, as in Better Auth: decode the body (415, or 400 for bad JSON or a value no database
stores alike, ``app.api.json_body``), then the origin and the callback URLs
(``api/middlewares/origin-check.mjs``), then the body's fields (``validation``), then the session.
The trusted-origin rules are ``app.domain.origins``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.exceptions import NotFoundException

from app.api.better_auth.errors import BASE_PATH, BetterAuthError, ba_error
from app.api.better_auth.validation import BODY_KEY, UNDEFINED
from app.api.json_body import decode_body
from app.api.origins import trusted_for, verdict_for
from app.domain.origins import OriginVerdict, is_trusted

__all__ = ("check_login_csrf", "guard", "validate_origin")

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CALLBACKS = (
    ("callbackURL", "callbackURL", "INVALID_CALLBACK_URL"),
    ("redirectTo", "redirectURL", "INVALID_REDIRECT_URL"),
    ("errorCallbackURL", "errorCallbackURL", "INVALID_ERROR_CALLBACK_URL"),
    ("newUserCallbackURL", "newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL"),
)
"""(body key, Better Auth's label, error code) of every redirect target Better Auth checks."""


def _decode(request_body: bytes, content_type: str, allowed: tuple[str, ...]) -> Any:
    """better-call's ``getBody``: no content type or no bytes is no body; others must be allowed."""
    if not content_type or not request_body:
        return UNDEFINED
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in allowed:
        message = f'Content-Type "{content_type}" is not allowed. Allowed types: {", ".join(allowed)}'
        raise BetterAuthError(415, "UNSUPPORTED_MEDIA_TYPE", message)
    if media_type == FORM:
        return dict(parse_qsl(request_body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return decode_body(request_body)  # under the portable-value rules: a refusal names the field


def validate_origin(request: Request[Any, Any, Any], *, force: bool = False) -> None:
    """Better Auth's ``validateOrigin``: a request that carries cookies needs a trusted Origin/Referer."""
    if not (force or "cookie" in request.headers):
        return
    verdict = verdict_for(request)
    if verdict is OriginVerdict.MISSING:
        raise ba_error(403, "MISSING_OR_NULL_ORIGIN")
    if verdict is OriginVerdict.UNTRUSTED:
        raise ba_error(403, "INVALID_ORIGIN")


def _check_callbacks(request: Request[Any, Any, Any], body: Any) -> None:
    values = body if isinstance(body, dict) else {}
    trusted = trusted_for(request)
    for key, label, code in CALLBACKS:
        url = values.get(key) or (request.query_params.get(key) if key == "callbackURL" else None)
        if not url:
            continue
        if not isinstance(url, str):
            raise BetterAuthError(400, message=f"Invalid {label}: expected a string")
        if not is_trusted(url, trusted, allow_relative=True):
            raise ba_error(403, code)


async def guard(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of every Better Auth route."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1").split("?", 1)[0] if raw else request.scope["path"]
    if path.endswith("/") and path != f"{BASE_PATH}/":
        raise NotFoundException()  # better-call matches paths exactly
    if request.method not in UNSAFE_METHODS:
        return
    allowed = (FORM, JSON) if request.route_handler.opt.get("form") else (JSON,)
    body = _decode(await request.body(), request.headers.get("content-type", ""), allowed)
    request.state[BODY_KEY] = body
    validate_origin(request)
    _check_callbacks(request, body)


def check_login_csrf(request: Request[Any, Any, Any]) -> None:
    """Better Auth's ``formCsrfMiddleware`` (sign-in, sign-up): no cross-site navigation logins, and an
    Origin, when a browser sends one, must be trusted even without cookies."""
    if "cookie" in request.headers:
        validate_origin(request)
        return
    headers = request.headers
    site, mode, dest = (headers.get(f"sec-fetch-{name}") or "" for name in ("site", "mode", "dest"))
    if site.strip() or mode.strip() or dest.strip():
        if site == "cross-site" and mode == "navigate":
            raise ba_error(403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED")
        validate_origin(request, force=True)
    elif headers.get("origin") or headers.get("referer"):
        validate_origin(request, force=True)
