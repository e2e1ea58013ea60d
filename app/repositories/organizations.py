"""Organizations and their members: loading, locking and storing them. The rules (roles, who may
assign them, the last owner, slugs) are in ``app.domain.organizations``, which these functions call."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from msgspec import UNSET
from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.db.models import Invitation, Member, Organization, Team, TeamMember, User, UserSession
from app.db.reader import Reader
from app.domain.enums import MemberRole, SortDirection
from app.domain.errors import ConflictError, NotFoundError
from app.domain.organizations import (
    alternative_slug,
    check_member_removal,
    check_not_last_owner,
    check_role,
    check_role_change,
    count_owners,
    is_owner,
    join_roles,
    slugify,
)
from app.domain.permissions import effective_role
from app.domain.records import MemberRecord, OrganizationRecord
from app.domain.schemas.orgs import OrganizationCreate, OrganizationUpdate
from app.repositories.filters import FieldFilter, condition, ordering
from app.repositories.flush import flush_or_conflict
from app.repositories.locks import lock_organizations
from app.repositories.pagination import MAX_LIMIT, Keyset, KeysetRead, PageResult, read_page
from app.repositories.shapes import MEMBER, ORGANIZATION, USER
from app.repositories.teams import remove_team_members

__all__ = (
    "MEMBER_FIELDS",
    "FullOrganization",
    "Membership",
    "MembershipRecord",
    "change_member_role",
    "create_organization",
    "decode_metadata",
    "delete_organization",
    "encode_metadata",
    "find_member",
    "find_member_by_email",
    "find_membership",
    "find_organization",
    "full_organization",
    "get_membership",
    "is_slug_taken",
    "leave_organization",
    "list_members_by_offset",
    "lock_membership",
    "lock_organizations",
    "owner_count",
    "owners_for",
    "read_members",
    "read_membership",
    "read_my_organizations",
    "remove_member",
    "require_role",
    "update_organization",
    "with_user",
)


@dataclass(frozen=True, slots=True)
class Membership:
    """The caller's membership of an organization (what every organization route starts from)."""

    organization: Organization
    member: Member

    @property
    def role(self) -> MemberRole:
        return effective_role(self.member.role)


SLUG_TAKEN = "This slug is already taken."


def encode_metadata(value: dict[str, Any] | None) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


def decode_metadata(value: str | None) -> dict[str, Any] | None:
    """Better Auth stores metadata as JSON text; anything unreadable is shown as absent."""
    if not value:
        return None
    try:
        decoded = msgspec.json.decode(value)
    except msgspec.DecodeError:
        return None
    return decoded if isinstance(decoded, dict) else None


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    """The caller's membership as read-only routes see it (read by the driver-level reader)."""

    organization: OrganizationRecord
    member: MemberRecord

    @property
    def role(self) -> MemberRole:
        return effective_role(self.member.role)


MEMBERSHIP_READ: Select[Any] = (
    select(*ORGANIZATION.columns, *MEMBER.columns)
    .join_from(Organization.__table__, Member.__table__, Member.organization_id == Organization.id)
    .where(Organization.id == bindparam("organization_id"), Member.user_id == bindparam("user_id"))
    .limit(1)
)
MY_ORGANIZATIONS = KeysetRead.of(
    select(*MEMBER.columns, *ORGANIZATION.columns)
    .join_from(Member.__table__, Organization.__table__, Member.organization_id == Organization.id)
    .where(Member.user_id == bindparam("user_id")),
    Keyset(Member.created_at, Member.id),
)
MEMBERS = KeysetRead.of(
    select(*MEMBER.columns, *USER.columns)
    .join_from(Member.__table__, User.__table__, Member.user_id == User.id)
    .where(Member.organization_id == bindparam("organization_id")),
    Keyset(Member.created_at, Member.id),
    # Every member has its user (a foreign key that cascades), so the members alone give the total.
    rows=select(Member.__table__.c.id).where(Member.organization_id == bindparam("organization_id")),
)


def _not_a_member() -> NotFoundError:
    """A non-member gets "not found", as if the organization did not exist."""
    return NotFoundError("No such organization.", code="organization_not_found")


async def read_membership(reader: Reader, organization_id: str, user_id: str) -> MembershipRecord:
    """The caller's membership, in one round trip (read-only routes)."""
    row = await reader.fetch_one(MEMBERSHIP_READ, organization_id=organization_id, user_id=user_id)
    if row is None:
        raise _not_a_member()
    return MembershipRecord(organization=ORGANIZATION.build(row), member=MEMBER.build(row, ORGANIZATION.width))


async def read_my_organizations(
    reader: Reader, user_id: str, *, limit: int | None, cursor: str | None
) -> PageResult[tuple[MemberRecord, OrganizationRecord]]:
    """My memberships with their organizations, oldest first (one statement per page, plus the count)."""
    page = await read_page(reader, MY_ORGANIZATIONS, limit=limit, cursor=cursor, user_id=user_id)
    items = [(MEMBER.build(row), ORGANIZATION.build(row, MEMBER.width)) for row in page.items]
    return PageResult(items=items, next_cursor=page.next_cursor, total=page.total)


async def read_members(
    reader: Reader, membership: MembershipRecord, *, limit: int | None, cursor: str | None
) -> PageResult[MemberRecord]:
    """The organization's members in the order they joined, each with its user."""
    page = await read_page(reader, MEMBERS, limit=limit, cursor=cursor, organization_id=membership.organization.id)
    items = [MEMBER.build(row, user=USER.build(row, MEMBER.width)) for row in page.items]
    return PageResult(items=items, next_cursor=page.next_cursor, total=page.total)


async def find_membership(db: AsyncSession, organization_id: str, user_id: str) -> Membership | None:
    """The user's membership of the organization, or None (not a member, or no such organization)."""
    row = (
        await db.execute(
            select(Organization, Member)
            .join(Member, Member.organization_id == Organization.id)
            .where(Organization.id == organization_id, Member.user_id == user_id)
            .limit(1)
        )
    ).first()
    return None if row is None else Membership(organization=row[0], member=row[1])


async def get_membership(db: AsyncSession, organization_id: str, user_id: str) -> Membership:
    """The caller's membership; a non-member gets "not found", as if the organization did not exist."""
    membership = await find_membership(db, organization_id, user_id)
    if membership is None:
        raise _not_a_member()
    return membership


async def find_organization(
    db: AsyncSession, *, organization_id: str | None = None, slug: str | None = None
) -> Organization | None:
    """The organization with this id (or this slug)."""
    if organization_id is not None:
        return await db.get(Organization, organization_id)
    if slug is None:
        return None
    return (await db.execute(select(Organization).where(Organization.slug == slug))).scalar_one_or_none()


async def lock_membership(db: AsyncSession, membership: Membership) -> Membership:
    """Lock the organization, then re-read the caller's membership: a role checked under the lock
    is the role the caller has now (a concurrent request may have demoted or removed them)."""
    await lock_organizations(db, [membership.organization.id])
    member = (
        await db.execute(
            select(Member).where(Member.id == membership.member.id).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if member is None:
        raise _not_a_member()
    return Membership(organization=membership.organization, member=member)


def require_role(membership: Membership, role: MemberRole) -> None:
    """The caller's role is ``role`` or above (``app.domain.organizations.check_role``)."""
    check_role(membership.member.role, role)


async def is_slug_taken(db: AsyncSession, slug: str, except_id: str | None = None) -> bool:
    statement = select(Organization.id).where(Organization.slug == slug)
    if except_id:
        statement = statement.where(Organization.id != except_id)
    return (await db.execute(statement.limit(1))).first() is not None


async def create_organization(
    db: AsyncSession, user_id: str, data: OrganizationCreate, *, session_id: str | None = None
) -> Membership:
    """A new organization whose creator is its ``owner``; it becomes the creator's active one."""
    if data.slug is not None:
        slug = data.slug
        if await is_slug_taken(db, slug):
            raise ConflictError(SLUG_TAKEN, code="slug_taken")
    else:
        slug = slugify(data.name)
        while await is_slug_taken(db, slug):
            slug = alternative_slug(data.name, secrets.token_hex(3))
    organization = Organization(
        name=data.name.strip(), slug=slug, logo=data.logo, metadata_json=encode_metadata(data.metadata)
    )
    db.add(organization)
    await flush_or_conflict(db, SLUG_TAKEN, "slug_taken")
    member = Member(organization_id=organization.id, user_id=user_id, role=MemberRole.OWNER.value)
    db.add(member)
    await db.flush()
    if session_id is not None:
        await db.execute(
            update(UserSession)
            .where(UserSession.id == session_id)
            .values(active_organization_id=organization.id, active_team_id=None)
        )
    return Membership(organization=organization, member=member)


async def update_organization(db: AsyncSession, membership: Membership, data: OrganizationUpdate) -> Organization:
    require_role(membership, MemberRole.ADMIN)
    organization = membership.organization
    if data.name is not UNSET:
        organization.name = data.name.strip()
    if data.slug is not UNSET and data.slug != organization.slug:
        if await is_slug_taken(db, data.slug, except_id=organization.id):
            raise ConflictError(SLUG_TAKEN, code="slug_taken")
        organization.slug = data.slug
    if data.logo is not UNSET:
        organization.logo = data.logo
    if data.metadata is not UNSET:
        organization.metadata_json = encode_metadata(data.metadata)
    await flush_or_conflict(db, SLUG_TAKEN, "slug_taken")
    return organization


async def delete_organization(db: AsyncSession, membership: Membership) -> None:
    """Delete an organization (owners only): members, invitations and teams cascade."""
    require_role(membership, MemberRole.OWNER)
    organization_id = membership.organization.id
    await db.execute(
        update(UserSession)
        .where(UserSession.active_organization_id == organization_id)
        .values(active_organization_id=None, active_team_id=None)
    )
    await db.execute(delete(Organization).where(Organization.id == organization_id))


async def _attach_users(db: AsyncSession, members: list[Member]) -> None:
    """Load the users of these members in one query."""
    ids = {member.user_id for member in members}
    users = {user.id: user for user in (await db.execute(select(User).where(User.id.in_(ids)))).scalars()}
    for member in members:
        set_committed_value(member, "user", users[member.user_id])


async def with_user(db: AsyncSession, member: Member) -> Member:
    """The member with its user loaded (for responses)."""
    await _attach_users(db, [member])
    return member


async def _get_member(db: AsyncSession, organization_id: str, member_id: str) -> Member:
    member = await db.get(Member, member_id, populate_existing=True)
    if member is None or member.organization_id != organization_id:
        raise NotFoundError("No such member.", code="member_not_found")
    return member


async def owner_count(db: AsyncSession, organization_id: str) -> int:
    roles = (await db.execute(select(Member.role).where(Member.organization_id == organization_id))).scalars()
    return count_owners(roles)


async def owners_for(db: AsyncSession, member_role: str | None, organization_id: str) -> int:
    """The organization's owner count as the last-owner rule needs it: counted only when the
    member is an owner (for anyone else the rule ignores it)."""
    return await owner_count(db, organization_id) if is_owner(member_role) else 0


async def change_member_role(
    db: AsyncSession, membership: Membership, member_id: str, role: MemberRole | Sequence[MemberRole]
) -> Member:
    """Owners and admins change roles; only an owner grants ``owner`` or changes an owner.

    Several roles (Better Auth's ``["admin", "member"]``) are stored joined with ``,``.
    """
    roles = (role,) if isinstance(role, MemberRole) else tuple(role)
    membership = await lock_membership(db, membership)
    require_role(membership, MemberRole.ADMIN)
    member = await _get_member(db, membership.organization.id, member_id)
    owners = await owners_for(db, member.role, member.organization_id)
    check_role_change(membership.member.role, member.role, roles, owners)
    member.role = join_roles(roles)
    await db.flush()
    return member


async def _drop_from_teams(db: AsyncSession, organization_id: str, user_id: str) -> None:
    """Remove a leaving member from the organization's teams, keeping the counters exact."""
    in_organization = select(Team.id).where(Team.organization_id == organization_id)
    await remove_team_members(db, TeamMember.user_id == user_id, TeamMember.team_id.in_(in_organization))
    await db.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.active_organization_id == organization_id)
        .values(active_organization_id=None, active_team_id=None)
    )


async def _remove(db: AsyncSession, member: Member) -> None:
    await _drop_from_teams(db, member.organization_id, member.user_id)
    await db.execute(delete(Member).where(Member.id == member.id))


async def remove_member(db: AsyncSession, membership: Membership, member_id: str) -> None:
    """Owners and admins remove members; admins cannot remove owners; the last owner stays."""
    membership = await lock_membership(db, membership)
    require_role(membership, MemberRole.ADMIN)
    member = await _get_member(db, membership.organization.id, member_id)
    owners = await owners_for(db, member.role, member.organization_id)
    check_member_removal(membership.member.role, member.role, owners)
    await _remove(db, member)


async def leave_organization(db: AsyncSession, membership: Membership) -> None:
    membership = await lock_membership(db, membership)
    member = membership.member
    check_not_last_owner(member.role, await owners_for(db, member.role, member.organization_id), "leave")
    await _remove(db, membership.member)


async def find_member(db: AsyncSession, member_id: str) -> Member | None:
    """A membership row by id, in whichever organization, with its user loaded."""
    member = await db.get(Member, member_id)
    return None if member is None else await with_user(db, member)


async def find_member_by_email(db: AsyncSession, organization_id: str, email: str) -> Member | None:
    """The organization's member whose user has this email, with its user loaded."""
    row = (
        await db.execute(
            select(Member, User)
            .join(User, User.id == Member.user_id)
            .where(Member.organization_id == organization_id, User.email == email.strip().lower())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    set_committed_value(row[0], "user", row[1])
    return row[0]


@dataclass(frozen=True, slots=True)
class FullOrganization:
    organization: Organization
    members: list[Member]
    """With their users loaded, in the order they joined."""
    invitations: list[Invitation]
    teams: list[Team]


async def full_organization(db: AsyncSession, membership: Membership, *, members_limit: int) -> FullOrganization:
    """The organization with its members (the first ``members_limit``), its invitations and teams."""
    organization_id = membership.organization.id
    members = list(
        (
            await db.execute(
                select(Member)
                .where(Member.organization_id == organization_id)
                .options(joinedload(Member.user, innerjoin=True))
                .order_by(Member.created_at, Member.id)
                .limit(members_limit)
            )
        ).scalars()
    )
    invitations = list(
        (
            await db.execute(
                select(Invitation)
                .where(Invitation.organization_id == organization_id)
                .order_by(Invitation.created_at, Invitation.id)
                .limit(MAX_LIMIT)
            )
        ).scalars()
    )
    teams = list(
        (
            await db.execute(
                select(Team).where(Team.organization_id == organization_id).order_by(Team.created_at, Team.id)
            )
        ).scalars()
    )
    return FullOrganization(membership.organization, members, invitations, teams)


MEMBER_FIELDS: dict[str, Any] = {
    "id": Member.id,
    "userId": Member.user_id,
    "organizationId": Member.organization_id,
    "role": Member.role,
    "createdAt": Member.created_at,
}
"""Member fields a member list may be filtered and sorted by (Better Auth's names)."""


async def list_members_by_offset(
    db: AsyncSession,
    membership: Membership,
    *,
    limit: int,
    offset: int,
    sort_by: str | None = None,
    direction: SortDirection = SortDirection.ASC,
    where: FieldFilter | None = None,
) -> tuple[list[Member], int]:
    """One page of the organization's members (with users) by offset, and how many match in all."""
    statement = select(Member).where(Member.organization_id == membership.organization.id)
    if where is not None:
        statement = statement.where(condition(MEMBER_FIELDS, where))
    total = (await db.execute(select(func.count()).select_from(statement.subquery()))).scalar_one()
    order = ordering(MEMBER_FIELDS, sort_by or "createdAt", direction if sort_by else SortDirection.ASC)
    page = statement.order_by(*order, Member.id).options(joinedload(Member.user, innerjoin=True))
    return list((await db.execute(page.limit(limit).offset(offset))).scalars()), int(total)
