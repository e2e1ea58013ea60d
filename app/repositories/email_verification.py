"""What a Better Auth email token confirms (``verifyEmail`` in ``api/routes/email-verification.mjs``).

A plain token verifies the address it names (its ``userId``, when present, must be that user's);
a token with ``updateTo`` changes a user's email, bound to the user id *and* the current email, so
it stops working once the email has changed. ``requestType`` picks the step of the change:
``change-email-verification`` (the link was sent to the new address: the email changes, keeping
its verified state), ``change-email-confirmation`` (the link was sent to the current address:
nothing changes yet, a verification goes to the new one), none (Better Auth's legacy flow: the
email changes at once, unverified, and a verification goes to the new one).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import User
from app.domain.email_tokens import EmailRequest, EmailTokenClaims
from app.domain.errors import InvalidTokenError, NotFoundError, PermissionDeniedError
from app.domain.rules import normalize_email
from app.domain.schemas.users import AdminUserUpdate
from app.repositories.users import find_user_by_email, update_user

__all__ = ("Confirmed", "Outcome", "confirm_email_token", "mark_email_verified")


class Outcome(StrEnum):
    VERIFIED = "verified"
    """The address is now verified."""
    ALREADY_VERIFIED = "already-verified"
    EMAIL_CHANGED = "email-changed"
    """The email changed (``change-email-verification``)."""
    CHANGE_CONFIRMED = "change-confirmed"
    """The current address confirmed a change: a verification must go to ``new_email``."""
    EMAIL_CHANGED_UNVERIFIED = "email-changed-unverified"
    """Legacy flow: the email changed unverified; a verification must go to the new address."""


@dataclass(frozen=True, slots=True)
class Confirmed:
    outcome: Outcome
    user: User
    new_email: str | None = None


def _user_not_found() -> NotFoundError:
    return NotFoundError("User not found.", code="user_not_found")


async def mark_email_verified(db: AsyncSession, user: User) -> None:
    user.email_verified = True
    await db.flush()


async def confirm_email_token(db: AsyncSession, claims: EmailTokenClaims, *, caller_id: str | None) -> Confirmed:
    """Apply a verified token's claims. ``caller_id`` is the signed-in user, if any: an email
    change may only be confirmed by its own user (or without a session)."""
    if claims.update_to:
        return await _confirm_change(db, claims, claims.update_to, caller_id)
    user = await find_user_by_email(db, claims.email)
    if user is None:
        raise _user_not_found()
    if claims.user_id and claims.user_id != user.id:
        raise InvalidTokenError("Invalid token.")
    if user.email_verified:
        return Confirmed(Outcome.ALREADY_VERIFIED, user)
    await mark_email_verified(db, user)
    return Confirmed(Outcome.VERIFIED, user)


async def _confirm_change(
    db: AsyncSession, claims: EmailTokenClaims, update_to: str, caller_id: str | None
) -> Confirmed:
    if not claims.user_id:
        raise InvalidTokenError("Invalid token.")
    user = await db.get(User, claims.user_id, with_for_update=True)
    if user is None:
        raise _user_not_found()
    if user.email.lower() != claims.email:
        raise InvalidTokenError("Invalid token.")  # the email changed since: the token is spent
    if caller_id is not None and caller_id != user.id:
        raise PermissionDeniedError("Invalid user.", code="invalid_user")
    new_email = normalize_email(update_to)
    if claims.request_type == EmailRequest.CHANGE_EMAIL_CONFIRMATION:
        return Confirmed(Outcome.CHANGE_CONFIRMED, user, new_email)
    if claims.request_type == EmailRequest.CHANGE_EMAIL_VERIFICATION:
        changed = await update_user(db, user.id, AdminUserUpdate(email=new_email))
        return Confirmed(Outcome.EMAIL_CHANGED, changed, new_email)
    changed = await update_user(db, user.id, AdminUserUpdate(email=new_email, email_verified=False))
    return Confirmed(Outcome.EMAIL_CHANGED_UNVERIFIED, changed, new_email)
