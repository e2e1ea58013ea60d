"""Row locks that serialize an organization's check-then-write rules."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Organization

__all__ = ("lock_organizations",)


async def lock_organizations(db: AsyncSession, organization_ids: Iterable[str]) -> None:
    """Serialize changes to these organizations' memberships (owners, members, invitations, teams).

    Every check-then-write rule of an organization (the last owner, one membership per user, one
    pending invitation per email) runs under this lock. On PostgreSQL it is a row lock on each
    organization, taken in id order so that two writers never wait on each other in a cycle; on
    SQLite, writers are serialized already (they begin with ``BEGIN IMMEDIATE``).
    """
    ids = sorted(set(organization_ids))
    if ids:
        await db.execute(
            select(Organization.id).where(Organization.id.in_(ids)).order_by(Organization.id).with_for_update()
        )
