"""Better Auth's email tokens: HS256 JWTs over the shared secret, in its claim layout."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from app.domain.email_tokens import EmailRequest, create_email_token, read_email_token
from app.domain.errors import InvalidTokenError, TokenExpiredError
from tests.helpers import TEST_SECRET


def segments(token: str) -> tuple[dict[str, object], dict[str, object]]:
    header, payload, _ = token.split(".")

    def decode(part: str) -> dict[str, object]:
        return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))

    return decode(header), decode(payload)


def test_the_token_has_better_auths_header_and_claims() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    token = create_email_token(
        TEST_SECRET,
        "Ada@Example.com",
        user_id="u1",
        update_to="New@Example.com",
        request_type=EmailRequest.CHANGE_EMAIL_VERIFICATION,
        now=now,
    )
    header, payload = segments(token)
    assert header == {"alg": "HS256"}
    issued = int(now.timestamp())
    assert payload == {
        "email": "ada@example.com",
        "updateTo": "new@example.com",
        "requestType": "change-email-verification",
        "userId": "u1",
        "iat": issued,
        "exp": issued + 3600,
    }
    assert list(payload) == ["email", "updateTo", "requestType", "userId", "iat", "exp"]


def test_a_fresh_token_reads_back() -> None:
    claims = read_email_token(TEST_SECRET, create_email_token(TEST_SECRET, "ada@example.com", user_id="u1"))
    assert (claims.email, claims.user_id, claims.update_to, claims.request_type) == (
        "ada@example.com",
        "u1",
        None,
        None,
    )


def test_an_expired_token_is_expired() -> None:
    token = create_email_token(TEST_SECRET, "ada@example.com", now=datetime.now(UTC) - timedelta(hours=2))
    with pytest.raises(TokenExpiredError):
        read_email_token(TEST_SECRET, token)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), id="tampered signature"),
        pytest.param(
            lambda t: (
                t.split(".")[0]
                + "."
                + base64.urlsafe_b64encode(b'{"email":"eve@example.com","exp":9999999999}').decode().rstrip("=")
                + "."
                + t.split(".")[2]
            ),
            id="tampered claims",
        ),
        pytest.param(
            lambda t: create_email_token("another-secret-0123456789-0123456789", "ada@example.com"),
            id="another secret",
        ),
        pytest.param(
            lambda t: jwt.encode({"email": "ada@example.com", "exp": 9999999999}, "", algorithm="none"),
            id="alg none",
        ),
        pytest.param(lambda t: jwt.encode({"email": "ada@example.com"}, TEST_SECRET, algorithm="HS256"), id="no exp"),
        pytest.param(
            lambda t: jwt.encode({"email": "not-an-email", "exp": 9999999999}, TEST_SECRET, algorithm="HS256"),
            id="no email",
        ),
        pytest.param(
            lambda t: jwt.encode({"email": "a@b.c", "userId": 5, "exp": 9999999999}, TEST_SECRET, algorithm="HS256"),
            id="bad claim type",
        ),
        pytest.param(lambda t: "not.a.jwt", id="garbage"),
        pytest.param(lambda t: "", id="empty"),
    ],
)
def test_anything_else_is_an_invalid_token(forge: object) -> None:
    token = create_email_token(TEST_SECRET, "ada@example.com")
    forged = forge(token)  # type: ignore[operator]
    with pytest.raises(InvalidTokenError) as caught:
        read_email_token(TEST_SECRET, forged)
    assert type(caught.value) is InvalidTokenError


BETTER_AUTH_TOKEN = (
    "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImdAZXhhbXBsZS5jb20iLCJ1cGRhdGVUbyI6Im5AZXhhbXBsZS5jb20iLCJyZXF1ZXN0VHlwZSI6"
    "ImNoYW5nZS1lbWFpbC12ZXJpZmljYXRpb24iLCJ1c2VySWQiOiJac0hMdjg2UzF3dzhZaUtSYzBMOEpyZEJseHdxbkRWVCIsImlhdCI6MTc5Nj"
    "E2NDcyMSwiZXhwIjoxNzk2MTY4MzIxfQ.GZSms_iuccsDGAthUY7YZVpWI9BVgE-hZ8YlmW7Tycw"
)
"""Minted by Better Auth 1.7.25's ``/change-email`` (jose) with the test secret."""


def test_the_same_claims_make_better_auths_token_byte_for_byte() -> None:
    token = create_email_token(
        TEST_SECRET,
        "g@example.com",
        user_id="ZsHLv86S1ww8YiKRc0L8JrdBlxwqnDVT",
        update_to="n@example.com",
        request_type=EmailRequest.CHANGE_EMAIL_VERIFICATION,
        now=datetime.fromtimestamp(1796164721, UTC),
    )
    assert token == BETTER_AUTH_TOKEN
