"""Subscriptions (written by billing; members read their organization's, admins correct status/seats)."""

from __future__ import annotations

from msgspec import UNSET
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Subscription
from app.domain.enums import SortDirection, SubscriptionStatus
from app.domain.errors import NotFoundError
from app.domain.schemas.orgs import SubscriptionUpdate
from app.repositories.organizations import Membership
from app.repositories.pagination import Keyset, PageResult, paginate

__all__ = ("list_organization_subscriptions", "list_subscriptions", "update_subscription")


async def list_organization_subscriptions(
    db: AsyncSession, membership: Membership, *, limit: int | None, cursor: str | None
) -> PageResult[Subscription]:
    statement = select(Subscription).where(Subscription.reference_id == membership.organization.id)
    return await paginate(db, statement, Keyset(Subscription.id, Subscription.id), limit=limit, cursor=cursor)


async def list_subscriptions(
    db: AsyncSession,
    *,
    status: SubscriptionStatus | None,
    plan: str | None,
    reference_id: str | None,
    limit: int | None,
    cursor: str | None,
) -> PageResult[Subscription]:
    statement = select(Subscription)
    if status is not None:
        statement = statement.where(Subscription.status == status.value)
    if plan is not None:
        statement = statement.where(Subscription.plan == plan.lower())
    if reference_id is not None:
        statement = statement.where(Subscription.reference_id == reference_id)
    keyset = Keyset(Subscription.id, Subscription.id, SortDirection.ASC)
    return await paginate(db, statement, keyset, limit=limit, cursor=cursor)


async def update_subscription(db: AsyncSession, subscription_id: str, data: SubscriptionUpdate) -> Subscription:
    subscription = await db.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFoundError("No such subscription.", code="subscription_not_found")
    if data.status is not UNSET:
        subscription.status = data.status.value
    if data.seats is not UNSET:
        subscription.seats = data.seats
    await db.flush()
    return subscription
