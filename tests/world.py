"""A small multi-tenant world built straight through the repositories (no HTTP, no scrypt):
one organization with an owner, an admin, a member and a target member, its teams, an invitation,
an SSO provider and a subscription; a second organization the callers do not belong to; a user
who is in no organization, a global admin, and an invitee."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.db.models import Invitation, Member, Organization, Passkey, SsoProvider, Subscription, Team, TeamMember, User
from app.db.types import utcnow
from app.domain.enums import UserRole
from app.domain.rules import INVITATION_LIFETIME, SESSION_LIFETIME
from app.domain.teams import membership_key
from app.repositories import sessions as session_repo
from app.repositories import users as user_repo

ROLES = ("anonymous", "non_member", "member", "org_admin", "owner", "global_admin")


@dataclass
class World:
    tokens: dict[str, str | None] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)


async def build_world(engine: AsyncEngine) -> World:
    tag = uuid.uuid4().hex[:10]
    world = World(tokens={"anonymous": None})
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:

        async def user(key: str, role: UserRole = UserRole.USER) -> User:
            created = await user_repo.create_user(
                db, name=key.title(), email=f"{key}-{tag}@example.com", password_hash=None, role=role
            )
            world.ids[f"{key}_user"] = created.id
            session = await session_repo.create_session(
                db, user_id=created.id, lifetime=SESSION_LIFETIME, ip_address=None, user_agent=None
            )
            world.tokens[key] = session.token
            world.ids[f"{key}_session"] = session.id
            return created

        owner = await user("owner")
        org_admin = await user("org_admin")
        member = await user("member")
        target = await user("target")
        await user("non_member")
        await user("global_admin", UserRole.ADMIN)
        invitee = await user("invitee")
        stranger = await user("stranger")

        org = Organization(name="Acme", slug=f"acme-{tag}")
        other = Organization(name="Other", slug=f"other-{tag}")
        db.add_all([org, other])
        await db.flush()
        members = [
            Member(organization_id=org.id, user_id=owner.id, role="owner"),
            Member(organization_id=org.id, user_id=org_admin.id, role="admin"),
            Member(organization_id=org.id, user_id=member.id, role="member"),
            Member(organization_id=org.id, user_id=target.id, role="member"),
            Member(organization_id=other.id, user_id=stranger.id, role="owner"),
        ]
        db.add_all(members)
        team = Team(name="Core", organization_id=org.id, member_count=1)
        empty_team = Team(name="Empty", organization_id=org.id, member_count=0)
        other_team = Team(name="Theirs", organization_id=other.id, member_count=0)
        db.add_all([team, empty_team, other_team])
        await db.flush()
        db.add(TeamMember(team_id=team.id, user_id=target.id, membership_key=membership_key(team.id, target.id)))
        now = utcnow()
        invitation = Invitation(
            organization_id=org.id,
            email=invitee.email,
            role="member",
            status="pending",
            expires_at=now + INVITATION_LIFETIME,
            inviter_id=owner.id,
        )
        other_invitation = Invitation(
            organization_id=other.id,
            email=invitee.email,
            role="member",
            status="pending",
            expires_at=now + INVITATION_LIFETIME,
            inviter_id=stranger.id,
        )
        provider = SsoProvider(
            provider_id=f"acme-oidc-{tag}",
            issuer="https://idp.example.com",
            domain="acme.example.com",
            oidc_config='{"clientId":"cid","clientSecret":"top-secret-value"}',
            user_id=owner.id,
            organization_id=org.id,
        )
        other_provider = SsoProvider(
            provider_id=f"other-oidc-{tag}",
            issuer="https://idp.example.org",
            domain="other.example.org",
            user_id=stranger.id,
            organization_id=other.id,
        )
        subscription = Subscription(plan="pro", reference_id=org.id, status="active", seats=5)
        passkey = Passkey(
            public_key="pQE=",
            user_id=target.id,
            credential_id=f"cred-{tag}",
            counter=0,
            device_type="singleDevice",
            backed_up=False,
        )
        db.add_all([invitation, other_invitation, provider, other_provider, subscription, passkey])
        await db.commit()
        world.ids.update(
            org=org.id,
            other_org=other.id,
            member=members[3].id,  # the target member
            owner_member=members[0].id,
            other_member=members[4].id,  # the other organization's owner
            team=team.id,
            empty_team=empty_team.id,
            other_team=other_team.id,
            invitation=invitation.id,
            other_invitation=other_invitation.id,
            provider=provider.id,
            other_provider=other_provider.id,
            subscription=subscription.id,
            passkey=passkey.id,
            tag=tag,
        )
    return world
