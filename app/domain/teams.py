"""Team membership rules shared with Better Auth."""

from __future__ import annotations

import base64
import hashlib
import json

from app.domain.errors import ConflictError
from app.domain.rules import split_list

__all__ = ("check_not_last_team", "join_team_ids", "membership_key", "split_team_ids")


def membership_key(team_id: str, user_id: str) -> str:
    """Better Auth 1.7's ``teamMember.membershipKey``: base64url (no padding) of
    SHA-256 over ``JSON.stringify([teamId, userId])``."""
    text = json.dumps([team_id, user_id], ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def split_team_ids(value: str | None) -> list[str]:
    """``invitation.teamId`` holds one or more team ids joined with ``,``."""
    return split_list(value)


def join_team_ids(team_ids: list[str]) -> str | None:
    return ",".join(dict.fromkeys(team_ids)) or None


def check_not_last_team(teams: int) -> None:
    """Where the organization's last team must stay (Better Auth's default), one of ``teams``
    may be removed only if there are others."""
    if teams <= 1:
        raise ConflictError("The organization's last team cannot be removed.", code="last_team")
