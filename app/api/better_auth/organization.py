"""The organization plugin: organizations, members and invitations under ``/organization``.

Better Auth's lookups come first, in its order, so each failure answers its code (a non-member
gets 403/400 codes, not 404s); the rules themselves (who may do what, the last owner, invitation
states) are the repositories', whose typed errors ``errors.py`` maps per endpoint.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response
from litestar.params import JSONBody
from msgspec import UNSET, UnsetType

from app.api.better_auth.errors import BetterAuthError, ba_error
from app.api.better_auth.mappers import (
    full_organization_out,
    invitation_out,
    member_out,
    member_with_user_out,
    organization_out,
)
from app.api.better_auth.responses import reply, set_session_cookie
from app.api.better_auth.routes import ba_get, ba_post
from app.api.better_auth.session import find_caller, require_caller
from app.api.better_auth.validation import payload, query
from app.api.dependencies import DB, reader
from app.domain.enums import InvitationStatus, MemberRole, SortDirection
from app.domain.instants import utcnow
from app.domain.invitations import OnPending
from app.domain.permissions import is_at_least
from app.domain.rules import is_invitee, is_valid_email, split_list
from app.domain.schemas.ba_core import StatusOut
from app.domain.schemas.ba_organization import (
    AcceptedInvitationOut,
    ActiveMemberRoleQuery,
    BaFullOrganization,
    BaInvitation,
    BaInvitationDetails,
    BaMember,
    BaMemberWithUser,
    BaOrganization,
    BaOrganizationCreated,
    BaUserInvitation,
    CheckSlugBody,
    CreateOrganizationBody,
    DeleteOrganizationBody,
    GetFullOrganizationQuery,
    GetInvitationQuery,
    InvitationIdBody,
    InviteMemberBody,
    LeaveOrganizationBody,
    ListInvitationsQuery,
    ListMembersQuery,
    ListUserInvitationsQuery,
    MembersOut,
    RemovedMemberOut,
    RemoveMemberBody,
    RoleOut,
    SetActiveOrganizationBody,
    UpdateMemberRoleBody,
    UpdateOrganizationBody,
)
from app.domain.schemas.orgs import InvitationCreate, OrganizationCreate, OrganizationUpdate
from app.domain.teams import split_team_ids
from app.repositories import invitations as invitation_repo
from app.repositories import organizations as org_repo
from app.repositories import sessions as session_repo
from app.repositories import teams as team_repo
from app.repositories import users as user_repo
from app.repositories.auth import Authenticated
from app.repositories.filters import FieldFilter
from app.repositories.organizations import Membership
from app.repositories.pagination import MAX_LIMIT

__all__ = (
    "OrganizationController",
    "active_organization",
    "given",
    "known_roles",
    "membership_or",
    "parse_roles",
    "query_text",
)

MEMBERSHIP_LIMIT = 100
"""Better Auth's default ``membershipLimit``: the most members one list answers with."""


def query_text(value: str | list[str] | UnsetType) -> str | None:
    """A query value as one string (the last, if repeated), or None when absent or empty."""
    if isinstance(value, list):
        value = value[-1] if value else UNSET
    return value or None if isinstance(value, str) else None


def given(value: object) -> str | None:
    """A field's value when it is a non-empty string (JavaScript's truthy string), else None."""
    return value if isinstance(value, str) and value else None


def active_organization(caller: Authenticated, value: object) -> str | None:
    """The organization a call names, else the session's active one (Better Auth's ``||``)."""
    return given(value) or caller.session.active_organization_id


def parse_roles(role: str | list[str]) -> list[str]:
    """Better Auth's ``parseRoleList``: ``"admin, member"`` or ``["admin", " member"]`` → names."""
    parts = role if isinstance(role, list) else [role]
    return [name for part in parts for name in split_list(part)]


def known_roles(names: list[str], *, with_code: bool) -> list[MemberRole]:
    """The roles, or Better Auth's ``ROLE_NOT_FOUND: <names>`` (with or without its code)."""
    unknown = [name for name in names if name not in MemberRole._value2member_map_]
    if unknown:
        raise BetterAuthError(400, "ROLE_NOT_FOUND" if with_code else None, f"ROLE_NOT_FOUND: {', '.join(unknown)}")
    return [MemberRole(name) for name in names]


def _int(value: str | list[str] | UnsetType) -> int | None:
    text = query_text(value)
    try:
        return int(float(text)) if text is not None else None
    except ValueError:
        return None


async def _find_by_id_or_slug(db: DB, organization_id: str | None, slug: str | None) -> Any:
    if slug:
        return await org_repo.find_organization(db, slug=slug)
    return await org_repo.find_organization(db, organization_id=organization_id)


async def _clear_active(db: DB, caller: Authenticated) -> None:
    """Better Auth drops the session's active organization when the caller turns out not to be in
    it, and then fails the request: committed here, as the failing request will not be. The
    request's reads are ended first: on SQLite a GET's deferred transaction that read and then
    writes fails at once (SQLITE_BUSY) when another writer committed in between."""
    await db.commit()
    await session_repo.set_active_organization(db, caller.session, None)
    await db.commit()


async def membership_or(db: DB, organization_id: str, caller: Authenticated, status: int, code: str) -> Membership:
    """The caller's membership of the organization, or Better Auth's ``status`` ``code`` error."""
    membership = await org_repo.find_membership(db, organization_id, caller.user.id)
    if membership is None:
        raise ba_error(status, code)
    return membership


async def _queried_membership(db: DB, caller: Authenticated, organization_id: object, slug: object) -> Membership:
    """The caller's membership of the organization a members query names: by ``organizationSlug``
    when given, else by ``organizationId``, else the active one (Better Auth's order and errors)."""
    chosen = active_organization(caller, organization_id)
    if named := given(slug):
        found = await org_repo.find_organization(db, slug=named)
        if found is None:
            raise ba_error(400, "ORGANIZATION_NOT_FOUND")
        chosen = found.id
    if not chosen:
        raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
    return await membership_or(db, chosen, caller, 403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")


class OrganizationController(Controller):
    path = "/organization"
    tags = ["better-auth: organization"]

    @ba_post(
        "/create",
        operation_id="createOrganization",
        summary="Create an organization (I am its owner, with a default team; both become active)",
        ok=BaOrganizationCreated,
        body=CreateOrganizationBody,
        bare_401=True,
    )
    async def create(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[CreateOrganizationBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, CreateOrganizationBody)
        caller = await require_caller(request, bare=True)
        if await org_repo.is_slug_taken(db, body.slug):
            raise ba_error(400, "ORGANIZATION_ALREADY_EXISTS")
        keep = body.keep_current_active_organization is True
        created = OrganizationCreate(
            name=body.name,
            slug=body.slug,
            logo=body.logo if isinstance(body.logo, str) else None,
            metadata=body.metadata if isinstance(body.metadata, dict) else None,
        )
        membership = await org_repo.create_organization(
            db, caller.user.id, created, session_id=None if keep else caller.session.id
        )
        team = await team_repo.create_team(db, membership, membership.organization.name, updated=False)
        await team_repo.add_team_member(db, membership.organization.id, team.id, caller.user.id)
        if not keep:
            await session_repo.set_active_team(db, caller.session, team.id)
        out = organization_out(membership.organization, parsed=True)
        return reply(request, BaOrganizationCreated(**_fields(out), members=[member_out(membership.member)]))

    @ba_post(
        "/check-slug",
        operation_id="checkOrganizationSlug",
        summary="Whether a slug is free (400 ORGANIZATION_SLUG_ALREADY_TAKEN if not)",
        ok=StatusOut,
        body=CheckSlugBody,
    )
    async def check_slug(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[CheckSlugBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, CheckSlugBody)
        await require_caller(request)
        if await org_repo.is_slug_taken(db, body.slug):
            raise ba_error(400, "ORGANIZATION_SLUG_ALREADY_TAKEN")
        return reply(request, StatusOut(status=True))

    @ba_get("/list", operation_id="listOrganizations", summary="Organizations I belong to", ok=list[BaOrganization])
    async def list_organizations(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        caller = await require_caller(request)
        page = await org_repo.read_my_organizations(
            reader(request.app.state), caller.user.id, limit=MAX_LIMIT, cursor=None
        )
        return reply(request, [organization_out(organization) for _, organization in page.items])

    @ba_post(
        "/set-active",
        operation_id="setActiveOrganization",
        summary="Make an organization (by id or slug) active in this session; null clears it",
        ok=BaOrganization | None,
        body=SetActiveOrganizationBody,
    )
    async def set_active(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SetActiveOrganizationBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, SetActiveOrganizationBody)
        caller = await require_caller(request)
        session = caller.session
        organization_id: str | None = body.organization_id if isinstance(body.organization_id, str) else None
        slug = body.organization_slug if isinstance(body.organization_slug, str) else None
        if body.organization_id is None:
            if session.active_organization_id:
                await session_repo.set_active_organization(db, session, None)
                set_session_cookie(request, session.token)
            return reply(request, None)
        if not organization_id and not slug:
            if not session.active_organization_id:
                return reply(request, None)
            organization_id = session.active_organization_id
        if slug and not organization_id:
            found = await org_repo.find_organization(db, slug=slug)
            if found is None:
                raise ba_error(400, "ORGANIZATION_NOT_FOUND")
            organization_id = found.id
        assert organization_id is not None
        membership = await org_repo.find_membership(db, organization_id, caller.user.id)
        if membership is None:
            await _clear_active(db, caller)
            raise ba_error(403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
        await session_repo.set_active_organization(db, session, organization_id)
        set_session_cookie(request, session.token)
        return reply(request, organization_out(membership.organization))

    @ba_get(
        "/get-full-organization",
        operation_id="getFullOrganization",
        summary="An organization (default: the active one) with its members, invitations and teams",
        ok=BaFullOrganization | None,
        errors=(401, 403),
    )
    async def get_full_organization(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, GetFullOrganizationQuery)
        caller = await require_caller(request)
        slug = query_text(params.organization_slug)
        organization_id = query_text(params.organization_id) or caller.session.active_organization_id
        if not slug and not organization_id:
            return reply(request, None)
        organization = await _find_by_id_or_slug(db, organization_id, slug)
        if organization is None:
            raise ba_error(400, "ORGANIZATION_NOT_FOUND")
        membership = await org_repo.find_membership(db, organization.id, caller.user.id)
        if membership is None:
            await _clear_active(db, caller)
            raise ba_error(403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
        limit = _int(params.members_limit)
        full = await org_repo.full_organization(
            db, membership, members_limit=max(1, min(limit or MEMBERSHIP_LIMIT, MAX_LIMIT))
        )
        invitations = [] if not is_at_least(membership.member.role, MemberRole.ADMIN) else full.invitations
        if not is_at_least(membership.member.role, MemberRole.OWNER):
            invitations = [i for i in invitations if MemberRole.OWNER.value not in parse_roles(i.role or "")]
        members = [(member, member.user) for member in full.members]
        return reply(request, full_organization_out(full.organization, members, invitations, full.teams))

    @ba_post(
        "/update",
        operation_id="updateOrganization",
        summary="Update an organization (owner or admin)",
        ok=BaOrganization,
        body=UpdateOrganizationBody,
    )
    async def update(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[UpdateOrganizationBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, UpdateOrganizationBody)
        caller = await find_caller(request)
        if caller is None:
            raise BetterAuthError(401, message="User not found")
        organization_id = active_organization(caller, body.organization_id)
        if not organization_id:
            raise ba_error(400, "ORGANIZATION_NOT_FOUND")
        membership = await membership_or(db, organization_id, caller, 400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
        changes = body.data
        update = OrganizationUpdate(name=changes.name, slug=changes.slug, logo=changes.logo, metadata=changes.metadata)
        organization = await org_repo.update_organization(db, membership, update)
        return reply(request, organization_out(organization, parsed=True))

    @ba_post(
        "/delete",
        operation_id="deleteOrganization",
        summary="Delete an organization with everything in it (owner)",
        ok=BaOrganization,
        body=DeleteOrganizationBody,
        bare_401=True,
    )
    async def delete(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[DeleteOrganizationBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, DeleteOrganizationBody)
        caller = await require_caller(request, bare=True)
        if not body.organization_id:
            raise ba_error(400, "ORGANIZATION_NOT_FOUND")
        membership = await membership_or(
            db, body.organization_id, caller, 400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"
        )
        out = organization_out(membership.organization)
        await org_repo.delete_organization(db, membership)
        return reply(request, out)

    @ba_post(
        "/invite-member",
        operation_id="createOrganizationInvitation",
        summary="Invite an email with a role (owner or admin); resend extends a pending invitation",
        ok=BaInvitation,
        body=InviteMemberBody,
    )
    async def invite_member(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[InviteMemberBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, InviteMemberBody)
        caller = await require_caller(request)
        organization_id = active_organization(caller, body.organization_id)
        if not organization_id:
            raise ba_error(400, "ORGANIZATION_NOT_FOUND")
        email = body.email.lower()
        if not is_valid_email(email):
            raise ba_error(400, "INVALID_EMAIL")
        membership = await membership_or(db, organization_id, caller, 400, "MEMBER_NOT_FOUND")
        org_repo.require_role(membership, MemberRole.ADMIN)
        names = parse_roles(body.role)
        if not names:
            raise ba_error(400, "ROLE_NOT_FOUND")
        roles = known_roles(names, with_code=False)
        team_ids = [body.team_id] if isinstance(body.team_id, str) else list(body.team_id or [])
        if any("," in team_id for team_id in team_ids):
            raise ba_error(400, "INVALID_TEAM_ID")
        invitation, _created = await invitation_repo.create_invitation(
            db,
            membership,
            caller.user.id,
            InvitationCreate(email=email, role=roles[0], team_ids=[t for t in team_ids if t]),
            roles=roles,
            on_pending=OnPending.EXTEND if body.resend is True else OnPending.REFUSE,
        )
        return reply(request, invitation_out(invitation))

    @ba_post(
        "/accept-invitation",
        operation_id="acceptOrganizationInvitation",
        summary="Accept an invitation addressed to me: join with its role and teams",
        ok=AcceptedInvitationOut,
        body=InvitationIdBody,
    )
    async def accept_invitation(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[InvitationIdBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, InvitationIdBody)
        caller = await require_caller(request)
        invitation = await invitation_repo.get_invitation(db, body.invitation_id)
        if invitation is None or invitation.expires_at < utcnow() or invitation.status != InvitationStatus.PENDING:
            raise ba_error(400, "INVITATION_NOT_FOUND")
        if not is_invitee(invitation.email, caller.user.email):
            raise ba_error(403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION")
        one_team = len(split_team_ids(invitation.team_id)) == 1
        accepted, member = await invitation_repo.accept_invitation(db, invitation.id, caller.user, caller.session)
        if one_team:
            set_session_cookie(request, caller.session.token)
        return reply(request, AcceptedInvitationOut(invitation=invitation_out(accepted), member=member_out(member)))

    @ba_post(
        "/reject-invitation",
        operation_id="rejectOrganizationInvitation",
        summary="Reject an invitation addressed to me",
        ok=AcceptedInvitationOut,
        body=InvitationIdBody,
    )
    async def reject_invitation(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[InvitationIdBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, InvitationIdBody)
        caller = await require_caller(request)
        invitation = await invitation_repo.get_invitation(db, body.invitation_id)
        if invitation is None or invitation.status != InvitationStatus.PENDING:
            raise BetterAuthError(400, "INVITATION_NOT_FOUND", "Invitation not found!")
        if not is_invitee(invitation.email, caller.user.email):
            raise ba_error(403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION")
        rejected = await invitation_repo.reject_invitation(db, invitation.id, caller.user, even_expired=True)
        return reply(request, AcceptedInvitationOut(invitation=invitation_out(rejected), member=None))

    @ba_post(
        "/cancel-invitation",
        operation_id="cancelOrganizationInvitation",
        summary="Cancel an invitation (owner or admin)",
        ok=BaInvitation,
        body=InvitationIdBody,
    )
    async def cancel_invitation(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[InvitationIdBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, InvitationIdBody)
        caller = await require_caller(request)
        invitation = await invitation_repo.get_invitation(db, body.invitation_id)
        if invitation is None:
            raise ba_error(400, "INVITATION_NOT_FOUND")
        membership = await membership_or(db, invitation.organization_id, caller, 400, "MEMBER_NOT_FOUND")
        org_repo.require_role(membership, MemberRole.ADMIN)  # Better Auth: not the inviter as such
        canceled = await invitation_repo.cancel_invitation(db, membership, invitation.id)
        return reply(request, invitation_out(canceled))

    @ba_get(
        "/get-invitation",
        operation_id="getOrganizationInvitation",
        summary="A pending invitation addressed to me, with its organization and inviter",
        ok=BaInvitationDetails,
        errors=(401, 403),
    )
    async def get_invitation(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, GetInvitationQuery)
        caller = await find_caller(request)
        if caller is None:
            raise BetterAuthError(401, message="Not authenticated")
        invitation = await invitation_repo.get_invitation(db, params.id)
        if invitation is None or invitation.status != InvitationStatus.PENDING or invitation.expires_at < utcnow():
            raise ba_error(400, "INVITATION_NOT_FOUND")
        if not is_invitee(invitation.email, caller.user.email):
            raise ba_error(403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION")
        organization = await org_repo.find_organization(db, organization_id=invitation.organization_id)
        if organization is None:
            raise ba_error(400, "ORGANIZATION_NOT_FOUND")
        inviter = await org_repo.find_membership(db, invitation.organization_id, invitation.inviter_id)
        if inviter is None:
            raise ba_error(400, "INVITER_IS_NO_LONGER_A_MEMBER_OF_THE_ORGANIZATION")
        inviter_user = await user_repo.get_user(db, invitation.inviter_id)
        plain = invitation_out(invitation)
        details = BaInvitationDetails(
            **_fields(plain),
            organization_name=organization.name,
            organization_slug=organization.slug,
            inviter_email=inviter_user.email,
        )
        return reply(request, details)

    @ba_get(
        "/list-invitations",
        operation_id="listOrganizationInvitations",
        summary="The invitations of an organization (default: the active one; owner or admin)",
        ok=list[BaInvitation],
        errors=(401, 403),
    )
    async def list_invitations(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, ListInvitationsQuery)
        caller = await require_caller(request)
        organization_id = active_organization(caller, params.organization_id)
        if not organization_id:
            raise BetterAuthError(400, message="Organization ID is required")
        membership = await org_repo.find_membership(db, organization_id, caller.user.id)
        if membership is None:
            raise BetterAuthError(403, message="You are not a member of this organization")
        if not is_at_least(membership.member.role, MemberRole.ADMIN):
            raise ba_error(403, "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS")
        page = await invitation_repo.list_organization_invitations(
            db, membership, status=None, limit=MAX_LIMIT, cursor=None
        )
        invitations = sorted(page.items, key=lambda i: (i.created_at, i.id))
        if not is_at_least(membership.member.role, MemberRole.OWNER):
            invitations = [i for i in invitations if MemberRole.OWNER.value not in parse_roles(i.role or "")]
        return reply(request, [invitation_out(invitation) for invitation in invitations])

    @ba_get(
        "/list-user-invitations",
        operation_id="listUserInvitations",
        summary="Pending invitations to my email (my email must be verified)",
        ok=list[BaUserInvitation],
        errors=(401, 403),
    )
    async def list_user_invitations(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, ListUserInvitationsQuery)
        if query_text(params.email):
            raise BetterAuthError(400, message="User email cannot be passed for client side API calls.")
        caller = await find_caller(request)
        if caller is None:
            raise BetterAuthError(400, message="Missing session headers, or email query parameter.")
        if not caller.user.email_verified:
            raise ba_error(403, "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION")
        page = await invitation_repo.list_my_invitations(
            db, caller.user, limit=MAX_LIMIT, cursor=None, include_expired=True
        )
        out = [
            BaUserInvitation(**_fields(invitation_out(invitation)), organization_name=name or None)
            for invitation, name in sorted(page.items, key=lambda item: (item[0].created_at, item[0].id))
        ]
        return reply(request, out)

    @ba_get(
        "/list-members",
        operation_id="listOrganizationMembers",
        summary="Members by limit/offset, sortable and filterable (default: the active organization)",
        ok=MembersOut,
        errors=(401, 403),
    )
    async def list_members(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, ListMembersQuery)
        caller = await require_caller(request)
        membership = await _queried_membership(db, caller, params.organization_id, params.organization_slug)
        where = None
        if field := given(params.filter_field):
            operator = params.filter_operator if isinstance(params.filter_operator, str) else "eq"
            value = params.filter_value if not isinstance(params.filter_value, UnsetType) else None
            where = FieldFilter(field=field, operator=operator, value=value)
        members, total = await org_repo.list_members_by_offset(
            db,
            membership,
            limit=max(1, min(_int(params.limit) or MEMBERSHIP_LIMIT, MAX_LIMIT)),
            offset=max(0, _int(params.offset) or 0),
            sort_by=given(params.sort_by),
            direction=SortDirection.DESC if params.sort_direction == "desc" else SortDirection.ASC,
            where=where,
        )
        return reply(request, MembersOut(members=[member_with_user_out(m, m.user) for m in members], total=total))

    @ba_get(
        "/get-active-member",
        operation_id="getActiveMember",
        summary="My membership of the active organization",
        ok=BaMemberWithUser,
    )
    async def get_active_member(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        caller = await require_caller(request)
        organization_id = caller.session.active_organization_id
        if not organization_id:
            raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
        membership = await membership_or(db, organization_id, caller, 400, "MEMBER_NOT_FOUND")
        return reply(request, member_with_user_out(membership.member, caller.user))

    @ba_get(
        "/get-active-member-role",
        operation_id="getActiveMemberRole",
        summary="My role (or a member's, by userId) in an organization (default: the active one)",
        ok=RoleOut,
        errors=(401, 403),
    )
    async def get_active_member_role(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, ActiveMemberRoleQuery)
        caller = await require_caller(request)
        membership = await _queried_membership(db, caller, params.organization_id, params.organization_slug)
        organization_id = membership.organization.id
        user_id = given(params.user_id)
        if user_id is None:
            return reply(request, RoleOut(role=membership.member.role))
        other = await org_repo.find_membership(db, organization_id, user_id)
        if other is None:
            raise ba_error(403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
        return reply(request, RoleOut(role=other.member.role))

    @ba_post(
        "/update-member-role",
        operation_id="updateOrganizationMemberRole",
        summary="Change a member's role(s) (owner or admin; only an owner grants or changes owner)",
        ok=BaMember,
        body=UpdateMemberRoleBody,
    )
    async def update_member_role(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[UpdateMemberRoleBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, UpdateMemberRoleBody)
        caller = await require_caller(request)
        names = parse_roles(body.role) if body.role else []
        if not names:
            # Better Auth answers an empty 400 here; a message keeps the body JSON (as documented).
            raise BetterAuthError(400, message="A role is required")
        organization_id = active_organization(caller, body.organization_id)
        if not organization_id:
            raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
        membership = await membership_or(db, organization_id, caller, 400, "MEMBER_NOT_FOUND")
        target = await org_repo.find_member(db, body.member_id)
        if target is None:
            raise ba_error(400, "MEMBER_NOT_FOUND")
        if target.organization_id != organization_id:
            raise ba_error(403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
        touches_owner = MemberRole.OWNER.value in names or MemberRole.OWNER.value in parse_roles(target.role)
        if touches_owner and not is_at_least(membership.member.role, MemberRole.OWNER):
            raise ba_error(403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
        org_repo.require_role(membership, MemberRole.ADMIN)
        roles = known_roles(names, with_code=True)
        member = await org_repo.change_member_role(db, membership, target.id, roles)
        return reply(request, member_out(member))

    @ba_post(
        "/remove-member",
        operation_id="removeOrganizationMember",
        summary="Remove a member by id or email (owner or admin; the last owner stays)",
        ok=RemovedMemberOut,
        body=RemoveMemberBody,
    )
    async def remove_member(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[RemoveMemberBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, RemoveMemberBody)
        caller = await require_caller(request)
        organization_id = active_organization(caller, body.organization_id)
        if not organization_id:
            raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
        membership = await membership_or(db, organization_id, caller, 400, "MEMBER_NOT_FOUND")
        key = body.member_id_or_email
        if "@" in key:
            target = await org_repo.find_member_by_email(db, organization_id, key)
        else:
            target = await org_repo.find_member(db, key)
        if target is None:
            raise ba_error(400, "MEMBER_NOT_FOUND")
        if MemberRole.OWNER.value in parse_roles(target.role) and not is_at_least(
            membership.member.role, MemberRole.OWNER
        ):
            raise ba_error(400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
        if target.organization_id != organization_id:
            org_repo.require_role(membership, MemberRole.ADMIN)
            raise ba_error(400, "MEMBER_NOT_FOUND")
        # Found by email, Better Auth answers the member with its user; by id, without.
        out = member_with_user_out(target, target.user) if "@" in key else member_out(target)
        await org_repo.remove_member(db, membership, target.id)
        return reply(request, RemovedMemberOut(member=out))

    @ba_post(
        "/leave",
        operation_id="leaveOrganization",
        summary="Leave an organization (the only owner cannot)",
        ok=BaMemberWithUser,
        body=LeaveOrganizationBody,
    )
    async def leave(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[LeaveOrganizationBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, LeaveOrganizationBody)
        caller = await require_caller(request)
        membership = await membership_or(db, body.organization_id, caller, 400, "MEMBER_NOT_FOUND")
        out = member_with_user_out(membership.member, caller.user)
        await org_repo.leave_organization(db, membership)
        return reply(request, out)


def _fields(struct: Any) -> dict[str, Any]:
    """A struct's fields by Python name (to extend a wire struct into a richer one)."""
    return {name: getattr(struct, name) for name in struct.__struct_fields__}
