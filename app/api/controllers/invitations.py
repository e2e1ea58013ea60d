"""Answering an invitation, under ``/api/invitations`` (the organization's side of invitations is
in :mod:`app.api.controllers.organizations`)."""

from __future__ import annotations

from litestar import Controller, post

from app.api.auth import Auth
from app.api.dependencies import DB
from app.api.mappers import invitation_out, member_out
from app.api.openapi import problems
from app.api.params import Id
from app.domain.errors import AuthenticationError, ConflictError, ExpiredError, NotFoundError, PermissionDeniedError
from app.domain.schemas.orgs import InvitationOut, MemberOut
from app.repositories import invitations as invitation_repo
from app.repositories import organizations as org_repo

__all__ = ("InvitationController",)


class InvitationController(Controller):
    """Answering an invitation: only the invitee (whose email it names) may."""

    path = "/api/invitations"
    tags = ["invitations"]

    @post(
        "/{invitation_id:str}/accept",
        operation_id="acceptInvitation",
        summary="Accept: join with the invited role and teams; the organization becomes active",
        status_code=200,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, ExpiredError),
    )
    async def accept(self, db: DB, auth: Auth, invitation_id: Id) -> MemberOut:
        _invitation, member = await invitation_repo.accept_invitation(db, invitation_id, auth.user, auth.session)
        return member_out(await org_repo.with_user(db, member))

    @post(
        "/{invitation_id:str}/reject",
        operation_id="rejectInvitation",
        summary="Reject an invitation",
        status_code=200,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, ExpiredError),
    )
    async def reject(self, db: DB, auth: Auth, invitation_id: Id) -> InvitationOut:
        return invitation_out(await invitation_repo.reject_invitation(db, invitation_id, auth.user))
