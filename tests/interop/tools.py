"""The real TypeScript-side tools (wrangler, Better Auth), installed from the npm registry.

``tests/interop/node`` pins them (``package.json`` + ``package-lock.json``); :func:`install`
copies that folder somewhere throwaway and runs ``npm ci`` there, so nothing is installed into
the project. Without Node.js the interop tests skip with a message saying so, unless
``INTEROP_REQUIRE_NODE=1`` (set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.helpers import TEST_SECRET

NODE_DIR = Path(__file__).resolve().parent / "node"
NODE_FILES = ("package.json", "package-lock.json", ".npmrc", *sorted(p.name for p in NODE_DIR.glob("*.mjs")))


class BetterAuthError(AssertionError):
    """Better Auth answered a command with an error (its message and code are in the text)."""


def node_env(folder: Path) -> dict[str, str]:
    """Environment for node tools: no telemetry, and no files written outside ``folder``."""
    for name in (".config", ".tmp"):
        (folder / name).mkdir(exist_ok=True)
    return {
        **os.environ,
        "WRANGLER_SEND_METRICS": "false",
        "XDG_CONFIG_HOME": str(folder / ".config"),
        "TMPDIR": str(folder / ".tmp"),
        "CI": "1",
        "NO_COLOR": "1",
    }


def run_node(command: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a node tool in ``cwd`` with :func:`node_env`, capturing its output (never raises on exit codes)."""
    return subprocess.run(
        command, cwd=cwd, env=node_env(cwd), capture_output=True, text=True, timeout=timeout, check=False
    )


def install(folder: Path) -> Path:
    """``npm ci`` of the pinned tools into ``folder``; skips (or fails, in CI) without Node.js."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        message = "Node.js (node and npm) is not installed: the interop tests with wrangler and Better Auth need it"
        if os.environ.get("INTEROP_REQUIRE_NODE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    for name in NODE_FILES:
        shutil.copy(NODE_DIR / name, folder / name)
    result = run_node([npm, "ci", "--no-audit", "--no-fund"], folder, timeout=1200)
    if result.returncode != 0:
        pytest.fail(f"npm ci of tests/interop/node failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return folder


def node_database(url: str) -> tuple[str, str]:
    """This project's database URL as Better Auth's side names it: (``postgres``|``sqlite``, url or path)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return "sqlite", str(parsed.database)
    return "postgres", parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def better_auth(tools: Path, db_url: str, command: str, **arguments: Any) -> Any:
    """Run one command of ``auth.mjs`` (a real Better Auth on the same database); its result."""
    kind, url = node_database(db_url)
    payload = {"db": kind, "url": url, "secret": TEST_SECRET, "command": command, **arguments}
    result = run_node(["node", "auth.mjs", json.dumps(payload)], tools, timeout=120)
    try:
        answer = json.loads(result.stdout)
    except json.JSONDecodeError:
        msg = f"auth.mjs {command} printed no JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
        raise BetterAuthError(msg) from None
    if not answer["ok"]:
        msg = f"Better Auth {command} failed: {answer['error']} (code {answer.get('code')})"
        raise BetterAuthError(msg)
    return answer["result"]
