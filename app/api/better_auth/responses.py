"""Responses of the Better Auth face: JSON bodies, Better Auth's cookies, and the bearer token header.

Cookies queue up on the request (``CookieJar``) while a handler runs and go out with its response,
error responses included, as Better Auth does. They are written exactly as better-call writes
them (``name=value; Max-Age=N; Path=/; HttpOnly; Secure; SameSite=Lax``); expiring a cookie drops
any earlier entry for it in the same response. Whenever the response leaves a live session
cookie, ``set-auth-token`` carries its value and ``Access-Control-Expose-Headers`` names it (the
bearer plugin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response
from litestar.datastructures import Cookie

from app.config import Settings
from app.domain.cookies import (
    ADMIN_SESSION,
    DONT_REMEMBER,
    SESSION_DATA,
    SESSION_TOKEN,
    cookie_name,
    sign_cookie_value,
    unsign_cookie_value,
)
from app.domain.instants import json_encoder
from app.domain.rules import SESSION_LIFETIME

__all__ = (
    "CookieJar",
    "CookieNames",
    "SerializedCookie",
    "clean_session_data",
    "clear_admin_cookie",
    "clear_session_cookies",
    "jar",
    "names",
    "read_signed_cookie",
    "reply",
    "serialize",
    "set_admin_cookie",
    "set_session_cookie",
)

SESSION_MAX_AGE = int(SESSION_LIFETIME.total_seconds())
_JAR_KEY = "better_auth_cookies"


@dataclass(frozen=True, slots=True)
class CookieNames:
    session_token: str
    session_data: str
    dont_remember: str
    admin_session: str
    secure: bool


def names(settings: Settings) -> CookieNames:
    return _names(settings.secure_cookies)


@cache
def _names(secure: bool) -> CookieNames:
    """The cookie names under the ``__Secure-`` prefix or not (built once each: every request asks)."""
    return CookieNames(
        session_token=cookie_name(SESSION_TOKEN, secure=secure),
        session_data=cookie_name(SESSION_DATA, secure=secure),
        dont_remember=cookie_name(DONT_REMEMBER, secure=secure),
        admin_session=cookie_name(ADMIN_SESSION, secure=secure),
        secure=secure,
    )


class SerializedCookie(Cookie):
    """A ``Set-Cookie`` value written by hand (Litestar's own writer orders attributes differently)."""

    def __init__(self, key: str, header: str) -> None:
        super().__init__(key=key)
        self.header = header

    def to_header(self, **kwargs: Any) -> str:
        return self.header

    def to_encoded_header(self) -> tuple[bytes, bytes]:
        return b"set-cookie", self.header.encode("latin-1")


def serialize(name: str, value: str, *, max_age: int | None, secure: bool) -> str:
    """better-call's ``serializeCookieValue`` with Better Auth's attributes."""
    parts = [f"{name}={value}"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    parts.extend(["Path=/", "HttpOnly"])
    if secure:
        parts.append("Secure")
    parts.append("SameSite=Lax")
    return "; ".join(parts)


@dataclass
class CookieJar:
    """The ``Set-Cookie`` entries of one response, in order: (name, value, max-age, header)."""

    secure: bool
    entries: list[tuple[str, str, int | None, str]] = field(default_factory=list)

    def set(self, name: str, value: str, max_age: int | None) -> None:
        self.entries.append((name, value, max_age, serialize(name, value, max_age=max_age, secure=self.secure)))

    def expire(self, name: str) -> None:
        """Better Auth's ``expireCookie``: earlier entries for the cookie (or its chunks) are dropped."""
        self.entries = [e for e in self.entries if e[0] != name and not e[0].startswith(f"{name}.")]
        self.set(name, "", 0)

    def cookies(self) -> list[Cookie]:
        return [SerializedCookie(name, header) for name, _, _, header in self.entries]

    def live_value(self, name: str) -> str | None:
        """The value the response leaves in cookie ``name``, if it sets a live one."""
        for entry_name, value, max_age, _ in reversed(self.entries):
            if entry_name == name:
                return value if value and max_age != 0 else None
        return None


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def jar(request: Request[Any, Any, Any]) -> CookieJar:
    existing = request.state.get(_JAR_KEY)
    if isinstance(existing, CookieJar):
        return existing
    created = CookieJar(secure=_settings(request).secure_cookies)
    request.state[_JAR_KEY] = created
    return created


def read_signed_cookie(request: Request[Any, Any, Any], name: str) -> str | None:
    raw = request.cookies.get(name)
    return unsign_cookie_value(raw, _settings(request).secret) if raw else None


def set_session_cookie(request: Request[Any, Any, Any], token: str, dont_remember: bool | None = None) -> None:
    """Better Auth's ``setSessionCookie``: a 7-day cookie, or a browser-session one plus ``dont_remember``.

    ``dont_remember=None`` keeps what the request's ``dont_remember`` cookie says.
    """
    cookie_names = names(_settings(request))
    had_dont_remember = read_signed_cookie(request, cookie_names.dont_remember) is not None
    forget = had_dont_remember if dont_remember is None else dont_remember
    secret = _settings(request).secret
    cookies = jar(request)
    cookies.set(cookie_names.session_token, sign_cookie_value(token, secret), None if forget else SESSION_MAX_AGE)
    if forget:
        cookies.set(cookie_names.dont_remember, sign_cookie_value("true", secret), None)
    elif had_dont_remember:
        cookies.expire(cookie_names.dont_remember)


def _session_data_chunks(request: Request[Any, Any, Any], name: str) -> list[str]:
    prefix = f"{name}."
    return [key for key in request.cookies if key == name or (key.startswith(prefix) and key[len(prefix) :].isdigit())]


def clean_session_data(request: Request[Any, Any, Any]) -> None:
    """Expire the cookie cache (``session_data`` and its chunks) the request carries: it is never used here."""
    cookies = jar(request)
    for name in _session_data_chunks(request, names(_settings(request)).session_data):
        cookies.set(name, "", 0)


def clear_session_cookies(request: Request[Any, Any, Any], *, keep_dont_remember: bool = False) -> None:
    """Better Auth's ``deleteSessionCookie``: session token, cookie cache (all chunks) and ``dont_remember``."""
    cookie_names = names(_settings(request))
    cookies = jar(request)
    cookies.expire(cookie_names.session_token)
    cookies.expire(cookie_names.session_data)
    clean_session_data(request)
    if not keep_dont_remember:
        cookies.expire(cookie_names.dont_remember)


def set_admin_cookie(request: Request[Any, Any, Any], admin_token: str, dont_remember: str) -> None:
    """The signed ``admin_session`` cookie that lets ``stop-impersonating`` restore the admin's session."""
    cookie_names = names(_settings(request))
    value = sign_cookie_value(f"{admin_token}:{dont_remember}", _settings(request).secret)
    jar(request).set(cookie_names.admin_session, value, SESSION_MAX_AGE)


def clear_admin_cookie(request: Request[Any, Any, Any]) -> None:
    jar(request).expire(names(_settings(request)).admin_session)


def reply(
    request: Request[Any, Any, Any],
    body: Any,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    empty: bool = False,
) -> Response[bytes]:
    """A Better Auth response: ``body`` as JSON (``None`` is ``null``; no body when it is an error without one)."""
    content = b"" if empty or (body is None and status >= 400) else json_encoder.encode(body)
    cookies = jar(request)
    out_headers = dict(headers or {})
    token = cookies.live_value(names(_settings(request)).session_token)
    if token is not None:
        out_headers["set-auth-token"] = unquote(token)
        out_headers["Access-Control-Expose-Headers"] = "set-auth-token"
    return Response(
        content=content,
        status_code=status,
        media_type="application/json",
        headers=out_headers,
        cookies=cookies.cookies(),
    )
