"""SSO providers of an organization (owners and admins only). Configs are JSON text, as Better Auth
stores them; secrets inside (OIDC ``clientSecret``, SAML ``privateKey``/``decryptionPvk``) are kept
when an update leaves them out and are never returned (see ``masked_config``)."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import SsoProvider
from app.domain.enums import MemberRole
from app.domain.errors import ConflictError, InvalidInputError, NotFoundError
from app.domain.schemas.orgs import OidcConfig, SamlConfig, SsoProviderCreate, SsoProviderUpdate
from app.repositories.flush import flush_or_conflict
from app.repositories.organizations import Membership, require_role
from app.repositories.pagination import Keyset, PageResult, paginate

__all__ = (
    "MASK",
    "create_provider",
    "delete_provider",
    "get_provider",
    "list_providers",
    "masked_config",
    "update_provider",
)

MASK = "********"
PROVIDER_ID_TAKEN = "This providerId is already in use."
SECRET_KEYS = frozenset({"clientSecret", "privateKey", "decryptionPvk"})


def masked_config(stored: str | None) -> dict[str, Any] | None:
    """The stored JSON config with every secret replaced by a mask (unreadable JSON: absent)."""
    if not stored:
        return None
    try:
        config = msgspec.json.decode(stored)
    except msgspec.DecodeError:
        return None
    if not isinstance(config, dict):
        return None
    return {key: (MASK if key in SECRET_KEYS and value else value) for key, value in config.items()}


def _encode(config: OidcConfig | SamlConfig | None) -> str | None:
    return None if config is None else msgspec.json.encode(config).decode()


def _validated(kind: type[OidcConfig] | type[SamlConfig], raw: dict[str, Any], field: str) -> OidcConfig | SamlConfig:
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        raise InvalidInputError(f"{exc}", field=field) from exc


def _merge_secrets(new: dict[str, Any], stored: str | None) -> dict[str, Any]:
    """Secrets missing (or still masked) in an update keep their stored value."""
    old = msgspec.json.decode(stored) if stored else {}
    merged = dict(new)
    for key in SECRET_KEYS:
        if merged.get(key) in (None, MASK) and isinstance(old, dict) and old.get(key):
            merged[key] = old[key]
    return merged


def _check_one_config(oidc: object, saml: object) -> None:
    if (oidc is None) == (saml is None):
        raise InvalidInputError("Give exactly one of oidcConfig and samlConfig.", field="oidcConfig")


async def create_provider(db: AsyncSession, membership: Membership, data: SsoProviderCreate) -> SsoProvider:
    require_role(membership, MemberRole.ADMIN)
    _check_one_config(data.oidc_config, data.saml_config)
    taken = await db.execute(select(SsoProvider.id).where(SsoProvider.provider_id == data.provider_id).limit(1))
    if taken.first() is not None:
        raise ConflictError(PROVIDER_ID_TAKEN, code="provider_id_taken")
    provider = SsoProvider(
        provider_id=data.provider_id,
        issuer=data.issuer,
        domain=data.domain.lower(),
        oidc_config=_encode(data.oidc_config),
        saml_config=_encode(data.saml_config),
        user_id=membership.member.user_id,
        organization_id=membership.organization.id,
    )
    db.add(provider)
    await flush_or_conflict(db, PROVIDER_ID_TAKEN, "provider_id_taken")
    return provider


async def get_provider(db: AsyncSession, membership: Membership, provider_id: str) -> SsoProvider:
    require_role(membership, MemberRole.ADMIN)
    provider = await db.get(SsoProvider, provider_id)
    if provider is None or provider.organization_id != membership.organization.id:
        raise NotFoundError("No such SSO provider.", code="sso_provider_not_found")
    return provider


async def list_providers(
    db: AsyncSession, membership: Membership, *, limit: int | None, cursor: str | None
) -> PageResult[SsoProvider]:
    require_role(membership, MemberRole.ADMIN)
    statement = select(SsoProvider).where(SsoProvider.organization_id == membership.organization.id)
    return await paginate(db, statement, Keyset(SsoProvider.id, SsoProvider.id), limit=limit, cursor=cursor)


async def update_provider(
    db: AsyncSession, membership: Membership, provider_id: str, data: SsoProviderUpdate
) -> SsoProvider:
    provider = await get_provider(db, membership, provider_id)
    if data.issuer is not UNSET:
        provider.issuer = data.issuer
    if data.domain is not UNSET:
        provider.domain = data.domain.lower()
    if data.oidc_config is not UNSET:
        merged = _merge_secrets(data.oidc_config, provider.oidc_config)
        provider.oidc_config = _encode(_validated(OidcConfig, merged, "oidcConfig"))
        provider.saml_config = None
    if data.saml_config is not UNSET:
        merged = _merge_secrets(data.saml_config, provider.saml_config)
        provider.saml_config = _encode(_validated(SamlConfig, merged, "samlConfig"))
        provider.oidc_config = None
    await db.flush()
    return provider


async def delete_provider(db: AsyncSession, membership: Membership, provider_id: str) -> None:
    provider = await get_provider(db, membership, provider_id)
    await db.execute(delete(SsoProvider).where(SsoProvider.id == provider.id))
