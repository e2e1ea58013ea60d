"""SSO providers (OIDC, SAML) of an organization (scope: :mod:`app.api.controllers.org_scope`)."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.api.controllers.org_scope import ORG_SCOPE, MembershipDep
from app.api.dependencies import DB
from app.api.mappers import page_out, sso_provider_out
from app.api.openapi import problems
from app.api.params import Id, Paging
from app.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.domain.schemas.base import Page
from app.domain.schemas.orgs import SsoProviderCreate, SsoProviderOut, SsoProviderUpdate
from app.repositories import sso as sso_repo

__all__ = ("SsoProviderController",)


class SsoProviderController(Controller):
    path = "/api/organizations/{org_id:str}/sso-providers"
    tags = ["sso"]
    dependencies = ORG_SCOPE

    @post(
        "/",
        operation_id="createSsoProvider",
        summary="Register an OIDC or SAML provider (owner or admin)",
        status_code=HTTP_201_CREATED,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, InvalidInputError),
    )
    async def create(self, db: DB, membership: MembershipDep, data: JSONBody[SsoProviderCreate]) -> SsoProviderOut:
        return sso_provider_out(await sso_repo.create_provider(db, membership, data))

    @get(
        "/",
        operation_id="listSsoProviders",
        summary="SSO providers (secrets masked; owner or admin)",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def list_providers(self, db: DB, membership: MembershipDep, paging: Paging) -> Page[SsoProviderOut]:
        return page_out(
            await sso_repo.list_providers(db, membership, limit=paging.limit, cursor=paging.cursor), sso_provider_out
        )

    @get(
        "/{provider_id:str}",
        operation_id="getSsoProvider",
        summary="An SSO provider (secrets masked)",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def read(self, db: DB, membership: MembershipDep, provider_id: Id) -> SsoProviderOut:
        return sso_provider_out(await sso_repo.get_provider(db, membership, provider_id))

    @patch(
        "/{provider_id:str}",
        operation_id="updateSsoProvider",
        summary="Update an SSO provider; secrets left out keep their value",
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError, InvalidInputError),
    )
    async def update(
        self, db: DB, membership: MembershipDep, provider_id: Id, data: JSONBody[SsoProviderUpdate]
    ) -> SsoProviderOut:
        return sso_provider_out(await sso_repo.update_provider(db, membership, provider_id, data))

    @delete(
        "/{provider_id:str}",
        operation_id="deleteSsoProvider",
        summary="Delete an SSO provider",
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(AuthenticationError, PermissionDeniedError, NotFoundError),
    )
    async def remove(self, db: DB, membership: MembershipDep, provider_id: Id) -> None:
        await sso_repo.delete_provider(db, membership, provider_id)
