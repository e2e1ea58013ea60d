"""REST face: a write authenticated by the session cookie must come from a trusted origin.

Issue #13 item 4: missing ``Origin``/``Referer`` → 403 ``missing_origin``; untrusted → 403
``invalid_origin``; bearer-authenticated writes need none.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from app.config import Settings
from app.domain.cookies import SESSION_COOKIE, sign_session_token
from tests.helpers import api_client, bearer, sign_up


def _cookie(token: str, settings: Settings) -> dict[str, str]:
    return {"cookie": f"{SESSION_COOKIE}={sign_session_token(token, settings.secret)}"}


async def test_a_cross_site_form_post_carrying_the_cookie_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    token, _ = await sign_up(client, "victim@example.com")
    form = {**_cookie(token, settings), "content-type": "application/x-www-form-urlencoded"}
    evil = await client.post(
        "/api/organizations", content=b"name=Pwned", headers={**form, "origin": "https://evil.example"}
    )
    assert (evil.status_code, evil.json()["code"]) == (403, "invalid_origin")
    assert evil.headers["content-type"] == "application/problem+json"
    referer = await client.post(
        "/api/organizations", content=b"name=Pwned", headers={**form, "referer": "https://evil.example/form"}
    )
    assert (referer.status_code, referer.json()["code"]) == (403, "invalid_origin")
    missing = await client.post("/api/organizations", content=b"name=Pwned", headers=form)
    assert (missing.status_code, missing.json()["code"]) == (403, "missing_origin")
    opaque = await client.post("/api/organizations", content=b"name=Pwned", headers={**form, "origin": "null"})
    assert (opaque.status_code, opaque.json()["code"]) == (403, "missing_origin")
    deleted = await client.delete("/api/me/sessions/whatever", headers={**_cookie(token, settings)})
    assert (deleted.status_code, deleted.json()["code"]) == (403, "missing_origin")
    listed = await client.get("/api/organizations", headers=bearer(token))
    assert listed.json()["items"] == []  # nothing was created


async def test_a_same_origin_post_with_the_cookie_is_accepted(client: httpx.AsyncClient, settings: Settings) -> None:
    token, _ = await sign_up(client, "owner@example.com")
    # Without BETTER_AUTH_URL the service's own origin is the one the request was sent to.
    same = await client.post(
        "/api/organizations", json={"name": "Mine"}, headers={**_cookie(token, settings), "origin": "http://testserver"}
    )
    assert same.status_code == 201, same.text
    by_referer = await client.patch(
        "/api/me", json={"name": "Owner"}, headers={**_cookie(token, settings), "referer": "http://testserver/settings"}
    )
    assert by_referer.status_code == 200, by_referer.text
    read = await client.get("/api/me", headers=_cookie(token, settings))  # reads need no origin
    assert read.status_code == 200


async def test_a_bearer_post_needs_no_origin(client: httpx.AsyncClient) -> None:
    token, _ = await sign_up(client, "api@example.com")
    created = await client.post("/api/organizations", json={"name": "Api"}, headers=bearer(token))
    assert created.status_code == 201, created.text


@pytest.mark.parametrize("origin", ["https://app.example.com", "https://admin.example.com"])
async def test_configured_origins_are_trusted_with_wildcards(settings: Settings, origin: str) -> None:
    configured = dataclasses.replace(
        settings, base_url="https://api.example.com", trusted_origin_entries=("https://*.example.com",)
    )
    async with api_client(configured) as client:
        token, _ = await sign_up(client, f"wild-{origin[8:11]}@example.com")
        cookie = _cookie(token, configured)
        ok = await client.post("/api/organizations", json={"name": "W"}, headers={**cookie, "origin": origin})
        own = await client.post(
            "/api/organizations", json={"name": "O"}, headers={**cookie, "origin": "https://api.example.com"}
        )
        # The request's own host is no longer trusted once BETTER_AUTH_URL names the service.
        host = await client.post(
            "/api/organizations", json={"name": "H"}, headers={**cookie, "origin": "http://testserver"}
        )
    assert (ok.status_code, own.status_code) == (201, 201)
    assert (host.status_code, host.json()["code"]) == (403, "invalid_origin")
