"""The Better Auth face is protocol only: no SQLAlchemy, no database module, and every rule left to
the repositories it shares with the REST face; its routes are all in the OpenAPI document."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx

from app.api import better_auth

PACKAGE = Path(better_auth.__file__).parent
FORBIDDEN = ("sqlalchemy", "advanced_alchemy", "app.db", "asyncpg", "aiosqlite")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_protocol_layer_holds_no_sqlalchemy() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 10
    offenders = {
        path.name: sorted(name for name in _imports(path) if name.startswith(FORBIDDEN))
        for path in modules
        if any(name.startswith(FORBIDDEN) for name in _imports(path))
    }
    assert offenders == {}
    # Nor does it write queries by other means: no select/insert/update/delete of its own.
    for path in modules:
        text = path.read_text(encoding="utf-8")
        assert ".execute(" not in text, path.name
        assert "select(" not in text, path.name


def test_the_check_can_fail() -> None:
    sample = PACKAGE / "core.py"
    assert "app.repositories" in _imports(sample)  # it calls the repositories (which hold the queries)
    assert any(name.startswith("sqlalchemy") for name in _imports(Path(__file__).parent / "conftest.py"))


async def test_every_better_auth_route_is_documented_with_its_operation_id(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/docs/openapi.json")).json()
    operations = {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        if path.startswith("/api/auth/")
        for method, operation in item.items()
        if method in ("get", "post")
    }
    expected = {
        "POST /sign-up/email", "POST /sign-in/email", "POST /sign-out", "GET /get-session", "GET /list-sessions",
        "POST /revoke-session", "POST /revoke-sessions", "POST /revoke-other-sessions", "POST /update-user",
        "POST /change-password", "POST /delete-user", "GET /list-accounts",
        "POST /organization/create", "GET /organization/list", "POST /organization/set-active",
        "GET /organization/get-full-organization", "POST /organization/update", "POST /organization/delete",
        "POST /organization/check-slug", "POST /organization/invite-member", "POST /organization/accept-invitation",
        "POST /organization/reject-invitation", "POST /organization/cancel-invitation",
        "GET /organization/get-invitation", "GET /organization/list-invitations",
        "GET /organization/list-user-invitations", "GET /organization/list-members",
        "GET /organization/get-active-member", "GET /organization/get-active-member-role",
        "POST /organization/update-member-role", "POST /organization/remove-member", "POST /organization/leave",
        "POST /organization/create-team", "GET /organization/list-teams", "POST /organization/update-team",
        "POST /organization/remove-team", "POST /organization/set-active-team", "GET /organization/list-user-teams",
        "GET /organization/list-team-members", "POST /organization/add-team-member",
        "POST /organization/remove-team-member",
        "GET /admin/list-users", "GET /admin/get-user", "POST /admin/create-user", "POST /admin/update-user",
        "POST /admin/set-role", "POST /admin/set-user-password", "POST /admin/ban-user", "POST /admin/unban-user",
        "POST /admin/list-user-sessions", "POST /admin/revoke-user-session", "POST /admin/revoke-user-sessions",
        "POST /admin/remove-user", "POST /admin/impersonate-user", "POST /admin/stop-impersonating",
        "POST /admin/has-permission",
        "POST /request-password-reset", "GET /reset-password/{token}", "POST /reset-password",
        "POST /send-verification-email", "GET /verify-email", "POST /change-email",
    }  # fmt: skip
    documented = {f"{method} {path.removeprefix('/api/auth')}" for method, path in operations}
    assert documented == expected
    for key, operation in operations.items():
        assert operation["operationId"].startswith("betterAuth"), key
        assert "application/json" in operation["responses"]["400"]["content"], key
        if key[0] == "POST" and key[1] not in ("/api/auth/sign-out", "/api/auth/revoke-sessions"):
            body = operation.get("requestBody")
            assert body is None or "$ref" in body["content"]["application/json"]["schema"], key
    sign_up = operations[("POST", "/api/auth/sign-up/email")]
    assert sign_up["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SignUpEmailBody"
    }
    assert sign_up["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SignUpOut"
    }
