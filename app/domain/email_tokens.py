"""Better Auth's email tokens: HS256 JWTs signed with the shared secret (``createEmailVerificationToken``).

Better Auth 1.7 (``api/routes/email-verification.mjs``, ``crypto/jwt.mjs``, with ``jose``) signs
``{email, updateTo?, requestType?, userId?, iat, exp}`` under the header ``{"alg": "HS256"}``, the
key being the secret's UTF-8 bytes; emails are lower-cased; the default lifetime is one hour. A
token minted here verifies there and the other way round. Tokens are not single-use (Better Auth
keeps no record of them): what they confirm is idempotent, or bound to the current email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from app.domain.errors import InvalidTokenError, TokenExpiredError

__all__ = (
    "EMAIL_TOKEN_LIFETIME",
    "EmailRequest",
    "EmailTokenClaims",
    "create_email_token",
    "read_email_token",
)

EMAIL_TOKEN_LIFETIME = timedelta(hours=1)
_ALGORITHM = "HS256"


class EmailRequest(StrEnum):
    """``requestType`` of a change-email token (absent on a plain verification token)."""

    CHANGE_EMAIL_CONFIRMATION = "change-email-confirmation"
    """Sent to the current address; confirming it sends a verification to the new one."""
    CHANGE_EMAIL_VERIFICATION = "change-email-verification"
    """Sent to the new address; confirming it changes the email."""


@dataclass(frozen=True, slots=True)
class EmailTokenClaims:
    email: str
    user_id: str | None = None
    update_to: str | None = None
    request_type: str | None = None


def create_email_token(
    secret: str,
    email: str,
    *,
    user_id: str | None = None,
    update_to: str | None = None,
    request_type: EmailRequest | None = None,
    lifetime: timedelta = EMAIL_TOKEN_LIFETIME,
    now: datetime | None = None,
) -> str:
    """A token in Better Auth's form (claims in its order; absent ones left out, as JSON drops ``undefined``)."""
    issued = int((now or datetime.now(UTC)).timestamp())
    payload: dict[str, Any] = {"email": email.lower()}
    if update_to is not None:
        payload["updateTo"] = update_to.lower()
    if request_type is not None:
        payload["requestType"] = request_type.value
    if user_id is not None:
        payload["userId"] = user_id
    payload["iat"] = issued
    payload["exp"] = issued + int(lifetime.total_seconds())
    return jwt.encode(payload, secret.encode(), algorithm=_ALGORITHM, headers={"typ": None})


def _optional_text(payload: dict[str, Any], name: str) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidTokenError("Invalid token.")
    return value


def read_email_token(secret: str, token: str) -> EmailTokenClaims:
    """The claims of a valid token; :class:`TokenExpiredError` past ``exp``, :class:`InvalidTokenError`
    for anything else (bad signature, another secret, another algorithm, malformed claims)."""
    try:
        payload = jwt.decode(
            token,
            secret.encode(),
            algorithms=[_ALGORITHM],
            options={"require": ["exp"], "verify_iat": False},  # jose ignores iat too
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpiredError("Token expired.") from exc
    except jwt.PyJWTError as exc:
        raise InvalidTokenError("Invalid token.") from exc
    email = payload.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise InvalidTokenError("Invalid token.")
    return EmailTokenClaims(
        email=email,
        user_id=_optional_text(payload, "userId"),
        update_to=_optional_text(payload, "updateTo"),
        request_type=_optional_text(payload, "requestType"),
    )
