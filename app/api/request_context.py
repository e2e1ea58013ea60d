"""The request's id (``X-Request-ID``) around every HTTP request, and its access log line.

The id comes from the ``X-Request-ID`` header only when the TCP peer is a trusted proxy (which
sets it) and the value is a plain token; otherwise the service makes one. It is bound for every
log record made while the request is served (``app.log.REQUEST_ID``) and returned in the
response's ``X-Request-ID``. This wraps the whole application (404s and CORS preflights too).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.api.client_address import peer_is_trusted, scope_client_address
from app.log import REQUEST_ID

__all__ = ("REQUEST_ID_HEADER", "RequestContextMiddleware", "request_id_for")

REQUEST_ID_HEADER = "x-request-id"
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")
access_logger = logging.getLogger("app.access")


def request_id_for(scope: Scope) -> str:
    """A trusted proxy's well-formed ``X-Request-ID``, or a new id."""
    if peer_is_trusted(scope):
        for key, value in scope.get("headers", ()):
            if key.lower() == REQUEST_ID_HEADER.encode():
                text = value.decode("latin-1").strip()
                if _ACCEPTED.fullmatch(text):
                    return text
                break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """ASGI wrapper: binds the request id, echoes it, and (``access_log``) logs one line per request."""

    def __init__(self, app: ASGIApp, *, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        token = REQUEST_ID.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER.encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.access_log:
                self._log(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    @staticmethod
    def _log(scope: Scope, status: int, seconds: float) -> None:
        method, path = scope.get("method", ""), scope.get("path", "")
        access_logger.info(
            "%s %s %d",
            method,
            path,
            status,
            extra={
                "method": method,
                "path": path,
                "route": scope.get("path_template"),
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "client": scope_client_address(scope),
            },
        )
