"""The one place that refuses input no database stores alike, before any handler or dependency runs.

``InputGuard`` (ASGI middleware) inspects the path parameters, the query string and the headers of
every routed request; ``GuardedRequest`` (the app's request class) checks the JSON body as it is
decoded. Both raise ``RefusedInputError`` / ``MalformedInputError`` (``app.domain.errors``) naming
the field and its source, so every face renders the refusal in its own format from its own error
map (REST: RFC 9457 problems in ``app.api.errors``).

The rules on a value are ``app.domain.portable``'s. Ordinary requests cost a few C-speed checks
(``in``, ``isascii``, ``len``); a value is decoded and inspected exactly only when one of them hits.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import SerializationException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from app.api.json_body import check_decoded_body, undecodable_body
from app.api.params import wire_name
from app.domain.errors import RefusedInputError
from app.domain.portable import INVALID_UNICODE, Refusal, text_refusal

__all__ = ("MAX_HEADER_LENGTH", "MAX_PARAMETER_LENGTH", "GuardedRequest", "InputGuard", "check_request_scope")

MAX_PARAMETER_LENGTH = 4096
"""Longest path parameter or query value accepted (each parameter has its own, lower limit)."""
MAX_HEADER_LENGTH = 16_384
"""Longest header value accepted (uvicorn refuses larger header blocks on its own)."""


def check_request_scope(scope: Scope) -> None:
    """Refuse a request whose path parameters, query string or headers hold a refused value."""
    _check_path(scope)
    query = scope.get("query_string", b"")
    if query and (b"%" in query or b"\x00" in query or len(query) > MAX_PARAMETER_LENGTH or not query.isascii()):
        _check_query(query)
    headers = scope["headers"]
    values = b"".join(value for _, value in headers)  # one scan of all values in the common case
    if b"\x00" in values or len(values) > MAX_HEADER_LENGTH or not values.isascii():
        for name, value in headers:
            if b"\x00" in value or len(value) > MAX_HEADER_LENGTH or not value.isascii():
                _check_header(name.decode("latin-1"), value)


def _refuse(refusal: Refusal, field: str, source: str) -> RefusedInputError:
    return RefusedInputError(refusal.message, field=field, code=refusal.code, source=source)


def _check_path(scope: Scope) -> None:
    params: dict[str, Any] = scope.get("path_params") or {}
    for name, value in params.items():
        if isinstance(value, str) and (refusal := text_refusal(value, MAX_PARAMETER_LENGTH)):
            raise _refuse(refusal, wire_name(name), "path")
    raw = scope.get("raw_path") or b""
    if params and b"%" in raw:
        # The server decoded the path leniently (invalid UTF-8 became U+FFFD): look at the bytes.
        try:
            unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            suspects = [name for name, value in params.items() if isinstance(value, str) and "\ufffd" in value]
            raise _refuse(INVALID_UNICODE, wire_name(suspects[0]) if suspects else "path", "path") from None


def _check_query(query: bytes) -> None:
    for pair in query.split(b"&"):
        raw_key, _, raw_value = pair.partition(b"=")
        key_bytes = unquote_to_bytes(raw_key.replace(b"+", b" "))
        value_bytes = unquote_to_bytes(raw_value.replace(b"+", b" "))
        field = key_bytes.decode("utf-8", "replace")
        try:
            key, value = key_bytes.decode("utf-8"), value_bytes.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(INVALID_UNICODE, _printable(field), "query") from None
        for text in (key, value):
            if refusal := text_refusal(text, MAX_PARAMETER_LENGTH):
                raise _refuse(refusal, _printable(field), "query")


def _check_header(name: str, value: bytes) -> None:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(INVALID_UNICODE, name, "header") from None
    if refusal := text_refusal(text, MAX_HEADER_LENGTH):
        raise _refuse(refusal, name, "header")


def _printable(name: str) -> str:
    """A parameter name fit to show (a refused name is shown escaped and cut short)."""
    if len(name) <= 64 and name.isprintable():
        return name
    return name[:64].encode("ascii", "backslashreplace").decode("ascii")


class InputGuard(ASGIMiddleware):
    """Runs ``check_request_scope`` on every routed HTTP request (after routing: path parameters known)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        check_request_scope(scope)
        await next_app(scope, receive, send)


class GuardedRequest(Request[Any, Any, Any]):
    """The request class of the app: its JSON body is decoded under the portable-value rules."""

    async def json(self) -> Any:
        body = await self.body()
        try:
            value = await super().json()
        except (SerializationException, UnicodeDecodeError, RecursionError) as exc:
            raise undecodable_body(body, exc) from None
        check_decoded_body(body, value)
        return value
