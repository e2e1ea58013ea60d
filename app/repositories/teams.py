"""Teams and team membership: ``team.memberCount`` always equals the number of ``teamMember`` rows,
``teamMember.membershipKey`` follows Better Auth's formula, and ``member.teamId`` names a team the
member is in (their primary team) or nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Invitation, Member, Team, TeamMember, UserSession
from app.domain.enums import InvitationStatus, MemberRole
from app.domain.errors import ConflictError, NotFoundError
from app.domain.organizations import check_role
from app.domain.teams import check_not_last_team, join_team_ids, membership_key, split_team_ids
from app.repositories.locks import lock_organizations
from app.repositories.pagination import MAX_LIMIT, Keyset, PageResult, paginate

if TYPE_CHECKING:
    # Not at run time: the organizations module calls ``remove_team_members`` of this one.
    from app.repositories.organizations import Membership

__all__ = (
    "add_member_to_team",
    "add_team_member",
    "create_team",
    "delete_team",
    "find_team",
    "find_team_member",
    "get_team",
    "list_team_members",
    "list_teams",
    "list_user_teams",
    "remove_team_member",
    "remove_team_members",
    "rename_team",
)


async def get_team(db: AsyncSession, membership: Membership, team_id: str) -> Team:
    team = await db.get(Team, team_id)
    if team is None or team.organization_id != membership.organization.id:
        raise NotFoundError("No such team.", code="team_not_found")
    return team


async def create_team(db: AsyncSession, membership: Membership, name: str, *, updated: bool = True) -> Team:
    """``updated=False``: the row Better Auth writes for a new organization's default team, which
    names no ``updatedAt``: PostgreSQL fills it with the column's default (Kysely leaves the column
    out), SQLite stores NULL (Drizzle writes NULL for every column it is not given)."""
    check_role(membership.member.role, MemberRole.ADMIN)
    team = Team(name=name.strip(), organization_id=membership.organization.id)  # memberCount: 0 by default
    db.add(team)
    await db.flush()
    if not updated and db.get_bind().dialect.name == "sqlite":
        await db.execute(update(Team).where(Team.id == team.id).values(updated_at=None))
        await db.refresh(team, ["updated_at"])
    return team


async def list_teams(
    db: AsyncSession, membership: Membership, *, limit: int | None, cursor: str | None
) -> PageResult[Team]:
    statement = select(Team).where(Team.organization_id == membership.organization.id)
    return await paginate(db, statement, Keyset(Team.created_at, Team.id), limit=limit, cursor=cursor)


async def rename_team(db: AsyncSession, membership: Membership, team_id: str, name: str) -> Team:
    check_role(membership.member.role, MemberRole.ADMIN)
    team = await get_team(db, membership, team_id)
    team.name = name.strip()
    await db.flush()
    return team


async def _reassign_primary_team(db: AsyncSession, organization_id: str, user_id: str) -> None:
    """Point ``member.teamId`` at another team of the member's in the organization, or clear it."""
    other = (
        await db.execute(
            select(TeamMember.team_id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.organization_id == organization_id, TeamMember.user_id == user_id)
            .order_by(TeamMember.created_at, TeamMember.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    await db.execute(
        update(Member).where(Member.organization_id == organization_id, Member.user_id == user_id).values(team_id=other)
    )


async def delete_team(db: AsyncSession, membership: Membership, team_id: str, *, keep_last: bool = False) -> None:
    """Delete a team: its team members go with it; memberships of the organization stay; pending
    invitations stop naming it. ``keep_last``: the organization's last team stays (Better Auth's
    default, 409 ``last_team``)."""
    check_role(membership.member.role, MemberRole.ADMIN)
    team = await get_team(db, membership, team_id)
    if keep_last:
        count = (
            await db.execute(select(func.count()).select_from(Team).where(Team.organization_id == team.organization_id))
        ).scalar_one()
        check_not_last_team(count)
    pending = (
        await db.execute(
            select(Invitation).where(
                Invitation.organization_id == team.organization_id,
                Invitation.status == InvitationStatus.PENDING.value,
                Invitation.team_id.is_not(None),
            )
        )
    ).scalars()
    for invitation in pending:
        invitation.team_id = join_team_ids([other for other in split_team_ids(invitation.team_id) if other != team.id])
    users = (await db.execute(select(TeamMember.user_id).where(TeamMember.team_id == team.id))).scalars().all()
    primary = (await db.execute(select(Member.user_id).where(Member.team_id == team.id))).scalars().all()
    await db.execute(update(UserSession).where(UserSession.active_team_id == team.id).values(active_team_id=None))
    await db.execute(delete(Team).where(Team.id == team.id))
    for user_id in set(users) & set(primary):
        await _reassign_primary_team(db, membership.organization.id, user_id)


async def _count_members(db: AsyncSession, team_ids: Iterable[str], step: int) -> None:
    """The one writer of ``team.memberCount``: ``step`` (+1 per member added, -1 per member removed)
    for each occurrence of a team in ``team_ids``.

    Each team gets one atomic ``UPDATE team SET memberCount = memberCount + n``: the database adds,
    so concurrent writers never lose a change (on PostgreSQL the update row-locks the team until the
    transaction ends); teams are updated in id order, so two writers lock them in the same order.
    ``updatedAt`` stays: a count changing is not an edit of the team.
    """
    for team_id, times in sorted(Counter(team_ids).items()):
        await db.execute(
            update(Team)
            .where(Team.id == team_id)
            .values(member_count=Team.member_count + step * times, updated_at=Team.updated_at)
        )


async def remove_team_members(db: AsyncSession, *criteria: ColumnElement[bool]) -> list[str]:
    """Delete the ``teamMember`` rows matching ``criteria`` and lower their teams' ``memberCount``
    (the only way team members are removed, but with their team); returns the teams they were in."""
    removed = (await db.execute(delete(TeamMember).where(*criteria).returning(TeamMember.team_id))).scalars().all()
    await _count_members(db, removed, -1)
    return list(removed)


async def add_team_member(db: AsyncSession, organization_id: str, team_id: str, user_id: str) -> TeamMember:
    """Add an organization member to one of its teams (409 if already in it)."""
    await lock_organizations(db, [organization_id])
    member = (
        await db.execute(
            select(Member).where(Member.organization_id == organization_id, Member.user_id == user_id).limit(1)
        )
    ).scalar_one_or_none()
    if member is None:
        raise NotFoundError("This user is not a member of the organization.", code="member_not_found")
    row = TeamMember(team_id=team_id, user_id=user_id, membership_key=membership_key(team_id, user_id))
    db.add(row)
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError as exc:
        raise ConflictError("This user is already in the team.", code="already_in_team") from exc
    await _count_members(db, [team_id], +1)
    if member.team_id is None:
        member.team_id = team_id
        await db.flush()
    return row


async def add_member_to_team(db: AsyncSession, membership: Membership, team_id: str, user_id: str) -> TeamMember:
    check_role(membership.member.role, MemberRole.ADMIN)
    team = await get_team(db, membership, team_id)
    return await add_team_member(db, membership.organization.id, team.id, user_id)


async def remove_team_member(db: AsyncSession, membership: Membership, team_id: str, user_id: str) -> None:
    check_role(membership.member.role, MemberRole.ADMIN)
    team = await get_team(db, membership, team_id)
    if not await remove_team_members(db, TeamMember.team_id == team.id, TeamMember.user_id == user_id):
        raise NotFoundError("This user is not in the team.", code="team_member_not_found")
    await db.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.active_team_id == team.id)
        .values(active_team_id=None)
    )
    primary = (
        await db.execute(
            select(Member.team_id).where(
                Member.organization_id == membership.organization.id, Member.user_id == user_id
            )
        )
    ).scalar_one_or_none()
    if primary == team.id:
        await _reassign_primary_team(db, membership.organization.id, user_id)


async def list_team_members(
    db: AsyncSession, membership: Membership, team_id: str, *, limit: int | None, cursor: str | None
) -> PageResult[TeamMember]:
    team = await get_team(db, membership, team_id)
    statement = select(TeamMember).where(TeamMember.team_id == team.id)
    return await paginate(db, statement, Keyset(TeamMember.id, TeamMember.id), limit=limit, cursor=cursor)


async def find_team(db: AsyncSession, team_id: str, organization_id: str | None = None) -> Team | None:
    """The team with this id (in this organization, when given)."""
    team = await db.get(Team, team_id)
    if team is None or (organization_id is not None and team.organization_id != organization_id):
        return None
    return team


async def find_team_member(db: AsyncSession, team_id: str, user_id: str) -> TeamMember | None:
    statement = select(TeamMember).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
    return (await db.execute(statement.limit(1))).scalar_one_or_none()


async def list_user_teams(db: AsyncSession, user_id: str, *, organization_id: str | None = None) -> list[Team]:
    """The teams the user is in, of organizations the user still belongs to (of one, when given)."""
    statement = (
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .join(Member, (Member.organization_id == Team.organization_id) & (Member.user_id == user_id))
        .where(TeamMember.user_id == user_id)
        .order_by(TeamMember.created_at, TeamMember.id)
        .limit(MAX_LIMIT)
    )
    if organization_id is not None:
        statement = statement.where(Team.organization_id == organization_id)
    return list((await db.execute(statement)).scalars().unique())
