"""Models → response structs. The only place that decides which columns leave the service.

Where a struct's fields are the model's attributes (same names, same types), ``msgspec.convert``
reads them (``from_attributes``); the others are written out, each saying what differs. (convert
refuses datetime subclasses such as :class:`~app.domain.instants.Instant`, which only request
structs hold: no column a converted model shows is set from one.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import msgspec

from app.db.models import (
    Account,
    Invitation,
    Member,
    Organization,
    Passkey,
    SsoProvider,
    Subscription,
    Team,
    TeamMember,
    User,
    UserSession,
)
from app.domain.records import MemberRecord, OrganizationRecord, SessionRecord, UserRecord
from app.domain.rules import split_list
from app.domain.schemas.base import Page
from app.domain.schemas.orgs import (
    InvitationOut,
    MemberOut,
    OrganizationOut,
    SsoProviderOut,
    SubscriptionOut,
    TeamMemberOut,
    TeamOut,
)
from app.domain.schemas.users import AccountOut, AuthResult, PasskeyOut, SessionOut, UserOut
from app.domain.teams import split_team_ids
from app.repositories.auth import Authenticated
from app.repositories.organizations import decode_metadata
from app.repositories.pagination import PageResult
from app.repositories.sso import masked_config

__all__ = (
    "account_out",
    "auth_result_out",
    "invitation_out",
    "member_out",
    "organization_out",
    "page_out",
    "passkey_out",
    "session_out",
    "sso_provider_out",
    "subscription_out",
    "team_member_out",
    "team_out",
    "user_out",
)

M = TypeVar("M")
S = TypeVar("S")


def user_out(user: User | UserRecord) -> UserOut:
    # banned is nullable in the table; ban_expires may hold an Instant (set from a request)
    return UserOut(
        id=user.id,
        name=user.name,
        email=user.email,
        email_verified=bool(user.email_verified),
        image=user.image,
        role=user.role,
        banned=bool(user.banned),
        ban_reason=user.ban_reason,
        ban_expires=user.ban_expires,
        preferred_locale=user.preferred_locale,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def session_out(session: UserSession | SessionRecord, current_id: str | None = None) -> SessionOut:
    out = msgspec.convert(session, SessionOut, from_attributes=True)
    out.current = session.id == current_id  # not a column: whether it is the caller's own session
    return out


def auth_result_out(auth: Authenticated) -> AuthResult:
    """A new session with its token: only ever returned to whoever it was just issued to."""
    return AuthResult(token=auth.session.token, user=user_out(auth.user), session=session_out(auth.session))


def account_out(account: Account) -> AccountOut:
    # scopes is the comma-separated scope column as a list
    return AccountOut(
        id=account.id,
        provider_id=account.provider_id,
        account_id=account.account_id,
        scopes=split_list(account.scope),
        access_token_expires_at=account.access_token_expires_at,
        refresh_token_expires_at=account.refresh_token_expires_at,
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


def passkey_out(passkey: Passkey) -> PasskeyOut:
    # transports is the comma-separated column as a list
    return PasskeyOut(
        id=passkey.id,
        name=passkey.name,
        device_type=passkey.device_type,
        backed_up=bool(passkey.backed_up),
        transports=split_list(passkey.transports),
        aaguid=passkey.aaguid,
        created_at=passkey.created_at,
    )


def page_out(page: PageResult[M], convert: Callable[[M], S]) -> Page[S]:
    return Page(items=[convert(item) for item in page.items], next_cursor=page.next_cursor, total=page.total)


def organization_out(organization: Organization | OrganizationRecord, role: str | None = None) -> OrganizationOut:
    # metadata is the metadata_json column decoded; role is the caller's, not a column
    return OrganizationOut(
        id=organization.id,
        name=organization.name,
        slug=organization.slug,
        logo=organization.logo,
        metadata=decode_metadata(organization.metadata_json),
        created_at=organization.created_at,
        updated_at=organization.updated_at,
        role=role,
    )


def member_out(member: Member | MemberRecord) -> MemberOut:
    """A member with its user (which the repository loaded)."""
    assert member.user is not None, "the repository loads a member's user with it"
    return msgspec.convert(member, MemberOut, from_attributes=True)


def invitation_out(invitation: Invitation, organization_name: str | None = None) -> InvitationOut:
    # team_ids is the team_id column split; organization_name is joined by the caller, not a column
    return InvitationOut(
        id=invitation.id,
        organization_id=invitation.organization_id,
        email=invitation.email,
        role=invitation.role,
        team_ids=split_team_ids(invitation.team_id),
        status=invitation.status,
        expires_at=invitation.expires_at,
        created_at=invitation.created_at,
        inviter_id=invitation.inviter_id,
        organization_name=organization_name,
    )


def team_out(team: Team) -> TeamOut:
    return msgspec.convert(team, TeamOut, from_attributes=True)


def team_member_out(row: TeamMember) -> TeamMemberOut:
    return msgspec.convert(row, TeamMemberOut, from_attributes=True)


def sso_provider_out(provider: SsoProvider) -> SsoProviderOut:
    # the configs are the stored JSON with their secrets masked
    return SsoProviderOut(
        id=provider.id,
        provider_id=provider.provider_id,
        issuer=provider.issuer,
        domain=provider.domain,
        organization_id=provider.organization_id,
        user_id=provider.user_id,
        oidc_config=masked_config(provider.oidc_config),
        saml_config=masked_config(provider.saml_config),
        created_at=provider.created_at,
    )


def subscription_out(subscription: Subscription) -> SubscriptionOut:
    # cancel_at_period_end is nullable in the table
    return SubscriptionOut(
        id=subscription.id,
        plan=subscription.plan,
        reference_id=subscription.reference_id,
        status=subscription.status,
        period_start=subscription.period_start,
        period_end=subscription.period_end,
        trial_start=subscription.trial_start,
        trial_end=subscription.trial_end,
        cancel_at_period_end=bool(subscription.cancel_at_period_end),
        cancel_at=subscription.cancel_at,
        canceled_at=subscription.canceled_at,
        ended_at=subscription.ended_at,
        seats=subscription.seats,
        billing_interval=subscription.billing_interval,
    )
