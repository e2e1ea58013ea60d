"""An organization's rules: who may assign which role, who may remove whom, the last owner.

Pure decisions over stored role strings (several roles joined with ``,``; the highest counts, see
``app.domain.permissions``) and counts the repositories load under the organization's lock. Each
rule raises the typed error of ``app.domain.errors`` it stands for; none reads the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from app.domain.enums import MemberRole
from app.domain.errors import ConflictError, PermissionDeniedError
from app.domain.permissions import effective_role, is_at_least

__all__ = (
    "alternative_slug",
    "check_member_removal",
    "check_not_last_owner",
    "check_role",
    "check_role_change",
    "check_user_deletion",
    "count_owners",
    "is_owner",
    "join_roles",
    "slugify",
)


def slugify(name: str) -> str:
    """The slug of an organization created without one: ASCII (accents dropped), lower case, runs
    of anything else one ``-``, at most 48 characters; ``org`` when nothing is left. Always
    matches the REST API's slug pattern (``^[a-z0-9]+(?:-[a-z0-9]+)*$``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48].strip("-") or "org"


def alternative_slug(name: str, suffix: str) -> str:
    """The slug tried when ``slugify(name)`` is taken: its first 40 characters and ``suffix``."""
    return f"{slugify(name)[:40]}-{suffix}"


def join_roles(roles: Sequence[MemberRole]) -> str:
    """The stored form of one or more roles (Better Auth's ``["admin", "member"]``): joined with
    ``,``, each once, in the order given."""
    return ",".join(dict.fromkeys(role.value for role in roles))


def is_owner(stored: str | None) -> bool:
    return effective_role(stored) is MemberRole.OWNER


def count_owners(roles: Iterable[str | None]) -> int:
    """How many of these members' stored roles make them an owner."""
    return sum(1 for role in roles if is_owner(role))


def check_role(stored: str | None, role: MemberRole) -> None:
    """The member's role is ``role`` or above (owner > admin > member)."""
    if not is_at_least(stored, role):
        raise PermissionDeniedError(f"Only an organization {role.value} or above may do this.", code="role_required")


def check_not_last_owner(member_role: str | None, owners: int, action: str) -> None:
    """An owner may not ``action`` (be demoted, be removed, leave) when the organization has no
    other owner. ``owners`` is the organization's owner count, which only matters when the member
    is an owner (a repository may skip counting otherwise)."""
    if is_owner(member_role) and owners <= 1:
        raise ConflictError(f"The last owner cannot {action}; make another member owner first.", code="last_owner")


def check_user_deletion(owned: Iterable[tuple[str | None, int]]) -> None:
    """A user may be deleted unless they are the last owner of one of their organizations.

    ``owned``: per membership, the user's stored role and that organization's owner count.
    """
    for role, owners in owned:
        if is_owner(role) and owners <= 1:
            raise ConflictError(
                "This user is the last owner of an organization; make another member owner first.", code="last_owner"
            )


def check_role_change(
    actor_role: str | None, target_role: str | None, roles: Sequence[MemberRole], owners: int
) -> None:
    """Whether the actor may give the target member ``roles`` (the admin requirement is checked
    first, on its own, by ``check_role``): only an owner grants ``owner`` or changes an owner's
    role, and the last owner may not be demoted."""
    grants_owner = MemberRole.OWNER in roles
    if (grants_owner or is_owner(target_role)) and not is_owner(actor_role):
        raise PermissionDeniedError("Only an owner can grant or change the owner role.", code="owner_required")
    if not grants_owner:
        check_not_last_owner(target_role, owners, "be demoted")


def check_member_removal(actor_role: str | None, target_role: str | None, owners: int) -> None:
    """Whether the actor (an admin or above) may remove the target member: admins cannot remove
    owners, and the last owner stays."""
    if is_owner(target_role) and not is_owner(actor_role):
        raise PermissionDeniedError("Only an owner can remove an owner.", code="owner_required")
    check_not_last_owner(target_role, owners, "be removed")
