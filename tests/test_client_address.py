"""The client address: forwarding headers count only when the TCP peer is a trusted proxy."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import httpx
import pytest

from app.api.application import create_app
from app.api.client_address import TrustedProxies
from app.config import ConfigurationError, Settings
from tests.helpers import PASSWORDS, RESPONSES, StatelessClient, bearer

PASSWORD = "client address pw 1"


@asynccontextmanager
async def client_from(settings: Settings, peer: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the app whose TCP peer address is ``peer``."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=cast("Any", app), client=(peer, 40000))
    async with (
        app.lifespan(),
        StatelessClient(
            transport=transport, base_url="http://testserver", event_hooks={"response": [RESPONSES.record]}
        ) as client,
    ):
        yield client


async def _session_address(client: httpx.AsyncClient, email: str, headers: dict[str, str]) -> str | None:
    """The ``ipAddress`` of the session a sign-up sent with ``headers`` opens (read back without them)."""
    PASSWORDS.add(PASSWORD)
    response = await client.post(
        "/api/auth/sign-up/email", json={"name": "C", "email": email, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 200, response.text
    session = await client.get("/api/auth/get-session", headers=bearer(response.json()["token"]))
    assert session.status_code == 200, session.text
    return cast("str | None", session.json()["session"]["ipAddress"])


async def _sign_in_status(client: httpx.AsyncClient, email: str, headers: dict[str, str]) -> int:
    """The status of a sign-in with a wrong password (401 until the attempt limit answers 429)."""
    response = await client.post(
        "/api/auth/sign-in/email", json={"email": email, "password": "wrong password"}, headers=headers
    )
    if response.status_code == 401:
        assert response.json()["code"] == "INVALID_EMAIL_OR_PASSWORD", response.text
    else:
        assert response.status_code == 429, response.text
    return response.status_code


SPOOFED = {"X-Forwarded-For": "198.51.100.66", "Forwarded": "for=198.51.100.67"}


async def test_forwarding_headers_from_an_untrusted_peer_change_nothing(settings: Settings, engine: object) -> None:
    # no trusted proxies at all, then proxies that do not include this peer
    for trusted in ((), ("10.0.0.0/8",)):
        configured = dataclasses.replace(settings, trusted_proxies=trusted)
        async with client_from(configured, "203.0.113.9") as client:
            assert await _session_address(client, f"u{len(trusted)}@example.com", SPOOFED) == "203.0.113.9"


async def test_spoofed_addresses_do_not_escape_the_per_address_limit(settings: Settings, engine: object) -> None:
    limited = dataclasses.replace(settings, auth_rate_limit_per_address=3, auth_rate_limit_per_email=100)
    async with client_from(limited, "203.0.113.10") as client:
        statuses = [
            await _sign_in_status(
                client,
                f"x{n}@example.com",
                {"X-Forwarded-For": f"198.51.100.{n}", "Forwarded": f"for=198.51.100.{n}"},
            )
            for n in range(4)
        ]
    assert statuses == [401, 401, 401, 429]


async def test_a_trusted_proxy_gives_the_client_address(settings: Settings, engine: object) -> None:
    behind = dataclasses.replace(settings, trusted_proxies=("10.0.0.0/8", "fd00::/8"))
    async with client_from(behind, "10.1.2.3") as client:
        # the client prepended a fake hop; the proxy appended the real one
        chain = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}
        assert await _session_address(client, "a@example.com", chain) == "203.0.113.7"
        # two trusted hops (an inner proxy in fd00::/8) in front of the client
        inner = {"X-Forwarded-For": "203.0.113.8, fd00::5"}
        assert await _session_address(client, "b@example.com", inner) == "203.0.113.8"
        # Forwarded is not the configured header: ignored, the X-Forwarded-For hop counts
        both = {"Forwarded": "for=6.6.6.6", "X-Forwarded-For": "203.0.113.11"}
        assert await _session_address(client, "c@example.com", both) == "203.0.113.11"
        # no header: the proxy itself
        assert await _session_address(client, "d@example.com", {}) == "10.1.2.3"


async def test_forwarded_header_when_configured(settings: Settings, engine: object) -> None:
    behind = dataclasses.replace(settings, trusted_proxies=("10.0.0.0/8",), trusted_proxy_header="forwarded")
    async with client_from(behind, "10.0.0.1") as client:
        header = {"Forwarded": 'for=6.6.6.6;proto=https, for="[2001:db8::7]:4711";by=10.0.0.1'}
        assert await _session_address(client, "e@example.com", header) == "2001:db8::7"
        ignored = {"X-Forwarded-For": "6.6.6.6"}
        assert await _session_address(client, "f@example.com", ignored) == "10.0.0.1"


async def test_clients_behind_one_proxy_have_separate_limits(settings: Settings, engine: object) -> None:
    behind = dataclasses.replace(
        settings, trusted_proxies=("10.0.0.0/8",), auth_rate_limit_per_address=2, auth_rate_limit_per_email=100
    )

    async def attempt(client: httpx.AsyncClient, address: str, n: int) -> int:
        return await _sign_in_status(client, f"y{n}@example.com", {"X-Forwarded-For": address})

    async with client_from(behind, "10.0.0.2") as client:
        attacker = [await attempt(client, "198.51.100.1", n) for n in range(3)]
        victim = await attempt(client, "198.51.100.2", 9)
    assert attacker == [401, 401, 429]
    assert victim == 401


@pytest.mark.parametrize(
    ("peer", "values", "expected"),
    [
        ("10.0.0.1", ["203.0.113.1"], "203.0.113.1"),
        ("10.0.0.1", ["203.0.113.1:5555"], "203.0.113.1"),
        ("10.0.0.1", ["unknown"], "10.0.0.1"),  # obfuscated hop: stop at the trusted proxy
        ("10.0.0.1", ["203.0.113.1, garbage"], "10.0.0.1"),
        ("10.0.0.1", ["10.0.0.9, 10.0.0.8"], "10.0.0.9"),  # every hop trusted: the farthest
        ("::ffff:10.0.0.1", ["203.0.113.2"], "203.0.113.2"),  # IPv4-mapped peer
        ("192.0.2.1", ["203.0.113.1"], "192.0.2.1"),  # untrusted peer
        (None, ["203.0.113.1"], None),
    ],
)
def test_resolve(peer: str | None, values: list[str], expected: str | None) -> None:
    assert TrustedProxies.parse(["10.0.0.0/8"]).resolve(peer, values) == expected


def test_bad_proxy_settings_fail_at_start() -> None:
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        TrustedProxies.parse(["10.0.0.0/33"])
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXY_HEADER"):
        TrustedProxies.parse([], "x-real-ip")
