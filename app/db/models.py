"""SQLAlchemy models of the Better Auth schema (core, admin, organization + teams, passkey, sso, stripe).

Physical table and column names are exactly Better Auth 1.7's defaults (camelCase, as ``npx auth
migrate`` creates them) so that a Better Auth server can use the same database; Python attributes
are snake_case. ``tests/test_schema.py`` compares every column with Better Auth's own DDL (in
``tests/data``), and README.md (Schema) states the storage conventions.

Rules kept here:
- every Better Auth value that Better Auth leaves to a default has a server default too, so rows
  written by raw SQL or another program are complete;
- every column this project adds to a Better Auth table is nullable (Better Auth refuses extra
  NOT NULL columns without a default, and a Drizzle-based Better Auth writes explicit NULLs);
- every foreign key is explicit, indexed and ``ON DELETE CASCADE`` (except ``member.teamId``,
  ``SET NULL``: deleting a team never deletes an organization membership);
- relationships never lazy-load (``lazy="raise"``): queries load what they need explicitly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, MetaData, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.db.types import UTCDateTime, UtcNow, utcnow
from app.domain.ids import generate_id

__all__ = (
    "Account",
    "Base",
    "Invitation",
    "Member",
    "Organization",
    "Passkey",
    "SsoProvider",
    "Subscription",
    "Team",
    "TeamMember",
    "User",
    "UserSession",
    "Verification",
)

NAMING_CONVENTION = {
    # The names PostgreSQL and Better Auth give these objects, so both sides agree on them.
    "ix": "%(table_name)s_%(column_0_name)s_idx",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
    "ck": "%(table_name)s_%(constraint_name)s_check",
}


FALSE_DEFAULT = text("false")
"""``DEFAULT false``: a native boolean on PostgreSQL, 0 on SQLite (which reads ``false`` as 0)."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _id() -> Mapped[str]:
    return mapped_column("id", Text, primary_key=True, default=generate_id)


def _timestamp(name: str, *, nullable: bool, on_update: bool = False) -> Any:
    """A ``createdAt``/``updatedAt`` column: set by the ORM on insert (and update), and by the database."""
    return mapped_column(
        name,
        UTCDateTime(),
        nullable=nullable,
        default=utcnow,
        onupdate=utcnow if on_update else None,
        server_default=UtcNow(),
    )


def _fk(target: str, name: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Any:
    return mapped_column(name, Text, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True)


class User(Base):
    __tablename__ = "user"

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column("name", Text)
    email: Mapped[str] = mapped_column("email", Text, unique=True)
    email_verified: Mapped[bool] = mapped_column("emailVerified", Boolean, default=False, server_default=FALSE_DEFAULT)
    image: Mapped[str | None] = mapped_column("image", Text)
    created_at: Mapped[datetime] = _timestamp("createdAt", nullable=False)
    updated_at: Mapped[datetime] = _timestamp("updatedAt", nullable=False, on_update=True)
    # admin plugin
    role: Mapped[str | None] = mapped_column("role", Text, default="user", server_default=text("'user'"))
    banned: Mapped[bool | None] = mapped_column("banned", Boolean, default=False, server_default=FALSE_DEFAULT)
    ban_reason: Mapped[str | None] = mapped_column("banReason", Text)
    ban_expires: Mapped[datetime | None] = mapped_column("banExpires", UTCDateTime())
    # stripe plugin
    stripe_customer_id: Mapped[str | None] = mapped_column("stripeCustomerId", Text)
    # this project: the user's i18n locale (BCP 47)
    preferred_locale: Mapped[str | None] = mapped_column("preferredLocale", Text)

    sessions: Mapped[list[UserSession]] = relationship(back_populates="user", lazy="raise", passive_deletes=True)
    accounts: Mapped[list[Account]] = relationship(back_populates="user", lazy="raise", passive_deletes=True)
    memberships: Mapped[list[Member]] = relationship(back_populates="user", lazy="raise", passive_deletes=True)
    passkeys: Mapped[list[Passkey]] = relationship(back_populates="user", lazy="raise", passive_deletes=True)


class UserSession(Base):
    """A sign-in session (table ``session``)."""

    __tablename__ = "session"

    id: Mapped[str] = _id()
    expires_at: Mapped[datetime] = mapped_column("expiresAt", UTCDateTime())
    token: Mapped[str] = mapped_column("token", Text, unique=True)
    created_at: Mapped[datetime] = _timestamp("createdAt", nullable=False)
    updated_at: Mapped[datetime] = _timestamp("updatedAt", nullable=False, on_update=True)
    ip_address: Mapped[str | None] = mapped_column("ipAddress", Text)
    user_agent: Mapped[str | None] = mapped_column("userAgent", Text)
    user_id: Mapped[str] = _fk("user.id", "userId")
    # admin plugin (a plain id, no foreign key in Better Auth)
    impersonated_by: Mapped[str | None] = mapped_column("impersonatedBy", Text)
    # organization plugin (plain ids, no foreign keys in Better Auth)
    active_organization_id: Mapped[str | None] = mapped_column("activeOrganizationId", Text)
    active_team_id: Mapped[str | None] = mapped_column("activeTeamId", Text)

    user: Mapped[User] = relationship(back_populates="sessions", lazy="raise")


class Account(Base):
    """A linked sign-in method: ``credential`` (password) or an OAuth provider."""

    __tablename__ = "account"

    id: Mapped[str] = _id()
    account_id: Mapped[str] = mapped_column("accountId", Text)
    provider_id: Mapped[str] = mapped_column("providerId", Text)
    user_id: Mapped[str] = _fk("user.id", "userId")
    access_token: Mapped[str | None] = mapped_column("accessToken", Text)
    refresh_token: Mapped[str | None] = mapped_column("refreshToken", Text)
    id_token: Mapped[str | None] = mapped_column("idToken", Text)
    access_token_expires_at: Mapped[datetime | None] = mapped_column("accessTokenExpiresAt", UTCDateTime())
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column("refreshTokenExpiresAt", UTCDateTime())
    scope: Mapped[str | None] = mapped_column("scope", Text)
    password: Mapped[str | None] = mapped_column("password", Text)
    created_at: Mapped[datetime] = _timestamp("createdAt", nullable=False)
    updated_at: Mapped[datetime] = _timestamp("updatedAt", nullable=False, on_update=True)

    user: Mapped[User] = relationship(back_populates="accounts", lazy="raise")


class Verification(Base):
    __tablename__ = "verification"

    id: Mapped[str] = _id()
    identifier: Mapped[str] = mapped_column("identifier", Text, index=True)
    value: Mapped[str] = mapped_column("value", Text)
    expires_at: Mapped[datetime] = mapped_column("expiresAt", UTCDateTime())
    created_at: Mapped[datetime] = _timestamp("createdAt", nullable=False)
    updated_at: Mapped[datetime] = _timestamp("updatedAt", nullable=False, on_update=True)


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column("name", Text)
    slug: Mapped[str] = mapped_column("slug", Text, unique=True)
    logo: Mapped[str | None] = mapped_column("logo", Text)
    created_at: Mapped[datetime] = _timestamp("createdAt", nullable=False)
    # JSON text (Better Auth JSON.stringify's it), not a json column
    metadata_json: Mapped[str | None] = mapped_column("metadata", Text)
    stripe_customer_id: Mapped[str | None] = mapped_column("stripeCustomerId", Text)
    # this project (Better Auth has no organization.updatedAt)
    updated_at: Mapped[datetime | None] = _timestamp("updatedAt", nullable=True, on_update=True)

    members: Mapped[list[Member]] = relationship(back_populates="organization", lazy="raise", passive_deletes=True)
    teams: Mapped[list[Team]] = relationship(back_populates="organization", lazy="raise", passive_deletes=True)
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="organization", lazy="raise", passive_deletes=True
    )


class Member(Base):
    """A user's membership of an organization, with its role (``owner``/``admin``/``member``)."""

    __tablename__ = "member"
    __table_args__ = (
        # Member lists page by (createdAt, id) within an organization: an index range scan at any depth.
        Index("member_organizationId_createdAt_id_idx", "organizationId", "createdAt", "id"),
    )

    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _fk("organization.id", "organizationId")
    user_id: Mapped[str] = _fk("user.id", "userId")
    role: Mapped[str] = mapped_column("role", Text, default="member", server_default=text("'member'"))
    created_at: Mapped[datetime] = _timestamp("createdAt", nullable=False)
    # this project: the member's primary team; team membership itself lives in teamMember
    team_id: Mapped[str | None] = _fk("team.id", "teamId", nullable=True, ondelete="SET NULL")
    updated_at: Mapped[datetime | None] = _timestamp("updatedAt", nullable=True, on_update=True)

    organization: Mapped[Organization] = relationship(back_populates="members", lazy="raise")
    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")


class Invitation(Base):
    __tablename__ = "invitation"

    id: Mapped[str] = _id()
    organization_id: Mapped[str] = _fk("organization.id", "organizationId")
    email: Mapped[str] = mapped_column("email", Text, index=True)
    role: Mapped[str | None] = mapped_column("role", Text)
    # one or more team ids joined with "," (no foreign key in Better Auth)
    team_id: Mapped[str | None] = mapped_column("teamId", Text)
    status: Mapped[str] = mapped_column("status", Text, default="pending", server_default=text("'pending'"))
    expires_at: Mapped[datetime] = mapped_column("expiresAt", UTCDateTime())
    created_at: Mapped[datetime] = _timestamp("createdAt", nullable=False)
    inviter_id: Mapped[str] = _fk("user.id", "inviterId")
    updated_at: Mapped[datetime | None] = _timestamp("updatedAt", nullable=True, on_update=True)

    organization: Mapped[Organization] = relationship(back_populates="invitations", lazy="raise")


class Team(Base):
    __tablename__ = "team"

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column("name", Text)
    # maintained with every teamMember insert/delete (Better Auth reads it)
    member_count: Mapped[int] = mapped_column("memberCount", Integer, default=0, server_default=text("0"))
    organization_id: Mapped[str] = _fk("organization.id", "organizationId")
    created_at: Mapped[datetime] = _timestamp("createdAt", nullable=False)
    updated_at: Mapped[datetime | None] = _timestamp("updatedAt", nullable=True, on_update=True)

    organization: Mapped[Organization] = relationship(back_populates="teams", lazy="raise")
    team_members: Mapped[list[TeamMember]] = relationship(back_populates="team", lazy="raise", passive_deletes=True)


class TeamMember(Base):
    __tablename__ = "teamMember"

    id: Mapped[str] = _id()
    team_id: Mapped[str] = _fk("team.id", "teamId")
    user_id: Mapped[str] = _fk("user.id", "userId")
    # base64url(SHA-256(JSON.stringify([teamId, userId]))), see app.domain.teams.membership_key
    membership_key: Mapped[str | None] = mapped_column("membershipKey", Text, unique=True)
    created_at: Mapped[datetime | None] = _timestamp("createdAt", nullable=True)
    updated_at: Mapped[datetime | None] = _timestamp("updatedAt", nullable=True, on_update=True)

    team: Mapped[Team] = relationship(back_populates="team_members", lazy="raise")


class Passkey(Base):
    __tablename__ = "passkey"

    id: Mapped[str] = _id()
    name: Mapped[str | None] = mapped_column("name", Text)
    public_key: Mapped[str] = mapped_column("publicKey", Text)
    user_id: Mapped[str] = _fk("user.id", "userId")
    credential_id: Mapped[str] = mapped_column("credentialID", Text, index=True)
    counter: Mapped[int] = mapped_column("counter", Integer)
    device_type: Mapped[str] = mapped_column("deviceType", Text)
    backed_up: Mapped[bool] = mapped_column("backedUp", Boolean)
    transports: Mapped[str | None] = mapped_column("transports", Text)
    created_at: Mapped[datetime | None] = _timestamp("createdAt", nullable=True)
    aaguid: Mapped[str | None] = mapped_column("aaguid", Text)
    updated_at: Mapped[datetime | None] = _timestamp("updatedAt", nullable=True, on_update=True)

    user: Mapped[User] = relationship(back_populates="passkeys", lazy="raise")


class SsoProvider(Base):
    __tablename__ = "ssoProvider"

    id: Mapped[str] = _id()
    issuer: Mapped[str] = mapped_column("issuer", Text)
    # JSON text; secrets inside are never returned by the API
    oidc_config: Mapped[str | None] = mapped_column("oidcConfig", Text)
    saml_config: Mapped[str | None] = mapped_column("samlConfig", Text)
    user_id: Mapped[str] = _fk("user.id", "userId")
    provider_id: Mapped[str] = mapped_column("providerId", Text, unique=True)
    # a plain id in Better Auth (no foreign key)
    organization_id: Mapped[str | None] = mapped_column("organizationId", Text)
    domain: Mapped[str] = mapped_column("domain", Text)
    created_at: Mapped[datetime | None] = _timestamp("createdAt", nullable=True)
    updated_at: Mapped[datetime | None] = _timestamp("updatedAt", nullable=True, on_update=True)


class Subscription(Base):
    __tablename__ = "subscription"

    id: Mapped[str] = _id()
    plan: Mapped[str] = mapped_column("plan", Text)
    # a user id or an organization id (no foreign key in Better Auth)
    reference_id: Mapped[str] = mapped_column("referenceId", Text)
    stripe_customer_id: Mapped[str | None] = mapped_column("stripeCustomerId", Text)
    stripe_subscription_id: Mapped[str | None] = mapped_column("stripeSubscriptionId", Text)
    status: Mapped[str] = mapped_column("status", Text, default="incomplete", server_default=text("'incomplete'"))
    period_start: Mapped[datetime | None] = mapped_column("periodStart", UTCDateTime())
    period_end: Mapped[datetime | None] = mapped_column("periodEnd", UTCDateTime())
    trial_start: Mapped[datetime | None] = mapped_column("trialStart", UTCDateTime())
    trial_end: Mapped[datetime | None] = mapped_column("trialEnd", UTCDateTime())
    cancel_at_period_end: Mapped[bool | None] = mapped_column(
        "cancelAtPeriodEnd", Boolean, default=False, server_default=FALSE_DEFAULT
    )
    cancel_at: Mapped[datetime | None] = mapped_column("cancelAt", UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column("canceledAt", UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column("endedAt", UTCDateTime())
    seats: Mapped[int | None] = mapped_column("seats", Integer)
    billing_interval: Mapped[str | None] = mapped_column("billingInterval", Text)
    stripe_schedule_id: Mapped[str | None] = mapped_column("stripeScheduleId", Text)
    created_at: Mapped[datetime | None] = _timestamp("createdAt", nullable=True)
    updated_at: Mapped[datetime | None] = _timestamp("updatedAt", nullable=True, on_update=True)
