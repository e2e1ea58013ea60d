"""The benchmark suite: every figure is a ratio to a baseline measured in the same run.

    .venv/bin/python -m bench.run [--backends sqlite,postgres] [--requests 3000] [--seed-scale 33333]

For each backend: a fresh database is migrated and seeded, an organization gets 10,100 members,
and the service runs in its own process (uvicorn, one worker) on 127.0.0.1 with the bench app
(the product plus ``/bench/baseline``). An asyncio client drives a bounded number of requests per
case and records requests/s, p50 and p99. Results go to ``bench/results/latest.json`` and
``latest.md``. Timings are never asserted: the machine is shared and noisy; read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
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
from bench.seed_throughput import SCALE_100K_USERS, measure_seed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECRET = "bench-secret-0123456789-0123456789-xyz"
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BIG_ORG_MEMBERS = 10_100
DEEP_OFFSET = 10_000


@dataclass
class Result:
    case: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


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


async def run_cases(base: str, data: dict[str, Any], requests: int) -> list[Result]:
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        signin = {"email": "member@seed.example.com", "password": seed.DEFAULT_PASSWORD}
        token = (await client.post("/api/auth/sign-in", json=signin)).json()["token"]
        owner = (await client.post("/api/auth/sign-in", json={**signin, "email": "owner@seed.example.com"})).json()[
            "token"
        ]
        auth = {"Authorization": f"Bearer {token}"}
        owner_auth = {"Authorization": f"Bearer {owner}"}
        members = f"/api/organizations/{data['big']}/members"
        cursor = None
        for _ in range(DEEP_OFFSET // 200):
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            cursor = (await client.get(members, headers=owner_auth, params=params)).json()["nextCursor"]
        for _ in range(200):  # warm up every path once more
            await client.get("/bench/baseline")
        results = [
            await drive("baseline GET /bench/baseline", lambda i: client.get("/bench/baseline"), requests, 16),
            await drive("GET /api/me (session + user)", lambda i: client.get("/api/me", headers=auth), requests, 16),
            await drive(
                "members, first page", lambda i: client.get(members, headers=owner_auth, params={"limit": 50}),
                requests // 2, 16,
            ),
            await drive(
                "members, 10,000 rows deep",
                lambda i: client.get(members, headers=owner_auth, params={"limit": 50, "cursor": cursor}),
                requests // 2, 16,
            ),
        ]  # fmt: skip
        tokens = data["invitee_tokens"]

        async def invite_accept(index: int) -> httpx.Response:
            invited = await client.post(
                f"/api/organizations/{data['acme']}/invitations",
                headers=owner_auth,
                json={"email": f"invitee{index}@seed.example.com"},
            )
            return await client.post(
                f"/api/invitations/{invited.json()['id']}/accept", headers={"Authorization": f"Bearer {tokens[index]}"}
            )

        results.append(await drive("invitation create + accept (pairs)", invite_accept, len(tokens), 8))
        results.append(await drive("sign-in (scrypt)", lambda i: client.post("/api/auth/sign-in", json=signin), 120, 8))

        async def burst() -> Result:
            return await drive("(sign-in burst)", lambda i: client.post("/api/auth/sign-in", json=signin), 160, 16)

        reads = drive("GET /api/me during a sign-in burst", lambda i: client.get("/api/me", headers=auth), 800, 4)
        during, _burst = await asyncio.gather(reads, burst())
        results.append(during)
        return results


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


def bench_backend(backend: str, requests: int, directory: Path) -> list[Result]:
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
        data = asyncio.run(prepare(url, invitees=min(requests // 10, 400)))
        process, base = start_server(url, directory / "storage")
        try:
            return asyncio.run(run_cases(base, data, requests))
        finally:
            os.killpg(process.pid, 15)
            process.wait(timeout=30)
    finally:
        if database:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def ratios(results: list[Result]) -> dict[str, float]:
    by = {r.case: r for r in results}
    base = by["baseline GET /bench/baseline"]
    me = by["GET /api/me (session + user)"]
    return {
        "current-user read rps / baseline rps (target >= 0.5)": me.rps / base.rps,
        "deep member page rps / first page rps (target >= 0.9)": (
            by["members, 10,000 rows deep"].rps / by["members, first page"].rps
        ),
        "read p99 during sign-in burst / at rest (target <= 2)": (
            by["GET /api/me during a sign-in burst"].p99_ms / me.p99_ms
        ),
        "sign-ins/s per core": by["sign-in (scrypt)"].rps / (os.cpu_count() or 1),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# Benchmark results ({report['when']}, {report['machine']})", ""]
    for backend, section in report["backends"].items():
        lines += [
            f"## {backend}",
            "",
            "| case | requests | req/s | p50 ms | p99 ms | errors |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['case']} | {r['requests']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |"
            for r in section["results"]
        ]
        lines += ["", "| ratio | value |", "|---|---|"]
        lines += [f"| {name} | {value:.2f} |" for name, value in section["ratios"].items()]
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
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seed-scale", type=int, default=SCALE_100K_USERS)
    args = parser.parse_args()
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "backends": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            results = bench_backend(backend, args.requests, Path(tmp) / backend)
            report["backends"][backend] = {"results": [asdict(r) for r in results], "ratios": ratios(results)}
            print(json.dumps(report["backends"][backend]["ratios"], indent=2))
    report["seed"] = measure_seed(args.seed_scale)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
