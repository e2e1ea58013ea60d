"""The benchmark suite: every figure is a ratio to a baseline measured in the same run.

    .venv/bin/python -m bench.run [--backends sqlite,postgres] [--seconds 5] [--rounds 5]
                                  [--before a48b2ab] [--seed-scale 33333] [--no-pin]

For each backend a fresh database is migrated and seeded, an organization gets 10,100 members,
and sessions are written straight into the database. Then, on that one database, each in its own
process on 127.0.0.1:
- this service (uvicorn, one worker, the bench app: the product plus ``/bench/baseline``);
- Better Auth itself (the pinned npm package of tests/interop, served by Node: ``server.mjs``);
- the raw-driver floor (``bench/floor.py``: the same session read, straight on the driver);
- with ``--before REF``, this service as it was at REF (a git worktree of it), for the lists.
Each server is pinned to one core and wrk to the other (``--no-pin`` turns that off). wrk
(``bench/load.py``) drives each case for a bounded time; the compared cases run interleaved,
every other round in reverse order, and each ratio is the median of its rounds. Only the chained
invitation create + accept flow uses an asyncio client. Results go to
``bench/results/latest.json`` and ``latest.md``. Timings are never asserted in tests: the
machine is shared and noisy; read the ratios, and every round is in the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.config import Binding, Settings
from app.db import migrations
from app.db.engine import create_engine, writer
from app.db.models import Member, Organization, User, UserSession
from app.db.types import utcnow
from app.dev import seed
from app.domain.cookies import SESSION_COOKIE, sign_session_token
from app.domain.ids import generate_id
from app.domain.rules import SESSION_LIFETIME, SESSION_TOKEN_LENGTH
from bench import load as wrk
from bench.load import Load, Result, find_wrk, run_wrk, start_wrk
from bench.seed_throughput import SCALE_100K_USERS, measure_seed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NODE_DIR = ROOT / "tests" / "interop" / "node"
SECRET = "bench-secret-0123456789-0123456789-xyz"
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BIG_ORG_MEMBERS = 10_100
DEEP_OFFSET = 10_000
BEFORE_REF = "a48b2ab"
"""The last commit before the fast caller and reader paths (issue #14): "today" for the list targets."""
SERVER_CORE, CLIENT_CORE = "1", "0"

BASELINE = "baseline GET /bench/baseline"
BETTER_AUTH = "Better Auth GET /api/auth/get-session"
FLOOR = "raw-driver floor: session + user by token"
SESSION = "GET /api/auth/get-session"
ME = "GET /api/me"
ORGS = "GET /api/organizations, first page"
MEMBERS = "members, first page"
DEEP_PAGE = "members, 10,000 rows deep"
ORGS_BEFORE = "before: GET /api/organizations, first page"
MEMBERS_BEFORE = "before: members, first page"
AT_REST = "GET /api/me at rest (4 connections)"
DURING_BURST = "GET /api/me during a sign-in burst (4 connections)"
BURST = "(the sign-in burst: POST /api/auth/sign-in/email, 16 connections)"
SIGN_IN = "sign-in (scrypt)"

READ_CONNECTIONS = 16  # throughput cases
QUIET_CONNECTIONS = 4  # latency of reads at rest and during a sign-in burst: the same load both times
JSON_CONTENT = {"Content-Type": "application/json"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


async def drive(
    name: str, call: Callable[[int], Awaitable[httpx.Response]], total: int, concurrency: int, ok: int = 200
) -> Result:
    latencies: list[float] = []
    errors = 0
    next_index = 0

    async def worker() -> None:
        nonlocal next_index, errors
        while next_index < total:
            index = next_index
            next_index += 1
            started = time.perf_counter()
            response = await call(index)
            latencies.append(time.perf_counter() - started)
            if response.status_code != ok:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return Result(
        name, total, seconds, total / seconds, percentile(latencies, 0.5), percentile(latencies, 0.99), errors
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def prepare(url: str, invitees: int) -> dict[str, Any]:
    """Seed; add a 10,100-member organization, invitees, and live sessions (bulk inserts, no HTTP)."""
    settings = Settings(environment="test", db=Binding("DB", url, "bench"), secret=SECRET)
    await seed.run(seed.Options(None, 1, 30, seed.DEFAULT_PASSWORD, False, True), settings)
    engine = create_engine(settings)
    now = utcnow()

    def session_row(user_id: str, token: str) -> dict[str, Any]:
        return {"id": generate_id(), "token": token, "user_id": user_id, "expires_at": now + SESSION_LIFETIME,
                "created_at": now, "updated_at": now, "ip_address": "", "user_agent": ""}  # fmt: skip

    try:
        async with async_sessionmaker(writer(engine))() as connection, connection.begin():
            ids: dict[str, str] = {
                email: (await connection.execute(select(User.id).where(User.email == email))).scalar_one()
                for email in ("owner@seed.example.com", "member@seed.example.com")
            }
            acme = (
                await connection.execute(select(Organization.id).where(Organization.name == "Acme Corporation"))
            ).scalar_one()
            big = generate_id()
            await connection.execute(
                insert(Organization).values(id=big, name="Big", slug=f"seed-big-{big[:6].lower()}")
            )
            users = [
                {"id": generate_id(), "name": f"Member {n}", "email": f"big{n}@seed.example.com", "created_at": now,
                 "updated_at": now, "email_verified": True, "role": "user", "banned": False}
                for n in range(BIG_ORG_MEMBERS)
            ]  # fmt: skip
            await connection.execute(insert(User), users)
            members = [{"id": generate_id(), "organization_id": big, "user_id": ids["owner@seed.example.com"],
                        "role": "owner", "created_at": now - timedelta(days=1)}]  # fmt: skip
            members += [
                {"id": generate_id(), "organization_id": big, "user_id": u["id"], "role": "member",
                 "created_at": now + timedelta(milliseconds=n)}
                for n, u in enumerate(users)
            ]  # fmt: skip
            await connection.execute(insert(Member), members)
            invitee_rows = [
                {"id": generate_id(), "name": f"Invitee {n}", "email": f"invitee{n}@seed.example.com",
                 "created_at": now, "updated_at": now, "email_verified": True, "role": "user", "banned": False}
                for n in range(invitees)
            ]  # fmt: skip
            await connection.execute(insert(User), invitee_rows)
            tokens = [generate_id(SESSION_TOKEN_LENGTH) for _ in invitee_rows]
            owner, member = generate_id(SESSION_TOKEN_LENGTH), generate_id(SESSION_TOKEN_LENGTH)
            rows = [session_row(str(row["id"]), token) for token, row in zip(tokens, invitee_rows, strict=True)]
            rows += [
                session_row(ids["owner@seed.example.com"], owner),
                session_row(ids["member@seed.example.com"], member),
            ]
            await connection.execute(insert(UserSession), rows)
    finally:
        await engine.dispose()
    return {"acme": acme, "big": big, "invitee_tokens": tokens, "owner": owner, "member": member}


async def walk_to_deep_cursor(base: str, members: str, owner: str) -> str:
    """The cursor of the member page DEEP_OFFSET rows into the big organization."""
    async with httpx.AsyncClient(base_url=base, timeout=60, headers={"Authorization": f"Bearer {owner}"}) as client:
        cursor = None
        for _ in range(DEEP_OFFSET // 200):
            page = await client.get(members, params={"limit": 200, **({"cursor": cursor} if cursor else {})})
            page.raise_for_status()
            cursor = page.json()["nextCursor"]
    assert cursor is not None
    return str(cursor)


async def invite_and_accept(base: str, data: dict[str, Any]) -> Result:
    """Invitation create + accept pairs: a chained flow (the accept needs the created id), so it is
    driven by an asyncio client; its writes, not the client, bound it."""
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
    tokens = data["invitee_tokens"]
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def pair(index: int) -> httpx.Response:
            invited = await client.post(
                f"/api/organizations/{data['acme']}/invitations",
                headers={"Authorization": f"Bearer {data['owner']}"},
                json={"email": f"invitee{index}@seed.example.com"},
            )
            return await client.post(
                f"/api/invitations/{invited.json()['id']}/accept", headers={"Authorization": f"Bearer {tokens[index]}"}
            )

        return await drive("invitation create + accept (pairs)", pair, len(tokens), 8)


@dataclass
class Measured:
    """A backend's cases (rounds combined), the ratios of each round, and the burst checks."""

    results: list[Result]
    rounds: list[dict[str, float]]
    burst_outlasted_reads: list[bool]


def combine(rounds: list[Result]) -> Result:
    """One case over its rounds: all requests over all seconds; median p50 and p99 of the rounds."""
    requests, seconds = sum(r.requests for r in rounds), sum(r.seconds for r in rounds)
    return Result(
        case=rounds[0].case,
        requests=requests,
        seconds=seconds,
        rps=requests / seconds,
        p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=statistics.median(r.p99_ms for r in rounds),
        errors=sum(r.errors for r in rounds),
    )


@dataclass
class Servers:
    """Base URLs of the servers on one database (``before`` only with ``--before``)."""

    service: str
    better_auth: str
    floor: str
    before: str | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)


def pinned(command: list[str], core: str, pin: bool) -> list[str]:
    return ["taskset", "--cpu-list", core, *command] if pin else command


def wait_until_up(process: subprocess.Popen[bytes], url: str, name: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before it served {url}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not start ({url})")


def service_env(url: str, storage: Path) -> dict[str, str]:
    return {**os.environ, "APP_ENV": "test", "DATABASE_URL": url, "STORAGE_URL": storage.as_uri(),
            "BETTER_AUTH_SECRET": SECRET, "AUTH_RATE_LIMIT_PER_ADDRESS": "0", "AUTH_RATE_LIMIT_PER_EMAIL": "0",
            "LOG_LEVEL": "WARNING"}  # fmt: skip


def start_uvicorn(app: str, env: dict[str, str], cwd: Path, pin: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(
        pinned(command, SERVER_CORE, pin), cwd=cwd, env={**env, "PYTHONPATH": str(cwd)}, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(process, f"{base}/health", app)
    return process, base


def node_database(url: str) -> tuple[str, str]:
    if url.startswith("sqlite"):
        return "sqlite", url.split(":///", 1)[1]
    return "postgres", url.replace("postgresql+asyncpg://", "postgresql://", 1)


def start_better_auth(url: str, tools: Path, pin: bool) -> tuple[subprocess.Popen[bytes], str]:
    kind, target = node_database(url)
    port = free_port()
    command = ["node", "server.mjs", "--db", kind, "--url", target, "--secret", SECRET, "--port", str(port)]
    process = subprocess.Popen(
        pinned(command, SERVER_CORE, pin), cwd=tools, stdout=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(process, f"{base}/api/auth/ok", "Better Auth (server.mjs)")
    return process, base


@contextlib.contextmanager
def servers(url: str, directory: Path, tools: Path, before: Path | None, pin: bool) -> Iterator[Servers]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        env = service_env(url, directory / "storage")
        service, service_url = start_uvicorn("bench.app:create_bench_app", env, ROOT, pin)
        started.append(service)
        floor, floor_url = start_uvicorn("bench.floor:create_floor_app", env, ROOT, pin)
        started.append(floor)
        better_auth, better_auth_url = start_better_auth(url, tools, pin)
        started.append(better_auth)
        before_url = None
        if before is not None:
            old, before_url = start_uvicorn("bench.app:create_bench_app", env, before, pin)
            started.append(old)
        yield Servers(service_url, better_auth_url, floor_url, before_url, started)
    finally:
        for process in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
            process.wait(timeout=30)


def run_cases(live: Servers, data: dict[str, Any], seconds: int, rounds: int) -> Measured:
    """The compared cases run interleaved, round after round and in alternating order, so that the
    machine's drift (it is shared) falls on both sides of every ratio; then the invitation and
    sign-in cases."""
    bearer = {"Authorization": f"Bearer {data['member']}"}
    owner = {"Authorization": f"Bearer {data['owner']}"}
    cookie = {"Cookie": f"{SESSION_COOKIE}={sign_session_token(data['member'], SECRET)}"}
    members = f"/api/organizations/{data['big']}/members"
    deep_cursor = asyncio.run(walk_to_deep_cursor(live.service, members, data["owner"]))
    sign_in = json.dumps({"email": "member@seed.example.com", "password": seed.DEFAULT_PASSWORD})

    def sign_ins(case: str, duration: int, connections: int) -> Load:
        return Load(
            case, f"{live.service}/api/auth/sign-in/email", duration, connections, "POST", JSON_CONTENT, sign_in
        )

    compared = [
        Load(BASELINE, f"{live.service}/bench/baseline", seconds, READ_CONNECTIONS),
        Load(BETTER_AUTH, f"{live.better_auth}/api/auth/get-session", seconds, READ_CONNECTIONS, headers=cookie),
        Load(FLOOR, f"{live.floor}/bench/floor", seconds, READ_CONNECTIONS, headers=bearer),
        Load(SESSION, f"{live.service}/api/auth/get-session", seconds, READ_CONNECTIONS, headers=cookie),
        Load(ME, f"{live.service}/api/me", seconds, READ_CONNECTIONS, headers=bearer),
        Load(ORGS, f"{live.service}/api/organizations", seconds, READ_CONNECTIONS, headers=bearer),
        Load(MEMBERS, f"{live.service}{members}?limit=50", seconds, READ_CONNECTIONS, headers=owner),
        Load(
            DEEP_PAGE,
            f"{live.service}{members}?limit=50&cursor={deep_cursor}",
            seconds,
            READ_CONNECTIONS,
            headers=owner,
        ),
        Load(AT_REST, f"{live.service}/api/me", seconds, QUIET_CONNECTIONS, headers=bearer),
    ]
    if live.before is not None:
        compared += [
            Load(ORGS_BEFORE, f"{live.before}/api/organizations", seconds, READ_CONNECTIONS, headers=bearer),
            Load(MEMBERS_BEFORE, f"{live.before}{members}?limit=50", seconds, READ_CONNECTIONS, headers=owner),
        ]
    during = Load(DURING_BURST, f"{live.service}/api/me", seconds, QUIET_CONNECTIONS, headers=bearer)
    for warm in compared:  # warm every server and statement cache
        run_wrk(Load("warm-up", warm.url, 1, warm.connections, headers=warm.headers))
    by_case: dict[str, list[Result]] = {}
    ratios_by_round: list[dict[str, float]] = []
    outlasted: list[bool] = []
    for number in range(rounds):
        # Every other round runs the cases in reverse order, so no case always follows another.
        ordered = compared if number % 2 == 0 else compared[::-1]
        this_round = {load.case: run_wrk(load) for load in ordered}
        # The burst starts first and is set to run 4 s longer than the reads measured during it.
        burst = start_wrk(sign_ins(BURST, seconds + 4, 16))
        time.sleep(1.5)  # its scrypt queue is full by now
        this_round[DURING_BURST] = run_wrk(during)
        outlasted.append(not burst.finished())
        this_round[BURST] = burst.result()
        ratios_by_round.append(round_ratios(this_round))
        for case, result in this_round.items():
            by_case.setdefault(case, []).append(result)
        print(f"  round {number + 1}/{rounds}: " + json.dumps({k: round(v, 3) for k, v in ratios_by_round[-1].items()}))
    results = [combine(found) for found in by_case.values()]
    results.append(asyncio.run(invite_and_accept(live.service, data)))
    results.append(run_wrk(sign_ins(SIGN_IN, max(seconds, 10), 8)))
    return Measured(results, ratios_by_round, outlasted)


async def _pg(statement: str) -> None:
    connection = await asyncpg.connect(PG_SERVER)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def bench_backend(
    backend: str, args: argparse.Namespace, directory: Path, tools: Path, before: Path | None
) -> Measured:
    directory.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / 'bench.sqlite3'}"
        database = None
    else:
        database = f"bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_pg(f'CREATE DATABASE "{database}"'))
        url = f"{PG_SERVER.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"
    try:
        migrations.upgrade(Settings(environment="test", db=Binding("DB", url, "bench"), secret=SECRET))
        data = asyncio.run(prepare(url, invitees=args.invitations))
        with servers(url, directory, tools, before, args.pin) as live:
            return run_cases(live, data, args.seconds, args.rounds)
    finally:
        if database:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


SESSION_VS_BA = "get-session rps / Better Auth get-session rps (target >= 5)"
ME_VS_BA = "GET /api/me rps / Better Auth get-session rps (target >= 5)"
SESSION_VS_FLOOR = "get-session rps / raw-driver floor rps"
ME_VS_FLOOR = "GET /api/me rps / raw-driver floor rps"
ORGS_VS_BEFORE = "organizations first page rps / before (target >= 2)"
MEMBERS_VS_BEFORE = "members first page rps / before (target >= 2)"
DEEP_RATIO = "deep member page rps / first page rps (target >= 0.9)"
P99_RATIO = "read p99 during sign-in burst / at rest (target <= 2)"


def round_ratios(by: dict[str, Result]) -> dict[str, float]:
    ratios = {
        SESSION_VS_BA: by[SESSION].rps / by[BETTER_AUTH].rps,
        ME_VS_BA: by[ME].rps / by[BETTER_AUTH].rps,
        SESSION_VS_FLOOR: by[SESSION].rps / by[FLOOR].rps,
        ME_VS_FLOOR: by[ME].rps / by[FLOOR].rps,
        DEEP_RATIO: by[DEEP_PAGE].rps / by[MEMBERS].rps,
        P99_RATIO: by[DURING_BURST].p99_ms / by[AT_REST].p99_ms,
    }
    if ORGS_BEFORE in by:
        ratios[ORGS_VS_BEFORE] = by[ORGS].rps / by[ORGS_BEFORE].rps
        ratios[MEMBERS_VS_BEFORE] = by[MEMBERS].rps / by[MEMBERS_BEFORE].rps
    return ratios


def ratios(measured: Measured) -> dict[str, float]:
    """Each ratio as the median of its rounds; sign-ins per second per core."""
    medians = {name: statistics.median(r[name] for r in measured.rounds) for name in measured.rounds[0]}
    sign_in = next(r for r in measured.results if r.case == SIGN_IN)
    return {**medians, "sign-ins/s per core": sign_in.rps / (os.cpu_count() or 1)}


def markdown(report: dict[str, Any]) -> str:
    pin = "each server pinned to one core, wrk to the other" if report["pinned"] else "no core pinning"
    lines = [
        f"# Benchmark results ({report['when']}, {report['machine']})",
        "",
        f"wrk, one thread; {report['rounds']} interleaved rounds of {report['seconds']} s per compared case "
        f"(req/s over all rounds, p50/p99 the median of the rounds); {pin}; the invitation pairs by an "
        f"asyncio client. Better Auth {report['better_auth']} served by Node; before = this service at "
        f"{report['before'] or '(not run)'}.",
        "",
    ]
    for backend, section in report["backends"].items():
        lines += [
            f"## {backend}",
            "",
            "| case | requests | req/s | x baseline | x Better Auth | p50 ms | p99 ms | errors |",
            "|---|---|---|---|---|---|---|---|",
        ]
        base = next(r["rps"] for r in section["results"] if r["case"] == BASELINE)
        better_auth = next(r["rps"] for r in section["results"] if r["case"] == BETTER_AUTH)
        lines += [
            f"| {r['case']} | {r['requests']} | {r['rps']:.0f} | {r['rps'] / base:.3f} | {r['rps'] / better_auth:.2f} "
            f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |"
            for r in section["results"]
        ]
        if not all(section["burst_outlasted_reads"]):
            lines += [
                "",
                "**A sign-in burst ended before the reads measured during it: that round's p99 is not valid.**",
            ]
        lines += ["", "| ratio | median | rounds |", "|---|---|---|"]
        for name, value in section["ratios"].items():
            rounds = ", ".join(f"{r[name]:.2f}" for r in section["ratios_by_round"] if name in r)
            lines.append(f"| {name} | {value:.2f} | {rounds or '-'} |")
        lines.append("")
    if "seed" in report:
        s = report["seed"]
        lines += [
            "## seed (SQLite)", "", "| figure | value |", "|---|---|",
            f"| rows ({s['users']} users) | {s['rows']} |",
            f"| seed rows/s, end to end (target >= 20,000 at 100,000 users) | {s['seed_rows_per_s']:.0f} |",
            f"| raw-insert floor rows/s | {s['floor_rows_per_s']:.0f} |", f"| ratio seed/floor (target >= 0.25) | {s['ratio']:.3f} |",
            "",
        ]  # fmt: skip
    return "\n".join(lines)


def install_better_auth(folder: Path) -> str:
    """The pinned npm packages of tests/interop (``npm ci``) and the server; returns Better Auth's version."""
    for name in ("package.json", "package-lock.json", ".npmrc"):
        shutil.copy(NODE_DIR / name, folder / name)
    for script in NODE_DIR.glob("*.mjs"):
        shutil.copy(script, folder / script.name)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=folder, check=True)
    manifest = json.loads((folder / "node_modules" / "better-auth" / "package.json").read_text())
    return str(manifest["version"])


@contextlib.contextmanager
def checkout(ref: str | None, folder: Path) -> Iterator[Path | None]:
    """A detached git worktree of ``ref`` (this service as it was), removed afterwards."""
    if not ref:
        yield None
        return
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), ref], cwd=ROOT, check=True, capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seconds", type=int, default=5, help="how long wrk drives each case in each round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the interleaved, compared cases")
    parser.add_argument("--invitations", type=int, default=400, help="invitation create + accept pairs")
    parser.add_argument(
        "--before", default=BEFORE_REF, help="git ref of the service to compare lists with ('' to skip)"
    )
    parser.add_argument("--seed-scale", type=int, default=SCALE_100K_USERS, help="0 skips the seed throughput")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin servers and wrk to cores")
    args = parser.parse_args()
    find_wrk()  # fail before the long set-up, not after it
    args.pin = args.pin and (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    if args.pin:
        wrk.WRK_PREFIX[:] = ["taskset", "--cpu-list", CLIENT_CORE]
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "seconds": args.seconds,
        "rounds": args.rounds,
        "pinned": args.pin,
        "before": args.before,
        "backends": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        tools = Path(tmp) / "node"
        tools.mkdir()
        report["better_auth"] = install_better_auth(tools)
        with checkout(args.before, Path(tmp) / "before") as before:
            for backend in args.backends.split(","):
                print(f"{backend}:")
                measured = bench_backend(backend, args, Path(tmp) / backend, tools, before)
                report["backends"][backend] = {
                    "results": [asdict(r) for r in measured.results],
                    "ratios": ratios(measured),
                    "ratios_by_round": measured.rounds,
                    "burst_outlasted_reads": measured.burst_outlasted_reads,
                }
                print(json.dumps(report["backends"][backend]["ratios"], indent=2))
    if args.seed_scale:
        report["seed"] = measure_seed(args.seed_scale)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
