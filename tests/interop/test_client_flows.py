"""The official Better Auth client gets the same answers from this service as from Better Auth.

``node/client-flows.mjs`` drives ``createAuthClient`` (``better-auth/client`` with ``adminClient()``
and ``organizationClient({teams: {enabled: true}})``) through flows of calls, in cookie mode (a
cookie jar that sends an ``Origin``) and in bearer mode (``set-auth-token``). Per backend, one
freshly migrated database serves two servers at once: the real Better Auth (``node/server.mjs``,
Drizzle over libSQL on SQLite, Kysely over pg on PostgreSQL) and this service (uvicorn, in its
own process). The flows run against each, with their own users and organizations, and every
flow's outcome (status, error code, normalised body, cookies, ``set-auth-token``) must be equal.
Each backend x flow is its own test; a differing flow reports both outcomes where they differ.

``INTEROP_FLOWS_DUMP=<dir>`` also writes both runs' outcomes there as JSON, for reading.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from app.config import PROJECT_ROOT
from app.db import migrations
from tests.helpers import TEST_SECRET, make_settings, new_database_url
from tests.interop.tools import NODE_DIR, node_database, node_env, run_node

TRUSTED_ORIGIN = "http://app.example.test"
UNTRUSTED_ORIGIN = "http://evil.example.test"
START_TIMEOUT = 120.0
FLOWS_TIMEOUT = 1800.0

_DECLARATION = re.compile(r'^flow\("([a-z0-9-]+)", (COOKIE|BOTH)\b', re.MULTILINE)
_MODES = {"COOKIE": ("cookie",), "BOTH": ("cookie", "bearer")}
FLOW_IDS = [
    f"{name}@{mode}"
    for name, modes in _DECLARATION.findall((NODE_DIR / "client-flows.mjs").read_text(encoding="utf-8"))
    for mode in _MODES[modes]
]

ENDPOINTS = (
    # Better Auth 1.7's endpoints (its documented auth and plugin routes), as the client calls them.
    "POST /sign-up/email",
    "POST /sign-in/email",
    "POST /sign-out",
    "GET /get-session",
    "GET /list-sessions",
    "POST /revoke-session",
    "POST /revoke-sessions",
    "POST /revoke-other-sessions",
    "POST /update-user",
    "POST /change-password",
    "POST /delete-user",
    "POST /organization/create",
    "GET /organization/list",
    "POST /organization/set-active",
    "GET /organization/get-full-organization",
    "POST /organization/update",
    "POST /organization/delete",
    "POST /organization/check-slug",
    "POST /organization/invite-member",
    "POST /organization/accept-invitation",
    "POST /organization/reject-invitation",
    "POST /organization/cancel-invitation",
    "GET /organization/get-invitation",
    "GET /organization/list-invitations",
    "GET /organization/list-user-invitations",
    "GET /organization/list-members",
    "GET /organization/get-active-member",
    "GET /organization/get-active-member-role",
    "POST /organization/update-member-role",
    "POST /organization/remove-member",
    "POST /organization/leave",
    "POST /organization/create-team",
    "GET /organization/list-teams",
    "POST /organization/update-team",
    "POST /organization/remove-team",
    "POST /organization/set-active-team",
    "GET /organization/list-user-teams",
    "GET /organization/list-team-members",
    "POST /organization/add-team-member",
    "POST /organization/remove-team-member",
    "GET /admin/list-users",
    "POST /admin/set-role",
    "POST /admin/create-user",
    "POST /admin/remove-user",
    "POST /admin/ban-user",
    "POST /admin/unban-user",
    "POST /admin/list-user-sessions",
    "POST /admin/revoke-user-session",
    "POST /admin/revoke-user-sessions",
    "POST /admin/impersonate-user",
    "POST /admin/stop-impersonating",
)


@dataclass(frozen=True)
class Runs:
    """Both servers' outcomes of every flow, by flow id (``name@mode``)."""

    better_auth: dict[str, Any]
    service: dict[str, Any]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM to the process group, then SIGKILL if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def tail(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""


@contextmanager
def better_auth_server(tools: Path, db_url: str, logs: Path) -> Iterator[str]:
    """The real Better Auth (``server.mjs``) on the database; yields its base URL."""
    kind, target = node_database(db_url)
    command = ["node", "server.mjs", "--db", kind, "--url", target, "--secret", TEST_SECRET]
    command += ["--port", "0", "--trusted-origins", TRUSTED_ORIGIN]
    errors = logs / "better-auth.stderr"
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            command, cwd=tools, env=node_env(tools), stdout=subprocess.PIPE, stderr=stderr, start_new_session=True
        )
    try:
        ready = _first_line(process.stdout)
        if not ready:
            pytest.fail(f"server.mjs did not start (exit {process.poll()}):\n{tail(errors)}")
        yield str(json.loads(ready)["url"])
    finally:
        stop(process)
        if process.stdout:
            process.stdout.close()


def _first_line(stream: IO[bytes] | None) -> bytes:
    """The first line ``stream`` prints, or empty if it ends or stays silent past START_TIMEOUT."""
    assert stream is not None
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        line: bytes = pool.submit(stream.readline).result(timeout=START_TIMEOUT)
    except TimeoutError:
        line = b""  # the reader thread ends when the caller stops the process
    pool.shutdown(wait=False)
    return line


@contextmanager
def service_server(db_url: str, logs: Path) -> Iterator[str]:
    """This service (uvicorn running ``app:create_app``) on the database; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": db_url,
        "STORAGE_URL": (logs / "storage").as_uri(),
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "BETTER_AUTH_URL": base,
        "BETTER_AUTH_TRUSTED_ORIGINS": TRUSTED_ORIGIN,
        # The flows sign in far more often than a person; 0 turns the attempt limits off.
        "AUTH_RATE_LIMIT_PER_ADDRESS": "0",
        "AUTH_RATE_LIMIT_PER_EMAIL": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    errors = logs / "service.stderr"
    with errors.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_serving(process, f"{base}/health", errors)
        yield base
    finally:
        stop(process)


def _wait_until_serving(process: subprocess.Popen[Any], health: str, errors: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service exited with {process.returncode}:\n{tail(errors)}")
        try:
            if httpx.get(health, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the service did not answer {health}:\n{tail(errors)}")


def run_flows(tools: Path, base_url: str, db_url: str, run: str) -> dict[str, Any]:
    """Every flow of ``client-flows.mjs`` against the server at ``base_url``; outcomes by flow id."""
    kind, target = node_database(db_url)
    config = {
        "baseURL": base_url,
        "origin": TRUSTED_ORIGIN,
        "untrustedOrigin": UNTRUSTED_ORIGIN,
        "run": run,
        "db": kind,
        "url": target,
        "secret": TEST_SECRET,
    }
    result = run_node(["node", "client-flows.mjs", json.dumps(config)], tools, timeout=FLOWS_TIMEOUT)
    try:
        flows: dict[str, Any] = json.loads(result.stdout)["flows"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"client-flows.mjs printed no outcome (exit {result.returncode}):\n{result.stderr[-4000:]}")
    return flows


@pytest.fixture(scope="module")
def runs(
    backend: str, node_tools: Path, tmp_path_factory: pytest.TempPathFactory, pg_database_factory: list[str]
) -> Runs:
    """Both servers on one freshly migrated database; the flows run against each in turn.

    Not both at once: on SQLite the two servers' writers would queue on one file lock, and a busy
    machine then turns waits into the service's 503 DATABASE_BUSY.
    """
    folder = tmp_path_factory.mktemp(f"client-flows-{backend}")
    db_url = new_database_url(backend, folder, pg_database_factory)
    migrations.upgrade(make_settings(db_url, None))
    tag = secrets.token_hex(3)
    with better_auth_server(node_tools, db_url, folder) as better_auth, service_server(db_url, folder) as service:
        outcomes = Runs(
            better_auth=run_flows(node_tools, better_auth, db_url, run=f"b{tag}"),
            service=run_flows(node_tools, service, db_url, run=f"s{tag}"),
        )
    dump = os.environ.get("INTEROP_FLOWS_DUMP")
    if dump:
        Path(dump).mkdir(parents=True, exist_ok=True)
        for side, flows in (("better-auth", outcomes.better_auth), ("service", outcomes.service)):
            (Path(dump) / f"{backend}-{side}.json").write_text(json.dumps(flows, indent=1), encoding="utf-8")
    return outcomes


def comparable(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """A flow's steps without what is only reported (error messages)."""
    return [{key: value for key, value in step.items() if key != "info"} for step in outcome["steps"]]


def differences(expected: Any, actual: Any, where: str = "") -> Iterator[str]:
    """Where two normalised values differ, as ``path: Better Auth X, service Y`` lines."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            inner = f"{where}.{key}" if where else key
            if key not in actual:
                yield f"{inner}: Better Auth {json.dumps(expected[key])}, service (missing)"
            elif key not in expected:
                yield f"{inner}: Better Auth (missing), service {json.dumps(actual[key])}"
            else:
                yield from differences(expected[key], actual[key], inner)
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            yield from differences(left, right, f"{where}[{index}]")
    elif expected != actual:
        yield f"{where or '(value)'}: Better Auth {json.dumps(expected)}, service {json.dumps(actual)}"


def report(flow: str, expected: dict[str, Any], actual: dict[str, Any]) -> str:
    """Every differing step of a flow, with both outcomes (and the service's messages)."""
    lines = [f"{flow}: the service differs from Better Auth"]
    left, right = comparable(expected), comparable(actual)
    for index in range(max(len(left), len(right))):
        want = left[index] if index < len(left) else None
        got = right[index] if index < len(right) else None
        if want == got:
            continue
        label = (want or got or {}).get("call")
        lines.append(f"  step {index + 1} {label!r}:")
        if want is None or got is None:
            lines.append(f"    Better Auth: {json.dumps(want)}")
            lines.append(f"    service:     {json.dumps(got)}")
            continue
        lines.extend(f"    {line}" for line in differences(want, got))
        message = actual["steps"][index].get("info")
        if message:
            lines.append(f"    (service said {json.dumps(message)})")
    if "error" in actual:
        lines.append(f"  the service's run stopped: {actual['error'][:2000]}")
    return "\n".join(lines)


def test_flows_declared_are_the_flows_run(runs: Runs) -> None:
    assert len(FLOW_IDS) >= 40
    assert sorted(runs.better_auth) == sorted(FLOW_IDS)
    assert sorted(runs.service) == sorted(FLOW_IDS)


def test_the_flows_call_every_endpoint(runs: Runs) -> None:
    called = {step["request"] for outcome in runs.better_auth.values() for step in outcome["steps"]}
    assert sorted(set(ENDPOINTS) - called) == []


@pytest.mark.parametrize("flow", FLOW_IDS)
def test_flow(runs: Runs, flow: str) -> None:
    expected, actual = runs.better_auth[flow], runs.service[flow]
    assert "error" not in expected, f"the flow itself failed against Better Auth: {expected['error']}"
    if comparable(expected) != comparable(actual) or "error" in actual:
        pytest.fail(report(flow, expected, actual), pytrace=False)
