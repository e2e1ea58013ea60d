"""Requests built byte by byte and sent straight to the ASGI app (no HTTP client in between).

HTTP clients refuse to send what an attacker can: NUL or invalid UTF-8 in a header, a URL of
100,000 characters, a client that disconnects mid-body. The scope is built as uvicorn builds it
(the path percent-decoded leniently, invalid UTF-8 becoming U+FFFD; ``raw_path`` kept as sent).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import unquote

from litestar import Litestar

__all__ = ("RawResponse", "raw_request")

Message = dict[str, Any]


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


async def raw_request(
    app: Litestar,
    method: str,
    raw_path: bytes,
    *,
    query: bytes = b"",
    headers: Sequence[tuple[bytes, bytes]] = (),
    body: bytes = b"",
    receive: Callable[[], Awaitable[Message]] | None = None,
    send_fails: bool = False,
) -> RawResponse:
    """Send one request; ``receive`` replaces the default (the whole body at once), and
    ``send_fails`` makes every send raise as a connection the client closed would."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path.decode("latin-1"), errors="replace"),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *[(name.lower(), value) for name, value in headers]],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    sent_body = False

    async def default_receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    response = RawResponse(status=0)

    async def send(message: Message) -> None:
        if send_fails:
            raise OSError("the client closed the connection")
        if message["type"] == "http.response.start":
            response.status = int(message["status"])
            response.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            response.body += message.get("body", b"")

    await cast("Any", app)(scope, receive or default_receive, send)
    return response
