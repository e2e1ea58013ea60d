"""The benchmark suite: every figure is a ratio to a baseline measured in the same run.

    .venv/bin/python -m bench.run [--backends sqlite,postgres] [--seconds 5] [--rounds 3] [--seed-scale 33333]

For each backend: a fresh database is migrated and seeded, an organization gets 10,100 members,
and the service runs in its own process (uvicorn, one worker) on 127.0.0.1 with the bench app
(the product plus ``/bench/baseline``). wrk (``bench/load.py``) drives each case for a bounded
time and reports requests/s, p50 and p99; only the chained invitation create + accept flow (a
bounded number of pairs) uses an asyncio client. Results go to ``bench/results/latest.json`` and
``latest.md``. Timings are never asserted: the machine is shared and noisy; read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.config import Binding, Settings
from app.db import migrations, seed
from app.db.engine import create_engine, writer
from app.db.models import Member, Organization, User, UserSession
from app.db.types import utcnow
from app.domain.ids import generate_id
from bench.load import Load, Result, find_wrk, run_wrk, start_wrk
from bench.seed_throughput import SCALE_100K_USERS, measure_seed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECRET = "bench-secret-0123456789-0123456789-xyz"
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BIG_ORG_MEMBERS = 10_100
DEEP_OFFSET = 10_000


BASELINE = "baseline GET /bench/baseline"
ME = "GET /api/me (session + user)"
FIRST_PAGE = "members, first page"
DEEP_PAGE = "members, 10,000 rows deep"
SIGN_IN = "sign-in (scrypt)"
AT_REST = "GET /api/me at rest (4 connections)"
DURING_BURST = "GET /api/me during a sign-in burst (4 connections)"
BURST = "(the sign-in burst: POST /api/auth/sign-in/email, 16 connections)"


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
    """Seed, then add a 10,100-member organization and invitees with live sessions (bulk inserts)."""
    settings = Settings(environment="test", db=Binding("DB", url, "bench"), secret=SECRET)
    await seed.run(seed.Options(None, 1, 30, seed.DEFAULT_PASSWORD, False, True), settings)
    engine = create_engine(settings)
    now = utcnow()
    try:
        async with async_sessionmaker(writer(engine))() as connection, connection.begin():
            owner_id = (
                await connection.execute(select(User.id).where(User.email == "owner@seed.example.com"))
            ).scalar_one()
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
            members = [{"id": generate_id(), "organization_id": big, "user_id": owner_id, "role": "owner",
                        "created_at": now - timedelta(days=1)}]  # fmt: skip
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
            tokens = [generate_id() for _ in invitee_rows]
            await connection.execute(
                insert(UserSession),
                [
                    {"id": generate_id(), "token": token, "user_id": row["id"], "expires_at": now + timedelta(days=7),
                     "created_at": now, "updated_at": now, "ip_address": "", "user_agent": ""}
                    for token, row in zip(tokens, invitee_rows, strict=True)
                ],
            )  # fmt: skip
    finally:
        await engine.dispose()
    return {"acme": acme, "big": big, "invitee_tokens": tokens}


READ_CONNECTIONS = 16  # throughput cases
JSON_CONTENT = {"Content-Type": "application/json"}
QUIET_CONNECTIONS = 4  # latency of reads at rest and during a sign-in burst: the same load both times


async def prepare_client_state(base: str, data: dict[str, Any]) -> dict[str, Any]:
    """Sign in (member and owner) and walk the member list to the cursor 10,000 rows deep."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        signin = {"email": "member@seed.example.com", "password": seed.DEFAULT_PASSWORD}
        token = (await client.post("/api/auth/sign-in/email", json=signin)).json()["token"]
        owner = (
            await client.post("/api/auth/sign-in/email", json={**signin, "email": "owner@seed.example.com"})
        ).json()["token"]
        members = f"/api/organizations/{data['big']}/members"
        cursor = None
        for _ in range(DEEP_OFFSET // 200):
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = await client.get(members, headers={"Authorization": f"Bearer {owner}"}, params=params)
            cursor = page.json()["nextCursor"]
    return {"signin": signin, "token": token, "owner": owner, "members": members, "deep_cursor": cursor}


async def invite_and_accept(base: str, data: dict[str, Any], owner: str) -> Result:
    """Invitation create + accept pairs: a chained flow (the accept needs the created id), so it is
    driven by an asyncio client; its writes, not the client, bound it."""
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
    tokens = data["invitee_tokens"]
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def pair(index: int) -> httpx.Response:
            invited = await client.post(
                f"/api/organizations/{data['acme']}/invitations",
                headers={"Authorization": f"Bearer {owner}"},
                json={"email": f"invitee{index}@seed.example.com"},
            )
            return await client.post(
                f"/api/invitations/{invited.json()['id']}/accept", headers={"Authorization": f"Bearer {tokens[index]}"}
            )

        return await drive("invitation create + accept (pairs)", pair, len(tokens), 8)


@dataclass
class Measured:
    """A backend's cases (rounds combined), the ratios of each round, and the burst check."""

    results: list[Result]
    rounds: list[dict[str, float]]
    burst_outlasted_reads: bool


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


def run_cases(base: str, data: dict[str, Any], seconds: int, rounds: int) -> Measured:
    """The compared cases run interleaved, round after round and in alternating order, so that the
    machine's drift (it is shared) falls on both sides of every ratio; then the invitation and
    sign-in cases."""
    state = asyncio.run(prepare_client_state(base, data))
    auth = {"Authorization": f"Bearer {state['token']}"}
    owner_auth = {"Authorization": f"Bearer {state['owner']}"}
    first_page = f"{base}{state['members']}?limit=50"
    deep_page = f"{first_page}&cursor={state['deep_cursor']}"

    def sign_ins(case: str, duration: int, connections: int) -> Load:
        body = json.dumps(state["signin"])
        return Load(case, f"{base}/api/auth/sign-in/email", duration, connections, "POST", JSON_CONTENT, body)

    compared = [
        Load(BASELINE, f"{base}/bench/baseline", seconds, READ_CONNECTIONS),
        Load(ME, f"{base}/api/me", seconds, READ_CONNECTIONS, headers=auth),
        Load(FIRST_PAGE, first_page, seconds, READ_CONNECTIONS, headers=owner_auth),
        Load(DEEP_PAGE, deep_page, seconds, READ_CONNECTIONS, headers=owner_auth),
        Load(AT_REST, f"{base}/api/me", seconds, QUIET_CONNECTIONS, headers=auth),
    ]
    during = Load(DURING_BURST, f"{base}/api/me", seconds, QUIET_CONNECTIONS, headers=auth)
    run_wrk(Load("warm-up", f"{base}/bench/baseline", 2, READ_CONNECTIONS))
    by_case: dict[str, list[Result]] = {}
    ratios_by_round: list[dict[str, float]] = []
    outlasted = True
    for number in range(rounds):
        # Every other round runs the cases in reverse order, so no case always follows another.
        ordered = compared if number % 2 == 0 else compared[::-1]
        this_round = {load.case: run_wrk(load) for load in ordered}
        # The burst starts first and is set to run 4 s longer than the reads measured during it.
        burst = start_wrk(sign_ins(BURST, seconds + 4, 16))
        time.sleep(1.5)  # its scrypt queue is full by now
        this_round[DURING_BURST] = run_wrk(during)
        outlasted = outlasted and not burst.finished()
        this_round[BURST] = burst.result()
        ratios_by_round.append(round_ratios(this_round))
        for case, result in this_round.items():
            by_case.setdefault(case, []).append(result)
    results = [combine(found) for found in by_case.values()]
    results.append(asyncio.run(invite_and_accept(base, data, state["owner"])))
    results.append(run_wrk(sign_ins(SIGN_IN, max(seconds, 10), 8)))
    return Measured(results, ratios_by_round, outlasted)


def start_server(url: str, storage: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": url, "STORAGE_URL": storage.as_uri(),
           "BETTER_AUTH_SECRET": SECRET, "AUTH_RATE_LIMIT_PER_ADDRESS": "0", "AUTH_RATE_LIMIT_PER_EMAIL": "0",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.app:create_bench_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the service did not start")


async def _pg(statement: str) -> None:
    connection = await asyncpg.connect(PG_SERVER)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def bench_backend(backend: str, seconds: int, rounds: int, invitations: int, directory: Path) -> Measured:
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
        data = asyncio.run(prepare(url, invitees=invitations))
        process, base = start_server(url, directory / "storage")
        try:
            return run_cases(base, data, seconds, rounds)
        finally:
            os.killpg(process.pid, 15)
            process.wait(timeout=30)
    finally:
        if database:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


ME_RATIO = "current-user read rps / baseline rps (target >= 0.5)"
DEEP_RATIO = "deep member page rps / first page rps (target >= 0.9)"
P99_RATIO = "read p99 during sign-in burst / at rest (target <= 2)"


def round_ratios(by: dict[str, Result]) -> dict[str, float]:
    return {
        ME_RATIO: by[ME].rps / by[BASELINE].rps,
        DEEP_RATIO: by[DEEP_PAGE].rps / by[FIRST_PAGE].rps,
        P99_RATIO: by[DURING_BURST].p99_ms / by[AT_REST].p99_ms,
    }


def ratios(measured: Measured) -> dict[str, float]:
    """Each ratio as the median of its rounds; sign-ins per second per core."""
    medians = {name: statistics.median(r[name] for r in measured.rounds) for name in measured.rounds[0]}
    sign_in = next(r for r in measured.results if r.case == SIGN_IN)
    return {**medians, "sign-ins/s per core": sign_in.rps / (os.cpu_count() or 1)}


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Benchmark results ({report['when']}, {report['machine']})",
        "",
        f"wrk, one thread; {report['rounds']} interleaved rounds of {report['seconds']} s per compared case "
        "(req/s over all rounds, p50/p99 the median of the rounds); the invitation pairs by an asyncio client.",
        "",
    ]
    for backend, section in report["backends"].items():
        lines += [
            f"## {backend}",
            "",
            "| case | requests | req/s | x baseline | p50 ms | p99 ms | errors |",
            "|---|---|---|---|---|---|---|",
        ]
        base = next(r["rps"] for r in section["results"] if r["case"] == BASELINE)
        lines += [
            f"| {r['case']} | {r['requests']} | {r['rps']:.0f} | {r['rps'] / base:.3f} | {r['p50_ms']:.1f} "
            f"| {r['p99_ms']:.1f} | {r['errors']} |"
            for r in section["results"]
        ]
        if not section["burst_outlasted_reads"]:
            lines += ["", "**The sign-in burst ended before the reads measured during it: that p99 is not valid.**"]
        lines += ["", "| ratio | median | rounds |", "|---|---|---|"]
        for name, value in section["ratios"].items():
            rounds = ", ".join(f"{r[name]:.3f}" for r in section["ratios_by_round"] if name in r)
            lines.append(f"| {name} | {value:.3f} | {rounds or '-'} |")
        lines.append("")
    s = report["seed"]
    lines += [
        "## seed (SQLite)", "", "| figure | value |", "|---|---|",
        f"| rows ({s['users']} users) | {s['rows']} |",
        f"| seed rows/s, end to end (target >= 20,000 at 100,000 users) | {s['seed_rows_per_s']:.0f} |",
        f"| raw-insert floor rows/s | {s['floor_rows_per_s']:.0f} |", f"| ratio seed/floor (target >= 0.25) | {s['ratio']:.3f} |",
        "",
    ]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seconds", type=int, default=5, help="how long wrk drives each case in each round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the interleaved, compared cases")
    parser.add_argument("--invitations", type=int, default=400, help="invitation create + accept pairs")
    parser.add_argument("--seed-scale", type=int, default=SCALE_100K_USERS)
    args = parser.parse_args()
    find_wrk()  # fail before the long set-up, not after it
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "seconds": args.seconds,
        "rounds": args.rounds,
        "backends": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            measured = bench_backend(backend, args.seconds, args.rounds, args.invitations, Path(tmp) / backend)
            report["backends"][backend] = {
                "results": [asdict(r) for r in measured.results],
                "ratios": ratios(measured),
                "ratios_by_round": measured.rounds,
                "burst_outlasted_reads": measured.burst_outlasted_reads,
            }
            print(json.dumps(report["backends"][backend]["ratios"], indent=2))
    report["seed"] = measure_seed(args.seed_scale)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
