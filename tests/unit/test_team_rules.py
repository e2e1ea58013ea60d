"""Team-id lists and Better Auth's membership key."""

from __future__ import annotations

import base64
import hashlib

import pytest

from app.domain.errors import ConflictError
from app.domain.teams import check_not_last_team, join_team_ids, membership_key, split_team_ids


def test_split_team_ids() -> None:
    assert split_team_ids(None) == []
    assert split_team_ids("") == []
    assert split_team_ids("t1") == ["t1"]
    assert split_team_ids(" t1, t2 ,,t3 ") == ["t1", "t2", "t3"]


def test_join_team_ids_round_trips_without_repeats() -> None:
    assert join_team_ids([]) is None
    assert join_team_ids(["t1", "t2", "t1"]) == "t1,t2"
    assert split_team_ids(join_team_ids(["a", "b"])) == ["a", "b"]


def test_membership_key_is_base64url_sha256_of_the_json_pair() -> None:
    key = membership_key("team-1", "user-1")
    expected = hashlib.sha256(b'["team-1","user-1"]').digest()
    assert base64.urlsafe_b64decode(key + "=") == expected
    assert "=" not in key
    assert len(key) == 43
    assert membership_key("user-1", "team-1") != key  # the order matters
    # JSON.stringify leaves non-ASCII as it is (UTF-8), as json.dumps(ensure_ascii=False) does.
    assert base64.urlsafe_b64decode(membership_key("é", "u") + "=") == hashlib.sha256('["é","u"]'.encode()).digest()


def test_the_last_team_stays() -> None:
    check_not_last_team(2)
    with pytest.raises(ConflictError) as raised:
        check_not_last_team(1)
    assert raised.value.code == "last_team"
