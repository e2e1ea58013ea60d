"""Users: lookup, creation with a credential account, profile and admin changes, listing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from msgspec import UNSET
from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Account, Member, TeamMember, User
from app.db.types import utcnow
from app.domain.enums import SortDirection, UserRole
from app.domain.errors import ConflictError, InvalidInputError, NotFoundError
from app.domain.organizations import check_user_deletion
from app.domain.rules import is_valid_locale, normalize_email
from app.domain.schemas.users import AdminUserUpdate, ProfileUpdate
from app.repositories.filters import FieldFilter, condition, ordering
from app.repositories.flush import flush_or_conflict
from app.repositories.organizations import lock_organizations, owners_for
from app.repositories.pagination import Keyset, PageResult, paginate
from app.repositories.sessions import delete_user_sessions
from app.repositories.teams import remove_team_members

__all__ = (
    "CREDENTIAL_PROVIDER",
    "USER_FIELDS",
    "ban_user",
    "create_user",
    "delete_user",
    "find_user_by_email",
    "get_user",
    "list_users",
    "list_users_by_offset",
    "set_user_roles",
    "unban_user",
    "update_profile",
    "update_user",
)

CREDENTIAL_PROVIDER = "credential"
EMAIL_TAKEN = "A user with this email already exists."
USER_SORTS = {"createdAt": User.created_at, "name": User.name, "email": User.email}


async def get_user(db: AsyncSession, user_id: str, *, lock: bool = False) -> User:
    """The user; ``lock`` holds their row until the transaction ends (PostgreSQL), so that a ban
    committed meanwhile is seen and a concurrent ban waits for what this transaction writes."""
    user = await db.get(User, user_id, with_for_update=lock, populate_existing=lock)
    if user is None:
        raise NotFoundError("No such user.", code="user_not_found")
    return user


async def find_user_by_email(db: AsyncSession, email: str) -> User | None:
    return (await db.execute(select(User).where(User.email == normalize_email(email)))).scalar_one_or_none()


async def _ensure_email_free(db: AsyncSession, email: str, *, except_user: str | None = None) -> None:
    existing = await find_user_by_email(db, email)
    if existing is not None and existing.id != except_user:
        raise ConflictError(EMAIL_TAKEN, code="email_taken")


def _check_locale(locale: str | None) -> None:
    if locale is not None and not is_valid_locale(locale):
        raise InvalidInputError("Not a BCP 47 language tag (e.g. en, pt-BR).", field="preferredLocale")


async def create_user(
    db: AsyncSession,
    *,
    name: str,
    email: str,
    password_hash: str | None,
    role: UserRole = UserRole.USER,
    email_verified: bool = False,
    image: str | None = None,
    preferred_locale: str | None = None,
) -> User:
    """A user, plus a Better Auth credential account (``accountId = user.id``) when a hash is given."""
    _check_locale(preferred_locale)
    email = normalize_email(email)
    await _ensure_email_free(db, email)
    user = User(
        name=name.strip(),
        email=email,
        email_verified=email_verified,
        role=role.value,
        banned=False,
        image=image,
        preferred_locale=preferred_locale,
    )
    db.add(user)
    await flush_or_conflict(db, EMAIL_TAKEN, "email_taken")
    if password_hash is not None:
        db.add(Account(account_id=user.id, provider_id=CREDENTIAL_PROVIDER, user_id=user.id, password=password_hash))
        await db.flush()
    return user


async def update_profile(db: AsyncSession, user_id: str, changes: ProfileUpdate) -> User:
    user = await get_user(db, user_id)
    if changes.name is not UNSET:
        user.name = changes.name.strip()
    if changes.image is not UNSET:
        user.image = changes.image
    if changes.preferred_locale is not UNSET:
        _check_locale(changes.preferred_locale)
        user.preferred_locale = changes.preferred_locale
    await db.flush()
    return user


async def update_user(db: AsyncSession, user_id: str, changes: AdminUserUpdate) -> User:
    user = await get_user(db, user_id)
    if changes.name is not UNSET:
        user.name = changes.name.strip()
    if changes.email is not UNSET:
        email = normalize_email(changes.email)
        await _ensure_email_free(db, email, except_user=user.id)
        user.email = email
    if changes.role is not UNSET:
        user.role = changes.role.value
    if changes.email_verified is not UNSET:
        user.email_verified = changes.email_verified
    await flush_or_conflict(db, EMAIL_TAKEN, "email_taken")
    return user


async def set_user_roles(db: AsyncSession, user_id: str, roles: Sequence[UserRole]) -> User:
    """Give a user one or more global roles (several are stored joined with ``,``, as Better Auth does)."""
    user = await get_user(db, user_id)
    user.role = ",".join(dict.fromkeys(role.value for role in roles))
    await db.flush()
    return user


async def delete_user(db: AsyncSession, user_id: str) -> None:
    """Delete a user; the database cascades to sessions, accounts, memberships, passkeys...

    The last owner of an organization cannot be deleted (409 ``last_owner``): the organizations
    the user belongs to are locked first, so concurrent deletions and demotions of its owners
    cannot leave one without an owner. Team rows are removed first so that each team's
    ``memberCount`` drops with them.
    """
    memberships = (await db.execute(select(Member.organization_id, Member.role).where(Member.user_id == user_id))).all()
    await lock_organizations(db, [organization_id for organization_id, _ in memberships])
    owned = (await db.execute(select(Member.organization_id, Member.role).where(Member.user_id == user_id))).all()
    check_user_deletion([(role, await owners_for(db, role, organization_id)) for organization_id, role in owned])
    await remove_team_members(db, TeamMember.user_id == user_id)
    result = await db.execute(delete(User).where(User.id == user_id))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFoundError("No such user.", code="user_not_found")


async def ban_user(
    db: AsyncSession, user_id: str, *, reason: str | None, expires_at: datetime | None, now: datetime | None = None
) -> tuple[User, int]:
    """Ban a user (until ``expires_at``, or for ever) and end all their sessions; returns how many."""
    moment = now or utcnow()
    if expires_at is not None and expires_at <= moment:
        raise InvalidInputError("The ban must end in the future.", field="expiresAt")
    user = await get_user(db, user_id)
    user.banned, user.ban_reason, user.ban_expires = True, reason, expires_at
    await db.flush()
    return user, await delete_user_sessions(db, user.id)


async def unban_user(db: AsyncSession, user_id: str) -> User:
    user = await get_user(db, user_id)
    user.banned, user.ban_reason, user.ban_expires = False, None, None
    await db.flush()
    return user


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_users(
    db: AsyncSession,
    *,
    search: str | None = None,
    role: UserRole | None = None,
    banned: bool | None = None,
    sort_by: str = "createdAt",
    direction: SortDirection = SortDirection.DESC,
    limit: int | None = None,
    cursor: str | None = None,
    now: datetime | None = None,
) -> PageResult[User]:
    """Users matching ``search`` (name or email, case-insensitive), role and ban state."""
    if sort_by not in USER_SORTS:
        raise InvalidInputError(f"sortBy must be one of {', '.join(USER_SORTS)}.", field="sortBy")
    statement: Select[User] = select(User)
    if search:
        pattern = f"%{_escape_like(search.strip().lower())}%"
        statement = statement.where(or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    if role is not None:
        statement = statement.where(User.role == role.value)
    if banned is not None:
        moment = now or utcnow()
        active_ban = User.banned.is_(True) & (User.ban_expires.is_(None) | (User.ban_expires > moment))
        statement = statement.where(active_ban if banned else ~active_ban)
    keyset = Keyset(USER_SORTS[sort_by], User.id, direction)
    return await paginate(db, statement, keyset, limit=limit, cursor=cursor)


USER_FIELDS: dict[str, Any] = {
    "id": User.id,
    "name": User.name,
    "email": User.email,
    "emailVerified": User.email_verified,
    "image": User.image,
    "role": User.role,
    "banned": User.banned,
    "banReason": User.ban_reason,
    "createdAt": User.created_at,
    "updatedAt": User.updated_at,
}
"""User fields the admin user list may be searched, filtered and sorted by (Better Auth's names)."""


async def list_users_by_offset(
    db: AsyncSession,
    *,
    where: Sequence[FieldFilter] = (),
    sort_by: str | None = None,
    direction: SortDirection = SortDirection.ASC,
    limit: int,
    offset: int,
) -> tuple[list[User], int]:
    """One page of users by offset (Better Auth's admin list), and how many match in all."""
    statement = select(User)
    for clause in where:
        statement = statement.where(condition(USER_FIELDS, clause))
    total = (await db.execute(select(func.count()).select_from(statement.subquery()))).scalar_one()
    order = ordering(USER_FIELDS, sort_by or "createdAt", direction if sort_by else SortDirection.ASC)
    page = statement.order_by(*order, User.id).limit(limit).offset(offset)
    return list((await db.execute(page)).scalars()), int(total)
