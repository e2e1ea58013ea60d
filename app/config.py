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

__all__ = ("DEFAULT_SECRET", "PROJECT_ROOT", "Binding", "Settings", "get_settings")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "development-secret-change-me-0123456789"  # noqa: S105 - refused in production
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


def _env_list(name: str) -> tuple[str, ...]:
    raw = _env(name) or ""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


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
    cors_origins: tuple[str, ...] = ()
    max_request_body_bytes: int = 1_048_576
    log_level: str = "INFO"
    auth_rate_limit_per_address: int = 30
    auth_rate_limit_per_email: int = 10
    auth_rate_limit_window_seconds: int = 60

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
            cors_origins=_env_list("CORS_ORIGINS"),
            max_request_body_bytes=_env_int("MAX_REQUEST_BODY_BYTES", 1_048_576),
            log_level=(_env("LOG_LEVEL") or "INFO").upper(),
            auth_rate_limit_per_address=_env_int("AUTH_RATE_LIMIT_PER_ADDRESS", 30),
            auth_rate_limit_per_email=_env_int("AUTH_RATE_LIMIT_PER_EMAIL", 10),
            auth_rate_limit_window_seconds=max(1, _env_int("AUTH_RATE_LIMIT_WINDOW_SECONDS", 60)),
        )

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

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


def get_settings() -> Settings:
    """Settings read from the environment now (cheap; call once per app or script)."""
    return Settings.from_env()
