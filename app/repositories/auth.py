"""Email/password authentication with Better Auth-compatible rows: sign-up, sign-in, session checks.

Password hashing (scrypt, ~50 ms of CPU by design) runs on worker threads so the event loop keeps
serving: at most one per CPU core, so that a burst of sign-ins queues for scrypt instead of
starving the event loop (and, on SQLite, a writer holding the lock) of CPU. An unknown email costs
the same scrypt as a wrong password (a dummy hash is verified).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Account, User, UserSession
from app.db.reader import Reader
from app.db.types import utcnow
from app.domain.enums import UserRole
from app.domain.errors import (
    AuthenticationError,
    EmailNotVerifiedError,
    InvalidInputError,
    InvalidStateError,
    PermissionDeniedError,
)
from app.domain.passwords import dummy_hash, hash_password, verify_password
from app.domain.records import SessionRecord, UserRecord
from app.domain.rules import (
    IMPERSONATION_LIFETIME,
    SESSION_LIFETIME,
    SHORT_SESSION_LIFETIME,
    is_ban_active,
    session_needs_refresh,
    user_has_role,
)
from app.repositories import sessions as session_repo
from app.repositories.accounts import get_credential_account
from app.repositories.users import CREDENTIAL_PROVIDER, create_user, find_user_by_email, get_user

__all__ = (
    "Authenticated",
    "ClientInfo",
    "WriteUnit",
    "authenticate",
    "change_password",
    "check_password",
    "hash_off_loop",
    "impersonate",
    "register",
    "restore_impersonator",
    "set_password",
    "sign_in",
    "sign_up",
    "stop_impersonating",
    "verify_off_loop",
)


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """What a new session records about the client."""

    ip_address: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class Authenticated:
    """The caller: their live session and their user, as read at the start of the request.

    ``refreshed`` says the session's expiry slid forward in this request (a cookie should be re-set).
    """

    user: UserRecord
    session: SessionRecord
    refreshed: bool = False


SCRYPT_THREADS = os.cpu_count() or 1
SCRYPT_NICENESS = 10
"""The hashing threads' Linux nice value (absolute, per thread; the event loop's is normally 0)."""


def _lower_hashing_priority() -> None:
    """Let the event loop win the CPU from scrypt: a burst of sign-ins then uses the idle cores
    but cannot stretch every other request's latency (the hashing threads still get a core
    whenever the loop is idle). Linux keeps nice values per thread; elsewhere this is skipped."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SCRYPT_NICENESS)


_scrypt_pool = ThreadPoolExecutor(
    max_workers=SCRYPT_THREADS, thread_name_prefix="scrypt", initializer=_lower_hashing_priority
)


async def hash_off_loop(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_scrypt_pool, hash_password, password)


async def verify_off_loop(stored: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_scrypt_pool, verify_password, stored, password)


async def _open_session(db: AsyncSession, user: User, client: ClientInfo, remember_me: bool) -> Authenticated:
    """A new session for a signed-in user: 7 days with "remember me", 1 day without (Better Auth)."""
    session = await session_repo.create_session(
        db,
        user_id=user.id,
        lifetime=SESSION_LIFETIME if remember_me else SHORT_SESSION_LIFETIME,
        ip_address=client.ip_address,
        user_agent=client.user_agent,
    )
    return Authenticated(user=session_repo.user_record(user), session=session_repo.session_record(session))


async def register(
    db: AsyncSession,
    *,
    name: str,
    email: str,
    password: str,
    image: str | None = None,
    preferred_locale: str | None = None,
) -> User:
    """A new user (role ``user``) with a credential account, not signed in."""
    password_hash = await hash_off_loop(password)
    return await create_user(
        db,
        name=name,
        email=email,
        password_hash=password_hash,
        image=image,
        preferred_locale=preferred_locale,
    )


async def sign_up(
    db: AsyncSession,
    *,
    name: str,
    email: str,
    password: str,
    client: ClientInfo,
    remember_me: bool = True,
    image: str | None = None,
    preferred_locale: str | None = None,
) -> Authenticated:
    """A new user (role ``user``) with a credential account, signed in."""
    user = await register(db, name=name, email=email, password=password, image=image, preferred_locale=preferred_locale)
    return await _open_session(db, user, client, remember_me)


async def sign_in(
    db: AsyncSession,
    *,
    email: str,
    password: str,
    client: ClientInfo,
    remember_me: bool = True,
    require_verified_email: bool = False,
) -> Authenticated:
    """Check the password (same cost and answer for an unknown email), the ban, then open a session.

    The read transaction ends before the ~50 ms scrypt runs, so no lock or connection is held
    meanwhile; the user is read again afterwards.
    """
    found = await find_user_by_email(db, email)
    account = await get_credential_account(db, found.id) if found is not None else None
    user_id = found.id if found is not None else None
    stored = account.password if account is not None and account.password else None
    await db.rollback()  # nothing was written: release the snapshot (and SQLite's lock) before hashing
    valid = await verify_off_loop(stored or dummy_hash(), password)
    if user_id is None or stored is None or not valid:
        raise AuthenticationError("Invalid email or password.", code="invalid_credentials")
    user = await get_user(db, user_id, lock=True)  # a concurrent ban either is seen here or revokes this session
    if require_verified_email and not user.email_verified:  # checked before the ban, as Better Auth does
        raise EmailNotVerifiedError(user_id=user.id, email=user.email, name=user.name, locale=user.preferred_locale)
    now = utcnow()
    if is_ban_active(user.banned, user.ban_expires, now):
        raise PermissionDeniedError("This account is banned.", code="user_banned")
    if user.banned:  # the ban has expired: it lifts itself on the next sign-in, as in Better Auth
        user.banned, user.ban_reason, user.ban_expires = False, None, None
    await session_repo.delete_expired_sessions(db, user.id, now)
    return await _open_session(db, user, client, remember_me)


WriteUnit = Callable[[], AbstractAsyncContextManager[AsyncSession]]
"""Opens a short writing transaction (committed when the block ends without error)."""


async def authenticate(reader: Reader, write: WriteUnit, token: str, *, refresh: bool = True) -> Authenticated:
    """The live session behind a token, read in one round trip: expired sessions and banned users
    are refused. Once a day the expiry slides forward, in a transaction of its own (unless
    ``refresh`` is off: Better Auth's ``disableRefresh`` and its ``dont_remember`` sessions).

    Nothing is cached: a sign-out, revocation, ban, expiry or deletion made by anyone (another
    worker, a Better Auth server on the same database) takes effect on the next request.
    """
    found = await session_repo.find_session_by_token(reader, token)
    if found is None:
        raise AuthenticationError("Not signed in, or the session has ended.", code="invalid_session")
    session, user = found
    now = utcnow()
    if session.expires_at <= now:
        raise AuthenticationError("The session has expired.", code="session_expired")
    if is_ban_active(user.banned, user.ban_expires, now):
        raise PermissionDeniedError("This account is banned.", code="user_banned")
    if not refresh or not session_needs_refresh(session.expires_at, session.updated_at, now):
        return Authenticated(user=user, session=session)
    async with write() as db:
        slid = await session_repo.slide_session(db, session, now)
    if slid is None:
        raise AuthenticationError("Not signed in, or the session has ended.", code="invalid_session")
    return Authenticated(user=user, session=slid, refreshed=True)


async def check_password(db: AsyncSession, user_id: str, password: str, *, field: str = "currentPassword") -> Account:
    """The user's credential account, once ``password`` is proven to be its password."""
    account = await get_credential_account(db, user_id)
    if account is None or not account.password:
        raise InvalidStateError("This account has no password.", code="no_password")
    if not await verify_off_loop(account.password, password):
        raise InvalidInputError("The password is wrong.", field=field, code="invalid_password")
    return account


async def change_password(
    db: AsyncSession, auth: Authenticated, *, current_password: str, new_password: str, revoke_other_sessions: bool
) -> int:
    """Replace the password after checking the current one; returns how many other sessions ended."""
    account = await check_password(db, auth.user.id, current_password)
    account.password = await hash_off_loop(new_password)
    await db.flush()
    if revoke_other_sessions:
        return await session_repo.delete_other_sessions(db, auth.user.id, auth.session.id)
    return 0


async def impersonate(db: AsyncSession, admin: Authenticated, user_id: str, client: ClientInfo) -> Authenticated:
    """A 1-hour session as another (non-admin) user, marked ``impersonatedBy`` the admin."""
    target = await get_user(db, user_id, lock=True)
    if user_has_role(target.role, UserRole.ADMIN):
        raise PermissionDeniedError("Admins cannot be impersonated.", code="cannot_impersonate_admin")
    if target.id == admin.user.id:
        raise InvalidStateError("You cannot impersonate yourself.", code="cannot_impersonate_self")
    if is_ban_active(target.banned, target.ban_expires, utcnow()):
        raise PermissionDeniedError("This account is banned.", code="user_banned")
    session = await session_repo.create_session(
        db,
        user_id=target.id,
        lifetime=IMPERSONATION_LIFETIME,
        ip_address=client.ip_address,
        user_agent=client.user_agent,
        impersonated_by=admin.user.id,
    )
    return Authenticated(user=session_repo.user_record(target), session=session_repo.session_record(session))


async def stop_impersonating(db: AsyncSession, auth: Authenticated, client: ClientInfo) -> Authenticated:
    """End an impersonation session and sign the admin back in (a new session of the admin's)."""
    admin_id = auth.session.impersonated_by
    if admin_id is None:
        raise InvalidStateError("This session is not an impersonation.", code="not_impersonating")
    await session_repo.delete_session(db, auth.user.id, auth.session.id)
    admin = await get_user(db, admin_id)
    if not user_has_role(admin.role, UserRole.ADMIN) or is_ban_active(admin.banned, admin.ban_expires, utcnow()):
        raise PermissionDeniedError("The impersonating admin can no longer sign in.", code="forbidden")
    session = await session_repo.create_session(
        db, user_id=admin.id, lifetime=SESSION_LIFETIME, ip_address=client.ip_address, user_agent=client.user_agent
    )
    return Authenticated(user=session_repo.user_record(admin), session=session_repo.session_record(session))


async def restore_impersonator(db: AsyncSession, impersonation: Authenticated, admin_token: str) -> Authenticated:
    """End an impersonation and go back to the admin's own session (Better Auth's ``stop-impersonating``):
    ``admin_token`` must be a session of the admin who started it."""
    admin_id = impersonation.session.impersonated_by
    if admin_id is None:
        raise InvalidStateError("This session is not an impersonation.", code="not_impersonating")
    row = (
        await db.execute(
            select(UserSession, User).join(User, User.id == UserSession.user_id).where(UserSession.token == admin_token)
        )
    ).first()
    if row is None or row[0].user_id != admin_id:
        raise InvalidStateError("The admin's own session is gone.", code="admin_session_not_found")
    await session_repo.delete_session_by_token(db, impersonation.session.token)
    return Authenticated(user=session_repo.user_record(row[1]), session=session_repo.session_record(row[0]))


async def set_password(db: AsyncSession, user_id: str, new_password: str) -> None:
    """Set a user's password (an admin's act): the credential account is updated, or created."""
    user = await get_user(db, user_id)
    password_hash = await hash_off_loop(new_password)
    account = await get_credential_account(db, user.id)
    if account is None:
        db.add(Account(account_id=user.id, provider_id=CREDENTIAL_PROVIDER, user_id=user.id, password=password_hash))
    else:
        account.password = password_hash
    await db.flush()
