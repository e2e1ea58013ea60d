"""/docs in a real headless browser (Debian's Chromium driven by its chromedriver), offline.

The service runs under uvicorn on a loopback port; Chromium may reach loopback only (every other
host goes to a dead proxy, and host names do not resolve), and the test reads Chromium's own
network log to check that every request went to the service. It asserts that Swagger UI lists
every operation of the OpenAPI document and saves a screenshot (``ARTIFACTS_DIR``, default
``$TMPDIR/saas-data-artifacts``). Without Chromium the test skips, except where
``BROWSER_REQUIRED=1`` (``.ci/run``), where it fails.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import TEST_SECRET
from tests.test_production import free_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2400",
    # loopback only: any other host goes to a closed port, and no name resolves but loopback
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def artifacts_dir() -> Path:
    directory = Path(os.environ.get("ARTIFACTS_DIR") or Path(tempfile.gettempdir()) / "saas-data-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _wait_http(url: str, process: subprocess.Popen[bytes], what: str, within: float = 180) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{what} did not answer {url}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process's group (chromedriver's browser with it), then SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn on a loopback port (its database is not needed for /docs)."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "BETTER_AUTH_SECRET": TEST_SECRET,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}",
        "STORAGE_URL": (tmp_path / "storage").as_uri(),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.api.application:create_app"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/health", process, "the service")
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


class WebDriver:
    """The few W3C WebDriver commands this test needs, over chromedriver's HTTP interface."""

    def __init__(self, base: str, session: str) -> None:
        self.http = httpx.Client(base_url=f"{base}/session/{session}", timeout=120)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(
            method, path, json=body if body is not None else ({} if method == "POST" else None)
        )
        assert response.status_code == 200, response.text
        return response.json()["value"]

    def texts(self, css: str) -> list[str]:
        elements = self.call("POST", "/elements", {"using": "css selector", "value": css})
        return [self.call("GET", f"/element/{next(iter(e.values()))}/text") for e in elements]

    def count(self, css: str) -> int:
        return len(self.call("POST", "/elements", {"using": "css selector", "value": css}))


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        message = "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        if os.environ.get("BROWSER_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    driver = subprocess.Popen(
        [CHROMEDRIVER, f"--port={port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: stopping it stops the browser it started
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base}/status", driver, "chromedriver")
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"],
            },
            "goog:loggingPrefs": {"performance": "ALL"},
        }
        created = httpx.post(f"{base}/session", json={"capabilities": {"alwaysMatch": capabilities}}, timeout=180)
        assert created.status_code == 200, created.text
        session = created.json()["value"]["sessionId"]
        web = WebDriver(base, session)
        try:
            yield web
        finally:
            web.http.delete("")
            web.http.close()
    finally:
        _stop(driver)


def test_docs_render_every_operation_offline(service: str, browser: WebDriver) -> None:
    schema = httpx.get(f"{service}/docs/openapi.json", timeout=30).json()
    operations = sum(1 for item in schema["paths"].values() for method in item if method in METHODS)
    assert operations > 20

    browser.call("POST", "/url", {"url": f"{service}/docs"})
    deadline = time.monotonic() + 120
    rendered = 0
    while time.monotonic() < deadline:
        rendered = browser.count(".opblock")
        if rendered >= operations:
            break
        time.sleep(0.5)
    screenshot = artifacts_dir() / "docs.png"
    screenshot.write_bytes(base64.b64decode(browser.call("GET", "/screenshot")))
    print(f"screenshot: {screenshot}")

    assert rendered == operations, f"{rendered} of {operations} operations rendered; see {screenshot}"
    # every path of the document is listed, the REST face's and Better Auth's (``/api/auth/...``)
    paths = set(browser.texts(".opblock-summary-path"))
    assert paths == set(schema["paths"]), set(schema["paths"]) ^ paths
    assert {"/api/organizations", "/api/auth/sign-in/email", "/api/auth/get-session"} <= paths
    assert browser.count(".swagger-ui .errors-wrapper") == 0

    log = browser.call("POST", "/se/log", {"type": "performance"})
    requested = [
        message["params"]["request"]["url"]
        for entry in log
        if (message := json.loads(entry["message"])["message"])["method"] == "Network.requestWillBeSent"
    ]
    assert f"{service}/docs/assets/swagger-ui-bundle.js" in requested
    # (chrome:// pages of the browser's own new tab are not network requests)
    network = [url for url in requested if url.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))]
    elsewhere = [url for url in network if not url.startswith(f"{service}/")]
    assert not elsewhere, f"the docs page asked other hosts: {elsewhere}"
