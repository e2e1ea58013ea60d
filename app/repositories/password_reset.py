"""Password reset with Better Auth's tokens: a ``verification`` row ``reset-password:<token>`` whose
value is the user id (``api/routes/password.mjs``), spent once, in the same transaction as the new
password and the revocation of the user's sessions (``resetCredentialPassword``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Account, User
from app.db.types import utcnow
from app.domain.errors import InvalidInputError, InvalidTokenError
from app.domain.ids import generate_id
from app.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from app.repositories.accounts import get_credential_account
from app.repositories.auth import hash_off_loop
from app.repositories.sessions import delete_user_sessions
from app.repositories.users import CREDENTIAL_PROVIDER, find_user_by_email, get_user
from app.repositories.verification import (
    consume_verification,
    create_verification,
    delete_expired_verifications,
    find_verification,
)

__all__ = (
    "RESET_TOKEN_LENGTH",
    "check_new_password",
    "issue_reset_token",
    "reset_identifier",
    "reset_password",
    "reset_token_is_live",
)

RESET_PREFIX = "reset-password:"
RESET_TOKEN_LENGTH = 24
"""Better Auth's ``generateId(24)``: 24 characters of ``[A-Za-z0-9]``."""


def reset_identifier(token: str) -> str:
    return f"{RESET_PREFIX}{token}"


def check_new_password(password: str, field: str = "newPassword") -> None:
    """Better Auth's length rules (``PASSWORD_TOO_SHORT`` / ``PASSWORD_TOO_LONG``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"Must be at least {MIN_PASSWORD_LENGTH} characters.", field=field, code="password_too_short"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"Must be at most {MAX_PASSWORD_LENGTH} characters.", field=field, code="password_too_long"
        )


async def issue_reset_token(db: AsyncSession, email: str, *, lifetime: timedelta) -> tuple[User, str] | None:
    """A new reset token for the user with this email (None, and nothing written, if there is none).

    Expired verification rows are swept at the same time (Better Auth sweeps them periodically).
    """
    user = await find_user_by_email(db, email)
    if user is None:
        return None
    now = utcnow()
    await delete_expired_verifications(db, now=now)
    token = generate_id(RESET_TOKEN_LENGTH)
    await create_verification(db, identifier=reset_identifier(token), value=user.id, expires_at=now + lifetime)
    return user, token


async def reset_token_is_live(db: AsyncSession, token: str) -> bool:
    return bool(token) and await find_verification(db, reset_identifier(token)) is not None


async def reset_password(db: AsyncSession, *, token: str, new_password: str, revoke_sessions: bool) -> str:
    """Set the user's password from a live token and spend it; returns the user id.

    The token is checked, then the read transaction ends while scrypt runs (no lock held), then
    one transaction consumes the token (exactly one of two concurrent resets gets it), revokes
    the user's sessions when asked (Better Auth's ``revokeSessionsOnPasswordReset``: all of them)
    and writes the hash (creating the credential account if the user had none).
    """
    check_new_password(new_password)
    identifier = reset_identifier(token)
    found = await find_verification(db, identifier) if token else None
    if found is None:
        raise InvalidTokenError("Invalid token.")
    await db.rollback()
    password_hash = await hash_off_loop(new_password)
    consumed = await consume_verification(db, identifier)
    if consumed is None:
        raise InvalidTokenError("Invalid token.")
    user = await get_user(db, consumed.value, lock=True)
    if revoke_sessions:
        await delete_user_sessions(db, user.id)
    account = await get_credential_account(db, user.id)
    if account is None:
        db.add(Account(account_id=user.id, provider_id=CREDENTIAL_PROVIDER, user_id=user.id, password=password_hash))
    else:
        account.password = password_hash
    await db.flush()
    return user.id
