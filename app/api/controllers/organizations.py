"""Organizations: create and list mine; under ``/api/organizations/{orgId}`` the organization itself,
its members, its invitations and its subscriptions (scope: :mod:`app.api.controllers.org_scope`)."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.api.auth import Auth
from app.api.controllers.org_scope import ORG_SCOPE, VIEWER_ACCESS, MembershipDep, ViewerDep
from app.api.dependencies import DB, reader
from app.api.mappers import invitation_out, member_out, organization_out, page_out, subscription_out
from app.api.openapi import problems
from app.api.params import Id, Paging
from app.domain.enums import InvitationStatus
from app.domain.errors import (
    AuthenticationError,
    ConflictError,
    ExpiredError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.domain.schemas.base import Page
from app.domain.schemas.orgs import (
    InvitationCreate,
    InvitationOut,
    MemberOut,
    MemberRoleUpdate,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
    SubscriptionOut,
)
from app.repositories import invitations as invitation_repo
from app.repositories import organizations as org_repo
from app.repositories import subscriptions as subscription_repo

__all__ = ("OrganizationController", "OrganizationScopedController")


class OrganizationController(Controller):
    path = "/api/organizations"
    tags = ["organizations"]

    @post(
        "/",
        operation_id="createOrganization",
        summary="Create an organization; I become its owner and it becomes my active one",
        status_code=HTTP_201_CREATED,
        responses=problems(AuthenticationError, PermissionDeniedError, ConflictError, InvalidInputError),
    )
    async def create(self, db: DB, auth: Auth, data: JSONBody[OrganizationCreate]) -> OrganizationOut:
        membership = await org_repo.create_organization(db, auth.user.id, data, session_id=auth.session.id)
        return organization_out(membership.organization, membership.member.role)

    @get(
        "/",
        operation_id="listMyOrganizations",
        summary="Organizations I belong to, with my role",
        responses=problems(AuthenticationError, PermissionDeniedError, InvalidInputError),
    )
    async def list_mine(self, state: State, auth: Auth, paging: Paging) -> Page[OrganizationOut]:
        page = await org_repo.read_my_organizations(
            reader(state), auth.user.id, limit=paging.limit, cursor=paging.cursor
        )
        return page_out(page, lambda item: organization_out(item[1], item[0].role))


class OrganizationScopedController(Controller):
    path = "/api/organizations/{org_id:str}"
    tags = ["organizations"]
    dependencies = ORG_SCOPE

    @get(
        "/",
        operation_id="getOrganization",
        summary="An organization I belong to",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def read(self, viewer: ViewerDep) -> OrganizationOut:
        return organization_out(viewer.organization, viewer.member.role)

    @patch(
        "/",
        operation_id="updateOrganization",
        summary="Update (owner or admin)",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, InvalidInputError),
    )
    async def update(self, db: DB, membership: MembershipDep, data: JSONBody[OrganizationUpdate]) -> OrganizationOut:
        organization = await org_repo.update_organization(db, membership, data)
        return organization_out(organization, membership.member.role)

    @delete(
        "/",
        operation_id="deleteOrganization",
        summary="Delete with everything in it (owner)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def remove(self, db: DB, membership: MembershipDep) -> None:
        await org_repo.delete_organization(db, membership)

    @get(
        "/members",
        operation_id="listMembers",
        summary="Members, in the order they joined",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
        dependencies=VIEWER_ACCESS,
    )
    async def members(self, state: State, viewer: ViewerDep, paging: Paging) -> Page[MemberOut]:
        return page_out(
            await org_repo.read_members(reader(state), viewer, limit=paging.limit, cursor=paging.cursor), member_out
        )

    @patch(
        "/members/{member_id:str}",
        operation_id="updateMemberRole",
        summary="Change a member's role (owner or admin; only an owner grants or changes owner)",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, InvalidInputError),
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
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError),
    )
    async def remove_member(self, db: DB, membership: MembershipDep, member_id: Id) -> None:
        await org_repo.remove_member(db, membership, member_id)

    @post(
        "/leave",
        operation_id="leaveOrganization",
        summary="Leave (the last owner cannot)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError),
    )
    async def leave(self, db: DB, membership: MembershipDep) -> None:
        await org_repo.leave_organization(db, membership)

    @post(
        "/invitations",
        operation_id="createInvitation",
        summary="Invite an email with a role and teams (owner or admin); re-inviting extends the pending one",
        status_code=HTTP_201_CREATED,
        responses={
            **problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, InvalidInputError),
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
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def invitations(
        self,
        db: DB,
        membership: MembershipDep,
        status: FromQuery[InvitationStatus | None] = None,
        *,
        paging: Paging,
    ) -> Page[InvitationOut]:
        page = await invitation_repo.list_organization_invitations(
            db, membership, status=status, limit=paging.limit, cursor=paging.cursor
        )
        return page_out(page, invitation_out)

    @post(
        "/invitations/{invitation_id:str}/cancel",
        operation_id="cancelInvitation",
        summary="Cancel a pending invitation (owner, admin or the inviter)",
        status_code=200,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, ExpiredError),
    )
    async def cancel(self, db: DB, membership: MembershipDep, invitation_id: Id) -> InvitationOut:
        return invitation_out(await invitation_repo.cancel_invitation(db, membership, invitation_id))

    @get(
        "/subscriptions",
        operation_id="listOrganizationSubscriptions",
        summary="The organization's subscriptions",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def subscriptions(self, db: DB, membership: MembershipDep, paging: Paging) -> Page[SubscriptionOut]:
        page = await subscription_repo.list_organization_subscriptions(
            db, membership, limit=paging.limit, cursor=paging.cursor
        )
        return page_out(page, subscription_out)
