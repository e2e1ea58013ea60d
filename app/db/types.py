"""Portable column types shared by SQLite (and D1) and PostgreSQL.

Storage follows the seed's Drizzle conventions so that a Better Auth server can share the
database: timestamps are integer epoch milliseconds on SQLite (``timestamp_ms``) and
``timestamptz`` on PostgreSQL; booleans are 0/1 integers on SQLite and native on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Dialect, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from app.domain.instants import utcnow

__all__ = ("UTCDateTime", "UtcNow", "from_epoch_ms", "to_epoch_ms", "utcnow")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_epoch_ms(value: datetime) -> int:
    """Aware datetime -> integer Unix epoch milliseconds (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_epoch_ms(value: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=value)


def _parse_text(value: str) -> datetime:
    """Parse what other writers leave in a SQLite date column.

    Kysely-based Better Auth writes ISO-8601 with ``Z``; other tools write numbers as text.
    """
    text = value.strip()
    if text.lstrip("-").isdigit():
        return from_epoch_ms(int(text))
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetime: epoch milliseconds on SQLite, ``timestamptz`` elsewhere."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return to_epoch_ms(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            return value.astimezone(UTC)
        if isinstance(value, bool):  # pragma: no cover - never a timestamp
            msg = f"not a timestamp: {value!r}"
            raise TypeError(msg)
        if isinstance(value, int | float):
            return from_epoch_ms(int(value))
        return _parse_text(str(value))


class UtcNow(FunctionElement[datetime]):
    """``now()`` as a server default: epoch milliseconds on SQLite, ``CURRENT_TIMESTAMP`` elsewhere.

    SQLite 3.40 (and older D1 builds) has no ``unixepoch('subsecond')``, hence ``julianday``.
    """

    type = UTCDateTime()
    inherit_cache = True
    name = "utc_now"


@compiles(UtcNow)
def _utcnow_default(element: UtcNow, compiler: SQLCompiler, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(UtcNow, "sqlite")
def _utcnow_sqlite(element: UtcNow, compiler: SQLCompiler, **kw: Any) -> str:
    return "(CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"
