"""Organizations, members, invitations, teams, SSO providers and subscriptions.

Everything under ``/api/organizations/{orgId}`` starts from the caller's membership: a non-member
gets 404 for all of it; what a member may do then depends on their role (owner/admin/member).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, JSONBody, PathParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.api.auth import Auth
from app.api.dependencies import DB, reader
from app.api.mappers import (
    invitation_out,
    member_out,
    organization_out,
    page_out,
    sso_provider_out,
    subscription_out,
    team_member_out,
    team_out,
)
from app.api.openapi import problems
from app.api.params import Cursor, Id, Limit
from app.domain.enums import InvitationStatus
from app.domain.schemas.base import Page
from app.domain.schemas.orgs import (
    InvitationCreate,
    InvitationOut,
    MemberOut,
    MemberRoleUpdate,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
    SsoProviderCreate,
    SsoProviderOut,
    SsoProviderUpdate,
    SubscriptionOut,
    TeamCreate,
    TeamMemberAdd,
    TeamMemberOut,
    TeamOut,
    TeamUpdate,
)
from app.repositories import invitations as invitation_repo
from app.repositories import organizations as org_repo
from app.repositories import sso as sso_repo
from app.repositories import subscriptions as subscription_repo
from app.repositories import teams as team_repo
from app.repositories.organizations import Membership, MembershipRecord

__all__ = (
    "InvitationController",
    "OrganizationController",
    "OrganizationScopedController",
    "SsoProviderController",
    "TeamController",
    "provide_membership",
    "provide_viewer",
)

OrgId = Annotated[str, PathParameter(max_length=128)]


async def provide_membership(org_id: OrgId, db: DB, auth: Auth) -> Membership:
    """The caller's membership, for routes that write (ORM rows in the request's transaction)."""
    return await org_repo.get_membership(db, org_id, auth.user.id)


async def provide_viewer(org_id: OrgId, state: State, auth: Auth) -> MembershipRecord:
    """The caller's membership, for read-only routes (one round trip on the reader, no transaction)."""
    return await org_repo.read_membership(reader(state), org_id, auth.user.id)


MembershipDep = NamedDependency[Membership]
ViewerDep = NamedDependency[MembershipRecord]
ORG_SCOPE = {"membership": Provide(provide_membership), "viewer": Provide(provide_viewer)}


class OrganizationController(Controller):
    path = "/api/organizations"
    tags = ["organizations"]

    @post(
        "/",
        operation_id="createOrganization",
        summary="Create an organization; I become its owner and it becomes my active one",
        status_code=HTTP_201_CREATED,
        responses=problems(401, 403, 409, 422),
    )
    async def create(self, db: DB, auth: Auth, data: JSONBody[OrganizationCreate]) -> OrganizationOut:
        membership = await org_repo.create_organization(db, auth.user.id, data, session_id=auth.session.id)
        return organization_out(membership.organization, membership.member.role)

    @get(
        "/",
        operation_id="listMyOrganizations",
        summary="Organizations I belong to, with my role",
        responses=problems(401, 403, 422),
    )
    async def list_mine(
        self, state: State, auth: Auth, limit: Limit = None, cursor: Cursor = None
    ) -> Page[OrganizationOut]:
        page = await org_repo.read_my_organizations(reader(state), auth.user.id, limit=limit, cursor=cursor)
        return page_out(page, lambda item: organization_out(item[1], item[0].role))


class OrganizationScopedController(Controller):
    path = "/api/organizations/{org_id:str}"
    tags = ["organizations"]
    dependencies = ORG_SCOPE

    @get("/", operation_id="getOrganization", summary="An organization I belong to", responses=problems(401, 403, 404))
    async def read(self, viewer: ViewerDep) -> OrganizationOut:
        return organization_out(viewer.organization, viewer.member.role)

    @patch(
        "/",
        operation_id="updateOrganization",
        summary="Update (owner or admin)",
        responses=problems(401, 403, 404, 409, 422),
    )
    async def update(self, db: DB, membership: MembershipDep, data: JSONBody[OrganizationUpdate]) -> OrganizationOut:
        organization = await org_repo.update_organization(db, membership, data)
        return organization_out(organization, membership.member.role)

    @delete(
        "/",
        operation_id="deleteOrganization",
        summary="Delete with everything in it (owner)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(401, 403, 404),
    )
    async def remove(self, db: DB, membership: MembershipDep) -> None:
        await org_repo.delete_organization(db, membership)

    @get(
        "/members",
        operation_id="listMembers",
        summary="Members, in the order they joined",
        responses=problems(401, 403, 404, 422),
    )
    async def members(
        self, state: State, viewer: ViewerDep, limit: Limit = None, cursor: Cursor = None
    ) -> Page[MemberOut]:
        return page_out(await org_repo.read_members(reader(state), viewer, limit=limit, cursor=cursor), member_out)

    @patch(
        "/members/{member_id:str}",
        operation_id="updateMemberRole",
        summary="Change a member's role (owner or admin; only an owner grants or changes owner)",
        responses=problems(401, 403, 404, 409, 422),
    )
    async def change_role(
        self, db: DB, membership: MembershipDep, member_id: Id, data: JSONBody[MemberRoleUpdate]
    ) -> MemberOut:
        member = await org_repo.change_member_role(db, membership, member_id, data.role)
        return member_out(await org_repo.with_user(db, member))

    @delete(
        "/members/{member_id:str}",
        operation_id="removeMember",
        summary="Remove a member (owner or admin; admins cannot remove owners)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(401, 403, 404, 409),
    )
    async def remove_member(self, db: DB, membership: MembershipDep, member_id: Id) -> None:
        await org_repo.remove_member(db, membership, member_id)

    @post(
        "/leave",
        operation_id="leaveOrganization",
        summary="Leave (the last owner cannot)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(401, 403, 404, 409),
    )
    async def leave(self, db: DB, membership: MembershipDep) -> None:
        await org_repo.leave_organization(db, membership)

    @post(
        "/invitations",
        operation_id="createInvitation",
        summary="Invite an email with a role and teams (owner or admin); re-inviting extends the pending one",
        status_code=HTTP_201_CREATED,
        responses={
            **problems(401, 403, 404, 409, 422),
            200: ResponseSpec(InvitationOut, description="The pending invitation to this email, extended"),
        },
    )
    async def invite(
        self, db: DB, auth: Auth, membership: MembershipDep, data: JSONBody[InvitationCreate]
    ) -> Response[InvitationOut]:
        invitation, created = await invitation_repo.create_invitation(db, membership, auth.user.id, data)
        return Response(invitation_out(invitation), status_code=HTTP_201_CREATED if created else 200)

    @get(
        "/invitations",
        operation_id="listInvitations",
        summary="Invitations of the organization, newest first",
        responses=problems(401, 403, 404, 422),
    )
    async def invitations(
        self,
        db: DB,
        membership: MembershipDep,
        status: FromQuery[InvitationStatus | None] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Page[InvitationOut]:
        page = await invitation_repo.list_organization_invitations(
            db, membership, status=status, limit=limit, cursor=cursor
        )
        return page_out(page, invitation_out)

    @post(
        "/invitations/{invitation_id:str}/cancel",
        operation_id="cancelInvitation",
        summary="Cancel a pending invitation (owner, admin or the inviter)",
        status_code=200,
        responses=problems(401, 403, 404, 409, 410),
    )
    async def cancel(self, db: DB, membership: MembershipDep, invitation_id: Id) -> InvitationOut:
        return invitation_out(await invitation_repo.cancel_invitation(db, membership, invitation_id))

    @get(
        "/subscriptions",
        operation_id="listOrganizationSubscriptions",
        summary="The organization's subscriptions",
        responses=problems(401, 403, 404, 422),
    )
    async def subscriptions(
        self, db: DB, membership: MembershipDep, limit: Limit = None, cursor: Cursor = None
    ) -> Page[SubscriptionOut]:
        page = await subscription_repo.list_organization_subscriptions(db, membership, limit=limit, cursor=cursor)
        return page_out(page, subscription_out)


class TeamController(Controller):
    path = "/api/organizations/{org_id:str}/teams"
    tags = ["teams"]
    dependencies = ORG_SCOPE

    @post(
        "/",
        operation_id="createTeam",
        summary="Create a team (owner or admin)",
        status_code=HTTP_201_CREATED,
        responses=problems(401, 403, 404, 422),
    )
    async def create(self, db: DB, membership: MembershipDep, data: JSONBody[TeamCreate]) -> TeamOut:
        return team_out(await team_repo.create_team(db, membership, data.name))

    @get("/", operation_id="listTeams", summary="Teams of the organization", responses=problems(401, 403, 404, 422))
    async def list_teams(
        self, db: DB, membership: MembershipDep, limit: Limit = None, cursor: Cursor = None
    ) -> Page[TeamOut]:
        return page_out(await team_repo.list_teams(db, membership, limit=limit, cursor=cursor), team_out)

    @get("/{team_id:str}", operation_id="getTeam", summary="A team", responses=problems(401, 403, 404))
    async def read(self, db: DB, membership: MembershipDep, team_id: Id) -> TeamOut:
        return team_out(await team_repo.get_team(db, membership, team_id))

    @patch(
        "/{team_id:str}",
        operation_id="updateTeam",
        summary="Rename a team (owner or admin)",
        responses=problems(401, 403, 404, 422),
    )
    async def rename(self, db: DB, membership: MembershipDep, team_id: Id, data: JSONBody[TeamUpdate]) -> TeamOut:
        return team_out(await team_repo.rename_team(db, membership, team_id, data.name))

    @delete(
        "/{team_id:str}",
        operation_id="deleteTeam",
        summary="Delete a team (memberships of the organization stay)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(401, 403, 404),
    )
    async def remove(self, db: DB, membership: MembershipDep, team_id: Id) -> None:
        await team_repo.delete_team(db, membership, team_id)

    @get(
        "/{team_id:str}/members",
        operation_id="listTeamMembers",
        summary="Members of a team",
        responses=problems(401, 403, 404, 422),
    )
    async def members(
        self, db: DB, membership: MembershipDep, team_id: Id, limit: Limit = None, cursor: Cursor = None
    ) -> Page[TeamMemberOut]:
        page = await team_repo.list_team_members(db, membership, team_id, limit=limit, cursor=cursor)
        return page_out(page, team_member_out)

    @post(
        "/{team_id:str}/members",
        operation_id="addTeamMember",
        summary="Add a member of the organization to the team (owner or admin)",
        status_code=HTTP_201_CREATED,
        responses=problems(401, 403, 404, 409, 422),
    )
    async def add_member(
        self, db: DB, membership: MembershipDep, team_id: Id, data: JSONBody[TeamMemberAdd]
    ) -> TeamMemberOut:
        return team_member_out(await team_repo.add_member_to_team(db, membership, team_id, data.user_id))

    @delete(
        "/{team_id:str}/members/{user_id:str}",
        operation_id="removeTeamMember",
        summary="Remove a user from the team (owner or admin)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(401, 403, 404),
    )
    async def remove_member(self, db: DB, membership: MembershipDep, team_id: Id, user_id: Id) -> None:
        await team_repo.remove_team_member(db, membership, team_id, user_id)


class SsoProviderController(Controller):
    path = "/api/organizations/{org_id:str}/sso-providers"
    tags = ["sso"]
    dependencies = ORG_SCOPE

    @post(
        "/",
        operation_id="createSsoProvider",
        summary="Register an OIDC or SAML provider (owner or admin)",
        status_code=HTTP_201_CREATED,
        responses=problems(401, 403, 404, 409, 422),
    )
    async def create(self, db: DB, membership: MembershipDep, data: JSONBody[SsoProviderCreate]) -> SsoProviderOut:
        return sso_provider_out(await sso_repo.create_provider(db, membership, data))

    @get(
        "/",
        operation_id="listSsoProviders",
        summary="SSO providers (secrets masked; owner or admin)",
        responses=problems(401, 403, 404, 422),
    )
    async def list_providers(
        self, db: DB, membership: MembershipDep, limit: Limit = None, cursor: Cursor = None
    ) -> Page[SsoProviderOut]:
        return page_out(await sso_repo.list_providers(db, membership, limit=limit, cursor=cursor), sso_provider_out)

    @get(
        "/{provider_id:str}",
        operation_id="getSsoProvider",
        summary="An SSO provider (secrets masked)",
        responses=problems(401, 403, 404),
    )
    async def read(self, db: DB, membership: MembershipDep, provider_id: Id) -> SsoProviderOut:
        return sso_provider_out(await sso_repo.get_provider(db, membership, provider_id))

    @patch(
        "/{provider_id:str}",
        operation_id="updateSsoProvider",
        summary="Update an SSO provider; secrets left out keep their value",
        responses=problems(401, 403, 404, 422),
    )
    async def update(
        self, db: DB, membership: MembershipDep, provider_id: Id, data: JSONBody[SsoProviderUpdate]
    ) -> SsoProviderOut:
        return sso_provider_out(await sso_repo.update_provider(db, membership, provider_id, data))

    @delete(
        "/{provider_id:str}",
        operation_id="deleteSsoProvider",
        summary="Delete an SSO provider",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(401, 403, 404),
    )
    async def remove(self, db: DB, membership: MembershipDep, provider_id: Id) -> None:
        await sso_repo.delete_provider(db, membership, provider_id)


class InvitationController(Controller):
    """Answering an invitation: only the invitee (whose email it names) may."""

    path = "/api/invitations"
    tags = ["invitations"]

    @post(
        "/{invitation_id:str}/accept",
        operation_id="acceptInvitation",
        summary="Accept: join with the invited role and teams; the organization becomes active",
        status_code=200,
        responses=problems(401, 403, 404, 409, 410),
    )
    async def accept(self, db: DB, auth: Auth, invitation_id: Id) -> MemberOut:
        _invitation, member = await invitation_repo.accept_invitation(db, invitation_id, auth.user, auth.session)
        return member_out(await org_repo.with_user(db, member))

    @post(
        "/{invitation_id:str}/reject",
        operation_id="rejectInvitation",
        summary="Reject an invitation",
        status_code=200,
        responses=problems(401, 403, 404, 409, 410),
    )
    async def reject(self, db: DB, auth: Auth, invitation_id: Id) -> InvitationOut:
        return invitation_out(await invitation_repo.reject_invitation(db, invitation_id, auth.user))
