"""Keyset (cursor) pagination: every page costs the same, however deep.

A list is ordered by one sort column plus the primary key as tie-breaker; the cursor is the
(sort value, id) of the last row served, opaque to clients (URL-safe base64 of JSON).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import msgspec
from sqlalchemy import Integer, Select, bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.db.reader import Reader
from app.db.types import from_epoch_ms, to_epoch_ms
from app.domain.enums import SortDirection
from app.domain.errors import InvalidInputError

__all__ = ("DEFAULT_LIMIT", "MAX_LIMIT", "Keyset", "KeysetRead", "PageResult", "clamp_limit", "paginate", "read_page")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageResult(Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int | None


@dataclass(frozen=True, slots=True)
class Keyset:
    """The order of a list: ``sort`` then ``id``, both ascending or both descending."""

    sort: InstrumentedAttribute[Any]
    id: InstrumentedAttribute[str]
    direction: SortDirection = SortDirection.ASC

    def encode(self, row: Any) -> str:
        return self.encode_values(getattr(row, self.sort.key), getattr(row, self.id.key))

    def encode_values(self, value: Any, last_id: str) -> str:
        wire = {"d": to_epoch_ms(value)} if isinstance(value, datetime) else value
        raw = msgspec.json.encode([wire, last_id])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[Any, str]:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            value, last_id = msgspec.json.decode(base64.urlsafe_b64decode(padded.encode()))
        except (binascii.Error, msgspec.DecodeError, ValueError, TypeError) as exc:
            raise InvalidInputError("Not a cursor returned by this list.", field="cursor", source="query") from exc
        if isinstance(value, dict) and isinstance(value.get("d"), int):
            value = from_epoch_ms(value["d"])
        if not isinstance(last_id, str) or not isinstance(value, str | int | datetime):
            raise InvalidInputError("Not a cursor returned by this list.", field="cursor", source="query")
        return value, last_id

    def order_by(self) -> tuple[Any, Any]:
        if self.direction is SortDirection.DESC:
            return self.sort.desc(), self.id.desc()
        return self.sort.asc(), self.id.asc()

    def after(self, cursor: str) -> Any:
        value, last_id = self.decode(cursor)
        key = tuple_(self.sort, self.id)
        # A plain tuple on the right: each value is bound with its column's type (epoch ms on SQLite).
        bound = (value, last_id)
        return key < bound if self.direction is SortDirection.DESC else key > bound


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    return limit


async def paginate(
    db: AsyncSession,
    statement: Select[T],
    keyset: Keyset,
    *,
    limit: int | None,
    cursor: str | None,
) -> PageResult[T]:
    """One page of ``statement`` (a select of one entity, already filtered) in keyset order.

    ``total`` counts the filtered rows (one indexed count).
    """
    size = clamp_limit(limit)
    total = (await db.execute(select(func.count()).select_from(statement.order_by(None).subquery()))).scalar_one()
    page = statement.order_by(*keyset.order_by()).limit(size + 1)
    if cursor:
        page = page.where(keyset.after(cursor))
    rows = list((await db.execute(page)).scalars().all())
    next_cursor = keyset.encode(rows[size - 1]) if len(rows) > size else None
    return PageResult(items=rows[:size], next_cursor=next_cursor, total=total)


@dataclass(frozen=True, slots=True)
class KeysetRead:
    """A list for the driver-level reader: the same statements every time (so each is compiled
    once), parameterized by the list's own bind parameters plus ``limit`` and, after a cursor,
    ``after_sort`` and ``after_id``."""

    keyset: Keyset
    first: Select[Any]
    after: Select[Any]
    count: Select[Any]
    sort_index: int
    id_index: int

    @classmethod
    def of(cls, base: Select[Any], keyset: Keyset, *, rows: Select[Any] | None = None) -> KeysetRead:
        """``base`` selects (and filters) the columns of one page row, including the keyset's two.

        ``rows``, when given, selects the same rows more cheaply for the total (no joined columns:
        counting 10,000 members need not look up 10,000 users)."""
        columns = list(base.selected_columns)
        sort_column, id_column = keyset.sort.property.columns[0], keyset.id.property.columns[0]
        limited = base.order_by(*keyset.order_by()).limit(bindparam("limit", type_=Integer))
        key = tuple_(keyset.sort, keyset.id)
        bound = tuple_(bindparam("after_sort", type_=keyset.sort.type), bindparam("after_id", type_=keyset.id.type))
        after = limited.where(key < bound if keyset.direction is SortDirection.DESC else key > bound)
        return cls(
            keyset=keyset,
            first=limited,
            after=after,
            count=select(func.count()).select_from((base if rows is None else rows).subquery()),
            sort_index=next(n for n, column in enumerate(columns) if column is sort_column),
            id_index=next(n for n, column in enumerate(columns) if column is id_column),
        )


async def read_page(
    reader: Reader, read: KeysetRead, *, limit: int | None, cursor: str | None, **values: Any
) -> PageResult[tuple[Any, ...]]:
    """One page of rows (and the filtered total) in three round trips at most, however deep."""
    size = clamp_limit(limit)
    counted = await reader.fetch_one(read.count, **values)
    if cursor:
        after_sort, after_id = read.keyset.decode(cursor)
        rows = await reader.fetch_all(read.after, limit=size + 1, after_sort=after_sort, after_id=after_id, **values)
    else:
        rows = await reader.fetch_all(read.first, limit=size + 1, **values)
    last = rows[size - 1] if len(rows) > size else None
    next_cursor = None if last is None else read.keyset.encode_values(last[read.sort_index], last[read.id_index])
    return PageResult(items=rows[:size], next_cursor=next_cursor, total=int(counted[0]) if counted else 0)
