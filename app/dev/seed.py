"""The development data set behind ``scripts/seed.py`` (idempotent, atomic).

    python scripts/seed.py [--database-url URL] [--seed N] [--scale N] [--password PW] [--force]

- Realistic values come from the polyfactory factories in ``app/dev/factories.py`` (Faker).
- Idempotent: every seeded user has an email under ``@seed.example.com`` and every seeded
  organization a slug starting with ``seed-``; a run first removes exactly those rows (and what
  hangs off them), then inserts the data set again. Rows created by hand survive.
- Atomic: one transaction; any failure rolls everything back and exits non-zero.
- ``--seed N`` makes the data reproducible (ids, names, hashes; timestamps are anchored at the
  start of the current UTC day). ``--scale N`` multiplies users and organizations.
- The shared development password is hashed once per run (scrypt is slow by design).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Table, delete, func, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Binding, Settings, get_settings
from app.db.engine import create_engine, writer
from app.db.models import (
    Base,
    Invitation,
    Organization,
    SsoProvider,
    Subscription,
    TeamMember,
    User,
)
from app.db.types import utcnow
from app.dev.factories import (
    RNG,
    AccountFactory,
    InvitationFactory,
    MemberFactory,
    OrganizationFactory,
    PasskeyFactory,
    SeedFactory,
    SessionFactory,
    SsoProviderFactory,
    SubscriptionFactory,
    TeamFactory,
    UserFactory,
    column_names,
    random_id,
    row_values,
    seed_factories,
)
from app.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password
from app.domain.rules import INVITATION_LIFETIME, SESSION_LIFETIME
from app.domain.teams import membership_key
from app.repositories.teams import remove_team_members
from app.repositories.users import CREDENTIAL_PROVIDER

SEED_DOMAIN = "seed.example.com"
SEED_SLUG_PREFIX = "seed-"
DEFAULT_PASSWORD = "seed-password-2026"
BATCH = 2000
# A 256 MiB SQLite page cache for the bulk insert: with the default 2 MiB, inserting 450,000 rows
# with random ids into their unique indexes spends its time re-reading evicted index pages
# (measured: the insert ~25% faster at 100,000 users).
BULK_CACHE_KIB = 256 * 1024


def _console(*, stderr: bool) -> Console:
    """A console that wraps long lines only on a terminal: piped or captured output keeps each
    message on one line (Rich would otherwise wrap it at its fallback width of 80 columns)."""
    console = Console(stderr=stderr)
    console.soft_wrap = not console.is_terminal
    return console


err = _console(stderr=True)
out = _console(stderr=False)


class SeedError(RuntimeError):
    """A reason to stop without writing anything (the message says what to do)."""


@dataclass(repr=False)
class Plan:
    """Rows to insert, per model, in dependency order; each row is keyed by column name (the
    table's own names, ``createdAt``), ready for a Core insert without per-row remapping."""

    now: datetime
    rows: dict[type[Base], list[dict[str, Any]]] = field(default_factory=dict)
    sign_ins: list[tuple[str, str]] = field(default_factory=list)  # (email, what they are)

    def add(self, model: type[Base], values: dict[str, Any]) -> Row:
        """Queue a row; timestamps it leaves empty get the run's clock (reproducible with --seed)."""
        created = values.get("createdAt") or self.now
        for key, moment in (("createdAt", created), ("updatedAt", created)):
            if key in values and values[key] is None:
                values[key] = moment
        row = Row(values)
        self.rows.setdefault(model, []).append(row)
        return row

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def in_insert_order(self) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
        """Each table with planned rows and its rows, parents before children (``metadata.sorted_tables``)."""
        by_table = {model.__table__: rows for model, rows in self.rows.items()}
        for table in Base.metadata.sorted_tables:
            rows = by_table.get(table)
            if rows:
                yield table, rows

    def __repr__(self) -> str:
        # Short on purpose: Python 3.11's asyncio.run formats its finished main task, result
        # included, when it restores the SIGINT handler; a full repr of 450,000 rows took 13 s.
        sizes = ", ".join(f"{model.__name__}={len(rows)}" for model, rows in self.rows.items())
        return f"Plan(now={self.now.isoformat()}, {sizes})"


class Row(dict[str, Any]):
    """A planned row (column name -> value), readable as ``row.id``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


POOL_SIZE = 128


class Builder:
    """Builds the data set from the factories, wiring every foreign key explicitly.

    Each factory builds a pool of rows once (Faker is the slow part, ~0.5 ms a row); every row of
    the data set starts as a copy of one drawn from its pool, with a fresh id and the values the
    builder decides. Ten thousand users then cost milliseconds, not seconds.
    """

    def __init__(self, plan: Plan, now: datetime, password_hash: str) -> None:
        self.plan = plan
        self.now = now
        self.password_hash = password_hash
        self.member_of: dict[tuple[str, str], dict[str, Any]] = {}
        self.pools: dict[type[SeedFactory[Any]], list[dict[str, Any]]] = {}

    def make(self, factory: type[SeedFactory[Any]], **values: Any) -> Row:
        pool = self.pools.get(factory)
        if pool is None:
            pool = self.pools[factory] = [row_values(factory.build()) for _ in range(POOL_SIZE)]
        row = dict(RNG.choice(pool))
        row["id"] = random_id()
        columns = column_names(factory.__model__)
        for key, value in values.items():  # the builder speaks attribute names
            row[columns[key]] = value
        return self.plan.add(factory.__model__, row)

    def moment(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=days_ago)

    def user(self, local: str, *, role: str = "user", **values: Any) -> Row:
        created = self.moment(RNG.uniform(30, 400))
        user = self.make(
            UserFactory, email=f"{local}@{SEED_DOMAIN}", role=role, created_at=created, updated_at=created, **values
        )
        self.make(
            AccountFactory,
            account_id=user.id,
            provider_id=CREDENTIAL_PROVIDER,
            user_id=user.id,
            password=self.password_hash,
            created_at=created,
            updated_at=created,
        )
        return user

    def organization(self, name: str | None = None) -> Row:
        created = self.moment(RNG.uniform(10, 300))
        organization = self.make(OrganizationFactory, created_at=created, updated_at=created)
        if name:
            organization["name"] = name
        organization["slug"] = f"{SEED_SLUG_PREFIX}{organization.slug}-{random_id(6).lower()}"
        return organization

    def member(self, organization: Row, user: Row, role: str) -> Row:
        created = self.moment(RNG.uniform(1, 10))
        row = self.make(
            MemberFactory, organization_id=organization.id, user_id=user.id, role=role, team_id=None, created_at=created
        )
        self.member_of[(organization.id, user.id)] = row
        return row

    def team(self, organization: Row, members: Iterable[Row], name: str | None = None) -> Row:
        created = self.moment(RNG.uniform(1, 9))
        team = self.make(TeamFactory, organization_id=organization.id, created_at=created)
        if name:
            team["name"] = name
        for user in members:
            self.plan.rows.setdefault(TeamMember, []).append(
                {
                    "id": random_id(),
                    "teamId": team.id,
                    "userId": user.id,
                    "membershipKey": membership_key(team.id, user.id),
                    "createdAt": created,
                    "updatedAt": created,
                }
            )
            team["memberCount"] += 1
            member_row = self.member_of[(organization.id, user.id)]
            if member_row["teamId"] is None:
                member_row["teamId"] = team.id
        return team

    def session(self, user: Row, **values: Any) -> Row:
        created = self.moment(RNG.uniform(0, 0.9))
        return self.make(
            SessionFactory,
            token=random_id(),
            user_id=user.id,
            created_at=created,
            updated_at=created,
            expires_at=created + SESSION_LIFETIME,
            **values,
        )

    def invitation(
        self,
        organization: Row,
        inviter: Row,
        email: str,
        status: str,
        *,
        expired: bool = False,
        **values: Any,
    ) -> None:
        created = self.moment(5 if expired else RNG.uniform(0, 1.5))
        self.make(
            InvitationFactory,
            organization_id=organization.id,
            inviter_id=inviter.id,
            email=email,
            status=status,
            created_at=created,
            expires_at=created + INVITATION_LIFETIME,
            **values,
        )

    def subscription(self, organization: Row, **values: Any) -> None:
        start = self.moment(RNG.uniform(1, 25))
        self.make(
            SubscriptionFactory,
            reference_id=organization.id,
            period_start=start,
            period_end=start + timedelta(days=30),
            **values,
        )


def build_plan(now: datetime, password_hash: str, scale: int) -> Plan:
    plan = Plan(now=now)
    b = Builder(plan, now, password_hash)

    admin = b.user("admin", role="admin", name="Ada Admin", email_verified=True)
    owner = b.user("owner", name="Olivia Owner", email_verified=True)
    org_admin = b.user("org-admin", name="Adam Orgadmin")
    member = b.user("member", name="Mia Member")
    teammate = b.user("teammate", name="Theo Teammate")
    invitee = b.user("invitee", name="Ivy Invitee")
    b.user("banned", name="Bart Banned", banned=True, ban_reason="Spam", ban_expires=now + timedelta(days=30))
    plan.sign_ins += [
        (admin.email, "global admin"),
        (owner.email, "owner of Acme"),
        (org_admin.email, "admin of Acme"),
        (member.email, "member of Acme"),
        (teammate.email, "member of Acme, in two teams"),
        (invitee.email, "has a pending invitation to Acme"),
    ]

    acme = b.organization("Acme Corporation")
    b.member(acme, owner, "owner")
    b.member(acme, org_admin, "admin")
    b.member(acme, member, "member")
    b.member(acme, teammate, "member")
    platform = b.team(acme, [member, teammate], "Platform")
    b.team(acme, [org_admin, teammate], "Design")

    b.invitation(acme, owner, invitee.email, "pending", team_id=platform.id)
    b.invitation(acme, org_admin, f"accepted@{SEED_DOMAIN}", "accepted")
    b.invitation(acme, owner, f"rejected@{SEED_DOMAIN}", "rejected")
    b.invitation(acme, owner, f"canceled@{SEED_DOMAIN}", "canceled")
    b.invitation(acme, owner, f"late@{SEED_DOMAIN}", "pending", expired=True)

    b.session(owner, active_organization_id=acme.id, active_team_id=None)
    b.session(member, active_organization_id=acme.id, active_team_id=platform.id)
    b.session(admin)
    b.make(
        AccountFactory,
        user_id=owner.id,
        provider_id="github",
        access_token=f"gho_{random_id(36)}",
        refresh_token=f"ghr_{random_id(36)}",
        scope="read:user,user:email",
        access_token_expires_at=now + timedelta(hours=8),
        created_at=now,
        updated_at=now,
    )
    b.make(PasskeyFactory, user_id=owner.id, created_at=now - timedelta(days=3))
    b.make(
        SsoProviderFactory,
        provider_id=f"{SEED_SLUG_PREFIX}acme-okta-{random_id(6).lower()}",
        user_id=owner.id,
        organization_id=acme.id,
        domain="acme.example.com",
        oidc_config=(
            '{"clientId":"acme-client","clientSecret":"seed-oidc-secret",'
            '"discoveryEndpoint":"https://acme.okta.com/.well-known/openid-configuration","pkce":true}'
        ),
        created_at=now,
    )
    b.subscription(acme, plan="team", seats=10)

    # --scale: three more users per unit, one more organization per three units.
    bulk_users = [b.user(f"user{n:06d}") for n in range(3 * (scale - 1))]
    for index in range(0, len(bulk_users) - 8, 9):
        people = bulk_users[index : index + 9]
        organization = b.organization()
        b.member(organization, people[0], "owner")
        b.member(organization, people[1], "admin")
        for person in people[2:6]:
            b.member(organization, person, "member")
        b.team(organization, people[2:4])
        b.team(organization, people[3:6])
        b.invitation(organization, people[0], people[6].email, "pending")
        b.invitation(organization, people[1], people[7].email, "accepted")
        b.subscription(organization, status=RNG.choice(("active", "trialing", "past_due")))
        b.session(people[0], active_organization_id=organization.id)
    for person in bulk_users[::2]:
        b.session(person)
    return plan


async def remove_previous_seed(db: AsyncSession) -> None:
    """Delete exactly what an earlier run created: seeded users and organizations, and what hangs off them."""
    seeded_users = select(User.id).where(User.email.like(f"%@{SEED_DOMAIN}"))
    seeded_orgs = select(Organization.id).where(Organization.slug.like(f"{SEED_SLUG_PREFIX}%"))
    # Seeded users may have been added by hand to other teams: keep those counters exact.
    await remove_team_members(db, TeamMember.user_id.in_(seeded_users))
    await db.execute(delete(Subscription).where(Subscription.reference_id.in_(seeded_orgs)))
    await db.execute(delete(SsoProvider).where(SsoProvider.organization_id.in_(seeded_orgs)))
    await db.execute(delete(Invitation).where(Invitation.email.like(f"%@{SEED_DOMAIN}")))
    await db.execute(delete(Organization).where(Organization.id.in_(seeded_orgs)))
    await db.execute(delete(User).where(User.id.in_(seeded_users)))


async def insert_plan(db: AsyncSession, plan: Plan, progress: Progress | None) -> None:
    task = progress.add_task("inserting", total=plan.count()) if progress else None
    for table, rows in plan.in_insert_order():
        # Core inserts into the table (rows are keyed by column name): no per-row ORM bookkeeping.
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            await db.execute(insert(table), chunk)
            if progress is not None and task is not None:
                progress.advance(task, len(chunk))


async def table_counts(db: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        counts[table.name] = (await db.execute(select(func.count()).select_from(table))).scalar_one()
    return counts


async def schema_present(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda c: inspect(c).has_table(User.__tablename__))


@dataclass(frozen=True)
class Options:
    database_url: str | None
    seed: int | None
    scale: int
    password: str
    force: bool
    quiet: bool


async def run(options: Options, settings: Settings) -> tuple[Plan, dict[str, int]]:
    if settings.is_production and not options.force:
        raise SeedError(
            "Refusing to seed a production configuration (APP_ENV=production); pass --force to do it anyway."
        )
    if options.database_url:
        settings = replace(settings, db=Binding("DB", options.database_url, "--database-url"))
    if settings.db.url is None:
        raise SeedError(f"The DB binding is absent ({settings.db.source}); set DATABASE_URL or --database-url.")
    engine = create_engine(settings, sqlite_cache_kib=BULK_CACHE_KIB)
    try:
        if not await schema_present(engine):
            raise SeedError("The database has no schema (no `user` table). Run `litestar database upgrade` first.")
        if options.seed is not None:
            seed_factories(options.seed)
            now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            salt = f"{RNG.getrandbits(128):032x}"
        else:
            now, salt = utcnow(), None
        password_hash = await asyncio.to_thread(hash_password, options.password, salt)
        plan = build_plan(now, password_hash, options.scale)
        async with async_sessionmaker(writer(engine), expire_on_commit=False)() as db, db.begin():
            await remove_previous_seed(db)
            if options.quiet:
                await insert_plan(db, plan, None)
            else:
                columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
                with Progress(*columns, console=err, transient=True) as progress:
                    await insert_plan(db, plan, progress)
            counts = await table_counts(db)
        return plan, counts
    finally:
        await engine.dispose()


def parse(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", help="target database (default: the app's DB binding / DATABASE_URL)")
    parser.add_argument("--seed", type=int, help="random seed for reproducible data")
    parser.add_argument("--scale", type=int, default=1, help="multiply users and organizations (default 1)")
    parser.add_argument("--password", default=os.environ.get("SEED_PASSWORD", DEFAULT_PASSWORD))
    parser.add_argument("--force", action="store_true", help="allow a production configuration")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    if not MIN_PASSWORD_LENGTH <= len(args.password) <= MAX_PASSWORD_LENGTH:
        parser.error(f"--password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
    return Options(args.database_url, args.seed, args.scale, args.password, args.force, args.quiet)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    try:
        plan, counts = asyncio.run(run(options, get_settings()))
    except SeedError as exc:
        err.print(f"[red]seed: {exc}[/red]", highlight=False)
        return 1
    except Exception as exc:  # noqa: BLE001 - the whole seed rolled back; say so and fail
        err.print(f"[red]seed failed, nothing was written: {type(exc).__name__}: {exc}[/red]", highlight=False)
        return 1
    out.print(f"Seeded {plan.count()} rows. Rows per table now:", highlight=False)
    for table, count in counts.items():
        out.print(f"  {table:<14} {count}", highlight=False)
    out.print(
        "\nSign in (here or through Better Auth) with any of these, password: " + options.password, soft_wrap=True
    )
    for email, what in plan.sign_ins:
        out.print(f"  {email:<32} {what}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
