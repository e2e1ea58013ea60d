"""Global administration of users (``user.role = "admin"``): list, create, update, ban, sessions, impersonation."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Router, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.api.auth import Auth, client_info, require_admin
from app.api.dependencies import DB
from app.api.mappers import auth_result_out, page_out, session_out, subscription_out, user_out
from app.api.openapi import problems
from app.api.params import Id, Paging
from app.domain.enums import SortDirection, SubscriptionStatus, UserRole
from app.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
)
from app.domain.schemas.base import Page
from app.domain.schemas.orgs import SubscriptionOut, SubscriptionUpdate
from app.domain.schemas.users import (
    AdminUserCreate,
    AdminUserUpdate,
    AuthResult,
    BanIn,
    RevokedCount,
    SessionOut,
    UserOut,
)
from app.repositories import auth as auth_repo
from app.repositories import sessions as session_repo
from app.repositories import subscriptions as subscription_repo
from app.repositories import users as user_repo

__all__ = ("ADMIN_ROUTER", "AdminController", "AdminSubscriptionController", "ImpersonationController")


class AdminController(Controller):
    path = "/users"
    tags = ["admin"]

    @get(
        "/",
        operation_id="adminListUsers",
        summary="Users, searchable by name/email, filterable by role and ban state, sortable",
        responses=problems(AuthenticationError, PermissionDeniedError, InvalidInputError),
    )
    async def list_users(
        self,
        db: DB,
        auth: Auth,
        search: Annotated[str | None, QueryParameter(max_length=200, description="Part of a name or email")] = None,
        role: FromQuery[UserRole | None] = None,
        banned: FromQuery[bool | None] = None,
        sort_by: Annotated[str, QueryParameter(name="sortBy", description="createdAt, name or email")] = "createdAt",
        sort_direction: Annotated[SortDirection, QueryParameter(name="sortDirection")] = SortDirection.DESC,
        *,
        paging: Paging,
    ) -> Page[UserOut]:
        page = await user_repo.list_users(
            db,
            search=search,
            role=role,
            banned=banned,
            sort_by=sort_by,
            direction=sort_direction,
            limit=paging.limit,
            cursor=paging.cursor,
        )
        return page_out(page, user_out)

    @post(
        "/",
        operation_id="adminCreateUser",
        summary="Create a user with a password and a role",
        status_code=HTTP_201_CREATED,
        responses=problems(AuthenticationError, PermissionDeniedError, ConflictError, InvalidInputError),
    )
    async def create_user(self, db: DB, auth: Auth, data: JSONBody[AdminUserCreate]) -> UserOut:
        user = await user_repo.create_user(
            db,
            name=data.name,
            email=data.email,
            password_hash=await auth_repo.hash_off_loop(data.password),
            role=data.role,
            email_verified=data.email_verified,
        )
        return user_out(user)

    @get(
        "/{user_id:str}",
        operation_id="adminGetUser",
        summary="One user",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def get_user(self, db: DB, auth: Auth, user_id: Id) -> UserOut:
        return user_out(await user_repo.get_user(db, user_id))

    @patch(
        "/{user_id:str}",
        operation_id="adminUpdateUser",
        summary="Update a user's name, email, role or verification",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, InvalidInputError),
    )
    async def update_user(
        self,
        db: DB,
        auth: Auth,
        user_id: Id,
        data: JSONBody[AdminUserUpdate],
    ) -> UserOut:
        return user_out(await user_repo.update_user(db, user_id, data))

    @delete(
        "/{user_id:str}",
        operation_id="adminDeleteUser",
        summary="Delete a user and everything that belongs to them",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError),
    )
    async def delete_user(self, db: DB, auth: Auth, user_id: Id) -> None:
        if user_id == auth.user.id:
            raise InvalidStateError("You cannot delete yourself.", code="cannot_delete_self")
        await user_repo.delete_user(db, user_id)

    @post(
        "/{user_id:str}/ban",
        operation_id="adminBanUser",
        summary="Ban a user (reason, optional expiry) and end their sessions",
        status_code=200,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, InvalidInputError),
    )
    async def ban_user(
        self,
        db: DB,
        auth: Auth,
        user_id: Id,
        data: JSONBody[BanIn],
    ) -> UserOut:
        if user_id == auth.user.id:
            raise InvalidStateError("You cannot ban yourself.", code="cannot_ban_self")
        user, _revoked = await user_repo.ban_user(db, user_id, reason=data.reason, expires_at=data.expires_at)
        return user_out(user)

    @post(
        "/{user_id:str}/unban",
        operation_id="adminUnbanUser",
        summary="Lift a user's ban",
        status_code=200,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def unban_user(self, db: DB, auth: Auth, user_id: Id) -> UserOut:
        return user_out(await user_repo.unban_user(db, user_id))

    @get(
        "/{user_id:str}/sessions",
        operation_id="adminListUserSessions",
        summary="A user's sessions, newest first",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def list_sessions(
        self,
        db: DB,
        auth: Auth,
        user_id: Id,
        paging: Paging,
    ) -> Page[SessionOut]:
        await user_repo.get_user(db, user_id)
        page = await session_repo.list_user_sessions(db, user_id, limit=paging.limit, cursor=paging.cursor)
        return page_out(page, session_out)

    @delete(
        "/{user_id:str}/sessions/{session_id:str}",
        operation_id="adminRevokeUserSession",
        summary="End one of a user's sessions",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def revoke_session(self, db: DB, auth: Auth, user_id: Id, session_id: Id) -> None:
        await session_repo.delete_session(db, user_id, session_id)

    @post(
        "/{user_id:str}/sessions/revoke-all",
        operation_id="adminRevokeUserSessions",
        summary="End all of a user's sessions",
        status_code=200,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def revoke_all_sessions(self, db: DB, auth: Auth, user_id: Id) -> RevokedCount:
        await user_repo.get_user(db, user_id)
        return RevokedCount(revoked=await session_repo.delete_user_sessions(db, user_id))

    @post(
        "/{user_id:str}/impersonate",
        operation_id="adminImpersonateUser",
        summary="Open a 1-hour session as this (non-admin) user",
        status_code=HTTP_201_CREATED,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError),
    )
    async def impersonate(
        self,
        request: Request[Any, Any, Any],
        db: DB,
        auth: Auth,
        user_id: Id,
    ) -> AuthResult:
        return auth_result_out(await auth_repo.impersonate(db, auth, user_id, client_info(request)))


class ImpersonationController(Controller):
    path = "/api/admin/impersonation"
    tags = ["admin"]

    @post(
        "/stop",
        operation_id="adminStopImpersonating",
        summary="End this impersonation session and get a new session as the admin",
        status_code=200,
        responses=problems(AuthenticationError, PermissionDeniedError, ConflictError),
    )
    async def stop(self, request: Request[Any, Any, Any], db: DB, auth: Auth) -> AuthResult:
        return auth_result_out(await auth_repo.stop_impersonating(db, auth, client_info(request)))


class AdminSubscriptionController(Controller):
    path = "/subscriptions"
    tags = ["admin"]

    @get(
        "/",
        operation_id="adminListSubscriptions",
        summary="All subscriptions, filterable by status, plan and reference (user or organization id)",
        responses=problems(AuthenticationError, PermissionDeniedError, InvalidInputError),
    )
    async def list_subscriptions(
        self,
        db: DB,
        auth: Auth,
        status: FromQuery[SubscriptionStatus | None] = None,
        plan: Annotated[str | None, QueryParameter(max_length=100)] = None,
        reference_id: Annotated[str | None, QueryParameter(name="referenceId", max_length=128)] = None,
        *,
        paging: Paging,
    ) -> Page[SubscriptionOut]:
        page = await subscription_repo.list_subscriptions(
            db, status=status, plan=plan, reference_id=reference_id, limit=paging.limit, cursor=paging.cursor
        )
        return page_out(page, subscription_out)

    @patch(
        "/{subscription_id:str}",
        operation_id="adminUpdateSubscription",
        summary="Correct a subscription's status or seats",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def update_subscription(
        self, db: DB, auth: Auth, subscription_id: Id, data: JSONBody[SubscriptionUpdate]
    ) -> SubscriptionOut:
        return subscription_out(await subscription_repo.update_subscription(db, subscription_id, data))


ADMIN_ROUTER = Router(
    path="/api/admin",
    guards=[require_admin],
    route_handlers=[AdminController, AdminSubscriptionController],
)
"""Every route under ``/api/admin`` needs the global ``admin`` role (a guard: 401 anonymous, 403
non-admins), except ``impersonation/stop``, which the impersonated session itself calls."""
