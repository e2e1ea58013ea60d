"""Teams and team membership: ``team.memberCount`` always equals the number of ``teamMember`` rows,
``teamMember.membershipKey`` follows Better Auth's formula, and ``member.teamId`` names a team the
member is in (their primary team) or nothing."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Member, Team, TeamMember, UserSession
from app.domain.enums import MemberRole
from app.domain.errors import ConflictError, NotFoundError
from app.domain.teams import membership_key
from app.repositories.organizations import Membership, lock_organizations, require_role
from app.repositories.pagination import Keyset, PageResult, paginate

__all__ = (
    "add_team_member",
    "create_team",
    "delete_team",
    "get_team",
    "list_team_members",
    "list_teams",
    "remove_team_member",
    "rename_team",
)


async def get_team(db: AsyncSession, membership: Membership, team_id: str) -> Team:
    team = await db.get(Team, team_id)
    if team is None or team.organization_id != membership.organization.id:
        raise NotFoundError("No such team.", code="team_not_found")
    return team


async def create_team(db: AsyncSession, membership: Membership, name: str) -> Team:
    require_role(membership, MemberRole.ADMIN)
    team = Team(name=name.strip(), organization_id=membership.organization.id, member_count=0)
    db.add(team)
    await db.flush()
    return team


async def list_teams(
    db: AsyncSession, membership: Membership, *, limit: int | None, cursor: str | None
) -> PageResult[Team]:
    statement = select(Team).where(Team.organization_id == membership.organization.id)
    return await paginate(db, statement, Keyset(Team.created_at, Team.id), limit=limit, cursor=cursor)


async def rename_team(db: AsyncSession, membership: Membership, team_id: str, name: str) -> Team:
    require_role(membership, MemberRole.ADMIN)
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


async def delete_team(db: AsyncSession, membership: Membership, team_id: str) -> None:
    """Delete a team: its team members go with it; memberships of the organization stay."""
    require_role(membership, MemberRole.ADMIN)
    team = await get_team(db, membership, team_id)
    users = (await db.execute(select(TeamMember.user_id).where(TeamMember.team_id == team.id))).scalars().all()
    primary = (await db.execute(select(Member.user_id).where(Member.team_id == team.id))).scalars().all()
    await db.execute(update(UserSession).where(UserSession.active_team_id == team.id).values(active_team_id=None))
    await db.execute(delete(Team).where(Team.id == team.id))
    for user_id in set(users) & set(primary):
        await _reassign_primary_team(db, membership.organization.id, user_id)


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
    await db.execute(update(Team).where(Team.id == team_id).values(member_count=Team.member_count + 1))
    if member.team_id is None:
        member.team_id = team_id
        await db.flush()
    return row


async def add_member_to_team(db: AsyncSession, membership: Membership, team_id: str, user_id: str) -> TeamMember:
    require_role(membership, MemberRole.ADMIN)
    team = await get_team(db, membership, team_id)
    return await add_team_member(db, membership.organization.id, team.id, user_id)


async def remove_team_member(db: AsyncSession, membership: Membership, team_id: str, user_id: str) -> None:
    require_role(membership, MemberRole.ADMIN)
    team = await get_team(db, membership, team_id)
    result = await db.execute(delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user_id))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFoundError("This user is not in the team.", code="team_member_not_found")
    await db.execute(update(Team).where(Team.id == team.id).values(member_count=Team.member_count - 1))
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
