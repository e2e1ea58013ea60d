"""A small multi-tenant world built through the repositories and the model factories (no HTTP,
no scrypt; team members through the counters' one writer, ``teams.add_team_member``):
one organization with an owner, an admin, a member and a target member, its teams, an invitation,
an SSO provider and a subscription; a second organization the callers do not belong to; a user
who is in no organization, a global admin, and an invitee."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.db.models import User
from app.db.types import utcnow
from app.dev.factories import (
    InvitationFactory,
    MemberFactory,
    OrganizationFactory,
    PasskeyFactory,
    SsoProviderFactory,
    SubscriptionFactory,
    TeamFactory,
)
from app.domain.enums import UserRole
from app.domain.rules import INVITATION_LIFETIME, SESSION_LIFETIME
from app.repositories import sessions as session_repo
from app.repositories import teams as team_repo
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

        org = OrganizationFactory.build(name="Acme", slug=f"acme-{tag}")
        other = OrganizationFactory.build(name="Other", slug=f"other-{tag}")
        db.add_all([org, other])
        await db.flush()
        members = [
            MemberFactory.build(organization_id=org.id, user_id=owner.id, role="owner"),
            MemberFactory.build(organization_id=org.id, user_id=org_admin.id, role="admin"),
            MemberFactory.build(organization_id=org.id, user_id=member.id, role="member"),
            MemberFactory.build(organization_id=org.id, user_id=target.id, role="member"),
            MemberFactory.build(organization_id=other.id, user_id=stranger.id, role="owner"),
        ]
        team = TeamFactory.build(name="Core", organization_id=org.id)
        empty_team = TeamFactory.build(name="Empty", organization_id=org.id)
        other_team = TeamFactory.build(name="Theirs", organization_id=other.id)
        db.add_all([*members, team, empty_team, other_team])
        await db.flush()
        await team_repo.add_team_member(db, org.id, team.id, target.id)  # the counters' one writer
        expires_at = utcnow() + INVITATION_LIFETIME
        invitation = InvitationFactory.build(
            organization_id=org.id, email=invitee.email, expires_at=expires_at, inviter_id=owner.id
        )
        other_invitation = InvitationFactory.build(
            organization_id=other.id, email=invitee.email, expires_at=expires_at, inviter_id=stranger.id
        )
        provider = SsoProviderFactory.build(
            provider_id=f"acme-oidc-{tag}",
            domain="acme.example.com",
            oidc_config='{"clientId":"cid","clientSecret":"top-secret-value"}',  # the leak scans look for it
            user_id=owner.id,
            organization_id=org.id,
        )
        other_provider = SsoProviderFactory.build(
            provider_id=f"other-oidc-{tag}", domain="other.example.org", user_id=stranger.id, organization_id=other.id
        )
        subscription = SubscriptionFactory.build(reference_id=org.id)
        passkey = PasskeyFactory.build(user_id=target.id, credential_id=f"cred-{tag}")
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
