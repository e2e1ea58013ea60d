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
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from dotenv import load_dotenv

from app.domain.origins import origin_of

__all__ = ("DEFAULT_SECRET", "PROJECT_ROOT", "Binding", "MailSettings", "Settings", "get_settings")

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


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        msg = f"{name} must be an integer, got {raw!r}"
        raise ConfigurationError(msg) from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = (_env(name) or "").lower()
    if raw == "":
        return default
    if raw not in ("1", "true", "yes", "0", "false", "no"):
        msg = f"{name} must be true or false, got {raw!r}"
        raise ConfigurationError(msg)
    return raw in ("1", "true", "yes")


def _env_list(name: str) -> tuple[str, ...]:
    raw = _env(name) or ""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _log_format(raw: str | None, environment: str | None) -> Literal["text", "json"]:
    """``LOG_FORMAT`` (``text``/``json``); unset: JSON in production, text elsewhere."""
    value = (raw or ("json" if environment == "production" else "text")).lower()
    if value not in ("text", "json"):
        msg = f"LOG_FORMAT must be text or json, got {raw!r}"
        raise ConfigurationError(msg)
    return value  # type: ignore[return-value]  # checked above


def read_wrangler_bindings(path: Path) -> dict[str, str]:
    """Binding name -> kind (``d1`` or ``r2``) declared in a ``wrangler.toml``."""
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    bindings: dict[str, str] = {}
    for entry in data.get("d1_databases", []):
        if isinstance(entry, dict) and isinstance(entry.get("binding"), str):
            bindings[entry["binding"]] = "d1"
    for entry in data.get("r2_buckets", []):
        if isinstance(entry, dict) and isinstance(entry.get("binding"), str):
            bindings[entry["binding"]] = "r2"
    return bindings


def _resolve(name: str, kind: str, declared: dict[str, str], variable: str, default: str) -> Binding:
    override = _env(variable)
    if override:
        return Binding(name=name, url=override, source=f"${variable}")
    if override == "":
        return Binding(name=name, url=None, source=f"${variable} is empty")
    if declared.get(name) == kind:
        return Binding(name=name, url=default, source="wrangler.toml (local default)")
    return Binding(name=name, url=None, source="not declared in wrangler.toml")


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Mail delivery and the email flows (verification, password reset, email change)."""

    smtp_url: str | None = None
    """``SMTP_URL``: ``smtp://user:pass@host:port`` (STARTTLS when offered) or ``smtps://`` (implicit TLS).
    Unset: messages are written as ``.eml`` files into ``outbox_dir`` (the local outbox)."""
    sender: str = DEFAULT_MAIL_FROM
    outbox_dir: Path = PROJECT_ROOT / "var" / "mail"
    send_attempts: int = 3
    verification_on_sign_up: bool = False
    require_verification: bool = False
    auto_sign_in_after_verification: bool = False
    verification_lifetime_seconds: int = 3600
    reset_lifetime_seconds: int = 3600
    revoke_sessions_on_reset: bool = True
    rate_limit_per_address: int = 10
    rate_limit_per_email: int = 3

    @classmethod
    def from_env(cls, var_dir: Path) -> MailSettings:
        required = _env_bool("REQUIRE_EMAIL_VERIFICATION", False)
        smtp_url = _env("SMTP_URL") or None
        if smtp_url is not None and not smtp_url.startswith(("smtp://", "smtps://")):
            msg = "SMTP_URL must be smtp://user:pass@host:port or smtps://user:pass@host:port"
            raise ConfigurationError(msg)
        return cls(
            smtp_url=smtp_url,
            sender=_env("MAIL_FROM") or DEFAULT_MAIL_FROM,
            outbox_dir=var_dir / "mail",
            send_attempts=max(1, _env_int("MAIL_SEND_ATTEMPTS", 3)),
            # Better Auth's default: send on sign-up exactly when verification is required.
            verification_on_sign_up=_env_bool("EMAIL_VERIFICATION_ON_SIGN_UP", required),
            require_verification=required,
            auto_sign_in_after_verification=_env_bool("EMAIL_VERIFICATION_AUTO_SIGN_IN", False),
            verification_lifetime_seconds=max(1, _env_int("EMAIL_VERIFICATION_EXPIRES_IN", 3600)),
            reset_lifetime_seconds=max(1, _env_int("RESET_PASSWORD_TOKEN_EXPIRES_IN", 3600)),
            revoke_sessions_on_reset=_env_bool("REVOKE_SESSIONS_ON_PASSWORD_RESET", True),
            rate_limit_per_address=_env_int("MAIL_RATE_LIMIT_PER_ADDRESS", 10),
            rate_limit_per_email=_env_int("MAIL_RATE_LIMIT_PER_EMAIL", 3),
        )


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment, in one place."""

    environment: Environment = "development"
    db: Binding = field(default_factory=lambda: Binding(DB_BINDING, None, "unset"))
    storage: Binding = field(default_factory=lambda: Binding(STORAGE_BINDING, None, "unset"))
    secret: str = DEFAULT_SECRET
    migrations_dir: Path = PROJECT_ROOT / "migrations"
    sqlite_busy_timeout_ms: int = 5000
    db_pool_size: int = 10
    db_reader_pool_size: int = 4
    db_echo: bool = False
    base_url: str | None = None
    """``BETTER_AUTH_URL``: where this service is reached (its origin is trusted; ``https`` means secure cookies)."""
    trusted_origin_entries: tuple[str, ...] = ()
    """``BETTER_AUTH_TRUSTED_ORIGINS``: more trusted origins (Better Auth wildcards); CORS allows exactly them."""
    max_request_body_bytes: int = 1_048_576
    log_level: str = "INFO"
    auth_rate_limit_per_address: int = 30
    auth_rate_limit_per_email: int = 10
    auth_rate_limit_window_seconds: int = 60
    mail: MailSettings = field(default_factory=MailSettings)
    # Production serving (app/serve.py, README "Deployment").
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    graceful_shutdown_seconds: int = 30
    redis_url: str | None = None
    redis_key_prefix: str = "saas-data"
    trusted_proxies: tuple[str, ...] = ()
    trusted_proxy_header: str = "x-forwarded-for"
    metrics_token: str | None = None
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    log_format: Literal["text", "json"] = "text"

    @classmethod
    def from_env(cls) -> Settings:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        environment = _env("APP_ENV", "development")
        if environment not in ("development", "test", "production"):
            msg = f"APP_ENV must be development, test or production, got {environment!r}"
            raise ConfigurationError(msg)
        wrangler = Path(_env("WRANGLER_CONFIG") or PROJECT_ROOT / "wrangler.toml")
        declared = read_wrangler_bindings(wrangler)
        var_dir = Path(_env("APP_DATA_DIR") or PROJECT_ROOT / "var").resolve()
        return cls(
            environment=environment,  # type: ignore[arg-type]  # checked above
            db=_resolve(DB_BINDING, "d1", declared, "DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / 'db.sqlite3'}"),
            storage=_resolve(STORAGE_BINDING, "r2", declared, "STORAGE_URL", (var_dir / "storage").as_uri()),
            secret=_env("BETTER_AUTH_SECRET") or _env("AUTH_SECRET") or DEFAULT_SECRET,
            migrations_dir=Path(_env("MIGRATIONS_DIR") or PROJECT_ROOT / "migrations").resolve(),
            sqlite_busy_timeout_ms=_env_int("SQLITE_BUSY_TIMEOUT_MS", 5000),
            db_pool_size=_env_int("DB_POOL_SIZE", 10),
            db_reader_pool_size=max(1, _env_int("DB_READER_POOL_SIZE", 4)),
            db_echo=(_env("DB_ECHO") or "").lower() in ("1", "true", "yes"),
            base_url=_env("BETTER_AUTH_URL") or None,
            trusted_origin_entries=_env_list("BETTER_AUTH_TRUSTED_ORIGINS"),
            max_request_body_bytes=_env_int("MAX_REQUEST_BODY_BYTES", 1_048_576),
            log_level=(_env("LOG_LEVEL") or "INFO").upper(),
            auth_rate_limit_per_address=_env_int("AUTH_RATE_LIMIT_PER_ADDRESS", 30),
            auth_rate_limit_per_email=_env_int("AUTH_RATE_LIMIT_PER_EMAIL", 10),
            auth_rate_limit_window_seconds=max(1, _env_int("AUTH_RATE_LIMIT_WINDOW_SECONDS", 60)),
            mail=MailSettings.from_env(var_dir),
            host=_env("HOST") or "127.0.0.1",
            port=_env_int("PORT", 8000),
            workers=max(1, _env_int("WEB_CONCURRENCY", os.cpu_count() or 1)),
            graceful_shutdown_seconds=max(1, _env_int("GRACEFUL_SHUTDOWN_SECONDS", 30)),
            redis_url=_env("REDIS_URL") or None,
            redis_key_prefix=_env("REDIS_KEY_PREFIX") or "saas-data",
            trusted_proxies=_env_list("TRUSTED_PROXIES"),
            trusted_proxy_header=(_env("TRUSTED_PROXY_HEADER") or "x-forwarded-for").lower(),
            metrics_token=_env("METRICS_TOKEN") or None,
            metrics_port=_env_int("METRICS_PORT", 0) or None,
            metrics_host=_env("METRICS_HOST") or "127.0.0.1",
            log_format=_log_format(_env("LOG_FORMAT"), environment),
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
