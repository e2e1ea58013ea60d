"""Organization roles and what each may do (Better Auth's default access control).

- ``owner``: everything in the organization;
- ``admin``: everything but deleting the organization or changing/removing an owner;
- ``member``: reads.
A member's role may hold several roles joined with ``,``; the highest counts.
"""

from __future__ import annotations

from app.domain.enums import MemberRole

__all__ = ("effective_role", "is_at_least")

_RANK = {MemberRole.MEMBER: 0, MemberRole.ADMIN: 1, MemberRole.OWNER: 2}


def effective_role(stored: str | None) -> MemberRole:
    roles = [MemberRole(part.strip()) for part in (stored or "").split(",") if part.strip() in _RANK]
    return max(roles, key=_RANK.__getitem__, default=MemberRole.MEMBER)


def is_at_least(stored: str | None, role: MemberRole) -> bool:
    return _RANK[effective_role(stored)] >= _RANK[role]
