"""What every database of the service stores alike: the rules on a single value, whatever its field.

PostgreSQL ``text`` cannot hold NUL and SQLite can, so NUL is refused everywhere (data written on
one database must move to the other). Text must be valid Unicode (no lone surrogates). Integers
fit in 64 signed bits (SQLite ``INTEGER``, PostgreSQL ``bigint``, and what JavaScript's ``BigInt``
columns of Better Auth round-trip). Timestamps must stay within years 1-9999 once converted to UTC,
which is what Python, SQLite's epoch milliseconds and PostgreSQL's ``timestamptz`` all hold.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = (
    "INT64_MAX",
    "INT64_MIN",
    "INTEGER_RANGE",
    "INVALID_UNICODE",
    "MAX_TEXT_LENGTH",
    "NUL",
    "NUMBER_RANGE",
    "TIMESTAMP_RANGE",
    "Refusal",
    "number_refusal",
    "text_refusal",
)

MAX_TEXT_LENGTH = 65_536
"""Longest text accepted in any single value (fields have their own, lower limits)."""
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Only timestamps in year 1 or 9999 can leave the range when their offset is applied.
_EDGE_TIMESTAMP = re.compile(r"(0001|9999)-\d\d-\d\d[Tt ]")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a value is refused: a stable ``code`` and a message safe to show."""

    code: str
    message: str


NUL = Refusal("nul_character", "Text may not contain the NUL character (U+0000).")
INVALID_UNICODE = Refusal("invalid_unicode", "Text must be valid Unicode (no lone surrogates, valid UTF-8).")
INTEGER_RANGE = Refusal("integer_out_of_range", "Integers must fit in 64 signed bits.")
NUMBER_RANGE = Refusal("number_out_of_range", "Numbers must be finite (64-bit floating point).")
TIMESTAMP_RANGE = Refusal("timestamp_out_of_range", "Timestamps must fall within years 1 to 9999 in UTC.")


def text_refusal(value: str, max_length: int = MAX_TEXT_LENGTH) -> Refusal | None:
    """Why ``value`` cannot be stored as text on every database, or ``None`` when it can."""
    if "\x00" in value:
        return NUL
    if len(value) > max_length:
        return Refusal("text_too_long", f"Text may be at most {max_length} characters long.")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return INVALID_UNICODE
    if _EDGE_TIMESTAMP.match(value) and not _timestamp_in_range(value):
        return TIMESTAMP_RANGE
    return None


def number_refusal(value: float) -> Refusal | None:
    """Why a JSON number cannot be stored on every database (``bool`` is not a number here)."""
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else INTEGER_RANGE
    return None if math.isfinite(value) else NUMBER_RANGE


def _timestamp_in_range(value: str) -> bool:
    """False when ``value`` is a timestamp whose UTC instant falls outside years 1-9999."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return True  # not a timestamp: a field that expects one refuses it on its own
    if parsed.tzinfo is None:
        return True  # naive timestamps are taken as UTC as they are
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        return False
    return True
