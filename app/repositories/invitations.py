"""Invitations: loading, locking and storing them; the state machine (``pending`` → ``accepted`` |
``rejected`` | ``canceled``, expiring after 48 hours) and who may invite whom are the rules of
``app.domain.invitations``.

Every change of state is a conditional update (``WHERE status = 'pending'``), so two concurrent
accepts cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Invitation, Member, Organization, Team, User, UserSession
from app.db.types import utcnow
from app.domain.enums import InvitationStatus, MemberRole, SortDirection
from app.domain.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
)
from app.domain.invitations import (
    OnPending,
    active_team_after_accept,
    check_cancel,
    check_invited_roles,
    check_reinvite,
    check_transition,
    expiry,
)
from app.domain.organizations import join_roles
from app.domain.records import SessionRecord, UserRecord
from app.domain.rules import is_invitee, normalize_email
from app.domain.schemas.orgs import InvitationCreate
from app.domain.teams import join_team_ids, split_team_ids
from app.repositories.organizations import Membership, lock_membership, lock_organizations, require_role
from app.repositories.pagination import Keyset, PageResult, paginate
from app.repositories.teams import add_team_member

__all__ = (
    "accept_invitation",
    "cancel_invitation",
    "create_invitation",
    "get_invitation",
    "list_my_invitations",
    "list_organization_invitations",
    "reject_invitation",
)


async def get_invitation(db: AsyncSession, invitation_id: str) -> Invitation | None:
    return await db.get(Invitation, invitation_id)


async def create_invitation(
    db: AsyncSession,
    membership: Membership,
    inviter_id: str,
    data: InvitationCreate,
    *,
    roles: Sequence[MemberRole] | None = None,
    on_pending: OnPending = OnPending.UPDATE,
) -> tuple[Invitation, bool]:
    """Invite an email with a role (``roles``: several, stored joined with ``,``) and teams.
    Re-inviting a pending email is ``on_pending``'s decision.

    Returns the invitation and whether it is new.
    """
    membership = await lock_membership(db, membership)
    require_role(membership, MemberRole.ADMIN)
    granted = tuple(roles) if roles else (data.role,)
    check_invited_roles(membership.member.role, granted)
    role = join_roles(granted)
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
        check_reinvite(membership.member.role, existing.role, on_pending)
        existing.expires_at = expiry(now)
        if on_pending is OnPending.UPDATE:
            existing.role = role
            existing.team_id = join_team_ids(team_ids)
            existing.inviter_id = inviter_id
        await db.flush()
        return existing, False
    invitation = Invitation(
        organization_id=organization_id,
        email=email,
        role=role,
        team_id=join_team_ids(team_ids),
        status=InvitationStatus.PENDING.value,
        expires_at=expiry(now),
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
    db: AsyncSession, user: UserRecord, *, limit: int | None, cursor: str | None, include_expired: bool = False
) -> PageResult[tuple[Invitation, str]]:
    """Pending invitations to my email (unexpired ones unless ``include_expired``), each with its
    organization's name."""
    statement: Select[Invitation] = select(Invitation).where(
        Invitation.email == normalize_email(user.email),
        Invitation.status == InvitationStatus.PENDING.value,
    )
    if not include_expired:
        statement = statement.where(Invitation.expires_at > utcnow())
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
    if invitation is None or not is_invitee(invitation.email, user.email):
        # An invitation addressed to someone else is not theirs to see.
        raise NotFoundError("No such invitation.", code="invitation_not_found")
    return invitation


async def _transition(
    db: AsyncSession, invitation: Invitation, to: InvitationStatus, now: datetime, *, even_expired: bool = False
) -> None:
    """``pending → to`` if ``check_transition`` allows it, and only if the row is still pending (and
    unexpired, unless ``even_expired``) at this instant: a conditional update, so that of two
    concurrent answers one fails."""
    check_transition(invitation.status, invitation.expires_at, to, now, even_expired=even_expired)
    still_open = [Invitation.id == invitation.id, Invitation.status == InvitationStatus.PENDING.value]
    if not even_expired:
        still_open.append(Invitation.expires_at > now)
    result = await db.execute(
        update(Invitation)
        .where(*still_open)
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
            active_team_id=active_team_after_accept(team_ids),
        )
    )
    await db.refresh(member)
    return invitation, member


async def reject_invitation(
    db: AsyncSession, invitation_id: str, user: UserRecord, *, even_expired: bool = False
) -> Invitation:
    """``even_expired``: an expired pending invitation may be rejected too (Better Auth allows it)."""
    invitation = await _load_for_invitee(db, invitation_id, user)
    await _transition(db, invitation, InvitationStatus.REJECTED, utcnow(), even_expired=even_expired)
    return invitation


async def cancel_invitation(db: AsyncSession, membership: Membership, invitation_id: str) -> Invitation:
    """Owners, admins and the inviter cancel a pending invitation."""
    invitation = await db.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != membership.organization.id:
        raise NotFoundError("No such invitation.", code="invitation_not_found")
    check_cancel(membership.member.user_id, membership.member.role, invitation.inviter_id)
    await _transition(db, invitation, InvitationStatus.CANCELED, utcnow())
    return invitation
