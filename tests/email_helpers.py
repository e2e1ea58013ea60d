"""Helpers of the email-flow tests: the app wired to a real SMTP server, and Better Auth face calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.application import create_app
from app.config import Settings
from app.mail.flows import EmailFlows
from app.mail.setup import EMAIL_FLOWS_STATE_KEY
from tests.helpers import PASSWORDS, bearer, close_app, http_client
from tests.smtp_server import Received, SmtpServer, running_smtp_server

BASE = "http://127.0.0.1:3000"
AUTH = f"{BASE}/api/auth"
PASSWORD = "first passphrase 1"
NEW_PASSWORD = "second passphrase 2"
PASSWORDS.update({PASSWORD, NEW_PASSWORD})


@pytest.fixture
def smtp(engine: AsyncEngine) -> Iterator[SmtpServer]:
    """A real SMTP server for the test; with ``engine``, every table is emptied after the test."""
    with running_smtp_server() as server:
        yield server


@asynccontextmanager
async def service(
    settings: Settings, smtp: SmtpServer, **mail: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Litestar]]:
    """The app with mail going to the test SMTP server; every background send is awaited at the end."""
    options = {"smtp_url": smtp.url, **mail}
    configured = replace(settings, base_url=BASE, mail=replace(settings.mail, **options))
    app = create_app(configured)
    try:
        async with http_client(app) as client:
            yield client, app
    finally:
        await delivered(app)
        await close_app(app)


async def delivered(app: Litestar) -> None:
    """Wait until every message handed over so far has reached the SMTP server (or was given up)."""
    flows: EmailFlows = app.state[EMAIL_FLOWS_STATE_KEY]
    await asyncio.sleep(0)  # background tasks started after the response
    await flows.postman.drain()


async def sign_up(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/auth/sign-up/email", json={"name": "Ada", "email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/sign-in/email", json={"email": email, "password": password})


async def session_of(client: httpx.AsyncClient, token: str) -> dict[str, Any] | None:
    response = await client.get("/api/auth/get-session", headers=bearer(token))
    assert response.status_code == 200
    found: dict[str, Any] | None = response.json()
    return found


async def follow(client: httpx.AsyncClient, message: Received, **headers: str) -> httpx.Response:
    """Open the link of a message on this service (it must point to BETTER_AUTH_URL's auth path)."""
    link = message.link
    assert link.startswith(f"{AUTH}/")
    parts = urlsplit(link)
    return await client.get(f"{parts.path}?{parts.query}", headers=headers)
