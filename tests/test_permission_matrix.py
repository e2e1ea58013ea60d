"""The permission matrix: every route of the API, called by each kind of caller, answers as expected.

Callers: anonymous, a user in no organization, a member, an organization admin, the owner, and a
global admin who is not a member. Each call runs in a fresh world so destructive calls cannot
disturb the next one. The test enumerates the app's routes: a route without a row fails it.
Rows that guess another organization's ids show that such guesses answer 404, never the resource.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar.routes import HTTPRoute
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.application import create_app
from app.api.auth import require_admin
from app.config import Settings
from tests.helpers import bearer, make_settings
from tests.world import ROLES, World, build_world

Body = dict[str, Any] | Callable[[World, str], dict[str, Any]] | None


def expect(
    anonymous: int, non_member: int, member: int, org_admin: int, owner: int, global_admin: int
) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, non_member, member, org_admin, owner, global_admin), strict=True))


READ = expect(401, 404, 200, 200, 200, 404)
ME_200 = expect(401, 200, 200, 200, 200, 200)
ADMIN_ONLY = {"anonymous": 401, "non_member": 403, "member": 403, "org_admin": 403, "owner": 403}


def org_write(ok: int) -> dict[str, int]:
    return expect(401, 404, 403, ok, ok, 404)


def owner_only(ok: int) -> dict[str, int]:
    return expect(401, 404, 403, 403, ok, 404)


def me(ok: int) -> dict[str, int]:
    return expect(401, ok, ok, ok, ok, ok)


def admin(ok: int) -> dict[str, int]:
    return {**ADMIN_ONLY, "global_admin": ok}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # the app's route path, e.g. /api/organizations/{org_id:str}
    expected: dict[str, int]
    params: dict[str, str] | None = None  # route parameter -> world id key
    body: Body = None


ORG = {"org_id": "org"}
ROWS: list[Row] = [
    Row("GET", "/health", everyone(200)),
    Row("GET", "/health/ready", everyone(200)),
    # auth
    Row("POST", "/api/auth/sign-up", everyone(201),
        body=lambda w, r: {"name": "New", "email": f"new-{r}-{w.ids['tag']}@example.com", "password": "password 123"}),
    Row("POST", "/api/auth/sign-in", everyone(401), body={"email": "nobody@example.com", "password": "password 123"}),
    Row("POST", "/api/auth/sign-out", me(204)),
    Row("GET", "/api/auth/session", ME_200),
    # me
    Row("GET", "/api/me", ME_200),
    Row("PATCH", "/api/me", ME_200, body={"name": "Renamed"}),
    Row("POST", "/api/me/password", me(409), body={"currentPassword": "password 1", "newPassword": "password 2"}),
    Row("GET", "/api/me/sessions", ME_200),
    Row("DELETE", "/api/me/sessions/{session_id:str}", me(404), {"session_id": "target_session"}),
    Row("POST", "/api/me/sessions/revoke-others", ME_200),
    Row("PUT", "/api/me/session/active-organization", expect(401, 404, 200, 200, 200, 404),
        body=lambda w, r: {"organizationId": w.ids["org"]}),
    Row("PUT", "/api/me/session/active-team", me(404), body=lambda w, r: {"teamId": w.ids["team"]}),
    Row("GET", "/api/me/accounts", ME_200),
    Row("GET", "/api/me/invitations", ME_200),
    Row("GET", "/api/me/passkeys", ME_200),
    Row("PATCH", "/api/me/passkeys/{passkey_id:str}", me(404), {"passkey_id": "passkey"}, {"name": "Mine"}),
    Row("DELETE", "/api/me/passkeys/{passkey_id:str}", me(404), {"passkey_id": "passkey"}),
    # global admin
    Row("GET", "/api/admin/users", admin(200)),
    Row("POST", "/api/admin/users", admin(201),
        body=lambda w, r: {"name": "Made", "email": f"made-{r}-{w.ids['tag']}@example.com", "password": "password 1"}),
    Row("GET", "/api/admin/users/{user_id:str}", admin(200), {"user_id": "target_user"}),
    Row("PATCH", "/api/admin/users/{user_id:str}", admin(200), {"user_id": "target_user"}, {"name": "Changed"}),
    Row("DELETE", "/api/admin/users/{user_id:str}", admin(204), {"user_id": "target_user"}),
    Row("POST", "/api/admin/users/{user_id:str}/ban", admin(200), {"user_id": "target_user"}, {"reason": "test"}),
    Row("POST", "/api/admin/users/{user_id:str}/unban", admin(200), {"user_id": "target_user"}),
    Row("GET", "/api/admin/users/{user_id:str}/sessions", admin(200), {"user_id": "target_user"}),
    Row("DELETE", "/api/admin/users/{user_id:str}/sessions/{session_id:str}", admin(204),
        {"user_id": "target_user", "session_id": "target_session"}),
    Row("POST", "/api/admin/users/{user_id:str}/sessions/revoke-all", admin(200), {"user_id": "target_user"}),
    Row("POST", "/api/admin/users/{user_id:str}/impersonate", admin(201), {"user_id": "target_user"}),
    Row("POST", "/api/admin/impersonation/stop", me(409)),
    Row("GET", "/api/admin/subscriptions", admin(200)),
    Row("PATCH", "/api/admin/subscriptions/{subscription_id:str}", admin(200),
        {"subscription_id": "subscription"}, {"seats": 3}),
    # organizations
    Row("POST", "/api/organizations", me(201), body={"name": "Fresh Org"}),
    Row("GET", "/api/organizations", ME_200),
    Row("GET", "/api/organizations/{org_id:str}", READ, ORG),
    Row("PATCH", "/api/organizations/{org_id:str}", org_write(200), ORG, {"name": "Renamed Org"}),
    Row("DELETE", "/api/organizations/{org_id:str}", owner_only(204), ORG),
    Row("GET", "/api/organizations/{org_id:str}/members", READ, ORG),
    Row("PATCH", "/api/organizations/{org_id:str}/members/{member_id:str}", org_write(200),
        {**ORG, "member_id": "member"}, {"role": "admin"}),
    Row("DELETE", "/api/organizations/{org_id:str}/members/{member_id:str}", org_write(204),
        {**ORG, "member_id": "member"}),
    Row("POST", "/api/organizations/{org_id:str}/leave", expect(401, 404, 204, 204, 409, 404), ORG),
    Row("POST", "/api/organizations/{org_id:str}/invitations", org_write(201), ORG,
        lambda w, r: {"email": f"guest-{r}-{w.ids['tag']}@example.com", "role": "member"}),
    Row("GET", "/api/organizations/{org_id:str}/invitations", READ, ORG),
    Row("POST", "/api/organizations/{org_id:str}/invitations/{invitation_id:str}/cancel", org_write(200),
        {**ORG, "invitation_id": "invitation"}),
    Row("GET", "/api/organizations/{org_id:str}/subscriptions", READ, ORG),
    Row("POST", "/api/invitations/{invitation_id:str}/accept", me(404), {"invitation_id": "invitation"}),
    Row("POST", "/api/invitations/{invitation_id:str}/reject", me(404), {"invitation_id": "invitation"}),
    # teams
    Row("POST", "/api/organizations/{org_id:str}/teams", org_write(201), ORG, {"name": "New team"}),
    Row("GET", "/api/organizations/{org_id:str}/teams", READ, ORG),
    Row("GET", "/api/organizations/{org_id:str}/teams/{team_id:str}", READ, {**ORG, "team_id": "team"}),
    Row("PATCH", "/api/organizations/{org_id:str}/teams/{team_id:str}", org_write(200),
        {**ORG, "team_id": "team"}, {"name": "Renamed team"}),
    Row("DELETE", "/api/organizations/{org_id:str}/teams/{team_id:str}", org_write(204), {**ORG, "team_id": "team"}),
    Row("GET", "/api/organizations/{org_id:str}/teams/{team_id:str}/members", READ, {**ORG, "team_id": "team"}),
    Row("POST", "/api/organizations/{org_id:str}/teams/{team_id:str}/members", org_write(201),
        {**ORG, "team_id": "empty_team"}, lambda w, r: {"userId": w.ids["target_user"]}),
    Row("DELETE", "/api/organizations/{org_id:str}/teams/{team_id:str}/members/{user_id:str}", org_write(204),
        {**ORG, "team_id": "team", "user_id": "target_user"}),
    # SSO providers
    Row("POST", "/api/organizations/{org_id:str}/sso-providers", org_write(201), ORG,
        lambda w, r: {"providerId": f"p-{r}-{w.ids['tag']}", "issuer": "https://idp.example.com",
                      "domain": "corp.example.com", "oidcConfig": {"clientId": "c", "clientSecret": "s"}}),
    Row("GET", "/api/organizations/{org_id:str}/sso-providers", org_write(200), ORG),
    Row("GET", "/api/organizations/{org_id:str}/sso-providers/{provider_id:str}", org_write(200),
        {**ORG, "provider_id": "provider"}),
    Row("PATCH", "/api/organizations/{org_id:str}/sso-providers/{provider_id:str}", org_write(200),
        {**ORG, "provider_id": "provider"}, {"domain": "new.example.com"}),
    Row("DELETE", "/api/organizations/{org_id:str}/sso-providers/{provider_id:str}", org_write(204),
        {**ORG, "provider_id": "provider"}),
]  # fmt: skip

# Guessed ids: another organization's resources through ours, or another organization directly.
GUESSES: list[Row] = [
    Row("GET", "/api/organizations/{org_id:str}", expect(401, 404, 404, 404, 404, 404), {"org_id": "other_org"}),
    Row("GET", "/api/organizations/{org_id:str}/members", expect(401, 404, 404, 404, 404, 404),
        {"org_id": "other_org"}),
    Row("GET", "/api/organizations/{org_id:str}/teams/{team_id:str}", expect(401, 404, 404, 404, 404, 404),
        {**ORG, "team_id": "other_team"}),
    Row("DELETE", "/api/organizations/{org_id:str}/teams/{team_id:str}", expect(401, 404, 403, 404, 404, 404),
        {**ORG, "team_id": "other_team"}),
    Row("POST", "/api/organizations/{org_id:str}/invitations/{invitation_id:str}/cancel",
        expect(401, 404, 404, 404, 404, 404), {**ORG, "invitation_id": "other_invitation"}),
    Row("GET", "/api/organizations/{org_id:str}/sso-providers/{provider_id:str}",
        expect(401, 404, 403, 404, 404, 404), {**ORG, "provider_id": "other_provider"}),
    Row("PATCH", "/api/organizations/{org_id:str}/members/{member_id:str}", expect(401, 404, 403, 404, 404, 404),
        {**ORG, "member_id": "other_member"}, {"role": "admin"}),
]  # fmt: skip

DOCS_PREFIX = "/docs"


def _concrete(row: Row, world: World) -> str:
    path = row.route
    for name, key in (row.params or {}).items():
        path = path.replace(f"{{{name}:str}}", world.ids[key])
    assert not re.search(r"\{.*\}", path), f"unfilled parameter in {path}"
    return path


def test_every_route_has_a_row(settings: Settings) -> None:
    app = create_app(settings)
    routes = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and not route.path.startswith(DOCS_PREFIX)
        for method in route.methods
        if method not in ("HEAD", "OPTIONS")
    }
    covered = {(row.method, row.route.rstrip("/") or "/") for row in ROWS}
    missing = sorted(routes - covered)
    assert not missing, f"routes without a row in the permission matrix: {missing}"


@pytest.mark.parametrize("row", ROWS + GUESSES, ids=lambda r: f"{r.method} {r.route}")
async def test_route_answers_each_caller_as_expected(row: Row, client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    outcomes: dict[str, int] = {}
    for role in ROLES:
        world = await build_world(engine)
        token = world.tokens[role]
        body = row.body(world, role) if callable(row.body) else row.body
        response = await client.request(
            row.method, _concrete(row, world), json=body, headers=bearer(token) if token else {}
        )
        outcomes[role] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
    assert outcomes == row.expected


def test_every_admin_route_is_guarded_whatever_its_parameters_are_called() -> None:
    """The admin check is a guard on the ``/api/admin`` router, not a dependency chosen by a
    parameter's name: every handler there has it (the stop route is the impersonated session's)."""
    app = create_app(make_settings(None, None))
    unguarded = [
        f"{handler.http_methods} {route.path}"
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/admin")
        for handler in route.route_handlers
        if route.path != "/api/admin/impersonation/stop" and require_admin not in handler.resolve_guards()
    ]
    assert not unguarded
    assert len({route.path for route in app.routes if route.path.startswith("/api/admin")}) >= 10
