"""A real Better Auth 1.7 (admin + organization with teams) sharing the database with this service.

On PostgreSQL Better Auth runs on its default Kysely adapter; on SQLite on its Drizzle adapter
with the TypeScript stack's conventions (``node/drizzle-schema.mjs``: camelCase columns,
``timestamp_ms`` integers, 0/1 booleans). Each side writes, the other reads.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db.migrations import upgrade
from tests.helpers import PASSWORDS, bearer, make_settings, new_database_url, sign_up
from tests.interop.tools import better_auth

PASSWORD = "interop passphrase 42"
PASSWORDS.add(PASSWORD)


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def ba(node_tools: Path, migrated_url: str, engine: object) -> Any:
    """``ba(command, **arguments)``: Better Auth on the test database (emptied after the test)."""

    def run(command: str, **arguments: Any) -> Any:
        return better_auth(node_tools, migrated_url, command, **arguments)

    return run


def test_better_auth_finds_nothing_missing_in_the_schema(ba: Any) -> None:
    assert ba("schema") == {"problems": []}


async def test_a_user_signed_up_here_signs_in_through_better_auth(client: httpx.AsyncClient, ba: Any) -> None:
    _, user = await sign_up(client, "ada@example.com", PASSWORD, name="Ada")
    signed_in = ba("signIn", email="ada@example.com", password=PASSWORD)
    assert (signed_in["status"], signed_in["userId"]) == (200, user["id"])
    refused = ba("signIn", email="ada@example.com", password="not the password")
    assert (refused["status"], refused["code"]) == (401, "INVALID_EMAIL_OR_PASSWORD")


async def test_a_user_signed_up_through_better_auth_signs_in_here(client: httpx.AsyncClient, ba: Any) -> None:
    created = ba("signUp", email="grace@example.com", password=PASSWORD, name="Grace")
    response = await client.post("/api/auth/sign-in/email", json={"email": "Grace@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == created["userId"]
    me = await client.get("/api/me", headers=bearer(response.json()["token"]))
    assert (me.json()["email"], me.json()["name"], me.json()["emailVerified"]) == ("grace@example.com", "Grace", False)
    wrong = await client.post("/api/auth/sign-in/email", json={"email": "grace@example.com", "password": "nope nope"})
    assert wrong.status_code == 401


async def test_a_better_auth_session_authenticates_here_by_bearer_and_cookie(
    client: httpx.AsyncClient, ba: Any
) -> None:
    created = ba("signUp", email="linus@example.com", password=PASSWORD, name="Linus")
    session = ba("signIn", email="linus@example.com", password=PASSWORD)
    assert session["cookie"].startswith("better-auth.session_token=")
    by_bearer = await client.get("/api/me", headers=bearer(session["token"]))
    assert (by_bearer.status_code, by_bearer.json()["id"]) == (200, created["userId"])
    by_cookie = await client.get("/api/me", headers={"Cookie": session["cookie"]})
    assert (by_cookie.status_code, by_cookie.json()["id"]) == (200, created["userId"])
    name, value = session["cookie"].split("=", 1)
    forged = f"{name}={value[:-8]}AAAAAAA%3D"  # same token, broken signature
    assert (await client.get("/api/me", headers={"Cookie": forged})).status_code == 401
    listed = await client.get("/api/me/sessions", headers=bearer(session["token"]))
    assert len(listed.json()["items"]) == 2  # the sign-up session and this one, both Better Auth's


async def test_an_organization_made_by_better_auth_is_read_here(client: httpx.AsyncClient, ba: Any) -> None:
    owner = ba("signUp", email="owner@example.com", password=PASSWORD, name="Owner")
    made = ba(
        "createOrganization",
        email="owner@example.com",
        password=PASSWORD,
        name="Acme",
        slug="acme",
        teamName="Core",
        inviteEmail="guest@example.com",
    )
    org, team, invitation = made["organization"], made["team"], made["invitation"]
    token = (
        await client.post("/api/auth/sign-in/email", json={"email": "owner@example.com", "password": PASSWORD})
    ).json()["token"]

    read = (await client.get(f"/api/organizations/{org['id']}", headers=bearer(token))).json()
    assert (read["name"], read["slug"], read["metadata"], read["role"]) == ("Acme", "acme", {"plan": "team"}, "owner")
    assert instant(read["createdAt"]) == instant(org["createdAt"])
    members = (await client.get(f"/api/organizations/{org['id']}/members", headers=bearer(token))).json()["items"]
    assert [(m["userId"], m["role"]) for m in members] == [(owner["userId"], "owner")]

    # Better Auth also made its default team (named after the organization, the owner in it).
    teams = (await client.get(f"/api/organizations/{org['id']}/teams", headers=bearer(token))).json()["items"]
    assert sorted((t["name"], t["memberCount"]) for t in teams) == [("Acme", 1), ("Core", 0)]
    assert team["id"] in {t["id"] for t in teams}

    invitations = (await client.get(f"/api/organizations/{org['id']}/invitations", headers=bearer(token))).json()
    [listed] = invitations["items"]
    assert (listed["id"], listed["email"], listed["role"], listed["status"], listed["teamIds"]) == (
        invitation["id"],
        "guest@example.com",
        "admin",
        "pending",
        [team["id"]],
    )
    assert listed["inviterId"] == owner["userId"]
    assert instant(listed["expiresAt"]) == instant(invitation["expiresAt"])

    # The invitation works here: the invitee joins with the role and team Better Auth recorded.
    guest, _ = await sign_up(client, "guest@example.com", PASSWORD)
    accepted = await client.post(f"/api/invitations/{invitation['id']}/accept", headers=bearer(guest))
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["role"], accepted.json()["teamId"]) == ("admin", team["id"])


async def test_an_organization_made_here_is_read_by_better_auth(client: httpx.AsyncClient, ba: Any) -> None:
    token, owner = await sign_up(client, "owner@example.com", PASSWORD, name="Owner")
    org = (
        await client.post(
            "/api/organizations", headers=bearer(token), json={"name": "Globex", "slug": "globex", "metadata": {"a": 1}}
        )
    ).json()
    team = (
        await client.post(f"/api/organizations/{org['id']}/teams", headers=bearer(token), json={"name": "Ops"})
    ).json()
    invitation = (
        await client.post(
            f"/api/organizations/{org['id']}/invitations",
            headers=bearer(token),
            json={"email": "guest@example.com", "role": "admin", "teamIds": [team["id"]]},
        )
    ).json()

    read = ba("readOrganization", email="owner@example.com", password=PASSWORD, organizationId=org["id"])
    full = read["organization"]
    assert (full["id"], full["name"], full["slug"]) == (org["id"], "Globex", "globex")
    # Stored as JSON text (Better Auth's own format); this endpoint hands the text back as is.
    metadata = full["metadata"]
    assert (json.loads(metadata) if isinstance(metadata, str) else metadata) == {"a": 1}
    assert instant(full["createdAt"]) == instant(org["createdAt"])
    assert [(m["userId"], m["role"], m["user"]["email"]) for m in full["members"]] == [
        (owner["id"], "owner", "owner@example.com")
    ]
    assert [(t["id"], t["name"]) for t in read["teams"]] == [(team["id"], "Ops")]
    [pending] = read["invitations"]
    assert (pending["id"], pending["email"], pending["role"], pending["status"], pending["teamId"]) == (
        invitation["id"],
        "guest@example.com",
        "admin",
        "pending",
        team["id"],
    )
    assert instant(pending["expiresAt"]) - instant(pending["createdAt"]) == timedelta(hours=48)


async def test_the_schema_check_does_report_a_missing_column(
    node_tools: Path, backend: str, tmp_path: Path, pg_database_factory: list[str]
) -> None:
    """The check above can fail: drop a column Better Auth needs and it is named."""
    url = new_database_url(backend, tmp_path, pg_database_factory)
    await asyncio.to_thread(upgrade, make_settings(url, None))
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text('ALTER TABLE session DROP COLUMN "activeTeamId"'))
    finally:
        await engine.dispose()
    problems = better_auth(node_tools, url, "schema")["problems"]
    assert problems
    assert all("activeTeamId" in problem for problem in problems), problems
