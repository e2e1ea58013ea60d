"""The admin plugin under ``/admin``: users, roles, bans, sessions, impersonation.

Every endpoint needs a session (else 401) whose user holds the global ``admin`` role (else 403
with the endpoint's own code). Impersonation keeps the admin's session in the signed
``admin_session`` cookie, so that ``stop-impersonating`` goes back to it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response
from litestar.params import JSONBody
from msgspec import UNSET

from app.api.auth import client_info
from app.api.better_auth.core import check_password_length
from app.api.better_auth.errors import BetterAuthError, ba_error
from app.api.better_auth.mappers import session_out, session_user_out, user_out
from app.api.better_auth.organization import parse_roles, query_text
from app.api.better_auth.responses import (
    clear_admin_cookie,
    clear_session_cookies,
    names,
    read_signed_cookie,
    reply,
    set_admin_cookie,
    set_session_cookie,
)
from app.api.better_auth.routes import ba_get, ba_post
from app.api.better_auth.session import find_caller, forget_caller, require_admin, require_caller
from app.api.better_auth.validation import payload, query
from app.api.dependencies import DB
from app.domain.enums import SortDirection, UserRole
from app.domain.instants import utcnow
from app.domain.permissions import has_admin_permissions
from app.domain.rules import is_valid_email
from app.domain.schemas.ba_admin import (
    AdminCreateUserBody,
    AdminUpdateUserBody,
    BanUserBody,
    GetUserQuery,
    HasPermissionBody,
    HasPermissionOut,
    ListUsersOut,
    ListUsersQuery,
    SessionsOut,
    SessionTokenBody,
    SetRoleBody,
    SetUserPasswordBody,
    UserEnvelope,
    UserIdBody,
)
from app.domain.schemas.ba_core import BaSessionUser, BaUser, StatusOut, SuccessOut
from app.domain.schemas.users import AdminUserUpdate
from app.repositories import auth as auth_repo
from app.repositories import sessions as session_repo
from app.repositories import users as user_repo
from app.repositories.filters import FieldFilter
from app.repositories.pagination import MAX_LIMIT

__all__ = ("AdminController",)

DEFAULT_LIST_LIMIT = 100
DEFAULT_BAN_REASON = "No reason"


def _roles(role: str | list[str]) -> list[UserRole]:
    """Global roles, named like Better Auth's ``["admin", "user"]``; an unknown one is refused."""
    try:
        return [UserRole(name) for name in parse_roles(role)]
    except ValueError:
        raise ba_error(400, "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE") from None


def _number(value: str | list[str] | Any) -> int | None:
    """``Number(value) || undefined``: a positive whole count, or nothing."""
    text = query_text(value)
    try:
        number = int(float(text)) if text is not None else 0
    except (ValueError, OverflowError):
        return None
    return number or None


class AdminController(Controller):
    path = "/admin"
    tags = ["better-auth: admin"]

    @ba_get(
        "/list-users",
        operation_id="listUsers",
        summary="Users by limit/offset: search (email or name), filter and sort",
        ok=ListUsersOut,
        errors=(401, 403),
        bare_401=True,
    )
    async def list_users(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, ListUsersQuery)
        await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS")
        where: list[FieldFilter] = []
        search = query_text(params.search_value)
        if search is not None:
            searched = params.search_field if isinstance(params.search_field, str) else "email"
            how = params.search_operator if isinstance(params.search_operator, str) else "contains"
            where.append(FieldFilter(searched, how, search, name="searchField"))
        if not isinstance(params.filter_value, type(UNSET)):
            filtered = query_text(params.filter_field) or "email"
            operator = params.filter_operator if isinstance(params.filter_operator, str) else "eq"
            where.append(FieldFilter(filtered, operator, params.filter_value))
        limit, offset = _number(params.limit), _number(params.offset)
        users, total = await user_repo.list_users_by_offset(
            db,
            where=where,
            sort_by=query_text(params.sort_by),
            direction=SortDirection.DESC if params.sort_direction == "desc" else SortDirection.ASC,
            limit=max(1, min(limit or DEFAULT_LIST_LIMIT, MAX_LIMIT)),
            offset=max(0, offset or 0),
        )
        out = ListUsersOut(users=[user_out(user) for user in users], total=total)
        if limit is not None:
            out.limit = limit
        if offset is not None:
            out.offset = offset
        return reply(request, out)

    @ba_get("/get-user", operation_id="getUser", summary="One user", ok=BaUser, errors=(401, 403, 404), bare_401=True)
    async def get_user(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        params = query(request, GetUserQuery)
        await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_GET_USER")
        return reply(request, user_out(await user_repo.get_user(db, params.id)))

    @ba_post(
        "/create-user",
        operation_id="createUser",
        summary="Create a user (a password makes a credential account; data.emailVerified is honoured)",
        ok=UserEnvelope,
        body=AdminCreateUserBody,
        bare_401=True,
    )
    async def create_user(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[AdminCreateUserBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, AdminCreateUserBody)
        await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS")
        extra = body.data if isinstance(body.data, dict) else {}
        requested = body.role if body.role is not UNSET else extra.get("role")
        if requested is not None and not isinstance(requested, str | list):
            raise ba_error(400, "INVALID_ROLE_TYPE")
        roles = _roles(requested) if requested is not None else [UserRole.USER]
        email = body.email.lower()
        if not is_valid_email(email):
            raise ba_error(400, "INVALID_EMAIL")
        password = body.password if isinstance(body.password, str) and body.password else None
        if password is not None:
            check_password_length(password, check_min=False)
        user = await user_repo.create_user(
            db,
            name=body.name,
            email=email,
            password_hash=await auth_repo.hash_off_loop(password) if password is not None else None,
            role=roles[0],
            email_verified=extra.get("emailVerified") is True,
        )
        if len(roles) > 1:
            user = await user_repo.set_user_roles(db, user.id, roles)
        return reply(request, UserEnvelope(user=user_out(user)))

    @ba_post(
        "/update-user",
        operation_id="adminUpdateUser",
        summary="Update a user's name, email, emailVerified or role",
        ok=BaUser,
        body=AdminUpdateUserBody,
        errors=(401, 403, 404, 415),
        bare_401=True,
    )
    async def update_user(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[AdminUpdateUserBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, AdminUpdateUserBody)
        caller = await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS")
        changes = body.data
        if not changes:
            raise ba_error(400, "NO_DATA_TO_UPDATE")
        if "password" in changes:
            raise ba_error(400, "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER")
        if "id" in changes:
            raise ba_error(400, "USER_ID_CANNOT_BE_UPDATED")
        roles = None
        if "role" in changes:
            if not isinstance(changes["role"], str | list):
                raise ba_error(400, "INVALID_ROLE_TYPE")
            roles = _roles(changes["role"])
        if changes.get("banned") is True and body.user_id == caller.user.id:
            raise ba_error(400, "YOU_CANNOT_BAN_YOURSELF")
        email = changes.get("email", UNSET)
        if email is not UNSET:
            email = str(email).lower()
            if not is_valid_email(email):
                raise ba_error(400, "INVALID_EMAIL")
        name = changes.get("name", UNSET)
        verified = changes.get("emailVerified", UNSET)
        await user_repo.get_user(db, body.user_id)
        user = await user_repo.update_user(
            db,
            body.user_id,
            AdminUserUpdate(
                name=str(name) if name is not UNSET else UNSET,
                email=email,
                email_verified=bool(verified) if verified is not UNSET else UNSET,
            ),
        )
        if roles is not None:
            user = await user_repo.set_user_roles(db, body.user_id, roles)
        return reply(request, user_out(user))

    @ba_post(
        "/set-role",
        operation_id="setUserRole",
        summary="Set a user's global role(s)",
        ok=UserEnvelope,
        body=SetRoleBody,
        errors=(401, 403, 404, 415),
        bare_401=True,
    )
    async def set_role(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SetRoleBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, SetRoleBody)
        await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE")
        roles = _roles(body.role)
        user = await user_repo.set_user_roles(db, body.user_id, roles)
        return reply(request, UserEnvelope(user=user_out(user)))

    @ba_post(
        "/set-user-password",
        operation_id="setUserPassword",
        summary="Set a user's password",
        ok=StatusOut,
        body=SetUserPasswordBody,
        errors=(401, 403, 404, 415),
        bare_401=True,
    )
    async def set_user_password(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SetUserPasswordBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, SetUserPasswordBody)
        if not body.new_password:
            raise BetterAuthError(400, "VALIDATION_ERROR", "[body.newPassword] newPassword cannot be empty")
        await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD")
        check_password_length(body.new_password)
        await auth_repo.set_password(db, body.user_id, body.new_password)
        return reply(request, StatusOut(status=True))

    @ba_post(
        "/ban-user",
        operation_id="banUser",
        summary="Ban a user (reason, optional duration in seconds) and end their sessions",
        ok=UserEnvelope,
        body=BanUserBody,
        errors=(401, 403, 404, 415),
        bare_401=True,
    )
    async def ban_user(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[BanUserBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, BanUserBody)
        caller = await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS")
        await user_repo.get_user(db, body.user_id)
        if body.user_id == caller.user.id:
            raise ba_error(400, "YOU_CANNOT_BAN_YOURSELF")
        seconds = body.ban_expires_in if isinstance(body.ban_expires_in, float | int) else 0
        now = utcnow()
        user, _ = await user_repo.ban_user(
            db,
            body.user_id,
            reason=body.ban_reason if isinstance(body.ban_reason, str) and body.ban_reason else DEFAULT_BAN_REASON,
            expires_at=now + timedelta(seconds=seconds) if seconds else None,
            now=now,
        )
        return reply(request, UserEnvelope(user=user_out(user)))

    @ba_post(
        "/unban-user",
        operation_id="unbanUser",
        summary="Lift a user's ban",
        ok=UserEnvelope,
        body=UserIdBody,
        errors=(401, 403, 404, 415),
        bare_401=True,
    )
    async def unban_user(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[UserIdBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, UserIdBody)
        await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS")
        return reply(request, UserEnvelope(user=user_out(await user_repo.unban_user(db, body.user_id))))

    @ba_post(
        "/list-user-sessions",
        operation_id="adminListUserSessions",
        summary="A user's sessions (their tokens are what revoke-user-session takes)",
        ok=SessionsOut,
        body=UserIdBody,
        bare_401=True,
    )
    async def list_user_sessions(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[UserIdBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, UserIdBody)
        await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS")
        sessions = await session_repo.list_sessions_of_user(db, body.user_id)
        return reply(request, SessionsOut(sessions=[session_out(session) for session in sessions]))

    @ba_post(
        "/revoke-user-session",
        operation_id="revokeUserSession",
        summary="End a session, by token",
        ok=SuccessOut,
        body=SessionTokenBody,
        bare_401=True,
    )
    async def revoke_user_session(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[SessionTokenBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, SessionTokenBody)
        await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS")
        await session_repo.delete_session_by_token(db, body.session_token)
        return reply(request, SuccessOut(success=True))

    @ba_post(
        "/revoke-user-sessions",
        operation_id="revokeUserSessions",
        summary="End all of a user's sessions",
        ok=SuccessOut,
        body=UserIdBody,
        bare_401=True,
    )
    async def revoke_user_sessions(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[UserIdBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, UserIdBody)
        await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS")
        await session_repo.delete_user_sessions(db, body.user_id)
        return reply(request, SuccessOut(success=True))

    @ba_post(
        "/remove-user",
        operation_id="removeUser",
        summary="Delete a user and everything that belongs to them",
        ok=SuccessOut,
        body=UserIdBody,
        errors=(401, 403, 404, 415),
        bare_401=True,
    )
    async def remove_user(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[UserIdBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, UserIdBody)
        caller = await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS")
        if body.user_id == caller.user.id:
            raise ba_error(400, "YOU_CANNOT_REMOVE_YOURSELF")
        await user_repo.delete_user(db, body.user_id)
        return reply(request, SuccessOut(success=True))

    @ba_post(
        "/impersonate-user",
        operation_id="impersonateUser",
        summary="Sign in as a (non-admin) user for an hour; the admin's session waits in admin_session",
        ok=BaSessionUser,
        body=UserIdBody,
        errors=(401, 403, 404, 415),
        bare_401=True,
    )
    async def impersonate_user(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[UserIdBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, UserIdBody)
        caller = await require_admin(request, "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS")
        impersonation = await auth_repo.impersonate(db, caller, body.user_id, client_info(request))
        dont_remember = read_signed_cookie(request, names(request.app.state.settings).dont_remember) or ""
        clear_session_cookies(request)
        set_admin_cookie(request, caller.session.token, dont_remember)
        set_session_cookie(request, impersonation.session.token, dont_remember=True)
        forget_caller(request, impersonation)
        return reply(request, session_user_out(impersonation))

    @ba_post(
        "/stop-impersonating",
        operation_id="stopImpersonating",
        summary="End the impersonation and go back to the admin's own session",
        ok=BaSessionUser,
        errors=(401, 403, 415),
        bare_401=True,
    )
    async def stop_impersonating(self, request: Request[Any, Any, Any], db: DB) -> Response[bytes]:
        caller = await require_caller(request, bare=True)
        if caller.session.impersonated_by is None:
            raise BetterAuthError(400, message="You are not impersonating anyone")
        cookie = read_signed_cookie(request, names(request.app.state.settings).admin_session)
        admin_token, _, dont_remember = (cookie or "").partition(":")
        if not admin_token:
            # Better Auth answers 500 here; no input makes this service fail, so it is a 400.
            raise BetterAuthError(400, message="Failed to find admin session")
        admin = await auth_repo.restore_impersonator(db, caller, admin_token)
        set_session_cookie(request, admin.session.token, dont_remember=bool(dont_remember))
        clear_admin_cookie(request)
        return reply(request, session_user_out(admin))

    @ba_post(
        "/has-permission",
        operation_id="userHasPermission",
        summary="Whether my global role grants the given permissions",
        ok=HasPermissionOut,
        body=HasPermissionBody,
        bare_401=True,
    )
    async def has_permission(
        self, request: Request[Any, Any, Any], db: DB, data: JSONBody[HasPermissionBody | None] = None
    ) -> Response[bytes]:
        body = payload(request, data, HasPermissionBody)
        if not isinstance(body.permissions, dict):
            raise BetterAuthError(400, message="invalid permission check. no permission(s) were passed.")
        caller = await find_caller(request)
        if caller is None:
            raise BetterAuthError(401)
        allowed = has_admin_permissions(caller.user.role, body.permissions)
        return reply(request, HasPermissionOut(error=None, success=allowed))
