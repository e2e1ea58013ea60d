"""Typed errors raised by repositories and rules; mapped to HTTP in one place (``app.api.errors``).

Each error carries a stable machine-readable ``code`` (part of the API contract) and a
human-readable ``detail`` that is safe to show to the caller (never a secret, never internals).
"""

from __future__ import annotations

from typing import ClassVar

__all__ = (
    "AuthenticationError",
    "BindingUnavailableError",
    "ConflictError",
    "DatabaseBusyError",
    "DomainError",
    "EmailNotVerifiedError",
    "ExpiredError",
    "InvalidInputError",
    "InvalidStateError",
    "InvalidTokenError",
    "MalformedInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RefusedInputError",
    "TokenExpiredError",
)


class DomainError(Exception):
    """Base of every expected, typed failure."""

    default_code: ClassVar[str] = "error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code


class NotFoundError(DomainError):
    """The resource does not exist, or the caller may not know that it exists."""

    default_code = "not_found"


class ConflictError(DomainError):
    """The request conflicts with existing data (a duplicate, a last owner, ...)."""

    default_code = "conflict"


class InvalidStateError(ConflictError):
    """The resource is in a state that does not allow this transition."""

    default_code = "invalid_state"


class ExpiredError(DomainError):
    """The resource existed but has expired (an invitation past its expiry)."""

    default_code = "expired"


class PermissionDeniedError(DomainError):
    """The caller is known but not allowed to do this."""

    default_code = "forbidden"


class EmailNotVerifiedError(PermissionDeniedError):
    """Sign-in refused until the email is verified; carries who, so that a new link can be mailed
    (never shown to the caller)."""

    default_code = "email_not_verified"

    def __init__(self, *, user_id: str, email: str, name: str, locale: str | None) -> None:
        super().__init__("Email not verified.")
        self.user_id, self.email, self.name, self.locale = user_id, email, name, locale


class AuthenticationError(DomainError):
    """The caller is not (or no longer) authenticated."""

    default_code = "unauthenticated"


class InvalidInputError(DomainError):
    """A value passed the request schema but breaks a rule; ``field`` names it (camelCase).

    ``source`` says where the field was: ``body`` (JSON), ``query``, ``path`` or ``header``.
    """

    default_code = "invalid_input"

    def __init__(self, detail: str, *, field: str, code: str | None = None, source: str = "body") -> None:
        super().__init__(detail, code=code)
        self.field = field
        self.source = source


class RefusedInputError(InvalidInputError):
    """A value no field accepts, whatever its schema: text with NUL or invalid Unicode, text too long,
    an integer beyond 64 bits, a timestamp outside what every database stores.

    Raised before any handler runs (``app.api.input_guard``); each face renders it in its own format.
    """

    default_code = "refused_value"


class MalformedInputError(RefusedInputError):
    """The request body is not JSON this service decodes: malformed, not UTF-8, or nested too deeply."""

    default_code = "malformed_body"


class RateLimitedError(DomainError):
    """Too many attempts; try again after ``retry_after`` seconds."""

    default_code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class InvalidTokenError(DomainError):
    """A single-use or signed token (password reset, email verification) is unknown, used, tampered
    with or someone else's; the caller learns nothing more."""

    default_code = "invalid_token"


class TokenExpiredError(InvalidTokenError):
    """A signed token that was valid but is past its expiry."""

    default_code = "token_expired"


class DatabaseBusyError(DomainError):
    """The database works but could not serve this in time (SQLite's lock timed out): retry."""

    default_code = "database_busy"


class BindingUnavailableError(DomainError):
    """A binding the request needs (``DB`` or ``STORAGE``) is absent or unreachable."""

    default_code = "binding_unavailable"

    def __init__(self, binding: str, *, reason: str = "absent or unreachable") -> None:
        super().__init__(f"The {binding} binding is unavailable ({reason}).")
        self.binding = binding
