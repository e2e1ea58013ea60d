"""Trusted origins: which sites may send cookie-authenticated writes, and where redirects may point.

The one owner of that decision, for both faces (the REST API and the Better Auth protocol), and
for CORS. The rules are Better Auth 1.7's (``auth/trusted-origins.mjs``, ``api/middlewares/origin-check.mjs``):

- the trusted set is the origin of ``BETTER_AUTH_URL`` plus ``BETTER_AUTH_TRUSTED_ORIGINS``;
- an entry is an exact origin (``https://app.example.com``), or a wildcard pattern: ``*`` matches
  any run of characters and ``?`` one character, against the URL's origin when the pattern has a
  scheme (``https://*.example.com``) and against its host otherwise (``*.example.com``); a pattern
  made only of digits, dots and wildcards (``192.168.*.*``) admits IPv4 addresses only;
  custom schemes (``myapp://``, ``exp://host/path``) match by scheme, authority and path prefix;
- relative redirect targets (``/dashboard``) are trusted when they cannot leave the site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Address
from urllib.parse import unquote, urlsplit

__all__ = (
    "OriginVerdict",
    "check_request_origin",
    "is_trusted",
    "matches_origin_pattern",
    "origin_of",
    "trusted_origins",
)

_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f]")
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_ENCODED_SEPARATOR = re.compile(r"%2[fF]|%5[cC]")
_IP_WILDCARD_HOST = re.compile(r"^(?=.*\d)[\d*?.]+$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class OriginVerdict(StrEnum):
    TRUSTED = "trusted"
    MISSING = "missing"
    """No ``Origin`` or ``Referer`` header, or the opaque origin ``null``."""
    UNTRUSTED = "untrusted"


def _parse_special(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of an ``http``/``https`` URL as a browser's URL parser reads it, else None."""
    text = _TAB_OR_NEWLINE.sub("", url.strip("\u0000\u0020" + "".join(map(chr, range(1, 32)))))
    scheme, sep, _rest = text.partition(":")
    if not sep or scheme.lower() not in _DEFAULT_PORTS:
        return None
    try:
        parts = urlsplit(text.replace("\\", "/"))  # a browser treats "\" as "/" in these schemes
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or _CONTROL.search(host) or " " in host:
        return None
    return scheme.lower(), host, port


def _host_port(host: str, port: int | None, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None or port == _DEFAULT_PORTS[scheme] else f"{shown}:{port}"


def origin_of(url: str) -> str | None:
    """``new URL(url).origin`` for ``http(s)`` URLs (``scheme://host[:port]``, lower-cased), else None."""
    parsed = _parse_special(url)
    if parsed is None:
        return None
    scheme, host, port = parsed
    return f"{scheme}://{_host_port(host, port, scheme)}"


def _host_of(url: str) -> str | None:
    """``new URL(url).host``: host and non-default port (the opaque authority of custom schemes)."""
    parsed = _parse_special(url)
    if parsed is not None:
        return _host_port(parsed[1], parsed[2], parsed[0])
    match = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)", url)
    if match is None or _scheme_of(url) in _DEFAULT_PORTS:
        return None
    host = match.group(1).rpartition("@")[2]
    return host or None


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """Better Auth's ``wildcardMatch`` without a separator: ``*`` any run, ``?`` one character."""
    body = "".join(".*?" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile(f"^{body}$", re.DOTALL)


def _ipv4_allowed(pattern_authority: str, authority: str) -> bool:
    pattern_host = pattern_authority.split(":", 1)[0]
    if not _IP_WILDCARD_HOST.match(pattern_host):
        return True
    try:
        IPv4Address(authority.split(":", 1)[0])
    except ValueError:
        return False
    return True


def _is_safe_relative(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//") or "\\" in value or _CONTROL.search(value):
        return False
    path = re.split(r"[?#]", value, maxsplit=1)[0]
    return not _ENCODED_SEPARATOR.search(path)


def _normalize_path(path: str) -> str:
    segments: list[str] = []
    for segment in unquote(path).split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in (".", ""):
            segments.append(segment)
    return "/" + "/".join(segments) if segments else ""


def _parse_custom(value: str, wildcard: bool = False) -> tuple[str, str, str] | None:
    """(scheme, authority, path) of a custom-scheme URL such as ``myapp://host/callback``."""
    if _CONTROL.search(value):
        return None
    scheme, sep, rest = value.partition(":")
    if not sep or not scheme:
        return None
    authority = ""
    if rest.startswith("//"):
        rest = rest[2:]
        end = re.search(r"[/#]" if wildcard else r"[/?#]", rest)
        authority, rest = (rest, "") if end is None else (rest[: end.start()], rest[end.start() :])
    path_end = re.search(r"#" if wildcard else r"[?#]", rest)
    path = _normalize_path(rest if path_end is None else rest[: path_end.start()])
    return scheme.lower(), authority.lower(), path


def _scheme_of(url: str) -> str | None:
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", url.strip())
    return match.group(1).lower() if match else None


def matches_origin_pattern(url: str, pattern: str, *, allow_relative: bool = False) -> bool:
    """Whether ``url`` (an origin, a full URL or a relative path) matches one trusted-origin entry."""
    if url.startswith("/"):
        return allow_relative and _is_safe_relative(url)
    wildcard = "*" in pattern or "?" in pattern
    if wildcard and "://" not in pattern:
        host = _host_of(url)
        return host is not None and bool(_glob(pattern).match(host)) and _ipv4_allowed(pattern, host)
    scheme = _scheme_of(url)
    if scheme is None or scheme in _DEFAULT_PORTS:
        origin = origin_of(url)
        if origin is None:
            return False
        if not wildcard:
            return pattern == origin
        if not _glob(pattern).match(origin):
            return False
        return _ipv4_allowed(pattern[pattern.index("://") + 3 :], origin[origin.index("://") + 3 :])
    parsed, parsed_pattern = _parse_custom(url), _parse_custom(pattern, wildcard)
    if parsed is None or parsed_pattern is None or parsed[0] != parsed_pattern[0]:
        return False
    _, authority, path = parsed
    _, pattern_authority, pattern_path = parsed_pattern
    if wildcard:
        if "@" in authority:
            return False
        if pattern_authority and not (
            _glob(pattern_authority).match(authority) and _ipv4_allowed(pattern_authority, authority)
        ):
            return False
        return not pattern_path or bool(_glob(pattern_path).match(path or "/"))
    if pattern_authority and authority != pattern_authority:
        return False
    return not pattern_path or path == pattern_path or path.startswith(f"{pattern_path}/")


def is_trusted(url: str, trusted: Iterable[str], *, allow_relative: bool = False) -> bool:
    """Whether ``url`` matches any entry of the trusted set (relative paths only if ``allow_relative``)."""
    return any(matches_origin_pattern(url, pattern, allow_relative=allow_relative) for pattern in trusted)


def trusted_origins(base_url: str | None, extra: Iterable[str]) -> tuple[str, ...]:
    """The service's own origin (from ``BETTER_AUTH_URL``) followed by the configured entries."""
    own = origin_of(base_url) if base_url else None
    entries = [own] if own else []
    entries.extend(entry.strip() for entry in extra if entry.strip())
    return tuple(dict.fromkeys(entries))


def check_request_origin(
    origin: str | None, referer: str | None, trusted: Iterable[str], *, base_url: str | None = None
) -> OriginVerdict:
    """Better Auth's check of a write that carries cookies: ``Origin`` (else ``Referer``) must be trusted.

    ``base_url`` is what an opaque ``Origin: null`` stands for when the browser also says
    ``Sec-Fetch-Site: same-origin`` (pass it only in that case).
    """
    claimed = origin or referer or ""
    if origin == "null" and base_url:
        claimed = origin_of(base_url) or claimed
    if not claimed or claimed == "null":
        return OriginVerdict.MISSING
    return OriginVerdict.TRUSTED if is_trusted(claimed, trusted) else OriginVerdict.UNTRUSTED
