"""Sessions: creation with Better Auth's token form, lookup, sliding expiry, revocation, active org/team."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Member, Team, TeamMember, User, UserSession
from app.db.reader import Reader
from app.db.types import utcnow
from app.domain.enums import SortDirection
from app.domain.errors import AuthenticationError, NotFoundError
from app.domain.ids import generate_id
from app.domain.records import SessionRecord, UserRecord
from app.domain.rules import SESSION_LIFETIME, SESSION_TOKEN_LENGTH
from app.repositories.pagination import Keyset, PageResult, paginate
from app.repositories.shapes import SESSION, USER, record_of

__all__ = (
    "SESSION_AND_USER_BY_TOKEN",
    "create_session",
    "delete_expired_sessions",
    "delete_other_sessions",
    "delete_session",
    "delete_user_sessions",
    "find_session_by_token",
    "list_user_sessions",
    "session_record",
    "set_active_organization",
    "set_active_team",
    "slide_session",
    "user_record",
)


async def create_session(
    db: AsyncSession,
    *,
    user_id: str,
    lifetime: timedelta,
    ip_address: str | None,
    user_agent: str | None,
    impersonated_by: str | None = None,
    active_organization_id: str | None = None,
    active_team_id: str | None = None,
) -> UserSession:
    now = utcnow()
    session = UserSession(
        token=generate_id(SESSION_TOKEN_LENGTH),
        user_id=user_id,
        expires_at=now + lifetime,
        created_at=now,
        updated_at=now,
        ip_address=ip_address or "",
        user_agent=user_agent or "",
        impersonated_by=impersonated_by,
        active_organization_id=active_organization_id,
        active_team_id=active_team_id,
    )
    db.add(session)
    await db.flush()
    return session


SESSION_AND_USER_BY_TOKEN: Select[Any] = (
    select(*SESSION.columns, *USER.columns)
    .join_from(UserSession.__table__, User.__table__, UserSession.user_id == User.id)
    .where(UserSession.token == bindparam("token"))
)
"""The caller's session and user, by session token: the one statement every authenticated request runs."""


def session_record(session: UserSession) -> SessionRecord:
    return record_of(session, SessionRecord)


def user_record(user: User) -> UserRecord:
    return record_of(user, UserRecord)


async def find_session_by_token(reader: Reader, token: str) -> tuple[SessionRecord, UserRecord] | None:
    """The session with this token and its user, in one round trip (expired or not)."""
    row = await reader.fetch_one(SESSION_AND_USER_BY_TOKEN, token=token)
    if row is None:
        return None
    return SESSION.build(row), USER.build(row, SESSION.width)


async def slide_session(db: AsyncSession, session: SessionRecord, now: datetime) -> SessionRecord | None:
    """Slide a long-lived session's expiry forward (Better Auth's rule: at most once per update age).

    A conditional update, so a session revoked meanwhile (sign-out, ban, deletion, by this service
    or by another server on the same database) stays revoked: then ``None``.
    """
    expires_at = now + SESSION_LIFETIME
    result = await db.execute(
        update(UserSession)
        .where(UserSession.id == session.id, UserSession.expires_at > now)
        .values(expires_at=expires_at, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return msgspec.structs.replace(session, expires_at=expires_at, updated_at=now)


async def delete_session(db: AsyncSession, user_id: str, session_id: str) -> None:
    result = await db.execute(delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFoundError("No such session.", code="session_not_found")


async def delete_other_sessions(db: AsyncSession, user_id: str, keep_session_id: str) -> int:
    result = await db.execute(
        delete(UserSession).where(UserSession.user_id == user_id, UserSession.id != keep_session_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_user_sessions(db: AsyncSession, user_id: str) -> int:
    result = await db.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_expired_sessions(db: AsyncSession, user_id: str, now: datetime) -> int:
    result = await db.execute(delete(UserSession).where(UserSession.user_id == user_id, UserSession.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def list_user_sessions(
    db: AsyncSession, user_id: str, *, limit: int | None, cursor: str | None
) -> PageResult[UserSession]:
    statement = select(UserSession).where(UserSession.user_id == user_id)
    keyset = Keyset(UserSession.created_at, UserSession.id, SortDirection.DESC)
    return await paginate(db, statement, keyset, limit=limit, cursor=cursor)


async def _set_active(
    db: AsyncSession, session: SessionRecord, organization_id: str | None, team_id: str | None
) -> SessionRecord:
    result = await db.execute(
        update(UserSession)
        .where(UserSession.id == session.id)
        .values(active_organization_id=organization_id, active_team_id=team_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise AuthenticationError("Not signed in, or the session has ended.", code="invalid_session")
    return msgspec.structs.replace(session, active_organization_id=organization_id, active_team_id=team_id)


async def set_active_organization(
    db: AsyncSession, session: SessionRecord, organization_id: str | None
) -> SessionRecord:
    """Make an organization the session's active one (the user must be a member); None clears it.

    Changing the organization clears the active team.
    """
    if organization_id is not None:
        membership = await db.execute(
            select(Member.id).where(Member.organization_id == organization_id, Member.user_id == session.user_id)
        )
        if membership.first() is None:
            raise NotFoundError("No such organization.", code="organization_not_found")
    same = session.active_organization_id == organization_id
    return await _set_active(db, session, organization_id, session.active_team_id if same else None)


async def set_active_team(db: AsyncSession, session: SessionRecord, team_id: str | None) -> SessionRecord:
    """Make a team the session's active one (the user must be in it; its organization becomes active)."""
    if team_id is None:
        return await _set_active(db, session, session.active_organization_id, None)
    row = (
        await db.execute(
            select(Team.organization_id)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(Team.id == team_id, TeamMember.user_id == session.user_id)
        )
    ).first()
    if row is None:
        raise NotFoundError("No such team.", code="team_not_found")
    return await _set_active(db, session, row[0], team_id)
