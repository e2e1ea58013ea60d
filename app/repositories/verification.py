"""Single-use values in the ``verification`` table (Better Auth's ``internalAdapter`` semantics).

A value is looked up by ``identifier`` (latest row first, as Better Auth sorts by ``createdAt``).
:func:`consume_verification` deletes every row of the identifier in one ``DELETE ... RETURNING``
and hands back the latest one if it is still live: of two concurrent consumers exactly one gets
it (PostgreSQL: the second ``DELETE`` waits on the first's row locks, then finds nothing; SQLite:
writers are serialised), so a gate on its result is race-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Verification
from app.db.types import utcnow

__all__ = (
    "VerificationValue",
    "consume_verification",
    "create_verification",
    "delete_expired_verifications",
    "find_verification",
)


@dataclass(frozen=True, slots=True)
class VerificationValue:
    identifier: str
    value: str
    expires_at: datetime


async def create_verification(db: AsyncSession, *, identifier: str, value: str, expires_at: datetime) -> None:
    now = utcnow()
    db.add(Verification(identifier=identifier, value=value, expires_at=expires_at, created_at=now, updated_at=now))
    await db.flush()


async def find_verification(
    db: AsyncSession, identifier: str, *, now: datetime | None = None
) -> VerificationValue | None:
    """The identifier's latest row, if it has not expired (nothing is deleted)."""
    statement = (
        select(Verification.identifier, Verification.value, Verification.expires_at)
        .where(Verification.identifier == identifier)
        .order_by(Verification.created_at.desc(), Verification.id.desc())
        .limit(1)
    )
    row = (await db.execute(statement)).first()
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return VerificationValue(identifier=row.identifier, value=row.value, expires_at=row.expires_at)


async def consume_verification(
    db: AsyncSession, identifier: str, *, now: datetime | None = None
) -> VerificationValue | None:
    """Delete the identifier's rows; the latest one if it was live, else None (also when another
    transaction consumed it first). An expired row is deleted too, so it can never be replayed."""
    statement = (
        delete(Verification)
        .where(Verification.identifier == identifier)
        .returning(Verification.value, Verification.expires_at, Verification.created_at, Verification.id)
    )
    rows = (await db.execute(statement)).all()
    if not rows:
        return None
    latest = max(rows, key=lambda row: (row.created_at, row.id))
    if latest.expires_at <= (now or utcnow()):
        return None
    return VerificationValue(identifier=identifier, value=latest.value, expires_at=latest.expires_at)


async def delete_expired_verifications(db: AsyncSession, *, now: datetime | None = None) -> int:
    """Remove every expired row (Better Auth does the same, at most every few minutes)."""
    result = await db.execute(delete(Verification).where(Verification.expires_at < (now or utcnow())))
    return int(result.rowcount)  # type: ignore[attr-defined]
