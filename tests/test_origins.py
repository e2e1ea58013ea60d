"""The trusted-origin rules (app.domain.origins) give Better Auth 1.7.25's answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.domain.origins import (
    OriginVerdict,
    check_request_origin,
    is_trusted,
    matches_origin_pattern,
    origin_of,
    trusted_origins,
)

CASES = json.loads((Path(__file__).parent / "data" / "better-auth-1.7.25-origin-cases.json").read_text())


def test_every_case_matches_better_auth() -> None:
    """840 (url, pattern, relative allowed) cases answered by the npm package's ``matchesOriginPattern``
    (tests/data/generate-origin-cases.mjs): exact origins, wildcard origins and hosts, IPv4 ranges,
    custom schemes with paths and traversal, relative paths, userinfo and backslash tricks."""
    assert len(CASES) == 840
    wrong = [
        (url, pattern, relative, expected)
        for url, pattern, relative, expected in CASES
        if matches_origin_pattern(url, pattern, allow_relative=relative) is not expected
    ]
    assert not wrong


def test_trusted_set_is_the_base_url_origin_plus_the_list() -> None:
    trusted = trusted_origins("https://api.example.com/api/auth", [" http://localhost:5173 ", "", "*.example.org"])
    assert trusted == ("https://api.example.com", "http://localhost:5173", "*.example.org")
    assert trusted_origins(None, []) == ()


@pytest.mark.parametrize(
    ("origin", "referer", "verdict"),
    [
        ("http://localhost:5173", None, OriginVerdict.TRUSTED),
        (None, "http://localhost:5173/settings?tab=1", OriginVerdict.TRUSTED),
        ("https://evil.example", "http://localhost:5173/", OriginVerdict.UNTRUSTED),  # Origin wins
        (None, None, OriginVerdict.MISSING),
        ("null", None, OriginVerdict.MISSING),
        ("", "", OriginVerdict.MISSING),
    ],
)
def test_request_origin_verdicts(origin: str | None, referer: str | None, verdict: OriginVerdict) -> None:
    assert check_request_origin(origin, referer, ["http://localhost:5173"]) is verdict


def test_an_opaque_same_origin_request_stands_for_the_base_url() -> None:
    trusted = ["https://api.example.com"]
    assert check_request_origin("null", None, trusted, base_url="https://api.example.com/api/auth") is (
        OriginVerdict.TRUSTED
    )


def test_origins_are_read_as_a_browser_reads_urls() -> None:
    assert origin_of("HTTPS://App.Example.com:443/x?y") == "https://app.example.com"
    assert origin_of("http://example.com:8080") == "http://example.com:8080"
    assert origin_of("https://evil.com\\@good.com") == "https://evil.com"
    assert origin_of("myapp://host") is None
    assert origin_of("https://") is None
    assert is_trusted("/dashboard", ["https://a.example"], allow_relative=True)
    assert not is_trusted("/dashboard", ["https://a.example"])
    assert not is_trusted("//evil.com", ["https://a.example"], allow_relative=True)
