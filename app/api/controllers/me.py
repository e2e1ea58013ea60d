"""The signed-in user's own data: profile, password, sessions, linked accounts, passkeys, active org/team."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.api.auth import Auth
from app.api.dependencies import DB
from app.api.mappers import account_out, invitation_out, page_out, passkey_out, session_out, user_out
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
from app.domain.schemas.orgs import InvitationOut
from app.domain.schemas.users import (
    AccountOut,
    ActiveOrganizationIn,
    ActiveTeamIn,
    ChangePasswordIn,
    PasskeyOut,
    PasskeyRename,
    ProfileUpdate,
    RevokedCount,
    SessionOut,
    UserOut,
)
from app.repositories import accounts as account_repo
from app.repositories import auth as auth_repo
from app.repositories import invitations as invitation_repo
from app.repositories import sessions as session_repo
from app.repositories import users as user_repo

__all__ = ("MeController",)


class MeController(Controller):
    path = "/api/me"
    tags = ["me"]

    @get(
        "/", operation_id="getMe", summary="My profile", responses=problems(AuthenticationError, PermissionDeniedError)
    )
    async def get_me(self, auth: Auth) -> UserOut:
        return user_out(auth.user)

    @patch(
        "/",
        operation_id="updateMe",
        summary="Update my profile",
        responses=problems(AuthenticationError, PermissionDeniedError, InvalidInputError),
    )
    async def update_me(self, db: DB, auth: Auth, data: JSONBody[ProfileUpdate]) -> UserOut:
        return user_out(await user_repo.update_profile(db, auth.user.id, data))

    @post(
        "/password",
        operation_id="changeMyPassword",
        summary="Change my password (the current one is required)",
        status_code=200,
        responses=problems(AuthenticationError, PermissionDeniedError, ConflictError, InvalidInputError),
    )
    async def change_password(self, db: DB, auth: Auth, data: JSONBody[ChangePasswordIn]) -> RevokedCount:
        revoked = await auth_repo.change_password(
            db,
            auth,
            current_password=data.current_password,
            new_password=data.new_password,
            revoke_other_sessions=data.revoke_other_sessions,
        )
        return RevokedCount(revoked=revoked)

    @get(
        "/sessions",
        operation_id="listMySessions",
        summary="My sessions, newest first",
        responses=problems(AuthenticationError, PermissionDeniedError, InvalidInputError),
    )
    async def list_sessions(
        self,
        db: DB,
        auth: Auth,
        paging: Paging,
    ) -> Page[SessionOut]:
        page = await session_repo.list_user_sessions(db, auth.user.id, limit=paging.limit, cursor=paging.cursor)
        return page_out(page, lambda s: session_out(s, auth.session.id))

    @delete(
        "/sessions/{session_id:str}",
        operation_id="revokeMySession",
        summary="End one of my sessions",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def revoke_session(self, db: DB, auth: Auth, session_id: Id) -> None:
        await session_repo.delete_session(db, auth.user.id, session_id)

    @post(
        "/sessions/revoke-others",
        operation_id="revokeMyOtherSessions",
        summary="End all my sessions but this one",
        status_code=200,
        responses=problems(AuthenticationError, PermissionDeniedError),
    )
    async def revoke_other_sessions(self, db: DB, auth: Auth) -> RevokedCount:
        return RevokedCount(revoked=await session_repo.delete_other_sessions(db, auth.user.id, auth.session.id))

    @put(
        "/session/active-organization",
        operation_id="setMyActiveOrganization",
        summary="Set (or clear with null) the active organization of this session",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def set_active_organization(
        self,
        db: DB,
        auth: Auth,
        data: JSONBody[ActiveOrganizationIn],
    ) -> SessionOut:
        session = await session_repo.set_active_organization(db, auth.session, data.organization_id)
        return session_out(session, auth.session.id)

    @put(
        "/session/active-team",
        operation_id="setMyActiveTeam",
        summary="Set (or clear with null) the active team of this session",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def set_active_team(self, db: DB, auth: Auth, data: JSONBody[ActiveTeamIn]) -> SessionOut:
        session = await session_repo.set_active_team(db, auth.session, data.team_id)
        return session_out(session, auth.session.id)

    @get(
        "/accounts",
        operation_id="listMyAccounts",
        summary="My linked sign-in methods (never tokens or passwords)",
        responses=problems(AuthenticationError, PermissionDeniedError, InvalidInputError),
    )
    async def list_accounts(
        self,
        db: DB,
        auth: Auth,
        paging: Paging,
    ) -> Page[AccountOut]:
        return page_out(
            await account_repo.list_accounts(db, auth.user.id, limit=paging.limit, cursor=paging.cursor), account_out
        )

    @get(
        "/invitations",
        operation_id="listMyInvitations",
        summary="Pending, unexpired invitations to my email",
        responses=problems(AuthenticationError, PermissionDeniedError, InvalidInputError),
    )
    async def list_invitations(self, db: DB, auth: Auth, paging: Paging) -> Page[InvitationOut]:
        page = await invitation_repo.list_my_invitations(db, auth.user, limit=paging.limit, cursor=paging.cursor)
        return page_out(page, lambda item: invitation_out(item[0], item[1]))

    @get(
        "/passkeys",
        operation_id="listMyPasskeys",
        summary="My passkeys",
        responses=problems(AuthenticationError, PermissionDeniedError, InvalidInputError),
    )
    async def list_passkeys(
        self,
        db: DB,
        auth: Auth,
        paging: Paging,
    ) -> Page[PasskeyOut]:
        return page_out(
            await account_repo.list_passkeys(db, auth.user.id, limit=paging.limit, cursor=paging.cursor), passkey_out
        )

    @patch(
        "/passkeys/{passkey_id:str}",
        operation_id="renameMyPasskey",
        summary="Rename one of my passkeys",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def rename_passkey(
        self,
        db: DB,
        auth: Auth,
        passkey_id: Id,
        data: JSONBody[PasskeyRename],
    ) -> PasskeyOut:
        return passkey_out(await account_repo.rename_passkey(db, auth.user.id, passkey_id, data.name))

    @delete(
        "/passkeys/{passkey_id:str}",
        operation_id="deleteMyPasskey",
        summary="Delete one of my passkeys",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def delete_passkey(self, db: DB, auth: Auth, passkey_id: Id) -> None:
        await account_repo.delete_passkey(db, auth.user.id, passkey_id)
