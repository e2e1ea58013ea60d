"""Organization roles and what each may do (Better Auth's default access control).

- ``owner``: everything in the organization;
- ``admin``: everything but deleting the organization or changing/removing an owner;
- ``member``: reads.
A member's role may hold several roles joined with ``,``; the highest counts.
"""

from __future__ import annotations

from app.domain.enums import MemberRole
from app.domain.rules import split_list

__all__ = ("ADMIN_STATEMENTS", "effective_role", "has_admin_permissions", "is_at_least")

_RANK = {MemberRole.MEMBER: 0, MemberRole.ADMIN: 1, MemberRole.OWNER: 2}


def effective_role(stored: str | None) -> MemberRole:
    roles = [MemberRole(part) for part in split_list(stored) if part in _RANK]
    return max(roles, key=_RANK.__getitem__, default=MemberRole.MEMBER)


def is_at_least(stored: str | None, role: MemberRole) -> bool:
    return _RANK[effective_role(stored)] >= _RANK[role]


ADMIN_STATEMENTS: dict[str, dict[str, frozenset[str]]] = {
    "admin": {
        "user": frozenset(
            {
                "create",
                "list",
                "set-role",
                "ban",
                "impersonate",
                "delete",
                "set-password",
                "set-email",
                "set-phone",
                "get",
                "update",
            }
        ),
        "session": frozenset({"list", "revoke", "delete"}),
    },
    "user": {"user": frozenset(), "session": frozenset()},
}
"""The admin plugin's default access control: what each global role may do, by resource."""


def has_admin_permissions(stored_role: str | None, permissions: dict[str, list[str]]) -> bool:
    """Whether one of the user's global roles (``"admin,user"``) grants every requested action."""
    for role in split_list(stored_role or "user"):
        statements = ADMIN_STATEMENTS.get(role)
        if statements is not None and all(
            resource in statements and set(actions) <= statements[resource] for resource, actions in permissions.items()
        ):
            return True
    return False
