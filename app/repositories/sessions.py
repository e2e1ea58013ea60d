"""Sessions: creation with Better Auth's token form, lookup, sliding expiry, revocation, active org/team."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Member, Team, TeamMember, User, UserSession
from app.db.types import utcnow
from app.domain.enums import SortDirection
from app.domain.errors import NotFoundError
from app.domain.ids import generate_id
from app.domain.rules import SESSION_LIFETIME, SESSION_TOKEN_LENGTH, session_needs_refresh
from app.repositories.pagination import MAX_LIMIT, Keyset, PageResult, paginate

__all__ = (
    "create_session",
    "delete_expired_sessions",
    "delete_other_sessions",
    "delete_session",
    "delete_session_by_token",
    "delete_user_sessions",
    "find_session_by_token",
    "list_sessions_of_user",
    "list_user_sessions",
    "refresh_session",
    "set_active_organization",
    "set_active_team",
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


async def find_session_by_token(db: AsyncSession, token: str) -> tuple[UserSession, User] | None:
    """The session with this token and its user, in one query (expired or not)."""
    statement = select(UserSession, User).join(User, User.id == UserSession.user_id).where(UserSession.token == token)
    row = (await db.execute(statement)).first()
    return None if row is None else (row[0], row[1])


async def refresh_session(db: AsyncSession, session: UserSession, now: datetime) -> None:
    """Slide a long-lived session's expiry forward, at most once per update age (Better Auth's rule)."""
    if session_needs_refresh(session.expires_at, session.updated_at, now):
        session.expires_at = now + SESSION_LIFETIME
        session.updated_at = now
        await db.flush()


async def delete_session(db: AsyncSession, user_id: str, session_id: str) -> None:
    result = await db.execute(delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFoundError("No such session.", code="session_not_found")


async def delete_session_by_token(db: AsyncSession, token: str, *, user_id: str | None = None) -> bool:
    """End the session with this token (only if it is ``user_id``'s, when given); whether one ended."""
    statement = delete(UserSession).where(UserSession.token == token)
    if user_id is not None:
        statement = statement.where(UserSession.user_id == user_id)
    result = await db.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


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


async def list_sessions_of_user(
    db: AsyncSession, user_id: str, *, active_at: datetime | None = None, limit: int = MAX_LIMIT
) -> list[UserSession]:
    """A user's sessions, oldest first (only those still live at ``active_at``, when given), at most ``limit``."""
    statement = select(UserSession).where(UserSession.user_id == user_id)
    if active_at is not None:
        statement = statement.where(UserSession.expires_at > active_at)
    statement = statement.order_by(UserSession.created_at, UserSession.id).limit(limit)
    return list((await db.execute(statement)).scalars())


async def set_active_organization(db: AsyncSession, session: UserSession, organization_id: str | None) -> UserSession:
    """Make an organization the session's active one (the user must be a member); None clears it."""
    if organization_id is not None:
        membership = await db.execute(
            select(Member.id).where(Member.organization_id == organization_id, Member.user_id == session.user_id)
        )
        if membership.first() is None:
            raise NotFoundError("No such organization.", code="organization_not_found")
    if session.active_organization_id != organization_id:
        session.active_team_id = None
    session.active_organization_id = organization_id
    await db.flush()
    return session


async def set_active_team(db: AsyncSession, session: UserSession, team_id: str | None) -> UserSession:
    """Make a team the session's active one (the user must be in it; its organization becomes active)."""
    if team_id is None:
        session.active_team_id = None
        await db.flush()
        return session
    row = (
        await db.execute(
            select(Team.organization_id)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(Team.id == team_id, TeamMember.user_id == session.user_id)
        )
    ).first()
    if row is None:
        raise NotFoundError("No such team.", code="team_not_found")
    session.active_organization_id = row[0]
    session.active_team_id = team_id
    await db.flush()
    return session
