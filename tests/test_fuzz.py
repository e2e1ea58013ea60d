"""Fuzzing the running service from its own OpenAPI schema (schemathesis), on SQLite and PostgreSQL.

A real server (uvicorn) on 127.0.0.1 serves a freshly migrated database of each backend. Every
operation gets generated requests (valid and invalid ones), each sent as an anonymous caller, a
plain member, an organization owner and a global admin. Each caller owns a world
(``tests.fuzz_world``): path parameters mostly carry ids that exist for that caller (its
organization, members, invitations, teams, sessions, passkeys...), so the code behind them runs;
one in ten keeps the generated value. Generated strings include NUL; some of the JSON bodies get
a NUL or a lone surrogate in one of their strings (the run counts the requests carrying either). Every response must not be a 5xx and must
match its documented status codes, content type and schema; the server must log no traceback.

A caller whose session ended (sign-out, revocation...) or whose world a request changed for good
(a deletion, leaving, a ban, a role change) is provisioned a new world before the next request,
so destructive operations cannot starve the rest of the run of valid ids.

``FUZZ_EXAMPLES`` sets the generated requests per operation (default 13: over 3,000 cases per
database); ``FUZZ_REPORT`` names a JSON file that receives the figures (scripts/reliability).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.db import migrations
from app.db.engine import create_engine
from tests.fuzz_world import KINDS, Caller, provision
from tests.helpers import TEST_SECRET, make_settings, new_database_url, schema_app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "13"))
MIN_CASES_PER_DATABASE = 3000
CALLERS = ("anonymous", *KINDS)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Lone surrogates cannot travel in a Python string through the generator's own validation: they
# go as markers that ``HostileSession`` turns into JSON escapes (``\ud800``) on the wire.
SURROGATE = re.compile(rb"<<surrogate:(d[89a-f][0-9a-f]{2})>>")
HOSTILE_TEXT = ("\x00", "a\x00b", "<<surrogate:d800>>", "x<<surrogate:dfff>>y", "<<surrogate:d83d>>")
CASES: Counter[tuple[str, str]] = Counter()  # (backend, caller) -> requests sent
HOSTILE: Counter[str] = Counter()  # backend -> requests carrying NUL or a lone surrogate
REPROVISIONED: Counter[str] = Counter()  # backend -> worlds provisioned again
ANSWERS: Counter[tuple[str, str, str]] = Counter()  # (backend, caller, "2xx"/"404"/"4xx") -> responses
# A 2xx answer to these may leave the caller without its session, its organization or its role.
DESTRUCTIVE_SUFFIXES = ("/leave", "/cancel", "/accept", "/reject", "/ban", "/revoke-all", "/revoke-others",
                        "/sign-out", "/stop", "/impersonate",
                        # Better Auth's face (POST /api/auth/...)
                        "/revoke-session", "/revoke-sessions", "/revoke-other-sessions", "/change-password",
                        "/delete-user", "/update-user", "/organization/delete", "/remove-member",
                        "/update-member-role", "/accept-invitation", "/reject-invitation", "/cancel-invitation",
                        "/remove-team", "/remove-team-member", "/set-role", "/ban-user", "/remove-user",
                        "/revoke-user-session", "/revoke-user-sessions", "/set-user-password", "/impersonate-user",
                        "/stop-impersonating", "/reset-password", "/change-email")  # fmt: skip
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    backend: str
    base_url: str
    database_url: str


@pytest.fixture(scope="module")
def live_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, pg_database_factory: list[str]
) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp(f"fuzz-{backend}")
    url = new_database_url(backend, directory, pg_database_factory)
    migrations.upgrade(make_settings(url, None))
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
        yield Server(backend, base, url)
    finally:
        server.terminate()
        try:
            stderr = server.communicate(timeout=20)[1]
        except subprocess.TimeoutExpired:
            server.kill()
            stderr = ""
        assert "Traceback" not in (stderr or ""), stderr[-3000:]


@dataclass
class Callers:
    """The fuzzed callers of one server, each with a world; provisions a new one on demand."""

    backend: str
    loop: asyncio.AbstractEventLoop
    provision_world: Any
    worlds: dict[str, Caller] = field(default_factory=dict)
    sessions: dict[str, HostileSession] = field(default_factory=dict)

    def renew(self, kind: str) -> None:
        self.worlds[kind] = self.loop.run_until_complete(self.provision_world(kind))
        REPROVISIONED[self.backend] += 1


@pytest.fixture(scope="module")
def callers(live_server: Server) -> Iterator[Callers]:
    loop = asyncio.new_event_loop()
    engine = create_engine(make_settings(live_server.database_url, None))

    async def provision_world(kind: str) -> Caller:
        return await provision(engine, kind)

    holder = Callers(live_server.backend, loop, provision_world)
    try:
        for kind in KINDS:
            holder.worlds[kind] = loop.run_until_complete(provision_world(kind))
        holder.sessions = {kind: HostileSession() for kind in CALLERS}
        yield holder
    finally:
        for session in holder.sessions.values():
            session.close()
        loop.run_until_complete(engine.dispose())
        loop.close()


# The schema is the app's own, built in-process at collection (no server or database needed).
SCHEMA = schemathesis.openapi.from_dict(schema_app().openapi_schema.to_schema())
OPERATIONS = []
for result in SCHEMA.get_all_operations():
    if isinstance(result, Err):  # a schema the generator cannot read is a failure of ours
        raise result.err()
    OPERATIONS.append(result.ok())


def _destructive(method: str, path: str) -> bool:
    if method == "DELETE" or path.endswith(DESTRUCTIVE_SUFFIXES):
        return True
    return method == "PATCH" and ("/members/{" in path or path.startswith("/api/admin/users/{"))


class HostileSession(requests.Session):
    """Sends surrogate markers in a JSON body as the lone-surrogate escapes they stand for, and never
    follows a redirect: a 302 is the answer under test (documented or not), and its target may be
    off the service (a trusted callbackURL)."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if isinstance(request.body, bytes) and b"<<surrogate:" in request.body:
            request.body = SURROGATE.sub(rb"\\u\1", request.body)
            request.headers["Content-Length"] = str(len(request.body))
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


def _is_hostile(text: str) -> bool:
    return "\x00" in text or "<<surrogate:" in text


def _carries_hostile(value: Any) -> bool:
    if isinstance(value, str):
        return _is_hostile(value)
    if isinstance(value, dict):
        return any(_carries_hostile(key) or _carries_hostile(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_carries_hostile(item) for item in value)
    return False


def _poison(body: Any, text: str, index: int) -> Any:
    """``body`` with its ``index``-th string (modulo their number) replaced by ``text``; an object
    with no string gets ``text`` as the value of one of its fields."""
    leaves: list[tuple[Any, Any]] = []  # (container, key)

    def collect(value: Any) -> None:
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            if isinstance(item, str):
                leaves.append((value, key))
            else:
                collect(item)

    collect(body)
    if leaves:
        container, key = leaves[index % len(leaves)]
        container[key] = text
    elif isinstance(body, dict) and body:
        body[sorted(body)[index % len(body)]] = text
    return body


# One path parameter in ten keeps its generated value. (A choice drawn from ``sampled_from``:
# Hypothesis favours small and boundary integers, so ``integers() % 10`` would keep far more.)
KEEP_GENERATED = 9
CHOICES = st.tuples(st.sampled_from(range(10)), st.integers(0, 99))


def _pick(pool: list[str], choice: tuple[int, int], generated: Any) -> Any:
    which, index = choice
    return generated if which == KEEP_GENERATED or not pool else pool[index % len(pool)]


def _strategy(operation: Any) -> Any:
    modes = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.path_parameters or operation.query or operation.body:  # something to get wrong
        modes.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(*modes)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_generated_requests_never_fail_the_server(operation: Any, live_server: Server, callers: Callers) -> None:
    names = _PATH_PARAMETER.findall(operation.path)
    destructive = _destructive(operation.method.upper(), operation.path)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure report names the case
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=_strategy(operation),
        picks=st.lists(CHOICES, min_size=len(names), max_size=len(names)),
        poisoned=st.integers(0, 3),
        hostile=st.sampled_from(HOSTILE_TEXT),
        leaf=st.integers(0, 63),
    )
    def run(case: Any, picks: list[tuple[int, int]], poisoned: int, hostile: str, leaf: int) -> None:
        if poisoned == 0 and isinstance(case.body, dict | list):
            case.body = _poison(case.body, hostile, leaf)
        generated = dict(case.path_parameters or {})
        carries_hostile = any(_carries_hostile(part) for part in (generated, case.query, case.body))
        for kind in CALLERS:
            caller = callers.worlds.get(kind)
            ids_from = caller or callers.worlds["owner"]
            case.path_parameters = {
                name: _pick(ids_from.ids_for(operation.path, name), pick, generated.get(name))
                for name, pick in zip(names, picks, strict=True)
            } or case.path_parameters
            headers = {"Authorization": f"Bearer {caller.token}"} if caller else {}
            response = case.call_and_validate(
                base_url=live_server.base_url,
                session=callers.sessions[kind],
                headers=headers,
                checks=CHECKS,
                timeout=30,
            )
            CASES[live_server.backend, kind] += 1
            HOSTILE[live_server.backend] += carries_hostile
            status = response.status_code
            ANSWERS[live_server.backend, kind, "404" if status == 404 else f"{status // 100}xx"] += 1
            if caller and (status == 401 or (destructive and 200 <= status < 300)):
                callers.renew(kind)

    run()


def test_fuzzing_ran_enough_cases(backend: str) -> None:
    """Runs after the fuzz test of the same database (pytest keeps file order within a backend)."""
    cases = {kind: CASES[backend, kind] for kind in CALLERS}
    if not any(cases.values()):
        pytest.skip("the fuzz test was deselected")
    total = sum(cases.values())
    assert total >= MIN_CASES_PER_DATABASE or EXAMPLES < 13, cases
    assert all(cases.values()), f"a caller was never fuzzed: {cases}"
    for kind in KINDS:  # the ids reach the code behind them: many successes, few "not found"
        answers = {answer: n for (b, k, answer), n in ANSWERS.items() if (b, k) == (backend, kind)}
        assert answers.get("2xx", 0) >= cases[kind] * 0.15, (kind, answers)
        assert answers.get("404", 0) <= cases[kind] * 0.15, (kind, answers)
    report = Path(os.environ.get("FUZZ_REPORT", os.devnull))
    figures = json.loads(report.read_text() or "{}") if report.is_file() else {}
    figures[backend] = {"cases": total, "callers": cases, "hostile": HOSTILE[backend],
                        "reprovisioned": REPROVISIONED[backend], "examples": EXAMPLES,
                        "answers": {kind: {answer: n for (b, k, answer), n in sorted(ANSWERS.items())
                                           if b == backend and k == kind} for kind in CALLERS}}  # fmt: skip
    report.write_text(json.dumps(figures, indent=1) + "\n")
