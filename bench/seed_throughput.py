"""Seed throughput (rows/s) next to a raw-insert floor for the same rows, measured in the same run.

    .venv/bin/python -m bench.seed_throughput [--scale 33333]   # 100,000 users

The seed run is end to end (Faker data, one scrypt, deleting an earlier seed, bulk inserts in one
transaction). The floor inserts the very same rows with the driver's executemany (sqlite3 in one
transaction, with the seed's pragmas) into a fresh database: the cost of storing them and nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from app.config import Binding, Settings
from app.db import migrations
from app.db.models import User
from app.db.types import to_epoch_ms
from app.dev import seed

# --scale N seeds 3 * (N - 1) + 7 users: this is the 100,000-user data set of the target.
SCALE_100K_USERS = 33_333
SECRET = "bench-secret-0123456789-0123456789-xyz"


def settings_for(path: Path) -> Settings:
    return Settings(environment="test", db=Binding("DB", f"sqlite+aiosqlite:///{path}", "bench"), secret=SECRET)


def storage_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_epoch_ms(value)
    if isinstance(value, bool):
        return int(value)
    return value


def raw_floor(path: Path, plan: seed.Plan) -> float:
    """Seconds to insert the plan's rows with sqlite3 executemany, one transaction."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(f"PRAGMA cache_size=-{seed.BULK_CACHE_KIB}")  # the seed's own storage settings
    started = time.perf_counter()
    connection.execute("BEGIN")
    for table, rows in plan.in_insert_order():
        names = [column.name for column in table.columns]
        columns = ", ".join(f'"{name}"' for name in names)
        marks = ", ".join("?" for _ in names)
        connection.executemany(
            f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})',
            [tuple(storage_value(row[name]) for name in names) for row in rows],
        )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def measure_seed(scale: int) -> dict[str, float]:
    """Seed rows/s (end to end) and the raw-insert floor for the same rows, in one run."""
    with tempfile.TemporaryDirectory() as tmp:
        seeded, floor_db = Path(tmp) / "seeded.sqlite3", Path(tmp) / "floor.sqlite3"
        for path in (seeded, floor_db):
            migrations.upgrade(settings_for(path))
        options = seed.Options(None, 7, scale, seed.DEFAULT_PASSWORD, False, True)
        started = time.perf_counter()
        plan, _counts = asyncio.run(seed.run(options, settings_for(seeded)))
        seed_seconds = time.perf_counter() - started
        rows = plan.count()
        users = len(plan.rows.get(User, []))
        floor_seconds = raw_floor(floor_db, plan)
    seed_rate, floor_rate = rows / seed_seconds, rows / floor_seconds
    return {
        "rows": rows,
        "users": users,
        "seed_seconds": seed_seconds,
        "seed_rows_per_s": seed_rate,
        "floor_seconds": floor_seconds,
        "floor_rows_per_s": floor_rate,
        "ratio": seed_rate / floor_rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=SCALE_100K_USERS)
    args = parser.parse_args()
    figures = measure_seed(args.scale)
    print(f"rows                 {figures['rows']:.0f} ({figures['users']:.0f} users)")
    print(f"seed (end to end)    {figures['seed_seconds']:8.2f} s  {figures['seed_rows_per_s']:10.0f} rows/s")
    print(f"raw-insert floor     {figures['floor_seconds']:8.2f} s  {figures['floor_rows_per_s']:10.0f} rows/s")
    print(f"ratio seed/floor     {figures['ratio']:8.3f}")


if __name__ == "__main__":
    main()
