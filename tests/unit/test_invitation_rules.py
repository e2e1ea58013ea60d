"""The invitation state machine and who may invite whom."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.enums import InvitationStatus, MemberRole
from app.domain.errors import ConflictError, ExpiredError, InvalidStateError, PermissionDeniedError
from app.domain.invitations import (
    TRANSITIONS,
    InvitationState,
    OnPending,
    active_team_after_accept,
    check_cancel,
    check_invited_roles,
    check_reinvite,
    check_transition,
    expiry,
    invitation_state,
    invites_owner,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
EARLIER = NOW - timedelta(seconds=1)
ANSWERS = (InvitationStatus.ACCEPTED, InvitationStatus.REJECTED, InvitationStatus.CANCELED)


def test_an_invitation_lasts_48_hours() -> None:
    assert expiry(NOW) == NOW + timedelta(hours=48)


@pytest.mark.parametrize(
    ("status", "expires_at", "state"),
    [
        ("pending", LATER, InvitationState.PENDING),
        ("pending", NOW, InvitationState.EXPIRED),  # expired at its expiry instant
        ("pending", EARLIER, InvitationState.EXPIRED),
        ("accepted", EARLIER, InvitationState.ACCEPTED),  # an answer does not expire
        ("canceled", LATER, InvitationState.CANCELED),
    ],
)
def test_state(status: str, expires_at: datetime, state: InvitationState) -> None:
    assert invitation_state(status, expires_at, NOW) is state


@pytest.mark.parametrize("to", ANSWERS)
def test_a_pending_invitation_may_be_answered_once(to: InvitationStatus) -> None:
    check_transition("pending", LATER, to, NOW)
    for answered in ANSWERS:
        with pytest.raises(InvalidStateError) as raised:
            check_transition(answered.value, LATER, to, NOW)
        assert raised.value.code == "invitation_not_pending"
        assert raised.value.detail == f"This invitation is already {answered.value}."


@pytest.mark.parametrize("to", ANSWERS)
def test_an_expired_invitation_cannot_be_answered(to: InvitationStatus) -> None:
    with pytest.raises(ExpiredError) as raised:
        check_transition("pending", EARLIER, to, NOW)
    assert raised.value.code == "invitation_expired"


def test_an_expired_invitation_may_be_rejected_when_the_caller_allows_it() -> None:
    check_transition("pending", EARLIER, InvitationStatus.REJECTED, NOW, even_expired=True)
    for to in (InvitationStatus.ACCEPTED, InvitationStatus.CANCELED):
        with pytest.raises(ValueError, match="cannot move from expired"):
            check_transition("pending", EARLIER, to, NOW, even_expired=True)
    assert TRANSITIONS[InvitationState.EXPIRED] == {InvitationStatus.REJECTED}


def test_answered_states_have_no_way_out_and_pending_is_no_target() -> None:
    assert set(TRANSITIONS) == {InvitationState.PENDING, InvitationState.EXPIRED}
    with pytest.raises(ValueError, match="cannot move from pending to pending"):
        check_transition("pending", LATER, InvitationStatus.PENDING, NOW)


def test_an_unknown_stored_status_counts_as_answered() -> None:
    with pytest.raises(InvalidStateError):
        check_transition("revoked", LATER, InvitationStatus.ACCEPTED, NOW)


def test_only_an_owner_invites_an_owner() -> None:
    check_invited_roles("admin", [MemberRole.ADMIN, MemberRole.MEMBER])
    check_invited_roles("owner", [MemberRole.OWNER])
    with pytest.raises(PermissionDeniedError) as raised:
        check_invited_roles("admin", [MemberRole.MEMBER, MemberRole.OWNER])
    assert raised.value.code == "owner_required"


def test_invites_owner_reads_the_stored_roles() -> None:
    assert invites_owner("owner")
    assert invites_owner("admin,owner")
    assert not invites_owner("admin")
    assert not invites_owner(None)


def test_reinviting_a_pending_email() -> None:
    with pytest.raises(ConflictError) as refused:
        check_reinvite("owner", "member", OnPending.REFUSE)
    assert refused.value.code == "already_invited"
    check_reinvite("admin", "member", OnPending.EXTEND)
    check_reinvite("owner", "owner", OnPending.EXTEND)
    with pytest.raises(PermissionDeniedError) as extended:
        check_reinvite("admin", "owner", OnPending.EXTEND)  # an admin may not resend an owner's invitation
    assert extended.value.code == "owner_required"
    # UPDATE replaces the role, which check_invited_roles has judged already.
    check_reinvite("admin", "owner", OnPending.UPDATE)


def test_the_inviter_or_an_admin_cancels() -> None:
    check_cancel("u1", "member", "u1")
    check_cancel("u2", "admin", "u1")
    with pytest.raises(PermissionDeniedError) as raised:
        check_cancel("u2", "member", "u1")
    assert raised.value.code == "role_required"


def test_one_invited_team_becomes_the_active_team() -> None:
    assert active_team_after_accept(["t1"]) == "t1"
    assert active_team_after_accept([]) is None
    assert active_team_after_accept(["t1", "t2"]) is None
