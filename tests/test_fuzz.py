"""Fuzzing the running service from its own OpenAPI schema (schemathesis).

A real server (uvicorn) on 127.0.0.1 serves a migrated, seeded SQLite database. Every operation
is called with generated inputs as an anonymous caller, a regular user and a global admin; every
response must not be a 5xx and must match the documented status codes, content types and schemas.
``FUZZ_EXAMPLES`` sets the examples per operation and caller (default 8: over 1,000 cases).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.application import create_app
from app.db import migrations, seed
from tests.helpers import TEST_SECRET, make_settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CASES: Counter[str] = Counter()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite+aiosqlite:///{directory / 'fuzz.sqlite3'}"
    migrations.upgrade(make_settings(url, None))
    assert seed.main(["--database-url", url, "--quiet"]) == 0
    port = _free_port()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": url,
        "STORAGE_URL": (directory / "storage").as_uri(),
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "AUTH_RATE_LIMIT_PER_ADDRESS": "0",
        "AUTH_RATE_LIMIT_PER_EMAIL": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            server.terminate()
            pytest.fail(f"the server did not start: {server.communicate(timeout=10)[1][-2000:]}")
        yield base
    finally:
        server.terminate()
        try:
            stderr = server.communicate(timeout=20)[1]
        except subprocess.TimeoutExpired:
            server.kill()
            stderr = ""
        assert "Traceback" not in (stderr or ""), stderr[-3000:]


@pytest.fixture(scope="module")
def identities(live_server: str) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for name, email in (("user", "member@seed.example.com"), ("admin", "admin@seed.example.com")):
        response = httpx.post(
            f"{live_server}/api/auth/sign-in/email",
            json={"email": email, "password": seed.DEFAULT_PASSWORD},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        headers[name] = {"Authorization": f"Bearer {response.json()['token']}"}
    return headers


# The schema is the app's own, built in-process at collection (no server or database needed).
SCHEMA = schemathesis.openapi.from_dict(
    create_app(make_settings("sqlite+aiosqlite:///:memory:", None)).openapi_schema.to_schema()
)
OPERATIONS = []
for result in SCHEMA.get_all_operations():
    if isinstance(result, Err):  # a schema the generator cannot read is a failure of ours
        raise result.err()
    OPERATIONS.append(result.ok())
SESSION_ENDERS = (
    "/sessions/revoke-others",
    "/revoke-all",
    "/impersonation/stop",
    # Better Auth's face: sign-out, revoking or replacing sessions, deleting oneself
    "/api/auth/sign-out",
    "/api/auth/revoke-sessions",
    "/api/auth/revoke-other-sessions",
    "/api/auth/change-password",
    "/api/auth/delete-user",
    "/api/auth/admin/stop-impersonating",
)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_generated_requests_never_fail_the_server(
    operation: Any, live_server: str, identities: dict[str, dict[str, str]]
) -> None:
    callers = identities
    if operation.path.endswith(SESSION_ENDERS):
        callers = {"anonymous": identities["anonymous"]}  # would end the sessions the others fuzz with

    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        for name, headers in callers.items():
            CASES[name] += 1
            case.call_and_validate(base_url=live_server, headers=headers, checks=CHECKS, timeout=30)

    run()


def test_fuzzing_ran_enough_cases() -> None:
    """Runs after the fuzz test in this module (pytest keeps file order)."""
    if not CASES:
        pytest.skip("the fuzz test was deselected")
    assert sum(CASES.values()) >= 1000 or EXAMPLES < 8, dict(CASES)
    Path(os.environ.get("FUZZ_REPORT", os.devnull)).write_text(f"{sum(CASES.values())}\n")
