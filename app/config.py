"""Settings: environment variables (and an optional ``.env``) over defaults, bindings from ``wrangler.toml``.

``wrangler.toml`` declares the two bindings of the TypeScript stack: a D1 database bound as ``DB``
and an R2 bucket bound as ``STORAGE``. Here each declared binding resolves to a concrete backend:
``DATABASE_URL`` / ``STORAGE_URL`` when set, otherwise the local default (a SQLite file, a
directory). A binding that ``wrangler.toml`` does not declare and no variable provides is *absent*:
the service still starts, and only the requests that need it fail (see ``app.api.errors``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from dotenv import load_dotenv

from app.domain.origins import origin_of
from app.domain.rules import split_list

__all__ = (
    "DEFAULT_SECRET",
    "PROJECT_ROOT",
    "SETTINGS",
    "Binding",
    "ConfigurationError",
    "DeclaredBinding",
    "MailSettings",
    "Setting",
    "Settings",
    "get_settings",
    "read_wrangler_bindings",
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "development-secret-change-me-0123456789"  # noqa: S105 - refused in production
DEFAULT_MAIL_FROM = "no-reply@localhost"
DB_BINDING = "DB"
STORAGE_BINDING = "STORAGE"

Environment = Literal["development", "test", "production"]


class ConfigurationError(RuntimeError):
    """The configuration cannot be used (bad value, or a default secret in production)."""


@dataclass(frozen=True, slots=True)
class Binding:
    """One wrangler binding resolved to a backend URL (``url is None``: the binding is absent)."""

    name: str
    url: str | None
    source: str

    @property
    def present(self) -> bool:
        return self.url is not None


T = TypeVar("T")


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def _text(name: str, raw: str) -> str:
    return raw


def _lower(name: str, raw: str) -> str:
    return raw.lower()


def _upper(name: str, raw: str) -> str:
    return raw.upper()


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        msg = f"{name} must be an integer, got {raw!r}"
        raise ConfigurationError(msg) from exc


def _bool(name: str, raw: str) -> bool:
    value = raw.lower()
    if value not in ("1", "true", "yes", "0", "false", "no"):
        msg = f"{name} must be true or false, got {value!r}"
        raise ConfigurationError(msg)
    return value in ("1", "true", "yes")


def _flag(name: str, raw: str) -> bool:
    """A lenient switch: ``1``/``true``/``yes`` turn it on, anything else leaves it off."""
    return raw.lower() in ("1", "true", "yes")


def _list(name: str, raw: str) -> tuple[str, ...]:
    return tuple(split_list(raw))


def _port_or_none(name: str, raw: str) -> int | None:
    return _int(name, raw) or None


def _environment(name: str, raw: str) -> Environment:
    if raw not in ("development", "test", "production"):
        msg = f"{name} must be development, test or production, got {raw!r}"
        raise ConfigurationError(msg)
    return raw  # type: ignore[return-value]  # checked above


def _log_format(name: str, raw: str) -> Literal["text", "json"]:
    value = raw.lower()
    if value not in ("text", "json"):
        msg = f"{name} must be text or json, got {raw!r}"
        raise ConfigurationError(msg)
    return value  # type: ignore[return-value]  # checked above


def _smtp_url(name: str, raw: str) -> str:
    if not raw.startswith(("smtp://", "smtps://")):
        msg = f"{name} must be smtp://user:pass@host:port or smtps://user:pass@host:port"
        raise ConfigurationError(msg)
    return raw


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One environment variable, declared once: its name, default and meaning.

    ``Settings.from_env`` reads it with :meth:`read`, the dataclass fields take ``default`` from
    here, and the README's settings tables are generated from :data:`SETTINGS`
    (``scripts/settings_table.py``).
    """

    variable: str
    default: T
    parse: Callable[[str, str], T]
    """(variable, stripped value) -> value; raises :class:`ConfigurationError` on a bad value."""
    meaning: str
    shown: str | None = None
    """The README's default column, when the default is not shown by its value."""
    table: Literal["main", "mail"] = "main"
    aliases: tuple[str, ...] = ()
    """Other names read when ``variable`` is unset or empty, in order."""
    empty_is_unset: bool = True
    """An empty value means the default (otherwise it reaches ``parse``, or the caller)."""

    def raw(self) -> str | None:
        """The stripped value from the environment (``None``: unset, or empty when that means unset)."""
        for name in (self.variable, *self.aliases):
            value = _env(name)
            if value or (value is not None and not self.empty_is_unset):
                return value
        return None

    def read(self) -> T:
        return self.read_or(self.default)

    def read_or(self, fallback: T) -> T:
        """The parsed value, or ``fallback`` when the environment does not set it."""
        raw = self.raw()
        return fallback if raw is None else self.parse(self.variable, raw)


@dataclass(frozen=True, slots=True)
class DeclaredBinding:
    """One binding a ``wrangler.toml`` declares: its kind and the rest of its table (``migrations_dir``...)."""

    kind: Literal["d1", "r2"]
    entry: dict[str, Any]


def read_wrangler_bindings(path: Path) -> dict[str, DeclaredBinding]:
    """Binding name -> what ``[[d1_databases]]`` / ``[[r2_buckets]]`` of a ``wrangler.toml`` declare
    (none when the file does not exist). The one reader of that file, for the settings and the D1 export."""
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    bindings: dict[str, DeclaredBinding] = {}
    kinds: tuple[tuple[str, Literal["d1", "r2"]], ...] = (("d1_databases", "d1"), ("r2_buckets", "r2"))
    for section, kind in kinds:
        for entry in data.get(section, []):
            if isinstance(entry, dict) and isinstance(entry.get("binding"), str):
                bindings[entry["binding"]] = DeclaredBinding(kind, entry)
    return bindings


# The settings, in the order of the README's tables. Each is declared here once.
APP_ENV: Setting[Environment] = Setting(
    "APP_ENV",
    "development",
    _environment,
    "`development`, `test` or `production`. Production refuses the default secret.",
    empty_is_unset=False,
)
DATABASE_URL: Setting[str | None] = Setting(
    "DATABASE_URL",
    None,
    _text,
    "The `DB` binding. `sqlite+aiosqlite:///path` or `postgresql+asyncpg://user:pass@host/db`. "
    "Empty: the binding is absent.",
    shown="SQLite file `var/db.sqlite3`",
    empty_is_unset=False,
)
STORAGE_URL: Setting[str | None] = Setting(
    "STORAGE_URL",
    None,
    _text,
    "The `STORAGE` binding: `file:///dir`, or an S3-compatible `s3://bucket` (R2, S3, MinIO; credentials "
    "from the usual `AWS_*` variables). Empty: absent.",
    shown="directory `var/storage`",
    empty_is_unset=False,
)
APP_DATA_DIR = Setting("APP_DATA_DIR", PROJECT_ROOT / "var", _path, "Where the local defaults above live.", "`var/`")
WRANGLER_CONFIG = Setting(
    "WRANGLER_CONFIG",
    PROJECT_ROOT / "wrangler.toml",
    _path,
    "Which bindings exist (`[[d1_databases]]` `DB`, `[[r2_buckets]]` `STORAGE`).",
    "`wrangler.toml`",
)
BETTER_AUTH_SECRET = Setting(
    "BETTER_AUTH_SECRET",
    DEFAULT_SECRET,
    _text,
    "Signs session cookies; the same secret as the Better Auth server sharing the database. ≥ 32 characters.",
    "a development secret",
    aliases=("AUTH_SECRET",),
)
MIGRATIONS_DIR = Setting(
    "MIGRATIONS_DIR", PROJECT_ROOT / "migrations", _path, "Where the Alembic revisions are.", "`migrations/`"
)
SQLITE_BUSY_TIMEOUT_MS = Setting("SQLITE_BUSY_TIMEOUT_MS", 5000, _int, "How long a SQLite writer waits for the lock.")
DB_POOL_SIZE = Setting(
    "DB_POOL_SIZE",
    10,
    _int,
    "Pool size of the ORM engine (and as many overflow connections), on PostgreSQL and SQLite.",
)
DB_READER_POOL_SIZE = Setting(
    "DB_READER_POOL_SIZE",
    4,
    _int,
    "Connections of the driver-level reader (the caller's session read, read-only organization routes): "
    "aiosqlite `query_only` connections or an asyncpg pool.",
)
DB_ECHO = Setting("DB_ECHO", False, _flag, "Log SQL statements (parameters are never logged).")
BETTER_AUTH_URL: Setting[str | None] = Setting(
    "BETTER_AUTH_URL",
    None,
    _text,
    "Where this service is reached (e.g. `https://api.example.com`). Its origin is trusted; `https` makes "
    "cookies `Secure` with the `__Secure-` prefix (as in production without a URL).",
    "the URL a request was sent to",
)
BETTER_AUTH_TRUSTED_ORIGINS: Setting[tuple[str, ...]] = Setting(
    "BETTER_AUTH_TRUSTED_ORIGINS",
    (),
    _list,
    "Comma-separated trusted origins, with Better Auth's wildcards (`https://*.example.com`, `*.example.com`, "
    "`myapp://`). They may send cookie-authenticated writes and be redirect targets; CORS (off when unset) "
    "allows credentials for exactly these and the service's own origin.",
)
MAX_REQUEST_BODY_BYTES = Setting("MAX_REQUEST_BODY_BYTES", 1_048_576, _int, "Larger request bodies get 413.")
LOG_LEVEL = Setting("LOG_LEVEL", "INFO", _upper, "`DEBUG`, `INFO`, `WARNING` or `ERROR`.")
AUTH_RATE_LIMIT_PER_ADDRESS = Setting(
    "AUTH_RATE_LIMIT_PER_ADDRESS", 30, _int, "Sign-in/sign-up attempts per client address per window (0: off)."
)
AUTH_RATE_LIMIT_PER_EMAIL = Setting("AUTH_RATE_LIMIT_PER_EMAIL", 10, _int, "Attempts per email per window (0: off).")
AUTH_RATE_LIMIT_WINDOW_SECONDS = Setting(
    "AUTH_RATE_LIMIT_WINDOW_SECONDS", 60, _int, "The window (it opens at a counter's first attempt)."
)
REDIS_URL: Setting[str | None] = Setting(
    "REDIS_URL",
    None,
    _text,
    "Attempt counters in Redis (`redis://[:password@]host:6379/0`), shared by every worker and instance; "
    "unset: per-process memory. See [Deployment](#deployment).",
)
REDIS_KEY_PREFIX = Setting("REDIS_KEY_PREFIX", "saas-data", _text, "Namespace of this service's keys in Redis.")
TRUSTED_PROXIES: Setting[tuple[str, ...]] = Setting(
    "TRUSTED_PROXIES",
    (),
    _list,
    "Comma-separated addresses/CIDRs (`10.0.0.0/8,fd00::/8`) whose forwarding header gives the client address "
    "(and `X-Request-ID`). Unset: the TCP peer is the client.",
)
TRUSTED_PROXY_HEADER = Setting(
    "TRUSTED_PROXY_HEADER",
    "x-forwarded-for",
    _lower,
    "The header those proxies set: `x-forwarded-for` or `forwarded` (RFC 7239). The other one is ignored.",
)
LOG_FORMAT: Setting[Literal["text", "json"]] = Setting(
    "LOG_FORMAT",
    "text",
    _log_format,
    "`json`: one JSON object per line (with `request_id`) and one access line per request.",
    "`json` in production, else `text`",
)
METRICS_TOKEN: Setting[str | None] = Setting(
    "METRICS_TOKEN",
    None,
    _text,
    "Serve `GET /metrics` on the API port, to `Authorization: Bearer <token>` only (≥ 16 characters). "
    "Unset: no `/metrics` on the API port.",
)
METRICS_PORT: Setting[int | None] = Setting(
    "METRICS_PORT",
    None,
    _port_or_none,
    "Production command: serve `/metrics` (no token) on this port of the supervisor process.",
)
METRICS_HOST = Setting("METRICS_HOST", "127.0.0.1", _text, "The address `METRICS_PORT` listens on.")
HOST = Setting("HOST", "127.0.0.1", _text, "Where `./scripts/serve` and the production command listen.")
PORT = Setting("PORT", 8000, _int, "The port they listen on.")
WEB_CONCURRENCY = Setting(
    "WEB_CONCURRENCY", os.cpu_count() or 1, _int, "Worker processes of the production command.", "the core count"
)
GRACEFUL_SHUTDOWN_SECONDS = Setting(
    "GRACEFUL_SHUTDOWN_SECONDS",
    30,
    _int,
    "On SIGTERM, how long a worker waits for in-flight requests before closing them.",
)
PROMETHEUS_MULTIPROC_DIR: Setting[str | None] = Setting(
    "PROMETHEUS_MULTIPROC_DIR",
    None,
    _text,
    "Production command: where workers write metric samples (emptied at start).",
    "a temporary directory",
)
"""Read from ``os.environ`` by ``prometheus_client`` itself (``app.metrics``, ``app.serve``)."""

SMTP_URL: Setting[str | None] = Setting(
    "SMTP_URL",
    None,
    _smtp_url,
    "`smtp://user:pass@host:port` (STARTTLS when the server offers it; port 587 by default) or `smtps://…` "
    "(TLS from the start; 465). User and password percent-encoded.",
    "none: the local outbox",
    table="mail",
)
MAIL_FROM = Setting(
    "MAIL_FROM", DEFAULT_MAIL_FROM, _text, "The sender (`Acme <no-reply@acme.com>` works).", table="mail"
)
MAIL_SEND_ATTEMPTS = Setting(
    "MAIL_SEND_ATTEMPTS", 3, _int, "Attempts per message (2 s, then 4 s… between them).", table="mail"
)
REQUIRE_EMAIL_VERIFICATION = Setting(
    "REQUIRE_EMAIL_VERIFICATION",
    False,
    _bool,
    "Sign-in of an unverified user answers 403 `EMAIL_NOT_VERIFIED` and mails a new link; sign-up then does "
    "not sign in.",
    table="mail",
)
EMAIL_VERIFICATION_ON_SIGN_UP = Setting(
    "EMAIL_VERIFICATION_ON_SIGN_UP",
    False,
    _bool,
    "Mail a verification link on sign-up.",
    "= `REQUIRE_EMAIL_VERIFICATION`",
    table="mail",
)
"""Better Auth's default: send on sign-up exactly when verification is required (``read_or(required)``)."""
EMAIL_VERIFICATION_AUTO_SIGN_IN = Setting(
    "EMAIL_VERIFICATION_AUTO_SIGN_IN",
    False,
    _bool,
    "Following a verification link signs the user in (session cookie).",
    table="mail",
)
EMAIL_VERIFICATION_EXPIRES_IN = Setting(
    "EMAIL_VERIFICATION_EXPIRES_IN",
    3600,
    _int,
    "Lifetime of verification and email-change links, seconds.",
    table="mail",
)
RESET_PASSWORD_TOKEN_EXPIRES_IN = Setting(
    "RESET_PASSWORD_TOKEN_EXPIRES_IN", 3600, _int, "Lifetime of a reset link, seconds.", table="mail"
)
REVOKE_SESSIONS_ON_PASSWORD_RESET = Setting(
    "REVOKE_SESSIONS_ON_PASSWORD_RESET",
    True,
    _bool,
    "A reset ends every session of the user (Better Auth's `revokeSessionsOnPasswordReset`).",
    table="mail",
)
MAIL_RATE_LIMIT_PER_ADDRESS = Setting(
    "MAIL_RATE_LIMIT_PER_ADDRESS",
    10,
    _int,
    "Mail-sending requests per client address per window (`AUTH_RATE_LIMIT_WINDOW_SECONDS`; 0: off).",
    table="mail",
)
MAIL_RATE_LIMIT_PER_EMAIL = Setting(
    "MAIL_RATE_LIMIT_PER_EMAIL",
    3,
    _int,
    "Mail-sending requests per target email per window (0: off).",
    table="mail",
)

SETTINGS: tuple[Setting[Any], ...] = tuple(value for value in list(globals().values()) if isinstance(value, Setting))
"""Every declared setting, in declaration order (the README's order)."""


def _resolve(
    name: str, kind: str, declared: dict[str, DeclaredBinding], setting: Setting[str | None], default: str
) -> Binding:
    override = setting.raw()
    if override:
        return Binding(name=name, url=override, source=f"${setting.variable}")
    if override == "":
        return Binding(name=name, url=None, source=f"${setting.variable} is empty")
    binding = declared.get(name)
    if binding is not None and binding.kind == kind:
        return Binding(name=name, url=default, source="wrangler.toml (local default)")
    return Binding(name=name, url=None, source="not declared in wrangler.toml")


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Mail delivery and the email flows (verification, password reset, email change)."""

    smtp_url: str | None = SMTP_URL.default
    """``SMTP_URL``: ``smtp://user:pass@host:port`` (STARTTLS when offered) or ``smtps://`` (implicit TLS).
    Unset: messages are written as ``.eml`` files into ``outbox_dir`` (the local outbox)."""
    sender: str = MAIL_FROM.default
    outbox_dir: Path = APP_DATA_DIR.default / "mail"
    send_attempts: int = MAIL_SEND_ATTEMPTS.default
    verification_on_sign_up: bool = EMAIL_VERIFICATION_ON_SIGN_UP.default
    require_verification: bool = REQUIRE_EMAIL_VERIFICATION.default
    auto_sign_in_after_verification: bool = EMAIL_VERIFICATION_AUTO_SIGN_IN.default
    verification_lifetime_seconds: int = EMAIL_VERIFICATION_EXPIRES_IN.default
    reset_lifetime_seconds: int = RESET_PASSWORD_TOKEN_EXPIRES_IN.default
    revoke_sessions_on_reset: bool = REVOKE_SESSIONS_ON_PASSWORD_RESET.default
    rate_limit_per_address: int = MAIL_RATE_LIMIT_PER_ADDRESS.default
    rate_limit_per_email: int = MAIL_RATE_LIMIT_PER_EMAIL.default

    @classmethod
    def from_env(cls, var_dir: Path) -> MailSettings:
        required = REQUIRE_EMAIL_VERIFICATION.read()
        return cls(
            smtp_url=SMTP_URL.read(),
            sender=MAIL_FROM.read(),
            outbox_dir=var_dir / "mail",
            send_attempts=max(1, MAIL_SEND_ATTEMPTS.read()),
            verification_on_sign_up=EMAIL_VERIFICATION_ON_SIGN_UP.read_or(required),
            require_verification=required,
            auto_sign_in_after_verification=EMAIL_VERIFICATION_AUTO_SIGN_IN.read(),
            verification_lifetime_seconds=max(1, EMAIL_VERIFICATION_EXPIRES_IN.read()),
            reset_lifetime_seconds=max(1, RESET_PASSWORD_TOKEN_EXPIRES_IN.read()),
            revoke_sessions_on_reset=REVOKE_SESSIONS_ON_PASSWORD_RESET.read(),
            rate_limit_per_address=MAIL_RATE_LIMIT_PER_ADDRESS.read(),
            rate_limit_per_email=MAIL_RATE_LIMIT_PER_EMAIL.read(),
        )


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment, in one place (each setting declared above)."""

    environment: Environment = APP_ENV.default
    db: Binding = field(default_factory=lambda: Binding(DB_BINDING, None, "unset"))
    storage: Binding = field(default_factory=lambda: Binding(STORAGE_BINDING, None, "unset"))
    secret: str = BETTER_AUTH_SECRET.default
    migrations_dir: Path = MIGRATIONS_DIR.default
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS.default
    db_pool_size: int = DB_POOL_SIZE.default
    db_reader_pool_size: int = DB_READER_POOL_SIZE.default
    db_echo: bool = DB_ECHO.default
    base_url: str | None = BETTER_AUTH_URL.default
    """``BETTER_AUTH_URL``: where this service is reached (its origin is trusted; ``https`` means secure cookies)."""
    trusted_origin_entries: tuple[str, ...] = BETTER_AUTH_TRUSTED_ORIGINS.default
    """``BETTER_AUTH_TRUSTED_ORIGINS``: more trusted origins (Better Auth wildcards); CORS allows exactly them."""
    max_request_body_bytes: int = MAX_REQUEST_BODY_BYTES.default
    log_level: str = LOG_LEVEL.default
    auth_rate_limit_per_address: int = AUTH_RATE_LIMIT_PER_ADDRESS.default
    auth_rate_limit_per_email: int = AUTH_RATE_LIMIT_PER_EMAIL.default
    auth_rate_limit_window_seconds: int = AUTH_RATE_LIMIT_WINDOW_SECONDS.default
    mail: MailSettings = field(default_factory=MailSettings)
    # Production serving (app/serve.py, README "Deployment").
    host: str = HOST.default
    port: int = PORT.default
    workers: int = WEB_CONCURRENCY.default
    graceful_shutdown_seconds: int = GRACEFUL_SHUTDOWN_SECONDS.default
    redis_url: str | None = REDIS_URL.default
    redis_key_prefix: str = REDIS_KEY_PREFIX.default
    trusted_proxies: tuple[str, ...] = TRUSTED_PROXIES.default
    trusted_proxy_header: str = TRUSTED_PROXY_HEADER.default
    metrics_token: str | None = METRICS_TOKEN.default
    metrics_port: int | None = METRICS_PORT.default
    metrics_host: str = METRICS_HOST.default
    log_format: Literal["text", "json"] = LOG_FORMAT.default

    @classmethod
    def from_env(cls) -> Settings:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        environment = APP_ENV.read()
        declared = read_wrangler_bindings(WRANGLER_CONFIG.read())
        var_dir = APP_DATA_DIR.read().resolve()
        return cls(
            environment=environment,
            db=_resolve(DB_BINDING, "d1", declared, DATABASE_URL, f"sqlite+aiosqlite:///{var_dir / 'db.sqlite3'}"),
            storage=_resolve(STORAGE_BINDING, "r2", declared, STORAGE_URL, (var_dir / "storage").as_uri()),
            secret=BETTER_AUTH_SECRET.read(),
            migrations_dir=MIGRATIONS_DIR.read().resolve(),
            sqlite_busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS.read(),
            db_pool_size=DB_POOL_SIZE.read(),
            db_reader_pool_size=max(1, DB_READER_POOL_SIZE.read()),
            db_echo=DB_ECHO.read(),
            base_url=BETTER_AUTH_URL.read(),
            trusted_origin_entries=BETTER_AUTH_TRUSTED_ORIGINS.read(),
            max_request_body_bytes=MAX_REQUEST_BODY_BYTES.read(),
            log_level=LOG_LEVEL.read(),
            auth_rate_limit_per_address=AUTH_RATE_LIMIT_PER_ADDRESS.read(),
            auth_rate_limit_per_email=AUTH_RATE_LIMIT_PER_EMAIL.read(),
            auth_rate_limit_window_seconds=max(1, AUTH_RATE_LIMIT_WINDOW_SECONDS.read()),
            mail=MailSettings.from_env(var_dir),
            host=HOST.read(),
            port=PORT.read(),
            workers=max(1, WEB_CONCURRENCY.read()),
            graceful_shutdown_seconds=max(1, GRACEFUL_SHUTDOWN_SECONDS.read()),
            redis_url=REDIS_URL.read(),
            redis_key_prefix=REDIS_KEY_PREFIX.read(),
            trusted_proxies=TRUSTED_PROXIES.read(),
            trusted_proxy_header=TRUSTED_PROXY_HEADER.read(),
            metrics_token=METRICS_TOKEN.read(),
            metrics_port=METRICS_PORT.read(),
            metrics_host=METRICS_HOST.read(),
            log_format=LOG_FORMAT.read_or("json" if environment == "production" else "text"),
        )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def secure_cookies(self) -> bool:
        """Better Auth's rule: secure (``__Secure-`` prefixed) cookies for an ``https`` base URL, or in production."""
        return self.base_url.startswith("https://") if self.base_url else self.is_production

    @cached_property
    def is_sqlite(self) -> bool:
        return self.db.url is not None and self.db.url.startswith("sqlite")

    def check(self) -> None:
        """Refuse configurations that must never serve: a default secret in production."""
        if self.is_production and self.secret == DEFAULT_SECRET:
            msg = "BETTER_AUTH_SECRET must be set to a non-default secret when APP_ENV=production"
            raise ConfigurationError(msg)
        if len(self.secret) < 32:
            msg = "BETTER_AUTH_SECRET must be at least 32 characters"
            raise ConfigurationError(msg)
        if self.base_url is not None and origin_of(self.base_url) is None:
            msg = f"BETTER_AUTH_URL must be an http(s) URL, got {self.base_url!r}"
            raise ConfigurationError(msg)
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            msg = "METRICS_TOKEN must be at least 16 characters"
            raise ConfigurationError(msg)


def get_settings() -> Settings:
    """Settings read from the environment now (cheap; call once per app or script)."""
    return Settings.from_env()
