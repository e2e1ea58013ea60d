"""Better Auth 1.7's wire format, organization plugin (teams on): organizations, members,
invitations, teams, and the bodies and query strings of ``/organization/*``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from app.domain.schemas.ba_core import BAText
from app.domain.schemas.base import WireStruct

__all__ = (
    "AcceptedInvitationOut",
    "ActiveMemberRoleQuery",
    "BaFullOrganization",
    "BaInvitation",
    "BaInvitationDetails",
    "BaMember",
    "BaMemberUser",
    "BaMemberWithUser",
    "BaOrganization",
    "BaOrganizationCreated",
    "BaTeam",
    "BaTeamMember",
    "BaTeamWithCount",
    "BaUserInvitation",
    "CheckSlugBody",
    "CreateOrganizationBody",
    "CreateTeamBody",
    "DeleteOrganizationBody",
    "GetFullOrganizationQuery",
    "GetInvitationQuery",
    "InvitationIdBody",
    "InviteMemberBody",
    "LeaveOrganizationBody",
    "ListInvitationsQuery",
    "ListMembersQuery",
    "ListTeamMembersQuery",
    "ListTeamsQuery",
    "ListUserInvitationsQuery",
    "ListUserTeamsQuery",
    "MembersOut",
    "MessageOut",
    "OrganizationData",
    "RemoveMemberBody",
    "RemoveTeamBody",
    "RemovedMemberOut",
    "RoleOut",
    "SetActiveOrganizationBody",
    "SetActiveTeamBody",
    "TeamData",
    "TeamMemberBody",
    "UpdateMemberRoleBody",
    "UpdateOrganizationBody",
    "UpdateTeamBody",
)

NonEmpty = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
Id = Annotated[str, msgspec.Meta(max_length=255)]
CoercedId = Annotated[str, msgspec.Meta(max_length=255, extra={"coerce": "string"})]
Roles = Annotated[str, msgspec.Meta(max_length=255)] | list[Annotated[str, msgspec.Meta(max_length=255)]]
QueryValue = str | list[str]
WHERE_OPERATORS = Literal[
    "eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "starts_with", "ends_with"
]  # fmt: skip


class BaOrganization(WireStruct):
    """``metadata`` is the stored JSON text, except right after create and update (parsed, and
    omitted when there is none)."""

    id: str
    name: str
    slug: str
    logo: str | None
    created_at: datetime
    metadata: Any | UnsetType = UNSET


class BaMember(WireStruct):
    id: str
    organization_id: str
    user_id: str
    role: str
    created_at: datetime


class BaMemberUser(WireStruct):
    id: str
    name: str
    email: str
    image: str | None


class BaMemberWithUser(BaMember):
    user: BaMemberUser


class BaOrganizationCreated(BaOrganization, kw_only=True):
    members: list[BaMember]


class BaInvitation(WireStruct):
    id: str
    organization_id: str
    email: str
    role: str | None
    team_id: str | None
    status: str
    expires_at: datetime
    created_at: datetime
    inviter_id: str


class BaInvitationDetails(BaInvitation):
    organization_name: str
    organization_slug: str
    inviter_email: str


class BaUserInvitation(BaInvitation):
    organization_name: str | None


class BaTeam(WireStruct):
    id: str
    name: str
    organization_id: str
    created_at: datetime
    updated_at: datetime | None


class BaTeamWithCount(BaTeam):
    member_count: int


class BaTeamMember(WireStruct):
    id: str
    team_id: str
    user_id: str
    created_at: datetime | None


class BaFullOrganization(BaOrganization, kw_only=True):
    invitations: list[BaInvitation]
    members: list[BaMemberWithUser]
    teams: list[BaTeamWithCount]


class MembersOut(WireStruct):
    members: list[BaMemberWithUser]
    total: int


class RoleOut(WireStruct):
    role: str


class RemovedMemberOut(WireStruct):
    member: BaMember
    """With its ``user`` when the member was named by email."""


class AcceptedInvitationOut(WireStruct):
    invitation: BaInvitation
    member: BaMember | None


class MessageOut(WireStruct):
    message: str


class CreateOrganizationBody(WireStruct):
    name: NonEmpty
    slug: Slug
    user_id: CoercedId | UnsetType = UNSET
    logo: BAText | UnsetType | None = UNSET
    metadata: dict[str, Any] | UnsetType = UNSET
    keep_current_active_organization: bool | UnsetType = UNSET


class CheckSlugBody(WireStruct):
    slug: Annotated[str, msgspec.Meta(max_length=255)]


class OrganizationData(WireStruct):
    name: NonEmpty | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET
    logo: BAText | UnsetType | None = UNSET
    metadata: dict[str, Any] | UnsetType = UNSET


class UpdateOrganizationBody(WireStruct):
    data: OrganizationData
    organization_id: Id | UnsetType = UNSET


class DeleteOrganizationBody(WireStruct):
    organization_id: Id


class SetActiveOrganizationBody(WireStruct):
    organization_id: Id | UnsetType | None = UNSET
    organization_slug: Slug | UnsetType = UNSET


class GetFullOrganizationQuery(WireStruct):
    organization_id: QueryValue | UnsetType = UNSET
    organization_slug: QueryValue | UnsetType = UNSET
    members_limit: QueryValue | UnsetType = UNSET


class InviteMemberBody(WireStruct):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    role: Roles
    organization_id: Id | UnsetType = UNSET
    resend: bool | UnsetType = UNSET
    team_id: Id | list[Id] | UnsetType = UNSET


class InvitationIdBody(WireStruct):
    invitation_id: Id


class GetInvitationQuery(WireStruct):
    id: Id


class ListInvitationsQuery(WireStruct):
    organization_id: Id | UnsetType = UNSET


class ListUserInvitationsQuery(WireStruct):
    email: QueryValue | UnsetType = UNSET


class ListMembersQuery(WireStruct):
    limit: QueryValue | UnsetType = UNSET
    offset: QueryValue | UnsetType = UNSET
    sort_by: Id | UnsetType = UNSET
    sort_direction: Literal["asc", "desc"] | UnsetType = UNSET
    filter_field: Id | UnsetType = UNSET
    filter_value: QueryValue | UnsetType = UNSET
    filter_operator: WHERE_OPERATORS | UnsetType = UNSET
    organization_id: Id | UnsetType = UNSET
    organization_slug: Slug | UnsetType = UNSET


class ActiveMemberRoleQuery(WireStruct):
    user_id: Id | UnsetType = UNSET
    organization_id: Id | UnsetType = UNSET
    organization_slug: Slug | UnsetType = UNSET


class UpdateMemberRoleBody(WireStruct):
    role: Roles
    member_id: Id
    organization_id: Id | UnsetType = UNSET


class RemoveMemberBody(WireStruct):
    member_id_or_email: Annotated[str, msgspec.Meta(max_length=255)]
    organization_id: Id | UnsetType = UNSET


class LeaveOrganizationBody(WireStruct):
    organization_id: Id


class CreateTeamBody(WireStruct):
    name: Annotated[str, msgspec.Meta(max_length=10_000)]
    organization_id: Id | UnsetType = UNSET


class ListTeamsQuery(WireStruct):
    organization_id: Id | UnsetType = UNSET


class TeamData(WireStruct):
    name: NonEmpty | UnsetType = UNSET
    organization_id: Id | UnsetType = UNSET


class UpdateTeamBody(WireStruct):
    team_id: Id
    data: TeamData


class RemoveTeamBody(WireStruct):
    team_id: Id
    organization_id: Id | UnsetType = UNSET


class SetActiveTeamBody(WireStruct):
    team_id: Id | UnsetType | None = UNSET


class ListUserTeamsQuery(WireStruct):
    user_id: Id | UnsetType = UNSET
    organization_id: Id | UnsetType = UNSET


class ListTeamMembersQuery(WireStruct):
    team_id: Id | UnsetType = UNSET


class TeamMemberBody(WireStruct):
    team_id: Id
    user_id: CoercedId
    organization_id: Id | UnsetType = UNSET
