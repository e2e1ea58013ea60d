"""What a fuzzed caller owns: an organization full of things, so that generated requests carrying
its ids reach the code behind them (random ids stop at the first 404).

``provision`` builds one caller's world straight through the repositories and ORM (no HTTP, no
scrypt): the caller (a plain member, the owner, or a global admin who administers the
organization), its sessions and passkeys, the organization with a co-owner, an admin and members,
teams (one with members), pending invitations, an SSO provider, a subscription, invitations
from another organization to the caller, and live password-reset tokens (of a member's account:
the reset link's ``{token}``). ``Caller.ids_for`` answers, for a route's path
parameter, the ids that exist for this caller.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.db.models import Invitation, Member, Organization, Passkey, SsoProvider, Subscription, Team, TeamMember, User
from app.db.types import utcnow
from app.domain.enums import UserRole
from app.domain.rules import INVITATION_LIFETIME, SESSION_LIFETIME
from app.domain.teams import membership_key
from app.repositories import password_reset as reset_repo
from app.repositories import sessions as session_repo
from app.repositories import users as user_repo

__all__ = ("KINDS", "Caller", "provision")

KINDS = ("member", "owner", "admin")
"""Fuzzed callers who sign in (the anonymous caller has no world)."""
_ORG_ROLE = {"member": "member", "owner": "owner", "admin": "admin"}
_RESET_LIFETIME = timedelta(days=1)  # outlives any run


@dataclass
class Caller:
    kind: str
    token: str
    ids: dict[str, list[str]] = field(default_factory=dict)  # pool name -> ids

    def ids_for(self, route: str, parameter: str) -> list[str]:
        """The ids that exist for this caller for ``parameter`` of ``route`` (an OpenAPI path)."""
        if parameter == "invitation_id":
            return self.ids["incoming_invitation" if route.startswith("/api/invitations") else "invitation"]
        if parameter == "session_id":
            return self.ids["own_session" if route.startswith("/api/me") else "user_session"]
        if parameter == "user_id":
            return self.ids["team_user" if "/teams/" in route else "user"]
        return self.ids[parameter.removesuffix("_id")]


async def provision(engine: AsyncEngine, kind: str) -> Caller:
    tag = uuid.uuid4().hex[:10]
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:

        async def user(key: str, role: UserRole = UserRole.USER) -> User:
            return await user_repo.create_user(
                db, name=key.title(), email=f"{kind}-{key}-{tag}@fuzz.example.com", password_hash=None, role=role
            )

        async def session(owner: User) -> tuple[str, str]:
            created = await session_repo.create_session(
                db, user_id=owner.id, lifetime=SESSION_LIFETIME, ip_address=None, user_agent=None
            )
            return created.id, created.token

        me = await user("caller", UserRole.ADMIN if kind == "admin" else UserRole.USER)
        co_owner, org_admin, plain, target, stranger = [
            await user(key) for key in ("co-owner", "org-admin", "plain", "target", "stranger")
        ]
        acting_id, token = await session(me)
        spare_ids = [(await session(me))[0] for _ in range(2)]
        target_session_ids = [(await session(target))[0] for _ in range(2)]

        org = Organization(name=f"Fuzz {kind}", slug=f"fuzz-{kind}-{tag}")
        other = Organization(name="Elsewhere", slug=f"elsewhere-{tag}")
        db.add_all([org, other])
        await db.flush()
        members = [
            Member(organization_id=org.id, user_id=me.id, role=_ORG_ROLE[kind]),
            Member(organization_id=org.id, user_id=co_owner.id, role="owner"),
            Member(organization_id=org.id, user_id=org_admin.id, role="admin"),
            Member(organization_id=org.id, user_id=plain.id, role="member"),
            Member(organization_id=org.id, user_id=target.id, role="member"),
            Member(organization_id=other.id, user_id=stranger.id, role="owner"),
        ]
        teams = [
            Team(name="Core", organization_id=org.id, member_count=2),
            Team(name="Empty", organization_id=org.id, member_count=0),
        ]
        db.add_all([*members, *teams])
        await db.flush()
        db.add_all(
            TeamMember(team_id=teams[0].id, user_id=person.id, membership_key=membership_key(teams[0].id, person.id))
            for person in (target, plain)
        )
        expires = utcnow() + INVITATION_LIFETIME
        outgoing = [
            Invitation(organization_id=org.id, email=f"guest-{n}-{tag}@fuzz.example.com", role="member",
                       status="pending", expires_at=expires, inviter_id=co_owner.id)
            for n in range(2)
        ]  # fmt: skip
        incoming = [
            Invitation(organization_id=other.id, email=me.email, role=role, status="pending", expires_at=expires,
                       inviter_id=stranger.id)
            for role in ("member", "admin")
        ]  # fmt: skip
        provider = SsoProvider(
            provider_id=f"fuzz-oidc-{tag}",
            issuer="https://idp.example.com",
            domain=f"{tag}.example.com",
            oidc_config='{"clientId":"cid","clientSecret":"fuzz-secret"}',
            user_id=co_owner.id,
            organization_id=org.id,
        )
        subscription = Subscription(plan="pro", reference_id=org.id, status="active", seats=5)
        passkeys = [
            Passkey(public_key="pQE=", user_id=me.id, credential_id=f"cred-{n}-{tag}", counter=0,
                    device_type="singleDevice", backed_up=False)
            for n in range(2)
        ]  # fmt: skip
        db.add_all([*outgoing, *incoming, provider, subscription, *passkeys])
        reset_tokens = []
        for person in (target, plain):
            issued = await reset_repo.issue_reset_token(db, person.email, lifetime=_RESET_LIFETIME)
            assert issued is not None
            reset_tokens.append(issued[1])
        await db.commit()
        return Caller(
            kind=kind,
            token=token,
            ids={
                "org": [org.id],
                "member": [m.id for m in members[:5]],
                "team": [t.id for t in teams],
                "invitation": [i.id for i in outgoing],
                "incoming_invitation": [i.id for i in incoming],
                "provider": [provider.id],
                "subscription": [subscription.id],
                "passkey": [p.id for p in passkeys],
                "own_session": [*spare_ids, acting_id],
                "user_session": [*target_session_ids, *spare_ids],
                "team_user": [target.id, plain.id, co_owner.id],
                "user": [target.id, plain.id, co_owner.id, org_admin.id, me.id],
                "token": reset_tokens,
            },
        )
