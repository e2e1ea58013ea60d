"""Abuse limits: attempts per address and per email, request body size, list size, CORS."""

from __future__ import annotations

import dataclasses

import httpx

from app.api.application import create_app
from app.config import Settings
from tests.helpers import api_client, sign_up


async def test_sign_in_attempts_are_limited_per_email(settings: Settings) -> None:
    limited = dataclasses.replace(settings, auth_rate_limit_per_email=3, auth_rate_limit_per_address=100)
    async with api_client(limited) as client:
        await sign_up(client, "victim@example.com", "the right password")
        attempts = [
            await client.post(
                "/api/auth/sign-in/email", json={"email": "Victim@example.com", "password": f"guess {n:04d}"}
            )
            for n in range(3)
        ]
        other = await client.post(
            "/api/auth/sign-in/email", json={"email": "other@example.com", "password": "whatever 1"}
        )
    # sign-up counted as the first attempt for this email; two guesses then the limit
    assert [r.status_code for r in attempts] == [401, 401, 429]
    blocked = attempts[-1]
    assert blocked.json() == {"message": "Too many requests. Please try again later."}  # Better Auth's 429
    assert 1 <= int(blocked.headers["x-retry-after"]) <= 60
    assert other.status_code == 401


async def test_sign_up_and_sign_in_are_limited_per_address(settings: Settings) -> None:
    limited = dataclasses.replace(settings, auth_rate_limit_per_address=4, auth_rate_limit_per_email=100)
    async with api_client(limited) as client:
        statuses = [
            (
                await client.post(
                    "/api/auth/sign-up/email",
                    json={"name": "N", "email": f"n{n}@example.com", "password": "password 12"},
                )
            ).status_code
            for n in range(5)
        ]
    assert statuses == [200, 200, 200, 200, 429]


async def test_request_bodies_over_the_limit_get_413(settings: Settings) -> None:
    small = dataclasses.replace(settings, max_request_body_bytes=2048)
    async with api_client(small) as client:
        token, _ = await sign_up(client, "big@example.com")
        auth = await client.post(
            "/api/auth/sign-up/email", json={"name": "x" * 5000, "email": "big2@example.com", "password": "password 12"}
        )
        rest = await client.patch("/api/me", json={"name": "x" * 5000}, headers={"Authorization": f"Bearer {token}"})
    assert auth.status_code == 413
    assert auth.headers["content-type"] == "application/json"
    assert auth.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert rest.status_code == 413
    assert rest.headers["content-type"].startswith("application/problem+json")
    assert rest.json()["code"] == "request_too_large"


async def test_list_size_is_capped(client: httpx.AsyncClient) -> None:
    token, _ = await sign_up(client, "lister@example.com")
    response = await client.get("/api/me/sessions", params={"limit": 201}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


async def test_cors_is_off_by_default_and_allows_exactly_the_trusted_origins(settings: Settings) -> None:
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
    async with api_client(settings) as client:
        default = await client.options("/api/auth/sign-in/email", headers=preflight)
        simple = await client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in default.headers
    assert "access-control-allow-origin" not in simple.headers
    allowed = dataclasses.replace(
        settings, base_url="https://api.example.com", trusted_origin_entries=("https://*.example.com",)
    )
    app = create_app(allowed)
    async with api_client(allowed, app) as client:
        ok = await client.options("/api/auth/sign-in/email", headers=preflight)
        evil = await client.options("/api/auth/sign-in/email", headers={**preflight, "Origin": "https://evil.example"})
        lookalike = await client.get("/health", headers={"Origin": "https://app.example.com.evil.example"})
        read = await client.get("/health", headers={"Origin": "https://app.example.com"})
    assert ok.headers.get("access-control-allow-origin") == "https://app.example.com"
    assert ok.headers.get("access-control-allow-credentials") == "true"
    assert evil.headers.get("access-control-allow-origin") != "https://evil.example"
    assert "access-control-allow-origin" not in lookalike.headers
    assert read.headers.get("access-control-allow-origin") == "https://app.example.com"
    assert read.headers.get("access-control-allow-credentials") == "true"
    assert "set-auth-token" in read.headers.get("access-control-expose-headers", "")
