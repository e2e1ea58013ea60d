"""The raw-driver floor: the smallest Litestar app that reads a caller's session and user by token.

    DATABASE_URL=... uvicorn bench.floor:create_floor_app --factory

One route, ``GET /bench/floor``: the bearer token is looked up with the service's own statement
(``SESSION_AND_USER_BY_TOKEN``, compiled for the dialect) straight on the driver (one aiosqlite
connection, or an asyncpg pool with prepared statements), the expiry is checked, and the raw
row is returned as JSON. No records, no column types, no error mapping, no middleware: what is
left of a session read when everything this service adds is taken away. It is a yardstick for
the benchmark, never part of the product.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import asyncpg
from litestar import Litestar, Request, Response, get
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.db.types import to_epoch_ms
from app.repositories.sessions import SESSION_AND_USER_BY_TOKEN

EXPIRES_AT = 1  # the session's second column is expiresAt (app.db.models.UserSession)


class Floor:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        # The dialect of the service's own driver for this URL (creating an engine connects nothing).
        self.sql = str(SESSION_AND_USER_BY_TOKEN.compile(dialect=create_async_engine(url).dialect))
        self.target = (
            str(parsed.database)
            if self.sqlite
            else parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        )
        self.connection: aiosqlite.Connection | None = None
        self.pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        if self.sqlite:
            self.connection = await aiosqlite.connect(self.target, isolation_level=None)
        else:
            self.pool = await asyncpg.create_pool(self.target, min_size=1, max_size=4)

    async def stop(self) -> None:
        if self.connection is not None:
            await self.connection.close()
        if self.pool is not None:
            await self.pool.close()

    async def read(self, token: str) -> list[Any] | None:
        if self.connection is not None:
            rows = list(await self.connection.execute_fetchall(self.sql, (token,)))
            row = list(rows[0]) if rows else None
            live = row is not None and row[EXPIRES_AT] > to_epoch_ms(datetime.now(UTC))
        else:
            assert self.pool is not None
            found = await self.pool.fetchrow(self.sql, token)
            row = list(found) if found is not None else None
            live = row is not None and row[EXPIRES_AT] > datetime.now(UTC)
        return row if live else None


def create_floor_app() -> Litestar:
    floor = Floor(os.environ["DATABASE_URL"])

    @get("/bench/floor", include_in_schema=False)
    async def read(request: Request[Any, Any, Any]) -> Response[Any]:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        row = await floor.read(token)
        if row is None:
            return Response({"error": "unauthenticated"}, status_code=401)
        return Response({"row": [value.isoformat() if isinstance(value, datetime) else value for value in row]})

    @get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([read, health], on_startup=[floor.start], on_shutdown=[floor.stop], openapi_config=None)
