"""Invitations: ``pending`` → ``accepted`` | ``rejected`` | ``canceled``, expiring after 48 hours.

Only a pending, unexpired invitation changes state, and every change is a conditional update
(``WHERE status = 'pending'``), so two concurrent accepts cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Invitation, Member, Organization, Team, User, UserSession
from app.db.types import utcnow
from app.domain.enums import InvitationStatus, MemberRole, SortDirection
from app.domain.errors import (
    ConflictError,
    ExpiredError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
)
from app.domain.permissions import is_at_least
from app.domain.records import SessionRecord, UserRecord
from app.domain.rules import INVITATION_LIFETIME, normalize_email
from app.domain.schemas.orgs import InvitationCreate
from app.domain.teams import join_team_ids, split_team_ids
from app.repositories.organizations import Membership, lock_membership, lock_organizations, require_role
from app.repositories.pagination import Keyset, PageResult, paginate
from app.repositories.teams import add_team_member

__all__ = (
    "accept_invitation",
    "cancel_invitation",
    "create_invitation",
    "list_my_invitations",
    "list_organization_invitations",
    "reject_invitation",
)


async def create_invitation(
    db: AsyncSession, membership: Membership, inviter_id: str, data: InvitationCreate
) -> tuple[Invitation, bool]:
    """Invite an email with a role (and teams). Re-inviting a pending email extends that invitation.

    Returns the invitation and whether it is new.
    """
    membership = await lock_membership(db, membership)
    require_role(membership, MemberRole.ADMIN)
    if data.role is MemberRole.OWNER and not is_at_least(membership.member.role, MemberRole.OWNER):
        raise PermissionDeniedError("Only an owner can invite an owner.", code="owner_required")
    organization_id = membership.organization.id
    email = normalize_email(data.email)
    already = await db.execute(
        select(Member.id)
        .join(User, User.id == Member.user_id)
        .where(Member.organization_id == organization_id, User.email == email)
        .limit(1)
    )
    if already.first() is not None:
        raise ConflictError("This person is already a member.", code="already_member")
    team_ids = list(dict.fromkeys(data.team_ids))
    if team_ids:
        found = set(
            (
                await db.execute(select(Team.id).where(Team.id.in_(team_ids), Team.organization_id == organization_id))
            ).scalars()
        )
        missing = [team_id for team_id in team_ids if team_id not in found]
        if missing:
            raise NotFoundError(f"No such team: {', '.join(missing)}.", code="team_not_found")
    now = utcnow()
    existing = (
        await db.execute(
            select(Invitation)
            .where(
                Invitation.organization_id == organization_id,
                Invitation.email == email,
                Invitation.status == InvitationStatus.PENDING.value,
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.expires_at = now + INVITATION_LIFETIME
        existing.role = data.role.value
        existing.team_id = join_team_ids(team_ids)
        existing.inviter_id = inviter_id
        await db.flush()
        return existing, False
    invitation = Invitation(
        organization_id=organization_id,
        email=email,
        role=data.role.value,
        team_id=join_team_ids(team_ids),
        status=InvitationStatus.PENDING.value,
        expires_at=now + INVITATION_LIFETIME,
        created_at=now,
        inviter_id=inviter_id,
    )
    db.add(invitation)
    await db.flush()
    return invitation, True


async def list_organization_invitations(
    db: AsyncSession,
    membership: Membership,
    *,
    status: InvitationStatus | None,
    limit: int | None,
    cursor: str | None,
) -> PageResult[Invitation]:
    statement = select(Invitation).where(Invitation.organization_id == membership.organization.id)
    if status is not None:
        statement = statement.where(Invitation.status == status.value)
    keyset = Keyset(Invitation.created_at, Invitation.id, SortDirection.DESC)
    return await paginate(db, statement, keyset, limit=limit, cursor=cursor)


async def list_my_invitations(
    db: AsyncSession, user: UserRecord, *, limit: int | None, cursor: str | None
) -> PageResult[tuple[Invitation, str]]:
    """Pending, unexpired invitations to my email, each with its organization's name."""
    statement: Select[Invitation] = select(Invitation).where(
        Invitation.email == normalize_email(user.email),
        Invitation.status == InvitationStatus.PENDING.value,
        Invitation.expires_at > utcnow(),
    )
    page = await paginate(
        db, statement, Keyset(Invitation.created_at, Invitation.id, SortDirection.DESC), limit=limit, cursor=cursor
    )
    ids = {invitation.organization_id for invitation in page.items}
    rows = await db.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids)))
    names: dict[str, str] = {row[0]: row[1] for row in rows.all()}
    return PageResult(
        items=[(invitation, names.get(invitation.organization_id, "")) for invitation in page.items],
        next_cursor=page.next_cursor,
        total=page.total,
    )


async def _load_for_invitee(db: AsyncSession, invitation_id: str, user: UserRecord) -> Invitation:
    invitation = await db.get(Invitation, invitation_id)
    if invitation is None or normalize_email(invitation.email) != normalize_email(user.email):
        # An invitation addressed to someone else is not theirs to see.
        raise NotFoundError("No such invitation.", code="invitation_not_found")
    return invitation


def _check_open(invitation: Invitation, now: datetime) -> None:
    if invitation.status != InvitationStatus.PENDING.value:
        raise InvalidStateError(f"This invitation is already {invitation.status}.", code="invitation_not_pending")
    if invitation.expires_at <= now:
        raise ExpiredError("This invitation has expired.", code="invitation_expired")


async def _transition(db: AsyncSession, invitation: Invitation, to: InvitationStatus, now: datetime) -> None:
    """``pending → to`` only if still pending and unexpired at this instant (a conditional update)."""
    _check_open(invitation, now)
    result = await db.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.status == InvitationStatus.PENDING.value,
            Invitation.expires_at > now,
        )
        .values(status=to.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidStateError("This invitation was answered meanwhile.", code="invitation_not_pending")
    await db.refresh(invitation)


async def accept_invitation(
    db: AsyncSession, invitation_id: str, user: UserRecord, session: SessionRecord
) -> tuple[Invitation, Member]:
    """Join the organization with the invited role and teams; it becomes the active organization."""
    invitation = await _load_for_invitee(db, invitation_id, user)
    await lock_organizations(db, [invitation.organization_id])
    now = utcnow()
    await _transition(db, invitation, InvitationStatus.ACCEPTED, now)
    duplicate = await db.execute(
        select(Member.id).where(Member.organization_id == invitation.organization_id, Member.user_id == user.id)
    )
    if duplicate.first() is not None:
        raise ConflictError("You are already a member of this organization.", code="already_member")
    member = Member(
        organization_id=invitation.organization_id, user_id=user.id, role=invitation.role or MemberRole.MEMBER.value
    )
    db.add(member)
    await db.flush()
    existing_teams = set(
        (
            await db.execute(
                select(Team.id).where(
                    Team.id.in_(split_team_ids(invitation.team_id)),
                    Team.organization_id == invitation.organization_id,
                )
            )
        ).scalars()
    )
    team_ids = [team_id for team_id in split_team_ids(invitation.team_id) if team_id in existing_teams]
    for team_id in team_ids:
        await add_team_member(db, invitation.organization_id, team_id, user.id)
    await db.execute(
        update(UserSession)
        .where(UserSession.id == session.id)
        .values(
            active_organization_id=invitation.organization_id,
            active_team_id=team_ids[0] if len(team_ids) == 1 else None,
        )
    )
    await db.refresh(member)
    return invitation, member


async def reject_invitation(db: AsyncSession, invitation_id: str, user: UserRecord) -> Invitation:
    invitation = await _load_for_invitee(db, invitation_id, user)
    await _transition(db, invitation, InvitationStatus.REJECTED, utcnow())
    return invitation


async def cancel_invitation(db: AsyncSession, membership: Membership, invitation_id: str) -> Invitation:
    """Owners, admins and the inviter cancel a pending invitation."""
    invitation = await db.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != membership.organization.id:
        raise NotFoundError("No such invitation.", code="invitation_not_found")
    if invitation.inviter_id != membership.member.user_id:
        require_role(membership, MemberRole.ADMIN)
    await _transition(db, invitation, InvitationStatus.CANCELED, utcnow())
    return invitation
