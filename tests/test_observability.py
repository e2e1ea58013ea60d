"""Metrics on /metrics (behind a token), request ids, and JSON log lines that carry them."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.log import JsonFormatter
from tests.helpers import PASSWORDS, RESPONSES, api_client, bearer, sign_in, sign_up
from tests.test_client_address import client_from
from tests.test_faults import TcpProxy

METRICS_TOKEN = "metrics-token-0123456789abcdef"
RESPONSES.secrets.add(METRICS_TOKEN)  # never in a response or a log line (end-of-run scan)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus exposition: (name, labels) -> value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and set(labels.items()) <= ls)


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_metrics_are_served_only_with_the_token(settings: Settings, engine: object) -> None:
    async with api_client(settings) as client:
        assert (await client.get("/metrics")).status_code == 404
    protected = dataclasses.replace(settings, metrics_token=METRICS_TOKEN)
    async with api_client(protected) as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers=bearer("metrics-token-0123456789abcdeX"))
        right = await client.get("/metrics", headers=bearer(METRICS_TOKEN))
        schema = (await client.get("/docs/openapi.json")).json()
    assert missing.status_code == wrong.status_code == 401
    assert wrong.json()["code"] == "metrics_token_required"
    assert right.status_code == 200
    assert "/metrics" not in schema["paths"]


async def test_requests_sign_ins_and_the_pool_are_measured(settings: Settings, engine: object) -> None:
    measured = dataclasses.replace(
        settings, metrics_token=METRICS_TOKEN, auth_rate_limit_per_email=3, auth_rate_limit_per_address=1000
    )
    async with api_client(measured) as client:
        before = await scrape(client)
        token, _ = await sign_up(client, "measured@example.com", "measured password 1")  # attempt 1 on the email
        signed_in = [
            (await sign_in(client, "measured@example.com", password)).status_code
            for password in ("measured password 1", "wrong password 1", "wrong password 2")
        ]
        missing = await client.get("/api/organizations/no-such-org", headers=bearer(token))
        after = await scrape(client)
    assert signed_in == [200, 401, 429]
    assert missing.status_code == 404

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = "/api/organizations/{org_id}"
    assert delta("saas_requests_total", path=route, method="GET", status_code="404") == 1
    assert delta("saas_request_duration_seconds_count", path=route, status_code="404") == 1
    sign_in_route = "/api/auth/sign-in/email"
    assert delta("saas_requests_total", path=sign_in_route, method="POST", status_code="200") == 1
    assert delta("saas_requests_total", path=sign_in_route, status_code="401") == 1
    assert delta("saas_requests_total", path=sign_in_route, status_code="429") == 1
    assert delta("saas_requests_total", path="/api/auth/sign-up/email", status_code="200") == 1
    # label values are route templates, never raw paths with ids in them
    assert not any("no-such-org" in dict(labels).get("path", "") for _, labels in after)
    assert delta("saas_sign_in_total", outcome="success") == 1
    assert delta("saas_sign_in_total", outcome="invalid_credentials") == 1
    assert delta("saas_sign_in_total", outcome="rate_limited") == 1
    assert value(after, "saas_db_pool_size", binding="DB") >= 1
    assert ("saas_db_pool_connections_in_use", frozenset({("binding", "DB")})) in after


async def test_the_request_id_is_echoed_and_accepted_only_from_a_trusted_proxy(
    settings: Settings, engine: object
) -> None:
    proxied = dataclasses.replace(settings, trusted_proxies=("10.0.0.0/8",))
    async with client_from(proxied, "203.0.113.5") as client:
        made = await client.get("/health", headers={"X-Request-ID": "spoofed-id"})
        missing = await client.get("/no/such/route")
    async with client_from(proxied, "10.0.0.7") as client:
        accepted = await client.get("/health", headers={"X-Request-ID": "lb-1234.abc"})
        malformed = await client.get("/health", headers={"X-Request-ID": "no spaces <allowed>"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", missing.headers["x-request-id"])  # a 404 outside every route too
    assert missing.status_code == 404
    assert made.headers["x-request-id"] != missing.headers["x-request-id"]
    assert accepted.headers["x-request-id"] == "lb-1234.abc"
    assert re.fullmatch(r"[0-9a-f]{32}", malformed.headers["x-request-id"])


class JsonLines(logging.Handler):
    """What the production handler writes (same formatter), for the records reaching the root."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@contextmanager
def json_lines() -> Iterator[JsonLines]:
    """Collects the JSON lines; afterwards removes them and the root handler a JSON-mode app
    installs (it would keep writing to this test's captured stderr)."""
    root = logging.getLogger()
    before = list(root.handlers)
    handler = JsonLines()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        for added in [h for h in root.handlers if h not in before]:
            root.removeHandler(added)


async def test_every_log_line_of_a_request_carries_its_request_id(settings: Settings, engine: object) -> None:
    proxy = TcpProxy("127.0.0.1", 6379)
    await proxy.start()
    await proxy.cut()  # a Redis that is down: the sign-in logs the outage, then its access line
    production_logs = dataclasses.replace(
        settings, log_format="json", redis_url=f"redis://127.0.0.1:{proxy.port}/0", redis_key_prefix="unused"
    )
    PASSWORDS.add("json log password 1")
    with json_lines() as output:
        async with api_client(production_logs) as client:
            response = await client.post(
                "/api/auth/sign-up/email",
                json={"name": "J", "email": "json@example.com", "password": "json log password 1"},
            )
    assert response.status_code == 200, response.text
    request_id = response.headers["x-request-id"]
    during = [line for line in output.lines if line.get("request_id") == request_id]
    assert [line["logger"] for line in during] == ["app.bindings", "app.access"], output.lines
    access = during[-1]
    assert access["route"] == "/api/auth/sign-up/email"
    assert access["status"] == 200
    assert access["client"] == "127.0.0.1"
    assert {"timestamp", "level", "event", "pid"} <= set(access)
    # lines made outside any request say so
    assert all(line["request_id"] is None for line in output.lines if line not in during)
