"""Rules shared with Better Auth: session lifetimes, email and locale forms, ban state."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

__all__ = (
    "IMPERSONATION_LIFETIME",
    "SESSION_LIFETIME",
    "SESSION_UPDATE_AGE",
    "SHORT_SESSION_LIFETIME",
    "is_ban_active",
    "is_invitee",
    "is_session_fresh",
    "is_valid_email",
    "is_valid_locale",
    "normalize_email",
    "session_needs_refresh",
    "split_list",
    "user_has_role",
)

SESSION_LIFETIME = timedelta(days=7)
"""Better Auth ``session.expiresIn`` default (remember me)."""
SHORT_SESSION_LIFETIME = timedelta(days=1)
"""Better Auth's lifetime for ``rememberMe: false``."""
SESSION_UPDATE_AGE = timedelta(days=1)
"""Better Auth ``session.updateAge``: a session is slid forward at most this often."""
IMPERSONATION_LIFETIME = timedelta(hours=1)
FRESH_AGE = timedelta(days=1)
"""Better Auth ``session.freshAge``: sensitive actions need a session younger than this."""
INVITATION_LIFETIME = timedelta(hours=48)
SESSION_TOKEN_LENGTH = 32

# BCP 47 language tag (RFC 5646) without the rarely used grandfathered forms.
_BCP47 = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"  # language (+ extlang)
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[A-Za-z0-9]{1,8})+)?$"  # private use
)


# zod 4's email rule (``z.email()``), which Better Auth applies to every email it is sent.
_EMAIL = re.compile(
    r"(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}"
)


def is_valid_email(email: str) -> bool:
    """Whether Better Auth (zod's ``z.email()``) accepts ``email``."""
    return _EMAIL.fullmatch(email) is not None


def is_session_fresh(created_at: datetime, now: datetime) -> bool:
    """Better Auth's freshness: the session was created less than ``FRESH_AGE`` ago."""
    return now - created_at < FRESH_AGE


def normalize_email(email: str) -> str:
    """Better Auth stores and looks up emails lower-cased."""
    return email.strip().lower()


def is_invitee(invitation_email: str, user_email: str) -> bool:
    """Whether an invitation is addressed to this user (emails compare case-insensitively)."""
    return normalize_email(invitation_email) == normalize_email(user_email)


def is_valid_locale(tag: str) -> bool:
    """A well-formed BCP 47 language tag such as ``en``, ``pt-BR`` or ``zh-Hant-TW``."""
    return len(tag) <= 64 and _BCP47.match(tag) is not None


def is_ban_active(banned: bool | None, ban_expires: datetime | None, now: datetime) -> bool:
    """A ban applies until ``banExpires`` (no expiry: for ever)."""
    return bool(banned) and (ban_expires is None or ban_expires > now)


def split_list(value: str | None) -> list[str]:
    """The items of a column Better Auth stores as a comma-joined list (roles, team ids, scopes,
    transports): trimmed, empty ones dropped."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def user_has_role(stored: str | None, role: str) -> bool:
    """Better Auth stores several roles comma-separated (``"admin,user"``)."""
    return role in split_list(stored)


def session_needs_refresh(expires_at: datetime, updated_at: datetime, now: datetime) -> bool:
    """Better Auth's sliding rule, applied to sessions issued with the long lifetime only.

    A session is slid (``expiresAt = now + 7 days``) once ``expiresAt - 7 days + 1 day <= now``.
    Short ("don't remember me") and impersonation sessions keep their expiry: they are recognised
    by a lifetime, counted from their last update, no longer than a day.
    """
    long_lived = expires_at - updated_at > SHORT_SESSION_LIFETIME + timedelta(minutes=1)
    return long_lived and expires_at - SESSION_LIFETIME + SESSION_UPDATE_AGE <= now
