"""Decoding a JSON request body under the portable-value rules (``app.domain.portable``).

A body that does not decode, nests deeper than ``MAX_DEPTH`` or holds a value no database stores
alike raises ``MalformedInputError`` / ``RefusedInputError`` naming the field by its JSON path
(``oidcConfig.clientId``, ``teamIds[0]``; ``body`` for the document itself).

Ordinary bodies pay a few C-speed scans of their bytes (``bytes.count``, ``in``, one regex); the
exact, Python-level inspections run only when such a scan finds something worth a look, or when
decoding has already failed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import msgspec

from app.domain.errors import MalformedInputError, RefusedInputError
from app.domain.portable import INT64_MAX, MAX_TEXT_LENGTH, Refusal, number_refusal, text_refusal

__all__ = ("MALFORMED", "MAX_DEPTH", "check_decoded_body", "decode_body", "field_name", "undecodable_body")

MAX_DEPTH = 100
"""Deepest nesting of arrays and objects accepted (the default of Ruby's and Rails' JSON parsers)."""

Path = tuple[str | int, ...]

# A string runs to its closing quote, or to the end of the scanned range if it has none (so that
# every quote starts at most one token: the scan stays linear on malformed input).
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)|[{}\[\]:,]', re.DOTALL)
_BYTE_OFFSET = re.compile(r"\(byte (\d+)\)")
# What a refused value looks like in the bytes: an escaped NUL, an edge-year timestamp, 19+ digits.
_SUSPECT = re.compile(rb'\\u0000|"(?:0001|9999)-|[0-9]{19}')
_MAX_SEGMENTS = 8
_MAX_SEGMENT_LENGTH = 64

TOO_DEEP = Refusal("too_deep", f"JSON may nest at most {MAX_DEPTH} arrays or objects deep.")
INVALID_UTF8 = Refusal("invalid_unicode", "The body must be UTF-8 encoded Unicode.")
INVALID_UNICODE_ESCAPE = Refusal("invalid_unicode", "Text must be valid Unicode (no lone surrogates).")
MALFORMED = Refusal("malformed_json", "The body is not valid JSON")


def decode_body(body: bytes) -> Any:
    """``body`` decoded as JSON under these rules, for a face that reads the bytes itself (Better Auth's)."""
    try:
        value = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise undecodable_body(body, exc) from None
    check_decoded_body(body, value)
    return value


def check_decoded_body(body: bytes, value: Any) -> None:
    """Refuse a decoded body that nests too deeply or holds a value no database stores alike."""
    if body.count(b"{") + body.count(b"[") > MAX_DEPTH and _depth_exceeds(value, MAX_DEPTH):
        raise _too_deep(body)
    if _worth_a_look(body) and (found := _first_refusal(value)) is not None:
        path, refusal = found
        raise RefusedInputError(refusal.message, field=field_name(path), code=refusal.code)


def undecodable_body(body: bytes, exc: BaseException) -> MalformedInputError:
    """The error for a body the decoder refused (``exc``), naming the field where it failed."""
    if isinstance(exc, RecursionError):
        return _too_deep(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as bad:
        return _malformed(INVALID_UTF8, _scan(body, offset=bad.start))
    message = str(exc)
    if match := _BYTE_OFFSET.search(message):
        refusal = INVALID_UNICODE_ESCAPE if "surrogate" in message else MALFORMED
        return _malformed(refusal, _scan(body, offset=int(match.group(1))), detail=message)
    # No offset in the message ("Input data was truncated", "Number out of range"): Python's own
    # decoder accepts lone surrogates and infinite numbers, so the walk can point at them.
    try:
        value = json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as bad:
        offset = len(text[: bad.pos].encode("utf-8"))
        return _malformed(MALFORMED, _scan(body, offset=offset), detail=bad.msg)
    except (ValueError, RecursionError):
        return _malformed(MALFORMED, (), detail=message)
    found = _first_refusal(value)
    if found is None:
        return _malformed(MALFORMED, (), detail=message)
    return _malformed(found[1], found[0])


def field_name(path: Path) -> str:
    """A JSON path as the API names fields: ``a.b[0].c``; ``body`` for the document itself."""
    if not path:
        return "body"
    name = ""
    for segment in path[:_MAX_SEGMENTS]:
        if isinstance(segment, int):
            name += f"[{segment}]"
            continue
        if len(segment) > _MAX_SEGMENT_LENGTH or not segment.isprintable():
            segment = segment[:_MAX_SEGMENT_LENGTH].encode("ascii", "backslashreplace").decode("ascii")
        name += f".{segment}" if name else segment
    return name + ("..." if len(path) > _MAX_SEGMENTS else "")


def _worth_a_look(body: bytes) -> bool:
    """Whether ``body`` may hold a refused value: an escaped NUL, a long text, a long number or an
    edge-year timestamp (false positives are fine: the exact walk decides)."""
    return len(body) > MAX_TEXT_LENGTH or _SUSPECT.search(body) is not None


def _children(value: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, (*path, key)  # keys are text too
            yield item, (*path, key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield item, (*path, index)


def _first_refusal(root: Any) -> tuple[Path, Refusal] | None:
    """The first value under ``root`` that breaks a portable rule (iterative: depth is unbounded here)."""
    stack: list[tuple[Any, Path]] = [(root, ())]
    while stack:
        value, path = stack.pop()
        refusal = None
        if isinstance(value, str):
            refusal = text_refusal(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            refusal = number_refusal(value)
        elif isinstance(value, dict | list):
            stack.extend(reversed(list(_children(value, path))))
        if refusal is not None:
            return path, refusal
    return None


def _depth_exceeds(root: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return False


def _scan(body: bytes, *, offset: int | None = None, max_depth: int | None = None) -> Path:
    """The JSON path at byte ``offset``, or where nesting first exceeds ``max_depth``.

    Linear in the scanned range, whatever it holds (an unclosed string ends the scan).
    """
    end = len(body) if offset is None else offset + 1
    frames: list[list[Any]] = []  # [is_object, key or index]
    expecting_key = False
    for match in _TOKEN.finditer(body, 0, end):
        token = match.group()
        if token in (b"{", b"["):
            frames.append([token == b"{", None if token == b"{" else 0])
            expecting_key = token == b"{"
            if max_depth is not None and len(frames) > max_depth:
                break
        elif token in (b"}", b"]"):
            if frames:
                frames.pop()
        elif token == b":":
            expecting_key = False
        elif token == b",":
            if frames and not frames[-1][0]:
                frames[-1][1] += 1
            expecting_key = bool(frames) and frames[-1][0]
        elif frames and frames[-1][0] and expecting_key:
            frames[-1][1] = _key(token)
    return tuple(frame[1] for frame in frames if frame[1] is not None)


def _key(token: bytes) -> str:
    try:
        return str(json.loads(token))
    except ValueError:
        return token[1:-1].decode("utf-8", "replace")


def _too_deep(body: bytes) -> MalformedInputError:
    path = _scan(body, max_depth=MAX_DEPTH)
    return MalformedInputError(TOO_DEEP.message, field=field_name(path), code=TOO_DEEP.code)


def _malformed(refusal: Refusal, path: Path, detail: str | None = None) -> MalformedInputError:
    message = f"{refusal.message}: {detail}." if detail and refusal is MALFORMED else refusal.message
    return MalformedInputError(message, field=field_name(path), code=refusal.code)


def _bounded_int(digits: str) -> int:
    """Python refuses to parse integers of thousands of digits; any beyond 64 bits is refused anyway."""
    return int(digits) if len(digits) <= 20 else INT64_MAX + 1
