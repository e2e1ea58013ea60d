"""Sessions and account: ``list-sessions``, ``revoke-session``, ``revoke-sessions``,
``revoke-other-sessions``, ``update-user``, ``change-password``, ``delete-user``, ``list-accounts``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response
from litestar.params import JSONBody
from msgspec import UNSET

from app.api.auth import client_info
from app.api.better_auth.core import check_password_length, refuse_protected_fields
from app.api.better_auth.errors import BetterAuthError, ba_error
from app.api.better_auth.mappers import account_out, session_out, user_out
from app.api.better_auth.responses import clear_session_cookies, reply, set_session_cookie
from app.api.better_auth.routes import ba_get, ba_post
from app.api.better_auth.session import require_caller, require_fresh_caller
from app.api.better_auth.validation import payload
from app.api.dependencies import DB
from app.domain.instants import utcnow
from app.domain.rules import SESSION_LIFETIME, is_session_fresh
from app.domain.schemas.ba_core import (
    BaAccount,
    BaSession,
    ChangePasswordBody,
    ChangePasswordOut,
    DeleteUserBody,
    DeleteUserOut,
    RevokeSessionBody,
    StatusOut,
    UpdateUserBody,
)
from app.domain.schemas.users import ProfileUpdate
from app.repositories import accounts as account_repo
from app.repositories import auth as auth_repo
from app.repositories import sessions as session_repo
from app.repositories import users as user_repo
from app.repositories.pagination import MAX_LIMIT

__all__ = ("AccountController",)

UPDATE_PROTECTED = ("emailVerified", "role", "banned", "banReason", "banExpires")
"""User fields ``update-user`` refuses (Better Auth: ``input: false``)."""


class AccountController(Controller):
    tags = ["better-auth: sessions and account"]

    @ba_get(
        "/list-sessions",
        operation_id="listUserSessions",
        summary="My live sessions (the session must be fresh: under a day old)",
        ok=list[BaSession],
        errors=(401, 403),
    )
    async def list_sessions(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        caller = await require_fresh_caller(request)
        sessions = await session_repo.list_sessions_of_user(db, caller.user.id, active_at=utcnow())
        # The admin plugin hides impersonation sessions from their subject.
        return reply(request, [session_out(s) for s in sessions if not s.impersonated_by])

    @ba_post(
        "/revoke-session",
        operation_id="revokeSession",
        summary="End one of my sessions, by token",
        ok=StatusOut,
        body=RevokeSessionBody,
    )
    async def revoke_session(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[RevokeSessionBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, RevokeSessionBody)
        caller = await require_caller(request)
        await session_repo.delete_session_by_token(db, body.token, user_id=caller.user.id)
        if body.token == caller.session.token:
            clear_session_cookies(request)
        return reply(request, StatusOut(status=True))

    @ba_post(
        "/revoke-sessions",
        operation_id="revokeSessions",
        summary="End all my sessions, this one included",
        ok=StatusOut,
    )
    async def revoke_sessions(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        caller = await require_caller(request)
        await session_repo.delete_user_sessions(db, caller.user.id)
        clear_session_cookies(request)
        return reply(request, StatusOut(status=True))

    @ba_post(
        "/revoke-other-sessions",
        operation_id="revokeOtherSessions",
        summary="End all my sessions but this one",
        ok=StatusOut,
    )
    async def revoke_other_sessions(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        caller = await require_caller(request)
        await session_repo.delete_other_sessions(db, caller.user.id, caller.session.id)
        return reply(request, StatusOut(status=True))

    @ba_post(
        "/update-user",
        operation_id="updateUser",
        summary="Change my name or image (not my email)",
        ok=StatusOut,
        body=UpdateUserBody,
    )
    async def update_user(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[UpdateUserBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, UpdateUserBody)
        caller = await require_caller(request)
        if body.email:
            raise ba_error(400, "EMAIL_CAN_NOT_BE_UPDATED")
        refuse_protected_fields(request, UPDATE_PROTECTED)
        if body.name is UNSET and body.image is UNSET:
            raise BetterAuthError(400, message="No fields to update")
        await user_repo.update_profile(db, caller.user.id, ProfileUpdate(name=body.name, image=body.image))
        set_session_cookie(request, caller.session.token)
        return reply(request, StatusOut(status=True))

    @ba_post(
        "/change-password",
        operation_id="changePassword",
        summary="Change my password; revokeOtherSessions replaces every session with a new one",
        ok=ChangePasswordOut,
        body=ChangePasswordBody,
    )
    async def change_password(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[ChangePasswordBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, ChangePasswordBody)
        caller = await require_caller(request)
        check_password_length(body.new_password)
        check_password_length(body.current_password, check_min=False)
        await auth_repo.change_password(
            db,
            caller,
            current_password=body.current_password,
            new_password=body.new_password,
            revoke_other_sessions=False,
        )
        token = None
        if body.revoke_other_sessions is True:
            await session_repo.delete_user_sessions(db, caller.user.id)
            client = client_info(request)
            session = await session_repo.create_session(
                db,
                user_id=caller.user.id,
                lifetime=SESSION_LIFETIME,
                ip_address=client.ip_address,
                user_agent=client.user_agent,
            )
            token = session.token
            set_session_cookie(request, token)
        return reply(request, ChangePasswordOut(token=token, user=user_out(caller.user)))

    @ba_post(
        "/delete-user",
        operation_id="deleteUser",
        summary="Delete my account (with my password, or from a session under a day old)",
        ok=DeleteUserOut,
        body=DeleteUserBody,
        errors=(401, 403, 404, 415),
    )
    async def delete_user(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[DeleteUserBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, DeleteUserBody)
        caller = await require_caller(request)
        if body.password:
            check_password_length(body.password, check_min=False)
            await auth_repo.check_password(db, caller.user.id, body.password, field="password")
        if body.token:
            # Deletion tokens are mailed only when sendDeleteAccountVerification is configured, which
            # this service does not offer: no token is valid.
            raise ba_error(404, "INVALID_TOKEN")
        if not body.password and not is_session_fresh(caller.session.created_at, utcnow()):
            raise ba_error(400, "SESSION_EXPIRED")
        await user_repo.delete_user(db, caller.user.id)
        clear_session_cookies(request)
        return reply(request, DeleteUserOut(success=True, message="User deleted"))

    @ba_get(
        "/list-accounts",
        operation_id="listUserAccounts",
        summary="My linked sign-in methods (never tokens or passwords)",
        ok=list[BaAccount],
    )
    async def list_accounts(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        caller = await require_caller(request)
        page = await account_repo.list_accounts(db, caller.user.id, limit=MAX_LIMIT, cursor=None)
        return reply(request, [account_out(account) for account in page.items])
