"""Helpers shared by the tests: databases on both backends, settings, and an HTTP client."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import textwrap
import unicodedata
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote

import asyncpg
import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.application import create_app
from app.api.dependencies import DATABASE_STATE_KEY, READER_STATE_KEY
from app.config import Binding, MailSettings, Settings
from app.log import SHOWN_AS_WRITTEN, JsonFormatter
from app.mail.postman import OUTBOX_NOTICE
from tests.smtp_server import MAIL_SECRETS

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b.strip() for b in os.environ.get("TEST_DATABASES", "sqlite,postgres").split(",") if b.strip()]
TEST_SECRET = "test-secret-0123456789-0123456789-abcdef"
REDIS_SERVER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _asyncpg_url(database: str) -> str:
    base = PG_SERVER.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{database}"


async def _pg_admin(statement: str) -> None:
    connection = await asyncpg.connect(PG_SERVER, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def pg_admin(statement: str) -> None:
    """Run one administrative statement (CREATE/DROP DATABASE) on the PostgreSQL server.

    Runs on its own thread and loop, so it works from sync and async fixtures alike.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _pg_admin(statement)).result()


def new_database_url(backend: str, directory: Path, created: list[str]) -> str:
    """A fresh, empty database of the given backend."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{directory / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
    name = f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        pg_admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL is unreachable at {PG_SERVER}: {exc!r}. Start it, or set TEST_DATABASES=sqlite.")
    created.append(name)
    return _asyncpg_url(name)


def write_lock_is_free(engine: AsyncEngine) -> bool:
    """Whether another connection can take SQLite's write lock at once (no waiting)."""
    path = engine.url.database
    assert path is not None
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def schema_app() -> Litestar:
    """An app for its routes and OpenAPI document only: its database file is never opened."""
    return create_app(make_settings(f"sqlite+aiosqlite:///{ROOT / '.schema-only.sqlite3'}", None))


def make_settings(db_url: str | None, storage_dir: Path | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "db": Binding("DB", db_url, "test"),
        "storage": Binding("STORAGE", storage_dir.as_uri() if storage_dir else None, "test"),
        "secret": TEST_SECRET,
        # The suite signs in far more often than a person; the limits get tests of their own.
        "auth_rate_limit_per_address": 100_000,
        "auth_rate_limit_per_email": 100_000,
        "mail": MailSettings(
            outbox_dir=(storage_dir.parent if storage_dir else Path(tempfile.gettempdir())) / "mail",
            rate_limit_per_address=100_000,
            rate_limit_per_email=100_000,
        ),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


class LogRecorder(logging.Handler):
    """Collects the records of one logger, whatever the app's logging config does to the root logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, containing: str = "") -> list[str]:
        return [m for r in self.records if containing in (m := r.getMessage())]


@contextmanager
def recording_logs(name: str) -> Iterator[LogRecorder]:
    """Records of logger ``name`` and its children, caught at the root (the app's logging config
    resets handlers on its own loggers' children at start-up, so they are not attached there)."""
    root = logging.getLogger()
    recorder = LogRecorder()
    recorder.addFilter(lambda record: record.name == name or record.name.startswith(f"{name}."))
    root.addHandler(recorder)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)


class ResponseLog:
    """Every response the suite receives, with who asked; scanned at the end of the run for secrets,
    and for dates not written as JavaScript's ``toISOString()`` (three fractional digits and ``Z``)."""

    PASSWORD_HASH = re.compile(r"[0-9a-f]{32}:[0-9a-f]{128}")
    DATE_LIKE = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[^"]*)"')
    JS_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")

    def __init__(self) -> None:
        self.entries: list[tuple[str | None, str, str, str | None]] = []  # (caller, request, body, issued token)
        self.token_owner: dict[str, str] = {}  # session token -> user id it acts for
        self.secrets: set[str] = set()  # values that must never appear (OAuth tokens, ...)

    ALLOWED_OTHERS = frozenset({"POST /api/auth/admin/list-user-sessions"})
    """Requests whose answer is, by Better Auth's protocol, other users' session tokens (for an admin)."""

    @staticmethod
    def caller_token(request: httpx.Request) -> str | None:
        """The session token a request authenticates with: bearer (raw or ``token.signature``) or cookie."""
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            return unquote(header[7:].strip()).split(".", 1)[0] or None
        for part in request.headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name.endswith("better-auth.session_token") and value:
                return unquote(value).rsplit(".", 1)[0]
        return None

    def _issue(self, token: Any, owner: Any) -> str | None:
        if not isinstance(token, str) or not token:
            return None
        self.token_owner[token] = str(owner)
        return token

    async def record(self, response: httpx.Response) -> None:
        await response.aread()
        caller = self.caller_token(response.request)
        body = response.text
        issued = None
        if response.headers.get("content-type", "").startswith("application/json") and body:
            data = response.json()
            if isinstance(data, dict):
                session: dict[str, Any] = data["session"] if isinstance(data.get("session"), dict) else {}
                user: dict[str, Any] = data["user"] if isinstance(data.get("user"), dict) else {}
                owner = session.get("impersonatedBy") or session.get("userId") or user.get("id")
                issued = self._issue(data.get("token"), owner) or self._issue(session.get("token"), owner)
        self.entries.append((caller, f"{response.request.method} {response.request.url.path}", body, issued))

    def violations(self) -> list[str]:
        found: list[str] = []
        for caller, request, body, issued in self.entries:
            if self.PASSWORD_HASH.search(body):
                found.append(f"{request}: a password hash")
            found.extend(
                f"{request}: a date not in toISOString() form ({value})"
                for value in self.DATE_LIKE.findall(body)
                if not self.JS_DATE.fullmatch(value)
            )
            found.extend(f"{request}: a secret ({value[:6]}...)" for value in self.secrets if value in body)
            found.extend(
                f"{request}: a mailed token or link ({value[:6]}...)" for value in MAIL_SECRETS if value in body
            )
            own = self.token_owner.get(caller or "")
            if request in self.ALLOWED_OTHERS:
                continue
            for token, owner in self.token_owner.items():
                if token in body and token not in (caller, issued) and owner != own:
                    found.append(f"{request}: another user's session token")
        return found


RESPONSES = ResponseLog()
PASSWORDS: set[str] = set()
"""Every password the suite signs up with; none may ever appear in a log."""


OUTPUT_LINES: list[str] = []
"""Log output of the service processes the suite starts (production command); scanned at the end too."""


class LogScan(logging.Handler):
    """Keeps every log record of the run (any logger), rendered as the production JSON line (with
    its request fields and traceback) but without the renderer's masking, so what the code logs is
    scanned, not what the mask leaves; plus the output of the service processes (``OUTPUT_LINES``).

    One record is set aside unscanned: the local mail outbox's notice, which deliberately logs the
    link of a message written to a file (``app.mail.postman``); only that exact record, marked.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter(redacting=False))
        self.lines: list[str] = []
        self.outbox_notices: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if is_outbox_notice(record):
            self.outbox_notices.append(self.format(record))
            return
        self.lines.append(self.format(record))

    def violations(self, responses: ResponseLog) -> list[str]:
        needles = {
            **dict.fromkeys(responses.token_owner, "a session token"),
            **dict.fromkeys(responses.secrets, "a secret"),
            **dict.fromkeys(PASSWORDS, "a password"),
            **dict.fromkeys(MAIL_SECRETS, "a mailed token or link"),
        }
        found = []
        for line in [*self.lines, *OUTPUT_LINES]:
            lowered = line.lower()
            if ResponseLog.PASSWORD_HASH.search(line):
                found.append(f"a password hash in: {line[:120]}")
            if "bearer " in lowered or "session_token=" in lowered or "authorization:" in lowered:
                found.append(f"a credential header in: {line[:120]}")
            found.extend(f"{kind} in: {line[:120]}" for needle, kind in needles.items() if needle in line)
        return found


def is_outbox_notice(record: logging.LogRecord) -> bool:
    return record.name == "app.mail.outbox" and record.msg == OUTBOX_NOTICE and getattr(record, SHOWN_AS_WRITTEN, False)


class StatelessClient(httpx.AsyncClient):
    """Like most API consumers, keeps no cookies between requests: a request is authenticated only
    by what it carries itself (a bearer token, or a cookie header the test sets)."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = await super().send(request, **kwargs)
        self.cookies.clear()
        return response


async def close_app(application: Litestar) -> None:
    """What the app's shutdown closes, for a test that does not run its lifespan: the reader's
    connections and the engine's pool (an aiosqlite connection left open keeps the process alive)."""
    await application.state[READER_STATE_KEY].close()
    await application.state[DATABASE_STATE_KEY].get_engine().dispose()


def http_client(application: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=cast("Any", application))
    return StatelessClient(
        transport=transport, base_url="http://testserver", event_hooks={"response": [RESPONSES.record]}
    )


@asynccontextmanager
async def api_client(settings: Settings, app: Litestar | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the ASGI app, with the app's lifespan running (same event loop as the test)."""
    application = app or create_app(settings)
    async with application.lifespan(), http_client(application) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_up(
    client: httpx.AsyncClient, email: str, password: str = "correct horse battery", name: str = "Test User"
) -> tuple[str, dict[str, Any]]:
    """A new user through Better Auth's ``sign-up/email``; returns (session token, user)."""
    PASSWORDS.add(password)
    response = await client.post("/api/auth/sign-up/email", json={"name": name, "email": email, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["token"], body["user"]


async def sign_in(client: httpx.AsyncClient, email: str, password: str, **extra: Any) -> httpx.Response:
    """Better Auth's ``sign-in/email`` (``extra``: more body fields, such as ``rememberMe``)."""
    return await client.post("/api/auth/sign-in/email", json={"email": email, "password": password, **extra})


def better_auth_verify(stored: str, password: str) -> bool:
    """Better Auth 1.7's password check (``verifyPassword``: scrypt N=16384, r=16, p=1, 64-byte key over the
    NFKC-normalized password, stored as ``salt:key`` in hex), written out here independently of
    ``app.domain.passwords`` so that tests check hashes against Better Auth's format, not against our own code."""
    salt, key_hex = stored.split(":")
    key = hashlib.scrypt(
        unicodedata.normalize("NFKC", password).encode(),
        salt=salt.encode(),
        n=16384,
        r=16,
        p=1,
        dklen=64,
        maxmem=64 * 1024 * 1024,
    )
    return hmac.compare_digest(key.hex(), key_hex)


def copy_migrations(directory: Path) -> Path:
    """A throwaway copy of migrations/ (to add revisions to) under ``directory``."""
    target = directory / "migrations"
    shutil.copytree(ROOT / "migrations", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def add_revision(directory: Path, revision: str, parent: str, upgrade: str) -> None:
    """Write a revision file whose ``upgrade()`` body is ``upgrade`` into a migrations copy."""
    steps = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    source = (
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f"revision = {revision!r}\n"
        f"down_revision = {parent!r}\n"
        "branch_labels = None\n"
        "depends_on = None\n\n\n"
        f"def upgrade() -> None:\n{steps}\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )
    (directory / "versions" / f"{revision}_test.py").write_text(source)
