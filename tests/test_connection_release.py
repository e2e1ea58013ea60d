"""A failed request releases its database connection at once, and with it SQLite's write lock.

Writes fail in each way a request can: the body does not decode, it fails validation, the
handler raises, the client disconnects mid-body or before the response. After each one: no
connection of the app's pool is still checked out, no garbage-collected connection was reported,
the rows it touched can be locked at once (PostgreSQL: ``FOR UPDATE NOWAIT``, and no backend idle
in a transaction) and SQLite's write lock can be taken at once. Then a write must succeed with a
SQLite busy timeout of 0, so it cannot have waited for anyone.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import column, func, select, table
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.application import create_app
from app.api.dependencies import DATABASE_STATE_KEY
from app.db.models import Organization, User
from tests.helpers import close_app, make_settings, recording_logs, write_lock_is_free
from tests.raw_asgi import Message, raw_request
from tests.world import World, build_world


@dataclass(frozen=True)
class Failure:
    name: str
    method: str
    path: str  # may hold {org} and {other_org}
    body: bytes
    receive: Callable[[], Callable[[], Awaitable[Message]]] | None = None
    send_fails: bool = False
    token: str = "owner"  # whose bearer token; "bogus" for one that names no session


def _disconnect_mid_body() -> Callable[[], Awaitable[Message]]:
    """A client that sends half a body, then goes away."""
    messages: list[Message] = [
        {"type": "http.request", "body": b'{"name": "ha', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0) if len(messages) > 1 else messages[0]

    return receive


ORG = "/api/organizations/{org}"
FAILURES = [
    Failure("malformed JSON", "PATCH", "/api/me", b'{"name": '),
    Failure("invalid UTF-8", "PATCH", "/api/me", b'{"name": "\xff"}'),
    Failure("nesting 5,000 deep", "PATCH", "/api/me", b'{"a":' * 5000 + b"1" + b"}" * 5000),
    Failure("nesting 5,000 deep (organization)", "PATCH", ORG, b'{"a":' * 5000 + b"1" + b"}" * 5000),
    Failure("NUL", "PATCH", "/api/me", b'{"name": "a\\u0000"}'),
    Failure("validation: wrong type", "PATCH", "/api/me", b'{"name": 5}'),
    Failure("validation: unknown field", "PATCH", ORG, b'{"name": "x", "owner": "me"}'),
    Failure("dependency: unknown session", "PATCH", "/api/me", b'{"name": "x"}', token="bogus"),
    Failure("dependency: not a member", "PATCH", "/api/organizations/{other_org}", b'{"name": "x"}'),
    Failure("handler: bad locale", "PATCH", "/api/me", b'{"name": "Changed", "preferredLocale": "zz-zz-zz-zz-zz"}'),
    Failure("handler: slug taken", "PATCH", ORG, b'{"name": "Renamed", "slug": "{other_slug}"}'),
    Failure("handler: last owner leaves", "POST", ORG + "/leave", b""),
    Failure("client disconnects mid-body", "PATCH", "/api/me", b"", receive=_disconnect_mid_body),
    Failure("client gone before the response", "PATCH", ORG, b'{"name": "Gone"}', send_fails=True),
    Failure("client gone before an error response", "POST", ORG + "/leave", b"", send_fails=True),
]


@pytest.fixture
async def app(migrated_url: str, tmp_path: Path, engine: AsyncEngine) -> AsyncIterator[Litestar]:
    """The app with a SQLite busy timeout of 0: a write that would wait fails at once instead."""
    application = create_app(make_settings(migrated_url, tmp_path / "storage", sqlite_busy_timeout_ms=0))
    try:
        yield application
    finally:
        await close_app(application)


async def _assert_released(app: Litestar, engine: AsyncEngine, world: World) -> None:
    gc.collect()  # a session nobody closed would be finalized now, and its connection reported
    assert app.state[DATABASE_STATE_KEY].get_engine().pool.checkedout() == 0, "a connection is still checked out"
    if engine.dialect.name == "sqlite":
        assert write_lock_is_free(engine), "SQLite's write lock is still held"
        return
    activity = table("pg_stat_activity", column("datname"), column("pid"), column("state"))
    async with engine.begin() as probe:
        idle_in_transaction = await probe.scalar(
            select(func.count())
            .select_from(activity)
            .where(activity.c.datname == func.current_database())
            .where(activity.c.pid != func.pg_backend_pid())
            .where(activity.c.state.like("idle in transaction%"))
        )
        assert idle_in_transaction == 0, "a backend is idle in a transaction"
        await probe.execute(select(User.id).where(User.id == world.ids["owner_user"]).with_for_update(nowait=True))
        await probe.execute(
            select(Organization.id).where(Organization.id == world.ids["org"]).with_for_update(nowait=True)
        )


async def _send(app: Litestar, failure: Failure, world: World, other_slug: str) -> Any:
    path = failure.path.replace("{org}", world.ids["org"]).replace("{other_org}", world.ids["other_org"])
    token = world.tokens.get(failure.token) or "bogus-token-of-no-session"
    body = failure.body.replace(b"{other_slug}", other_slug.encode())
    headers = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")]
    try:
        response = await raw_request(
            app,
            failure.method,
            path.encode(),
            headers=headers,
            body=body,
            receive=failure.receive() if failure.receive else None,
            send_fails=failure.send_fails,
        )
    except Exception:
        if not failure.send_fails:
            raise
        return None  # the client was gone: the app's error escapes to the server, nobody reads an answer
    return response.status


@pytest.mark.parametrize("failure", FAILURES, ids=lambda failure: failure.name)
async def test_a_failed_write_releases_its_connection_at_once(
    failure: Failure, app: Litestar, engine: AsyncEngine
) -> None:
    world = await build_world(engine)
    token = world.tokens["owner"]
    assert token is not None
    async with engine.connect() as connection:
        other_slug = await connection.scalar(select(Organization.slug).where(Organization.id == world.ids["other_org"]))
    assert other_slug
    with recording_logs("sqlalchemy.pool") as pool_log:
        for _ in range(3):  # repeated: a leak per request would add up
            status = await _send(app, failure, world, other_slug)
            assert status is None or status >= 400, f"{failure.name} did not fail: {status}"
            await _assert_released(app, engine, world)
        after = await raw_request(
            app,
            "PATCH",
            b"/api/me",
            headers=[(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")],
            body=b'{"name": "After"}',
        )
        assert after.status == 200, after.body[:300]
        assert after.json()["name"] == "After"
        await _assert_released(app, engine, world)
    assert not pool_log.messages("garbage collector"), pool_log.messages()
