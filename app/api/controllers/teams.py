"""Teams of an organization and their members (scope: :mod:`app.api.controllers.org_scope`)."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.api.controllers.org_scope import ORG_SCOPE, MembershipDep
from app.api.dependencies import DB
from app.api.mappers import page_out, team_member_out, team_out
from app.api.openapi import problems
from app.api.params import Id, Paging
from app.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.domain.schemas.base import Page
from app.domain.schemas.orgs import TeamCreate, TeamMemberAdd, TeamMemberOut, TeamOut, TeamUpdate
from app.repositories import teams as team_repo

__all__ = ("TeamController",)


class TeamController(Controller):
    path = "/api/organizations/{org_id:str}/teams"
    tags = ["teams"]
    dependencies = ORG_SCOPE

    @post(
        "/",
        operation_id="createTeam",
        summary="Create a team (owner or admin)",
        status_code=HTTP_201_CREATED,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def create(self, db: DB, membership: MembershipDep, data: JSONBody[TeamCreate]) -> TeamOut:
        return team_out(await team_repo.create_team(db, membership, data.name))

    @get(
        "/",
        operation_id="listTeams",
        summary="Teams of the organization",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def list_teams(self, db: DB, membership: MembershipDep, paging: Paging) -> Page[TeamOut]:
        return page_out(await team_repo.list_teams(db, membership, limit=paging.limit, cursor=paging.cursor), team_out)

    @get(
        "/{team_id:str}",
        operation_id="getTeam",
        summary="A team",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def read(self, db: DB, membership: MembershipDep, team_id: Id) -> TeamOut:
        return team_out(await team_repo.get_team(db, membership, team_id))

    @patch(
        "/{team_id:str}",
        operation_id="updateTeam",
        summary="Rename a team (owner or admin)",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def rename(self, db: DB, membership: MembershipDep, team_id: Id, data: JSONBody[TeamUpdate]) -> TeamOut:
        return team_out(await team_repo.rename_team(db, membership, team_id, data.name))

    @delete(
        "/{team_id:str}",
        operation_id="deleteTeam",
        summary="Delete a team (memberships of the organization stay)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def remove(self, db: DB, membership: MembershipDep, team_id: Id) -> None:
        await team_repo.delete_team(db, membership, team_id)

    @get(
        "/{team_id:str}/members",
        operation_id="listTeamMembers",
        summary="Members of a team",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def members(self, db: DB, membership: MembershipDep, team_id: Id, paging: Paging) -> Page[TeamMemberOut]:
        page = await team_repo.list_team_members(db, membership, team_id, limit=paging.limit, cursor=paging.cursor)
        return page_out(page, team_member_out)

    @post(
        "/{team_id:str}/members",
        operation_id="addTeamMember",
        summary="Add a member of the organization to the team (owner or admin)",
        status_code=HTTP_201_CREATED,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, InvalidInputError),
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
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def remove_member(self, db: DB, membership: MembershipDep, team_id: Id, user_id: Id) -> None:
        await team_repo.remove_team_member(db, membership, team_id, user_id)
