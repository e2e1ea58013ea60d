"""Better Auth 1.7's wire format, admin plugin: the bodies, query strings and answers of ``/admin/*``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from app.domain.schemas.ba_core import BaSession, BAText, BaUser
from app.domain.schemas.base import WireStruct

__all__ = (
    "AdminCreateUserBody",
    "AdminUpdateUserBody",
    "BanUserBody",
    "GetUserQuery",
    "HasPermissionBody",
    "HasPermissionOut",
    "ListUsersOut",
    "ListUsersQuery",
    "SessionTokenBody",
    "SessionsOut",
    "SetRoleBody",
    "SetUserPasswordBody",
    "UserEnvelope",
    "UserIdBody",
)

CoercedId = Annotated[str, msgspec.Meta(max_length=255, extra={"coerce": "string"})]
Roles = Annotated[str, msgspec.Meta(max_length=255)] | list[Annotated[str, msgspec.Meta(max_length=255)]]
QueryValue = str | list[str]
BAN_SECONDS_MAX = 100 * 366 * 86_400
"""The longest ban a request may set (a century): later dates are not a date either database stores."""


class UserEnvelope(WireStruct):
    user: BaUser


class ListUsersOut(WireStruct, omit_defaults=True):
    users: list[BaUser]
    total: int
    limit: int | UnsetType = UNSET
    offset: int | UnsetType = UNSET


class SessionsOut(WireStruct):
    sessions: list[BaSession]


class HasPermissionOut(WireStruct):
    error: None
    success: bool


class ListUsersQuery(WireStruct):
    search_value: QueryValue | UnsetType = UNSET
    search_field: Literal["email", "name"] | UnsetType = UNSET
    search_operator: Literal["contains", "starts_with", "ends_with"] | UnsetType = UNSET
    limit: QueryValue | UnsetType = UNSET
    offset: QueryValue | UnsetType = UNSET
    sort_by: QueryValue | UnsetType = UNSET
    sort_direction: Literal["asc", "desc"] | UnsetType = UNSET
    filter_field: QueryValue | UnsetType = UNSET
    filter_value: QueryValue | UnsetType = UNSET
    filter_operator: (
        Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "starts_with", "ends_with"]
        | UnsetType
    ) = UNSET


class UserIdBody(WireStruct):
    user_id: CoercedId


class SetRoleBody(WireStruct):
    user_id: CoercedId
    role: Roles


class AdminCreateUserBody(WireStruct):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    name: BAText
    password: BAText | UnsetType = UNSET
    role: Roles | UnsetType = UNSET
    data: dict[str, Any] | UnsetType = UNSET


class BanUserBody(WireStruct):
    user_id: CoercedId
    ban_reason: BAText | UnsetType = UNSET
    ban_expires_in: Annotated[float, msgspec.Meta(le=BAN_SECONDS_MAX)] | UnsetType = UNSET


class SessionTokenBody(WireStruct):
    session_token: Annotated[str, msgspec.Meta(max_length=255)]


class GetUserQuery(WireStruct):
    id: Annotated[str, msgspec.Meta(max_length=255)]


class AdminUpdateUserBody(WireStruct):
    user_id: CoercedId
    data: dict[str, Any]


class SetUserPasswordBody(WireStruct):
    new_password: BAText
    user_id: CoercedId


class HasPermissionBody(WireStruct):
    user_id: CoercedId | UnsetType = UNSET
    role: BAText | UnsetType = UNSET
    permission: dict[str, list[Annotated[str, msgspec.Meta(max_length=255)]]] | UnsetType = UNSET
    permissions: dict[str, list[Annotated[str, msgspec.Meta(max_length=255)]]] | UnsetType = UNSET
