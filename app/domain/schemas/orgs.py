"""Organizations, members, invitations, teams, SSO providers and subscriptions as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from app.domain.enums import MemberRole, SubscriptionStatus
from app.domain.schemas.base import CamelStruct, Email, Identifier, Name, Url

__all__ = (
    "InvitationCreate",
    "InvitationOut",
    "MemberOut",
    "MemberRoleUpdate",
    "MemberUser",
    "OidcConfig",
    "OrganizationCreate",
    "OrganizationOut",
    "OrganizationUpdate",
    "SamlConfig",
    "SsoProviderCreate",
    "SsoProviderOut",
    "SsoProviderUpdate",
    "SubscriptionOut",
    "SubscriptionUpdate",
    "TeamCreate",
    "TeamMemberAdd",
    "TeamMemberOut",
    "TeamOut",
    "TeamUpdate",
)

Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Metadata = Annotated[dict[str, Any], msgspec.Meta(description="Free-form JSON object (stored as JSON text)")]
Domain = Annotated[
    str, msgspec.Meta(min_length=3, max_length=253, pattern=r"^([A-Za-z0-9](-*[A-Za-z0-9])*\.)+[A-Za-z]{2,}$")
]
HttpsUrl = Annotated[str, msgspec.Meta(max_length=2048, pattern=r"^https?://[^\s]+$")]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=8192)]


class OrganizationCreate(CamelStruct):
    name: Name
    slug: Slug | None = None
    logo: Url | None = None
    metadata: Metadata | None = None


class OrganizationUpdate(CamelStruct):
    name: Name | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET
    logo: Url | UnsetType | None = UNSET
    metadata: Metadata | UnsetType | None = UNSET


class OrganizationOut(CamelStruct):
    id: str
    name: str
    slug: str
    logo: str | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime | None
    role: str | None = None
    """The caller's role in this organization."""


class MemberUser(CamelStruct):
    id: str
    name: str
    email: str
    image: str | None


class MemberOut(CamelStruct):
    id: str
    organization_id: str
    user_id: str
    role: str
    team_id: str | None
    created_at: datetime
    user: MemberUser


class MemberRoleUpdate(CamelStruct):
    role: MemberRole


class InvitationCreate(CamelStruct):
    email: Email
    role: MemberRole = MemberRole.MEMBER
    team_ids: Annotated[list[Identifier], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)


class InvitationOut(CamelStruct):
    id: str
    organization_id: str
    email: str
    role: str | None
    team_ids: list[str]
    status: str
    expires_at: datetime
    created_at: datetime
    inviter_id: str
    organization_name: str | None = None


class TeamCreate(CamelStruct):
    name: Name


class TeamUpdate(CamelStruct):
    name: Name


class TeamOut(CamelStruct):
    id: str
    organization_id: str
    name: str
    member_count: int
    created_at: datetime
    updated_at: datetime | None


class TeamMemberAdd(CamelStruct):
    user_id: Identifier


class TeamMemberOut(CamelStruct):
    id: str
    team_id: str
    user_id: str
    created_at: datetime | None


class OidcConfig(CamelStruct, omit_defaults=True):
    """Better Auth SSO OIDC configuration; ``clientSecret`` is write-only (masked when read)."""

    client_id: Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
    client_secret: Secret
    discovery_endpoint: HttpsUrl | None = None
    authorization_endpoint: HttpsUrl | None = None
    token_endpoint: HttpsUrl | None = None
    user_info_endpoint: HttpsUrl | None = None
    jwks_endpoint: HttpsUrl | None = None
    issuer: HttpsUrl | None = None
    scopes: list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]] | None = None
    pkce: bool = True
    token_endpoint_authentication: Annotated[str, msgspec.Meta(pattern=r"^client_secret_(basic|post)$")] | None = None
    mapping: dict[str, Any] | None = None


class SamlConfig(CamelStruct, omit_defaults=True):
    """Better Auth SSO SAML configuration; ``privateKey``/``decryptionPvk`` are write-only."""

    entry_point: HttpsUrl
    cert: Secret
    callback_url: HttpsUrl
    audience: str | None = None
    issuer: str | None = None
    idp_metadata: dict[str, Any] | None = None
    sp_metadata: dict[str, Any] | None = None
    want_assertions_signed: bool | None = None
    signature_algorithm: str | None = None
    digest_algorithm: str | None = None
    identifier_format: str | None = None
    private_key: Secret | None = None
    decryption_pvk: Secret | None = None
    mapping: dict[str, Any] | None = None


class SsoProviderCreate(CamelStruct):
    """Exactly one of ``oidcConfig`` and ``samlConfig``."""

    provider_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    issuer: HttpsUrl
    domain: Domain
    oidc_config: OidcConfig | None = None
    saml_config: SamlConfig | None = None


class SsoProviderUpdate(CamelStruct):
    """Secrets left out of a new config keep their stored value."""

    issuer: HttpsUrl | UnsetType = UNSET
    domain: Domain | UnsetType = UNSET
    oidc_config: dict[str, Any] | UnsetType = UNSET
    saml_config: dict[str, Any] | UnsetType = UNSET


class SsoProviderOut(CamelStruct):
    id: str
    provider_id: str
    issuer: str
    domain: str
    organization_id: str | None
    user_id: str
    oidc_config: dict[str, Any] | None
    saml_config: dict[str, Any] | None
    created_at: datetime | None


class SubscriptionOut(CamelStruct):
    id: str
    plan: str
    reference_id: str
    status: str
    period_start: datetime | None
    period_end: datetime | None
    trial_start: datetime | None
    trial_end: datetime | None
    cancel_at_period_end: bool
    cancel_at: datetime | None
    canceled_at: datetime | None
    ended_at: datetime | None
    seats: int | None
    billing_interval: str | None


class SubscriptionUpdate(CamelStruct):
    """What an admin may correct by hand; everything else comes from billing."""

    status: SubscriptionStatus | UnsetType = UNSET
    seats: Annotated[int, msgspec.Meta(ge=0, le=1000000)] | UnsetType | None = UNSET
