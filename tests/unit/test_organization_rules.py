"""Roles, who may assign them, who may remove whom, the last owner, slugs."""

from __future__ import annotations

import pytest

from app.domain.enums import MemberRole
from app.domain.errors import ConflictError, PermissionDeniedError
from app.domain.organizations import (
    alternative_slug,
    check_member_removal,
    check_not_last_owner,
    check_role,
    check_role_change,
    check_user_deletion,
    count_owners,
    is_owner,
    join_roles,
    slugify,
)
from app.domain.permissions import effective_role, is_at_least

OWNER, ADMIN, MEMBER = MemberRole.OWNER, MemberRole.ADMIN, MemberRole.MEMBER


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("owner", OWNER),
        ("admin", ADMIN),
        ("member", MEMBER),
        ("member,admin", ADMIN),
        ("admin, owner", OWNER),
        (None, MEMBER),
        ("", MEMBER),
        ("billing", MEMBER),
        ("billing,admin", ADMIN),
    ],
)
def test_the_highest_known_role_counts(stored: str | None, expected: MemberRole) -> None:
    assert effective_role(stored) is expected
    assert is_owner(stored) is (expected is OWNER)


def test_join_roles_keeps_order_and_drops_repeats() -> None:
    assert join_roles([ADMIN, MEMBER, ADMIN]) == "admin,member"
    assert join_roles([OWNER]) == "owner"


def test_count_owners() -> None:
    assert count_owners(["owner", "admin", "member,owner", None, "admin"]) == 2
    assert count_owners([]) == 0


@pytest.mark.parametrize(
    ("stored", "needed", "allowed"),
    [
        ("owner", ADMIN, True),
        ("admin", ADMIN, True),
        ("member", ADMIN, False),
        ("admin", OWNER, False),
        ("member,owner", OWNER, True),
        (None, MEMBER, True),
    ],
)
def test_check_role(stored: str | None, needed: MemberRole, allowed: bool) -> None:
    assert is_at_least(stored, needed) is allowed
    if allowed:
        check_role(stored, needed)
    else:
        with pytest.raises(PermissionDeniedError) as raised:
            check_role(stored, needed)
        assert raised.value.code == "role_required"
        assert needed.value in raised.value.detail


def test_last_owner_may_not_go_but_one_of_two_may() -> None:
    with pytest.raises(ConflictError) as raised:
        check_not_last_owner("owner", 1, "leave")
    assert raised.value.code == "last_owner"
    assert raised.value.detail == "The last owner cannot leave; make another member owner first."
    check_not_last_owner("owner", 2, "leave")
    # Anyone else may go whatever the count (repositories pass 0 when they did not count).
    check_not_last_owner("admin", 0, "leave")
    check_not_last_owner("member", 1, "leave")


@pytest.mark.parametrize(
    ("actor", "target", "roles", "owners", "error"),
    [
        ("admin", "member", [ADMIN], 1, None),
        ("admin", "admin", [MEMBER], 1, None),
        ("admin", "member", [OWNER], 1, "owner_required"),  # only an owner grants owner
        ("admin", "owner", [ADMIN], 2, "owner_required"),  # only an owner changes an owner
        ("owner", "member", [OWNER], 1, None),
        ("owner", "owner", [ADMIN], 2, None),
        ("owner", "owner", [ADMIN], 1, "last_owner"),  # the last owner is not demoted
        ("owner", "owner", [OWNER, ADMIN], 1, None),  # still an owner
        ("member,owner", "owner", [MEMBER], 2, None),
    ],
)
def test_role_change(actor: str, target: str, roles: list[MemberRole], owners: int, error: str | None) -> None:
    if error is None:
        check_role_change(actor, target, roles, owners)
        return
    with pytest.raises(PermissionDeniedError if error == "owner_required" else ConflictError) as raised:
        check_role_change(actor, target, roles, owners)
    assert raised.value.code == error


@pytest.mark.parametrize(
    ("actor", "target", "owners", "error"),
    [
        ("admin", "member", 1, None),
        ("admin", "admin", 1, None),
        ("admin", "owner", 2, "owner_required"),
        ("owner", "owner", 2, None),
        ("owner", "owner", 1, "last_owner"),
        ("owner", "member", 1, None),
    ],
)
def test_member_removal(actor: str, target: str, owners: int, error: str | None) -> None:
    if error is None:
        check_member_removal(actor, target, owners)
        return
    with pytest.raises((PermissionDeniedError, ConflictError)) as raised:
        check_member_removal(actor, target, owners)
    assert raised.value.code == error


def test_user_deletion_refused_only_for_a_last_owner() -> None:
    check_user_deletion([])
    check_user_deletion([("owner", 2), ("member", 1), ("admin", 0)])
    with pytest.raises(ConflictError) as raised:
        check_user_deletion([("member", 1), ("admin,owner", 1)])
    assert raised.value.code == "last_owner"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Ünïcode Café", "unicode-cafe"),
        ("Acme Inc.", "acme-inc"),
        ("snake_case name", "snake-case-name"),
        ("Tom's  Shop", "tom-s-shop"),
        ("  --Hi-- ", "hi"),
        ("日本", "org"),
        ("", "org"),
        ("a" * 60, "a" * 48),
        ("a" * 47 + " b", "a" * 47),  # no trailing "-" after the cut
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_alternative_slug_is_shorter_and_suffixed() -> None:
    assert alternative_slug("Ünïcode Café", "a1b2c3") == "unicode-cafe-a1b2c3"
    assert alternative_slug("x" * 60, "abcdef") == "x" * 40 + "-abcdef"
