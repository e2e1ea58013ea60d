"""The one place where errors become Better Auth error responses on this face.

Better Auth answers ``{"message": ..., "code": ...}`` (JSON, never problem+json) with the
endpoint's status; a few of its errors carry only a message, or no body at all. Domain errors
raised by the repositories are mapped here by their stable ``code``: a default per code, and per
endpoint (``operationId``) where Better Auth names the same outcome differently (the last owner
leaving is ``YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER``, demoting themself
``..._WITHOUT_AN_OWNER``). A value the input guard refuses (``RefusedInputError``: NUL, invalid
Unicode, text too long, ...) is Better Auth's own validation error, ``400 VALIDATION_ERROR`` with
zod's ``[source.field] message``; a body that is not JSON is better-call's ``400 BAD_REQUEST``.
Anything unexpected is a 500 without internals, as on the REST face.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.types import ExceptionHandlersMap

from app.api.better_auth.responses import reply
from app.api.errors import DATABASE_ERRORS, is_connectivity_error, is_integrity_error, is_lock_timeout
from app.api.json_body import MALFORMED, TOO_DEEP
from app.bindings import BindingMonitor
from app.config import DB_BINDING
from app.domain.errors import (
    BindingUnavailableError,
    DatabaseBusyError,
    DomainError,
    RateLimitedError,
    RefusedInputError,
)
from app.domain.portable import INVALID_UNICODE, NUL

__all__ = (
    "MESSAGES",
    "BetterAuthError",
    "ba_error",
    "error_response",
    "exception_handlers",
    "handle_better_auth_error",
    "handle_database_error",
    "handle_domain_error",
    "handle_http_exception",
    "handle_unexpected",
    "is_better_auth_path",
    "refusal_issue",
    "to_better_auth",
    "validation_path",
)

logger = logging.getLogger("app.api.better_auth")

BASE_PATH = "/api/auth"
OPERATION_PREFIX = "betterAuth"
"""Operation ids of this face: Better Auth's own, after this prefix (``betterAuthSignInEmail``)."""

MESSAGES: dict[str, str] = {
    # core (@better-auth/core error/codes.mjs)
    "USER_NOT_FOUND": "User not found",
    "FAILED_TO_CREATE_USER": "Failed to create user",
    "FAILED_TO_GET_SESSION": "Failed to get session",
    "INVALID_PASSWORD": "Invalid password",
    "INVALID_EMAIL": "Invalid email",
    "INVALID_EMAIL_OR_PASSWORD": "Invalid email or password",
    "INVALID_TOKEN": "Invalid token",
    "TOKEN_EXPIRED": "Token expired",
    "INVALID_USER": "Invalid user",
    "EMAIL_NOT_VERIFIED": "Email not verified",
    "EMAIL_ALREADY_VERIFIED": "Email is already verified",
    "EMAIL_MISMATCH": "Email mismatch",
    "PASSWORD_TOO_SHORT": "Password too short",
    "PASSWORD_TOO_LONG": "Password too long",
    "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": "User already exists. Use another email.",
    "EMAIL_CAN_NOT_BE_UPDATED": "Email can not be updated",
    "CREDENTIAL_ACCOUNT_NOT_FOUND": "Credential account not found",
    "SESSION_EXPIRED": "Session expired. Re-authenticate to perform this action.",
    "SESSION_NOT_FRESH": "Session is not fresh",
    "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED": (
        "Cross-site navigation login blocked. This request appears to be a CSRF attack."
    ),
    "INVALID_ORIGIN": "Invalid origin",
    "INVALID_CALLBACK_URL": "Invalid callbackURL",
    "INVALID_REDIRECT_URL": "Invalid redirectURL",
    "INVALID_ERROR_CALLBACK_URL": "Invalid errorCallbackURL",
    "INVALID_NEW_USER_CALLBACK_URL": "Invalid newUserCallbackURL",
    "MISSING_OR_NULL_ORIGIN": "Missing or null Origin",
    "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED": (
        "POST method requires deferSessionRefresh to be enabled in session config"
    ),
    "BODY_MUST_BE_AN_OBJECT": "Body must be an object",
    "UNAUTHORIZED": "Unauthorized",
    # organization plugin (plugins/organization/error-codes.mjs)
    "ORGANIZATION_ALREADY_EXISTS": "Organization already exists",
    "ORGANIZATION_SLUG_ALREADY_TAKEN": "Organization slug already taken",
    "ORGANIZATION_NOT_FOUND": "Organization not found",
    "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION": "User is not a member of the organization",
    "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION": "You are not allowed to update this organization",
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION": "You are not allowed to delete this organization",
    "NO_ACTIVE_ORGANIZATION": "No active organization",
    "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION": "User is already a member of this organization",
    "MEMBER_NOT_FOUND": "Member not found",
    "ROLE_NOT_FOUND": "Role not found",
    "TEAM_NOT_FOUND": "Team not found",
    "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER": "You cannot leave the organization as the only owner",
    "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER": "You cannot leave the organization without an owner",
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER": "You are not allowed to delete this member",
    "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION": (
        "You are not allowed to invite users to this organization"
    ),
    "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION": "User is already invited to this organization",
    "INVITATION_NOT_FOUND": "Invitation not found",
    "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION": "You are not the recipient of the invitation",
    "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION": (
        "Email verification required to view or list invitations for the session email"
    ),
    "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION": "You are not allowed to cancel this invitation",
    "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS": "You are not allowed to list invitations for this organization",
    "INVITER_IS_NO_LONGER_A_MEMBER_OF_THE_ORGANIZATION": "Inviter is no longer a member of the organization",
    "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE": "You are not allowed to invite a user with this role",
    "UNABLE_TO_REMOVE_LAST_TEAM": "Unable to remove last team",
    "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER": "You are not allowed to update this member",
    "YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION": (
        "You are not allowed to create teams in this organization"
    ),
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_TEAMS_IN_THIS_ORGANIZATION": (
        "You are not allowed to delete teams in this organization"
    ),
    "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM": "You are not allowed to update this team",
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM": "You are not allowed to delete this team",
    "USER_IS_NOT_A_MEMBER_OF_THE_TEAM": "User is not a member of the team",
    "YOU_DO_NOT_HAVE_AN_ACTIVE_TEAM": "You do not have an active team",
    "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER": "You are not allowed to create a new member",
    "YOU_ARE_NOT_ALLOWED_TO_REMOVE_A_TEAM_MEMBER": "You are not allowed to remove a team member",
    "YOU_ARE_NOT_ALLOWED_TO_ACCESS_THIS_ORGANIZATION": "You are not allowed to access this organization as an owner",
    "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION": "You are not a member of this organization",
    "INVALID_TEAM_ID": "Team id contains a reserved character",
    # admin plugin (plugins/admin/error-codes.mjs)
    "YOU_CANNOT_BAN_YOURSELF": "You cannot ban yourself",
    "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE": "You are not allowed to change users role",
    "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS": "You are not allowed to create users",
    "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS": "You are not allowed to list users",
    "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS": "You are not allowed to list users sessions",
    "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS": "You are not allowed to ban users",
    "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS": "You are not allowed to impersonate users",
    "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS": "You are not allowed to revoke users sessions",
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS": "You are not allowed to delete users",
    "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD": "You are not allowed to set users password",
    "BANNED_USER": (
        "You have been banned from this application. Please contact support if you believe this is an error."
    ),
    "YOU_ARE_NOT_ALLOWED_TO_GET_USER": "You are not allowed to get user",
    "NO_DATA_TO_UPDATE": "No data to update",
    "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS": "You are not allowed to update users",
    "YOU_CANNOT_REMOVE_YOURSELF": "You cannot remove yourself",
    "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE": "You are not allowed to set a non-existent role value",
    "YOU_CANNOT_IMPERSONATE_ADMINS": "You cannot impersonate admins",
    "INVALID_ROLE_TYPE": "Invalid role type",
    "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL": "You are not allowed to update users email",
    "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER": (
        "Password cannot be updated through update-user. Use the set-user-password endpoint instead"
    ),
    "USER_ID_CANNOT_BE_UPDATED": "User id cannot be updated",
}


class BetterAuthError(Exception):
    """A Better Auth error response: ``status`` with ``{message, code}`` (either may be absent; neither: no body)."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message if message is not None or code is None else MESSAGES.get(code, code)
        super().__init__(self.message or str(status))

    def body(self) -> dict[str, str] | None:
        if self.code is None and self.message is None:
            return None
        body: dict[str, str] = {}
        if self.message is not None:
            body["message"] = self.message
        if self.code is not None:
            body["code"] = self.code
        return body


def ba_error(status: int, code: str) -> BetterAuthError:
    """Better Auth's ``APIError.from(status, CODE)``: the code with its standard message."""
    return BetterAuthError(status, code)


Outcome = tuple[int, str | None] | tuple[int, str | None, str]
"""(status, Better Auth code[, message]); a None code: the error carries only a message, or nothing."""

DOMAIN_DEFAULTS: dict[str, Outcome] = {
    "email_taken": (422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"),
    "invalid_credentials": (401, "INVALID_EMAIL_OR_PASSWORD"),
    "user_banned": (403, "BANNED_USER"),
    "user_not_found": (404, "USER_NOT_FOUND"),
    "invalid_password": (400, "INVALID_PASSWORD"),
    "no_password": (400, "CREDENTIAL_ACCOUNT_NOT_FOUND"),
    "slug_taken": (400, "ORGANIZATION_SLUG_ALREADY_TAKEN"),
    "organization_not_found": (400, "ORGANIZATION_NOT_FOUND"),
    "member_not_found": (400, "MEMBER_NOT_FOUND"),
    "team_not_found": (400, "TEAM_NOT_FOUND"),
    "team_member_not_found": (400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM"),
    "invitation_not_found": (400, "INVITATION_NOT_FOUND"),
    "invitation_not_pending": (400, "INVITATION_NOT_FOUND"),
    "invitation_expired": (400, "INVITATION_NOT_FOUND"),
    "already_member": (400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION"),
    "already_invited": (400, "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION"),
    "last_owner": (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER"),
    "cannot_impersonate_admin": (403, "YOU_CANNOT_IMPERSONATE_ADMINS"),
    "last_team": (400, "UNABLE_TO_REMOVE_LAST_TEAM"),
    "not_impersonating": (400, None, "You are not impersonating anyone"),
    "admin_session_not_found": (400, None, "Failed to find admin session"),
    # email flows (app.api.better_auth.email)
    "invalid_token": (400, "INVALID_TOKEN"),
    "token_expired": (400, "INVALID_TOKEN"),
    "password_too_short": (400, "PASSWORD_TOO_SHORT"),
    "password_too_long": (400, "PASSWORD_TOO_LONG"),
    "email_not_verified": (403, "EMAIL_NOT_VERIFIED"),
}

DOMAIN_BY_OPERATION: dict[str, dict[str, Outcome]] = {
    "updateOrganization": {"role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION")},
    "deleteOrganization": {"role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION")},
    "createOrganization": {"slug_taken": (400, "ORGANIZATION_ALREADY_EXISTS")},
    "updateOrganizationMemberRole": {
        "role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER"),
        "owner_required": (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER"),
        "last_owner": (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER"),
    },
    "removeOrganizationMember": {
        "role_required": (401, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER"),
        "owner_required": (400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER"),
    },
    "createOrganizationInvitation": {
        "role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION"),
        "owner_required": (403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE"),
        "team_not_found": (400, "TEAM_NOT_FOUND"),
    },
    "cancelOrganizationInvitation": {"role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION")},
    "createOrganizationTeam": {"role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION")},
    "updateOrganizationTeam": {"role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM")},
    "removeOrganizationTeam": {"role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_TEAMS_IN_THIS_ORGANIZATION")},
    "addOrganizationTeamMember": {
        "role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER"),
        "member_not_found": (400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"),
    },
    "removeOrganizationTeamMember": {"role_required": (403, "YOU_ARE_NOT_ALLOWED_TO_REMOVE_A_TEAM_MEMBER")},
    "createUser": {"email_taken": (400, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")},
    "impersonateUser": {"cannot_impersonate_self": (403, "YOU_CANNOT_IMPERSONATE_ADMINS")},
    "leaveOrganization": {"organization_not_found": (400, "MEMBER_NOT_FOUND")},
    "adminUpdateUser": {"email_taken": (400, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")},
    "resetPassword": {"user_not_found": (400, "USER_NOT_FOUND")},
    "verifyEmail": {
        "token_expired": (401, "TOKEN_EXPIRED"),
        "user_not_found": (401, "USER_NOT_FOUND"),
        "invalid_user": (401, "INVALID_USER"),
        "email_taken": (401, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"),
    },
}


def is_better_auth_path(path: str) -> bool:
    return path == BASE_PATH or path.startswith(f"{BASE_PATH}/")


def _operation_id(request: Request[Any, Any, Any]) -> str | None:
    try:
        handler = request.route_handler
    except (KeyError, AttributeError):  # no route matched
        return None
    operation_id = getattr(handler, "operation_id", None)
    if not isinstance(operation_id, str):
        return None
    return operation_id[len(OPERATION_PREFIX) :][:1].lower() + operation_id[len(OPERATION_PREFIX) + 1 :]


def error_response(request: Request[Any, Any, Any], error: BetterAuthError) -> Response[Any]:
    """The error with any cookies the request had already queued (Better Auth keeps them on errors)."""
    return reply(request, error.body(), status=error.status)


def handle_better_auth_error(request: Request[Any, Any, Any], exc: BetterAuthError) -> Response[Any]:
    return error_response(request, exc)


_INDEX = re.compile(r"\[(\d+)\]")
REFUSAL_ISSUES = {
    NUL.code: "Invalid input: text must not contain NUL characters",
    INVALID_UNICODE.code: "Invalid input: text must be valid Unicode",
}
"""zod-style wording of the portable-value refusals (``app.domain.portable``) that have their own."""
INVALID_JSON = "Invalid JSON in request body"


def refusal_issue(code: str, detail: str) -> str:
    """A refused value's issue in zod's words: ``Invalid input: integers must fit in 64 signed bits``."""
    return REFUSAL_ISSUES.get(code) or f"Invalid input: {detail[:1].lower()}{detail[1:].rstrip('.')}"


def validation_path(source: str, field: str) -> str:
    """Where a value was, as zod's issues name it: ``body.teamIds.0`` for the field ``teamIds[0]``
    of the body (``body`` alone for the document itself), ``header.user-agent``, ``query.limit``."""
    if source == "body" and field == "body":
        return source
    dotted = _INDEX.sub(r".\1", field).removeprefix(".")
    return f"{source}.{dotted}"


def _refused(exc: RefusedInputError) -> BetterAuthError:
    """A refused value is a VALIDATION_ERROR naming it; a document that does not decode (not JSON,
    nested too deeply) is better-call's BAD_REQUEST, naming where decoding stopped when it can."""
    where = validation_path(exc.source, exc.field)
    if exc.code == MALFORMED.code:
        return BetterAuthError(400, "BAD_REQUEST", INVALID_JSON)
    if exc.code == TOO_DEEP.code:
        return BetterAuthError(400, "BAD_REQUEST", f"[{where}] {exc.detail.rstrip('.')}")
    return BetterAuthError(400, "VALIDATION_ERROR", f"[{where}] {refusal_issue(exc.code, exc.detail)}")


def to_better_auth(request: Request[Any, Any, Any], exc: DomainError) -> BetterAuthError:
    """The Better Auth outcome of a domain error raised under this endpoint."""
    if isinstance(exc, RefusedInputError):
        return _refused(exc)
    if isinstance(exc, RateLimitedError):
        return BetterAuthError(429, message="Too many requests. Please try again later.")
    if isinstance(exc, BindingUnavailableError):
        return BetterAuthError(500, "BINDING_UNAVAILABLE", exc.detail)
    if isinstance(exc, DatabaseBusyError):
        return BetterAuthError(503, "DATABASE_BUSY", exc.detail)
    operation = _operation_id(request)
    outcome = DOMAIN_BY_OPERATION.get(operation or "", {}).get(exc.code) or DOMAIN_DEFAULTS.get(exc.code)
    if outcome is None:
        logger.warning("no Better Auth mapping for domain error %s on %s", exc.code, operation)
        return BetterAuthError(400, message=exc.detail)
    return BetterAuthError(*outcome)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    response = error_response(request, to_better_auth(request, exc))
    if isinstance(exc, RateLimitedError):
        response.headers["X-Retry-After"] = str(exc.retry_after)
    if isinstance(exc, DatabaseBusyError):
        response.headers["Retry-After"] = "1"
    return response


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own errors on this face: unknown paths and methods are empty 404s, as in Better Auth."""
    if isinstance(exc, NotFoundException) or exc.status_code in (404, 405):
        return Response(content=b"", status_code=404, media_type="application/json")
    if exc.status_code == 413:
        return error_response(request, BetterAuthError(413, "PAYLOAD_TOO_LARGE", "Request body is too large"))
    if exc.status_code >= 500:
        return handle_unexpected(request, exc)
    return error_response(request, BetterAuthError(exc.status_code, message=str(exc.detail)))


def handle_database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A constraint that still fires lost a race (409); a busy SQLite writer lock is a 503; an
    unreachable database names the ``DB`` binding (500). As on the REST face (``app.api.errors``)."""
    if is_integrity_error(exc):
        logger.warning("integrity conflict on %s %s", request.method, request.url.path)
        return error_response(
            request, BetterAuthError(409, "CONFLICT", "This conflicts with a concurrent change; retry.")
        )
    if is_lock_timeout(exc):
        logger.warning("database busy on %s %s: the write lock timed out", request.method, request.url.path)
        return handle_domain_error(request, DatabaseBusyError("The database is busy; retry shortly."))
    if not is_connectivity_error(exc):
        return handle_unexpected(request, exc)
    monitor = request.app.state.get("bindings")
    if isinstance(monitor, BindingMonitor):
        monitor.mark_down(DB_BINDING, type(exc).__name__)
    return handle_domain_error(request, BindingUnavailableError(DB_BINDING, reason="unreachable"))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unhandled error on %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc)
    return Response(content=b"", status_code=500, media_type="application/json")


exception_handlers: ExceptionHandlersMap = {
    BetterAuthError: handle_better_auth_error,
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    **dict.fromkeys(DATABASE_ERRORS, handle_database_error),
    Exception: handle_unexpected,
}
