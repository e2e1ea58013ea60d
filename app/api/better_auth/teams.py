"""Teams of the organization plugin: ``create-team``, ``list-teams``, ``update-team``, ``remove-team``,
``set-active-team``, ``list-user-teams``, ``list-team-members``, ``add-team-member``, ``remove-team-member``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response
from litestar.params import JSONBody

from app.api.better_auth.errors import BetterAuthError, ba_error
from app.api.better_auth.mappers import team_member_out, team_out
from app.api.better_auth.organization import active_organization, given, membership_or
from app.api.better_auth.responses import reply, set_session_cookie
from app.api.better_auth.routes import ba_get, ba_post
from app.api.better_auth.session import find_caller, require_caller
from app.api.better_auth.validation import payload, query
from app.api.dependencies import DB
from app.domain.enums import MemberRole
from app.domain.permissions import is_at_least
from app.domain.schemas.ba_organization import (
    BaTeam,
    BaTeamMember,
    CreateTeamBody,
    ListTeamMembersQuery,
    ListTeamsQuery,
    ListUserTeamsQuery,
    MessageOut,
    RemoveTeamBody,
    SetActiveTeamBody,
    TeamMemberBody,
    UpdateTeamBody,
)
from app.repositories import organizations as org_repo
from app.repositories import sessions as session_repo
from app.repositories import teams as team_repo
from app.repositories.auth import Authenticated
from app.repositories.organizations import Membership
from app.repositories.pagination import MAX_LIMIT

__all__ = ("TeamController",)


class TeamController(Controller):
    path = "/organization"
    tags = ["better-auth: teams"]

    @ba_post(
        "/create-team",
        operation_id="createOrganizationTeam",
        summary="Create a team (owner or admin; default: in the active organization)",
        ok=BaTeam,
        body=CreateTeamBody,
        bare_401=True,
    )
    async def create_team(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[CreateTeamBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, CreateTeamBody)
        caller = await require_caller(request, bare=True)
        organization_id = active_organization(caller, body.organization_id)
        if not organization_id:
            raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
        membership = await membership_or(
            db, organization_id, caller, 403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION"
        )
        team = await team_repo.create_team(db, membership, body.name)
        return reply(request, team_out(team))

    @ba_get(
        "/list-teams",
        operation_id="listOrganizationTeams",
        summary="The teams of an organization (default: the active one)",
        ok=list[BaTeam],
        errors=(401, 403),
    )
    async def list_teams(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, ListTeamsQuery)
        caller = await require_caller(request)
        organization_id = active_organization(caller, params.organization_id)
        if not organization_id:
            raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
        membership = await membership_or(
            db, organization_id, caller, 403, "YOU_ARE_NOT_ALLOWED_TO_ACCESS_THIS_ORGANIZATION"
        )
        page = await team_repo.list_teams(db, membership, limit=MAX_LIMIT, cursor=None)
        return reply(request, [team_out(team) for team in page.items])

    @ba_post(
        "/update-team",
        operation_id="updateOrganizationTeam",
        summary="Rename a team (owner or admin)",
        ok=BaTeam,
        body=UpdateTeamBody,
    )
    async def update_team(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[UpdateTeamBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, UpdateTeamBody)
        caller = await require_caller(request)
        organization_id = active_organization(caller, body.data.organization_id)
        if not organization_id:
            raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
        membership = await membership_or(db, organization_id, caller, 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM")
        org_repo.require_role(membership, MemberRole.ADMIN)
        if await team_repo.find_team(db, body.team_id, organization_id) is None:
            raise ba_error(400, "TEAM_NOT_FOUND")
        if isinstance(body.data.name, str):
            team = await team_repo.rename_team(db, membership, body.team_id, body.data.name)
        else:
            team = await team_repo.get_team(db, membership, body.team_id)
        return reply(request, team_out(team))

    @ba_post(
        "/remove-team",
        operation_id="removeOrganizationTeam",
        summary="Remove a team (owner or admin; not the last one, nor my active team)",
        ok=MessageOut,
        body=RemoveTeamBody,
        bare_401=True,
    )
    async def remove_team(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[RemoveTeamBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, RemoveTeamBody)
        caller = await find_caller(request)
        organization_id = active_organization(caller, body.organization_id) if caller else body.organization_id or None
        if not organization_id:
            raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
        if caller is None:
            raise BetterAuthError(401)
        membership = await org_repo.find_membership(db, organization_id, caller.user.id)
        if membership is None or caller.session.active_team_id == body.team_id:
            raise ba_error(403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM")
        org_repo.require_role(membership, MemberRole.ADMIN)
        if await team_repo.find_team(db, body.team_id, organization_id) is None:
            raise ba_error(400, "TEAM_NOT_FOUND")
        await team_repo.delete_team(db, membership, body.team_id, keep_last=True)
        return reply(request, MessageOut(message="Team removed successfully."))

    @ba_post(
        "/set-active-team",
        operation_id="setActiveTeam",
        summary="Make one of my teams in the active organization active in this session; null clears it",
        ok=BaTeam | None,
        body=SetActiveTeamBody,
    )
    async def set_active_team(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SetActiveTeamBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, SetActiveTeamBody)
        caller = await require_caller(request)
        session = caller.session
        if body.team_id is None:
            if session.active_team_id:
                await session_repo.set_active_team(db, session, None)
                set_session_cookie(request, session.token)
            return reply(request, None)
        team_id = given(body.team_id) or session.active_team_id
        if not team_id:
            return reply(request, None)
        organization_id = session.active_organization_id
        if not organization_id:
            raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
        team = await team_repo.find_team(db, team_id, organization_id)
        if team is None:
            raise ba_error(400, "TEAM_NOT_FOUND")
        if await team_repo.find_team_member(db, team.id, caller.user.id) is None:
            raise ba_error(403, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
        await session_repo.set_active_team(db, session, team.id)
        set_session_cookie(request, session.token)
        return reply(request, team_out(team))

    @ba_get(
        "/list-user-teams",
        operation_id="listUserTeams",
        summary="The teams I am in (or, for an owner or admin, a member's in an organization)",
        ok=list[BaTeam],
        errors=(401, 403),
    )
    async def list_user_teams(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, ListUserTeamsQuery)
        caller = await require_caller(request)
        target = params.user_id if isinstance(params.user_id, str) and params.user_id else caller.user.id
        explicit = (
            params.organization_id if isinstance(params.organization_id, str) and params.organization_id else None
        )
        organization_id = explicit or caller.session.active_organization_id
        if target != caller.user.id:
            if not organization_id:
                raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
            membership = await membership_or(
                db, organization_id, caller, 403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION"
            )
            if not is_at_least(membership.member.role, MemberRole.ADMIN):
                raise ba_error(403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
            if await org_repo.find_membership(db, organization_id, target) is None:
                raise ba_error(400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
            teams = await team_repo.list_user_teams(db, target, organization_id=organization_id)
        elif explicit:
            await membership_or(db, explicit, caller, 403, "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
            teams = await team_repo.list_user_teams(db, target, organization_id=explicit)
        else:
            teams = await team_repo.list_user_teams(db, target)
        return reply(request, [team_out(team) for team in teams])

    @ba_get(
        "/list-team-members",
        operation_id="listOrganizationTeamMembers",
        summary="The members of a team I am in (default: my active team)",
        ok=list[BaTeamMember],
    )
    async def list_team_members(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, ListTeamMembersQuery)
        caller = await require_caller(request)
        team_id = (
            params.team_id if isinstance(params.team_id, str) and params.team_id else caller.session.active_team_id
        )
        if not team_id:
            raise ba_error(400, "YOU_DO_NOT_HAVE_AN_ACTIVE_TEAM")
        team = await team_repo.find_team(db, team_id)
        if team is None:
            raise ba_error(400, "TEAM_NOT_FOUND")
        membership = await membership_or(db, team.organization_id, caller, 400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
        if await team_repo.find_team_member(db, team.id, caller.user.id) is None:
            raise ba_error(400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
        page = await team_repo.list_team_members(db, membership, team.id, limit=MAX_LIMIT, cursor=None)
        return reply(request, [team_member_out(row) for row in page.items])

    @ba_post(
        "/add-team-member",
        operation_id="addOrganizationTeamMember",
        summary="Add a member of the organization to a team (owner or admin); adding twice is a no-op",
        ok=BaTeamMember,
        body=TeamMemberBody,
    )
    async def add_team_member(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[TeamMemberBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, TeamMemberBody)
        caller = await require_caller(request)
        membership = await self._team_admin(db, caller, body.organization_id)
        await self._target(db, membership, body)
        # Better Auth's findOrCreate: a user already in the team is answered with that membership.
        row = await team_repo.find_team_member(db, body.team_id, body.user_id)
        if row is None:
            row = await team_repo.add_member_to_team(db, membership, body.team_id, body.user_id)
        return reply(request, team_member_out(row))

    @ba_post(
        "/remove-team-member",
        operation_id="removeOrganizationTeamMember",
        summary="Remove a user from a team (owner or admin)",
        ok=MessageOut,
        body=TeamMemberBody,
    )
    async def remove_team_member(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[TeamMemberBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, TeamMemberBody)
        caller = await require_caller(request)
        membership = await self._team_admin(db, caller, body.organization_id)
        await self._target(db, membership, body)
        await team_repo.remove_team_member(db, membership, body.team_id, body.user_id)
        return reply(request, MessageOut(message="Team member removed successfully."))

    @staticmethod
    async def _team_admin(db: DB, caller: Authenticated, given: Any) -> Membership:
        """The caller's membership of the organization the call names (else the active one): owner or
        admin (the endpoint's code for anyone else is errors.py's)."""
        organization_id = active_organization(caller, given)
        if not organization_id:
            raise ba_error(400, "NO_ACTIVE_ORGANIZATION")
        membership = await membership_or(db, organization_id, caller, 400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
        org_repo.require_role(membership, MemberRole.ADMIN)
        return membership

    @staticmethod
    async def _target(db: DB, membership: Membership, body: TeamMemberBody) -> None:
        """Better Auth's checks of the user and team a team-member call names, in its order."""
        if await org_repo.find_membership(db, membership.organization.id, body.user_id) is None:
            raise ba_error(400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
        if await team_repo.find_team(db, body.team_id, membership.organization.id) is None:
            raise ba_error(400, "TEAM_NOT_FOUND")
