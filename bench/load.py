"""HTTP load with wrk (Debian package ``wrk``): a bounded run, its request rate and latency percentiles.

wrk is a C load generator on one thread, so on a small machine the server, not the client, is
what a case measures (an asyncio client in Python costs about as much CPU per request as the
service does, and capped every case at the client's own speed). Each run is bounded by time, as
wrk bounds it (its ``thread:stop()`` ends the sending but not the run's clock, so a request
count cannot bound a run honestly); the number of requests it completed is reported. A generated
Lua script sets the method and body and prints the counts and percentiles as one JSON line from
``done()``; it defines no ``response()``, so wrk does not parse the bodies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ("WRK_PREFIX", "Load", "Result", "WrkMissingError", "find_wrk", "run_wrk", "start_wrk")

# Method and body come from the environment (no quoting of data into Lua source).
SCRIPT = """
wrk.method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then wrk.body = body end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"status_errors":%d,"socket_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


WRK_PREFIX: list[str] = []
"""Prepended to every wrk command (the benchmark pins wrk to a core with ``taskset``)."""


class WrkMissingError(RuntimeError):
    """wrk is not installed."""


def find_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissingError("The benchmarks drive load with wrk: install it first (apt-get install wrk).")
    return path


@dataclass
class Result:
    case: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass
class Load:
    """One wrk run of ``seconds`` over ``connections`` keep-alive connections."""

    case: str
    url: str
    seconds: int
    connections: int
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


class Running:
    """A wrk process under way; ``result()`` waits for it."""

    def __init__(self, load: Load, process: subprocess.Popen[str], script: Path) -> None:
        self.load, self.process, self.script = load, process, script

    def finished(self) -> bool:
        return self.process.poll() is not None

    def result(self) -> Result:
        stdout, stderr = self.process.communicate(timeout=self.load.seconds + 90)
        self.script.unlink(missing_ok=True)
        line = next((text for text in reversed(stdout.splitlines()) if text.startswith("{")), None)
        if self.process.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed for {self.load.case!r} (exit {self.process.returncode}): {stderr.strip()}")
        figures = json.loads(line)
        seconds = figures["duration_us"] / 1e6
        return Result(
            case=self.load.case,
            requests=figures["requests"],
            seconds=seconds,
            rps=figures["requests"] / seconds,
            p50_ms=figures["p50_us"] / 1000,
            p99_ms=figures["p99_us"] / 1000,
            errors=figures["status_errors"] + figures["socket_errors"],
        )


def start_wrk(load: Load) -> Running:
    """Start wrk (one thread: the other core is the server's) and return without waiting."""
    handle, name = tempfile.mkstemp(prefix="bench-", suffix=".lua")
    with os.fdopen(handle, "w") as script:
        script.write(SCRIPT)
    command = [*WRK_PREFIX, find_wrk(), "--threads", "1", "--connections", str(load.connections)]
    command += ["--duration", f"{load.seconds}s", "--timeout", "30s", "--script", name]
    for key, value in load.headers.items():
        command += ["--header", f"{key}: {value}"]
    command.append(load.url)
    env = {**os.environ, "BENCH_METHOD": load.method, "BENCH_BODY": load.body or ""}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return Running(load, process, Path(name))


def run_wrk(load: Load) -> Result:
    return start_wrk(load).result()
