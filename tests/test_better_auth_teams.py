"""The organization plugin's team endpoints over HTTP, on both databases."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Invitation, Team
from tests.better_auth import call, join, member_of, organization, outcome

TEAM_KEYS = {"id", "name", "organizationId", "createdAt", "updatedAt"}
TEAM_MEMBER_KEYS = {"id", "teamId", "userId", "createdAt"}


async def test_create_list_update_and_remove_teams(client: httpx.AsyncClient, db: AsyncSession) -> None:
    ada, bob, carol = await join(client, "Ada"), await join(client, "Bob"), await join(client, "Carol")
    org = await organization(client, ada)
    await member_of(client, ada, org, bob, "member")
    created = await call(client, "POST", "/organization/create-team", ada, {"name": "Core"})
    team = created.json()
    assert (set(team), team["name"], team["updatedAt"] is not None) == (TEAM_KEYS, "Core", True)
    by_member = await call(client, "POST", "/organization/create-team", bob, {"name": "Mine"})
    assert outcome(by_member) == (403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION")
    outsider = await call(
        client, "POST", "/organization/create-team", carol, {"name": "X", "organizationId": org["id"]}
    )
    assert outcome(outsider) == (403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION")
    assert outcome(await call(client, "POST", "/organization/create-team", carol, {"name": "X"})) == (
        400,
        "NO_ACTIVE_ORGANIZATION",
    )
    listed = await call(client, "GET", "/organization/list-teams", bob)
    assert [t["name"] for t in listed.json()] == [org["name"], "Core"]
    assert "memberCount" not in listed.json()[0]
    assert outcome(await call(client, "GET", "/organization/list-teams", carol, organizationId=org["id"])) == (
        403,
        "YOU_ARE_NOT_ALLOWED_TO_ACCESS_THIS_ORGANIZATION",
    )
    renamed = await call(
        client, "POST", "/organization/update-team", ada, {"teamId": team["id"], "data": {"name": "Ops"}}
    )
    assert renamed.json()["name"] == "Ops"
    by_bob = await call(client, "POST", "/organization/update-team", bob, {"teamId": team["id"], "data": {"name": "X"}})
    assert outcome(by_bob) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM")
    unknown = await call(client, "POST", "/organization/update-team", ada, {"teamId": "nope", "data": {"name": "X"}})
    assert outcome(unknown) == (400, "TEAM_NOT_FOUND")

    # A pending invitation that names the team stops naming it when the team goes.
    invitation = (
        await call(
            client,
            "POST",
            "/organization/invite-member",
            ada,
            {"email": "x@example.com", "role": "member", "teamId": team["id"]},
        )
    ).json()
    default_team = listed.json()[0]["id"]
    active = await call(client, "POST", "/organization/remove-team", ada, {"teamId": default_team})
    assert outcome(active) == (403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM")  # Ada's active team
    by_member_remove = await call(client, "POST", "/organization/remove-team", bob, {"teamId": team["id"]})
    assert outcome(by_member_remove) == (403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_TEAMS_IN_THIS_ORGANIZATION")
    removed = await call(client, "POST", "/organization/remove-team", ada, {"teamId": team["id"]})
    assert removed.json() == {"message": "Team removed successfully."}
    stored = (await db.execute(select(Invitation.team_id).where(Invitation.id == invitation["id"]))).scalar_one()
    assert stored is None
    await call(client, "POST", "/organization/set-active-team", ada, {"teamId": None})
    last = await call(client, "POST", "/organization/remove-team", ada, {"teamId": default_team})
    assert outcome(last) == (400, "UNABLE_TO_REMOVE_LAST_TEAM")


async def test_team_members_and_the_active_team(client: httpx.AsyncClient, db: AsyncSession) -> None:
    ada, bob, carol = await join(client, "Ada"), await join(client, "Bob"), await join(client, "Carol")
    org = await organization(client, ada)
    await member_of(client, ada, org, bob, "member")
    team = (await call(client, "POST", "/organization/create-team", ada, {"name": "Core"})).json()
    added = await call(client, "POST", "/organization/add-team-member", ada, {"teamId": team["id"], "userId": bob.id})
    assert set(added.json()) == TEAM_MEMBER_KEYS
    again = await call(client, "POST", "/organization/add-team-member", ada, {"teamId": team["id"], "userId": bob.id})
    assert again.json()["id"] == added.json()["id"]  # adding twice is a no-op, as in Better Auth
    count = (await db.execute(select(Team.member_count).where(Team.id == team["id"]))).scalar_one()
    assert count == 1
    stranger = await call(
        client, "POST", "/organization/add-team-member", ada, {"teamId": team["id"], "userId": carol.id}
    )
    assert outcome(stranger) == (400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    by_member = await call(
        client, "POST", "/organization/add-team-member", bob, {"teamId": team["id"], "userId": ada.id}
    )
    assert outcome(by_member) == (403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER")
    unknown_team = await call(
        client, "POST", "/organization/add-team-member", ada, {"teamId": "nope", "userId": bob.id}
    )
    assert outcome(unknown_team) == (400, "TEAM_NOT_FOUND")

    members = await call(client, "GET", "/organization/list-team-members", bob, teamId=team["id"])
    assert [m["userId"] for m in members.json()] == [bob.id]
    not_in_it = await call(client, "GET", "/organization/list-team-members", ada, teamId=team["id"])
    assert outcome(not_in_it) == (400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    assert outcome(await call(client, "GET", "/organization/list-team-members", carol)) == (
        400,
        "YOU_DO_NOT_HAVE_AN_ACTIVE_TEAM",
    )

    activated = await call(client, "POST", "/organization/set-active-team", bob, {"teamId": team["id"]})
    assert (activated.json()["id"], activated.headers["set-auth-token"]) == (team["id"], bob.signed)
    assert (await call(client, "GET", "/get-session", bob)).json()["session"]["activeTeamId"] == team["id"]
    foreign = await call(client, "POST", "/organization/set-active-team", ada, {"teamId": team["id"]})
    assert outcome(foreign) == (403, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    assert outcome(await call(client, "POST", "/organization/set-active-team", carol, {"teamId": team["id"]})) == (
        400,
        "NO_ACTIVE_ORGANIZATION",
    )
    assert [t["id"] for t in (await call(client, "GET", "/organization/list-user-teams", bob)).json()] == [team["id"]]
    theirs = await call(client, "GET", "/organization/list-user-teams", ada, userId=bob.id)
    assert [t["id"] for t in theirs.json()] == [team["id"]]
    nosy = await call(client, "GET", "/organization/list-user-teams", bob, userId=ada.id)
    assert outcome(nosy) == (403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    cleared = await call(client, "POST", "/organization/set-active-team", bob, {"teamId": None})
    assert cleared.text == "null"

    removed = await call(
        client, "POST", "/organization/remove-team-member", ada, {"teamId": team["id"], "userId": bob.id}
    )
    assert removed.json() == {"message": "Team member removed successfully."}
    twice = await call(
        client, "POST", "/organization/remove-team-member", ada, {"teamId": team["id"], "userId": bob.id}
    )
    assert outcome(twice) == (400, "USER_IS_NOT_A_MEMBER_OF_THE_TEAM")
    by_bob = await call(
        client, "POST", "/organization/remove-team-member", bob, {"teamId": team["id"], "userId": ada.id}
    )
    assert outcome(by_bob) == (403, "YOU_ARE_NOT_ALLOWED_TO_REMOVE_A_TEAM_MEMBER")
    await db.rollback()  # end the test's read snapshot
    count = (await db.execute(select(Team.member_count).where(Team.id == team["id"]))).scalar_one()
    assert count == 0
    numeric = await call(client, "POST", "/organization/add-team-member", ada, {"teamId": team["id"], "userId": 5})
    assert outcome(numeric) == (400, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")  # userId is coerced to "5"
