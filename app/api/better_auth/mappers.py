"""Rows → Better Auth's wire structs: which fields Better Auth shows, and nothing else.

Inputs are typed structurally (the attributes the repositories' rows carry), so this face depends
on no ORM. Better Auth leaves out what is not in its schema: ``user.preferredLocale``,
``organization.updatedAt``, ``member.teamId``; ``team.memberCount`` appears only inside the full
organization; organization ``metadata`` is the stored JSON text except where Better Auth parses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from msgspec import UNSET

from app.domain.rules import split_list
from app.domain.schemas.ba_core import BaAccount, BaSession, BaSessionUser, BaUser
from app.domain.schemas.ba_organization import (
    BaFullOrganization,
    BaInvitation,
    BaMember,
    BaMemberUser,
    BaMemberWithUser,
    BaOrganization,
    BaTeam,
    BaTeamMember,
    BaTeamWithCount,
)
from app.domain.teams import split_team_ids
from app.repositories.organizations import decode_metadata

__all__ = (
    "AccountRow",
    "CallerLike",
    "InvitationRow",
    "MemberRow",
    "MemberUserRow",
    "OrganizationRow",
    "SessionRow",
    "TeamMemberRow",
    "TeamRow",
    "UserRow",
    "account_out",
    "full_organization_out",
    "invitation_out",
    "member_out",
    "member_with_user_out",
    "organization_out",
    "session_out",
    "session_user_out",
    "team_member_out",
    "team_out",
    "user_out",
)


class UserRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def email_verified(self) -> bool | None: ...
    @property
    def image(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def role(self) -> str | None: ...
    @property
    def banned(self) -> bool | None: ...
    @property
    def ban_reason(self) -> str | None: ...
    @property
    def ban_expires(self) -> datetime | None: ...


class SessionRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def token(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def ip_address(self) -> str | None: ...
    @property
    def user_agent(self) -> str | None: ...
    @property
    def user_id(self) -> str: ...
    @property
    def impersonated_by(self) -> str | None: ...
    @property
    def active_organization_id(self) -> str | None: ...
    @property
    def active_team_id(self) -> str | None: ...


class AccountRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def provider_id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def scope(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


class CallerLike(Protocol):
    @property
    def user(self) -> UserRow: ...
    @property
    def session(self) -> SessionRow: ...


def user_out(user: UserRow) -> BaUser:
    return BaUser(
        id=user.id,
        name=user.name,
        email=user.email,
        email_verified=bool(user.email_verified),
        image=user.image,
        created_at=user.created_at,
        updated_at=user.updated_at,
        role=user.role,
        banned=bool(user.banned),
        ban_reason=user.ban_reason,
        ban_expires=user.ban_expires,
    )


def session_out(session: SessionRow) -> BaSession:
    return BaSession(
        id=session.id,
        expires_at=session.expires_at,
        token=session.token,
        created_at=session.created_at,
        updated_at=session.updated_at,
        ip_address=session.ip_address,
        user_agent=session.user_agent,
        user_id=session.user_id,
        impersonated_by=session.impersonated_by,
        active_organization_id=session.active_organization_id,
        active_team_id=session.active_team_id,
    )


def session_user_out(caller: CallerLike) -> BaSessionUser:
    return BaSessionUser(session=session_out(caller.session), user=user_out(caller.user))


def account_out(account: AccountRow) -> BaAccount:
    scopes = split_list(account.scope)
    return BaAccount(
        id=account.id,
        provider_id=account.provider_id,
        account_id=account.account_id,
        user_id=account.user_id,
        created_at=account.created_at,
        updated_at=account.updated_at,
        scopes=scopes,
    )


class OrganizationRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def logo(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def metadata_json(self) -> str | None: ...


class MemberRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def organization_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


class MemberUserRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def image(self) -> str | None: ...


class InvitationRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def organization_id(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def role(self) -> str | None: ...
    @property
    def team_id(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def inviter_id(self) -> str: ...


class TeamRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def organization_id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def member_count(self) -> int: ...


class TeamMemberRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def team_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def created_at(self) -> datetime | None: ...


def organization_out(organization: OrganizationRow, *, parsed: bool = False) -> BaOrganization:
    """``parsed``: metadata as an object (omitted when there is none), as create and update answer."""
    metadata: Any = organization.metadata_json
    if parsed:
        metadata = decode_metadata(organization.metadata_json) if organization.metadata_json else UNSET
    return BaOrganization(
        id=organization.id,
        name=organization.name,
        slug=organization.slug,
        logo=organization.logo,
        created_at=organization.created_at,
        metadata=metadata,
    )


def member_out(member: MemberRow) -> BaMember:
    return BaMember(
        id=member.id,
        organization_id=member.organization_id,
        user_id=member.user_id,
        role=member.role,
        created_at=member.created_at,
    )


def member_with_user_out(member: MemberRow, user: MemberUserRow) -> BaMemberWithUser:
    return BaMemberWithUser(
        id=member.id,
        organization_id=member.organization_id,
        user_id=member.user_id,
        role=member.role,
        created_at=member.created_at,
        user=BaMemberUser(id=user.id, name=user.name, email=user.email, image=user.image),
    )


def invitation_out(invitation: InvitationRow) -> BaInvitation:
    return BaInvitation(
        id=invitation.id,
        organization_id=invitation.organization_id,
        email=invitation.email,
        role=invitation.role,
        team_id=",".join(split_team_ids(invitation.team_id)) or None,
        status=invitation.status,
        expires_at=invitation.expires_at,
        created_at=invitation.created_at,
        inviter_id=invitation.inviter_id,
    )


def team_out(team: TeamRow) -> BaTeam:
    return BaTeam(
        id=team.id,
        name=team.name,
        organization_id=team.organization_id,
        created_at=team.created_at,
        updated_at=team.updated_at,
    )


def team_member_out(row: TeamMemberRow) -> BaTeamMember:
    return BaTeamMember(id=row.id, team_id=row.team_id, user_id=row.user_id, created_at=row.created_at)


def full_organization_out(
    organization: OrganizationRow,
    members: Iterable[tuple[MemberRow, MemberUserRow]],
    invitations: Iterable[InvitationRow],
    teams: Iterable[TeamRow],
) -> BaFullOrganization:
    plain = organization_out(organization)
    return BaFullOrganization(
        id=plain.id,
        name=plain.name,
        slug=plain.slug,
        logo=plain.logo,
        created_at=plain.created_at,
        metadata=plain.metadata,
        invitations=[invitation_out(invitation) for invitation in invitations],
        members=[member_with_user_out(member, user) for member, user in members],
        teams=[
            BaTeamWithCount(
                id=team.id,
                name=team.name,
                organization_id=team.organization_id,
                created_at=team.created_at,
                updated_at=team.updated_at,
                member_count=team.member_count,
            )
            for team in teams
        ],
    )
