"""The one place where errors become HTTP responses: RFC 9457 problem details with a stable ``code``.

Typed domain errors map by class; Litestar's own HTTP errors keep their status; database
connectivity failures name the ``DB`` binding; anything else is a generic 500 with no internals
(the traceback goes to the log, never to the client).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.api.params import wire_name
from app.bindings import BindingMonitor
from app.config import DB_BINDING
from app.domain.errors import (
    AuthenticationError,
    BindingUnavailableError,
    ConflictError,
    DatabaseBusyError,
    DomainError,
    ExpiredError,
    InvalidInputError,
    MalformedInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from app.domain.schemas.base import FieldError, ProblemDetails

__all__ = (
    "DATABASE_ERRORS",
    "ERROR_MAP",
    "PROBLEM_MEDIA_TYPE",
    "UNMAPPED",
    "ErrorMapping",
    "error_mapping",
    "exception_handlers",
    "handle_database_error",
    "handle_domain_error",
    "handle_http_exception",
    "handle_unexpected",
    "handle_validation_error",
    "is_connectivity_error",
    "is_integrity_error",
    "is_lock_timeout",
    "problem_response",
)

logger = logging.getLogger("app.api.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class ErrorMapping:
    """How a domain error (and its subclasses) is answered, and how the OpenAPI document describes it."""

    status: int
    description: str
    everywhere: bool = False
    """Any route may answer it (the input guard refuses any parameter; any route may fail or find
    the database busy), so every route documents it; the others are documented where a route
    names them (:func:`app.api.openapi.problems`)."""


ERROR_MAP: dict[type[DomainError], ErrorMapping] = {
    MalformedInputError: ErrorMapping(400, "Malformed request", everywhere=True),
    AuthenticationError: ErrorMapping(401, "Not authenticated"),
    PermissionDeniedError: ErrorMapping(403, "Not allowed"),
    NotFoundError: ErrorMapping(404, "Not found"),
    ConflictError: ErrorMapping(409, "Conflict with the current state"),
    ExpiredError: ErrorMapping(410, "Expired"),
    InvalidInputError: ErrorMapping(422, "Validation failed; `errors` names each field", everywhere=True),
    RateLimitedError: ErrorMapping(429, "Too many requests; see Retry-After"),
    BindingUnavailableError: ErrorMapping(
        500, "Unexpected error, or a binding (DB, STORAGE) is unavailable", everywhere=True
    ),
    DatabaseBusyError: ErrorMapping(503, "The database is busy; retry after Retry-After", everywhere=True),
}
"""The one table of domain errors: a class answers with the status of its nearest mapped class
(the codes are the errors' own); an unmapped one is a 400."""
UNMAPPED = ErrorMapping(400, "Malformed request")


def error_mapping(error: type[DomainError]) -> ErrorMapping:
    """The mapping of an error class: its own, or its nearest mapped base's."""
    for cls in error.__mro__:
        if cls in ERROR_MAP:
            return ERROR_MAP[cls]
    return UNMAPPED


HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

_MSGSPEC_PATH = re.compile(r"at `\$\.([A-Za-z0-9_.\[\]]+)`")
_MSGSPEC_MISSING = re.compile(r"(?:missing required|contains unknown) field `(.+?)`")


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    detail: str,
    errors: list[FieldError] | None = None,
    binding: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    body = ProblemDetails(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        code=code,
        detail=detail,
        instance=_instance(request),
        errors=errors,
        binding=binding,
    )
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _instance(request: Request[Any, Any, Any]) -> str:
    """The request's path, escaped where it is not valid Unicode (a problem body is always UTF-8)."""
    path = request.url.path
    return path if path.isascii() else path.encode("utf-8", "backslashreplace").decode("utf-8")


def _monitor(request: Request[Any, Any, Any]) -> BindingMonitor | None:
    monitor = request.app.state.get("bindings")
    return monitor if isinstance(monitor, BindingMonitor) else None


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    status = error_mapping(type(exc)).status
    errors = None
    headers = None
    binding = None
    if isinstance(exc, InvalidInputError):
        errors = [FieldError(field=exc.field, message=exc.detail, source=exc.source)]
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, DatabaseBusyError):
        headers = {"Retry-After": "1"}
    if isinstance(exc, BindingUnavailableError):
        binding = exc.binding
    return problem_response(
        request, status=status, code=exc.code, detail=exc.detail, errors=errors, binding=binding, headers=headers
    )


def _field_errors(exc: ValidationException) -> list[FieldError]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors: list[FieldError] = []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid value"))
        key = item.get("key")
        if not key or (key in ("data", "body") and item.get("source") == "body"):
            # msgspec names the field in its message: "... - at `$.email`" / "missing required field `name`"
            match = _MSGSPEC_PATH.search(message) or _MSGSPEC_MISSING.search(message)
            key = match.group(1) if match else None
        if key:
            source = str(item.get("source") or "body").rsplit(".", 1)[-1].lower()  # "ParamType.QUERY" -> "query"
            field = str(key) if source == "body" else wire_name(str(key))
            errors.append(FieldError(field=field, message=message, source=source))
    return errors


def handle_validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    errors = _field_errors(exc)
    if not errors:
        detail = str(exc.detail) if exc.detail else "The request could not be parsed."
        return problem_response(request, status=400, code="bad_request", detail=detail)
    names = ", ".join(sorted({e.field for e in errors}))
    return problem_response(
        request, status=422, code="validation_failed", detail=f"Invalid value for: {names}.", errors=errors
    )


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if status >= 500:
        return handle_unexpected(request, exc)
    detail = str(exc.detail) if exc.detail else HTTPStatus(status).phrase
    return problem_response(
        request, status=status, code=HTTP_CODES.get(status, "http_error"), detail=detail, headers=exc.headers
    )


def is_connectivity_error(exc: BaseException) -> bool:
    """True when the database could not be reached (down, refused, dropped connection, pool exhausted)."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError | ConnectionError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def is_lock_timeout(exc: BaseException) -> bool:
    """SQLite's writer lock was not free within the busy timeout: the database works but is saturated."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def is_integrity_error(exc: BaseException) -> bool:
    """A constraint fired: the repositories check first, so the write lost a race to a concurrent one."""
    return isinstance(exc, IntegrityError)


def handle_database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if is_integrity_error(exc):
        # The repositories check first and map the clashes they expect; a constraint that still
        # fires lost a race to a concurrent writer (a row deleted or taken meanwhile): a conflict.
        logger.warning("integrity conflict on %s %s", request.method, request.url.path)
        return handle_domain_error(request, ConflictError("This conflicts with a concurrent change; retry."))
    if is_lock_timeout(exc):
        logger.warning("database busy on %s %s: the write lock timed out", request.method, request.url.path)
        return handle_domain_error(request, DatabaseBusyError("The database is busy; retry shortly."))
    if not is_connectivity_error(exc):
        return handle_unexpected(request, exc)
    monitor = _monitor(request)
    if monitor is not None:
        monitor.mark_down(DB_BINDING, type(exc).__name__)
    return handle_domain_error(request, BindingUnavailableError(DB_BINDING, reason="unreachable"))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    logger.error("unhandled error on %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc)
    return problem_response(
        request, status=500, code="internal_error", detail="An unexpected error occurred. It has been logged."
    )


DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, DisconnectionError, PoolTimeoutError, ConnectionError)
"""Failures of the database (driver, connection, pool); :func:`is_lock_timeout` and
:func:`is_connectivity_error` tell them apart."""

exception_handlers: ExceptionHandlersMap = {
    DomainError: handle_domain_error,
    ValidationException: handle_validation_error,
    HTTPException: handle_http_exception,
    **dict.fromkeys(DATABASE_ERRORS, handle_database_error),
    Exception: handle_unexpected,
}
