"""Flushing with unique constraints: a race lost to a concurrent writer becomes a typed conflict."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import ConflictError

__all__ = ("flush_or_conflict",)


async def flush_or_conflict(db: AsyncSession, detail: str, code: str) -> None:
    """Flush; a unique-constraint violation (checked for beforehand, lost to a race) is a 409."""
    try:
        await db.flush()
    except IntegrityError as exc:
        raise ConflictError(detail, code=code) from exc
