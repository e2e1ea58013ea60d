"""Dates on the wire in JavaScript's ``Date.prototype.toISOString()`` form: ``2026-01-02T03:04:05.678Z``.

Exactly three fractional digits and ``Z``: Better Auth's client parser reads the fraction as
milliseconds, so the six digits msgspec writes for a ``datetime`` would shift every date.

The one mechanism: every API struct converts the datetimes it holds to :class:`Instant`
(``app.domain.schemas.base.WireStruct.__post_init__``). msgspec encodes exact ``datetime``
values itself but hands subclasses to ``enc_hook``; :data:`INSTANT_ENCODERS` is that hook, registered
as the app's ``type_encoders`` (and used by :data:`json_encoder` for bodies encoded by hand). Struct
fields stay annotated ``datetime``, so the OpenAPI document keeps calling them ``date-time``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

__all__ = ("INSTANT_ENCODERS", "Instant", "enc_hook", "js_iso", "json_encoder", "to_instant", "utcnow")


class Instant(datetime):
    """An aware UTC datetime at millisecond precision, written the way JavaScript writes dates."""


def utcnow() -> datetime:
    """The current time as an aware UTC datetime, truncated to milliseconds (what SQLite keeps)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_instant(value: datetime) -> Instant:
    """``value`` in UTC (naive values are taken as UTC), truncated to the millisecond."""
    if type(value) is Instant:
        return value
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return Instant(
        aware.year,
        aware.month,
        aware.day,
        aware.hour,
        aware.minute,
        aware.second,
        aware.microsecond // 1000 * 1000,
        tzinfo=UTC,
    )


def js_iso(value: datetime) -> str:
    """``toISOString()``: ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC."""
    i = to_instant(value)
    date = f"{i.year:04d}-{i.month:02d}-{i.day:02d}"
    return f"{date}T{i.hour:02d}:{i.minute:02d}:{i.second:02d}.{i.microsecond // 1000:03d}Z"


INSTANT_ENCODERS: dict[Any, Callable[[Any], Any]] = {Instant: js_iso}
"""Litestar ``type_encoders``: how an :class:`Instant` leaves the service."""


def enc_hook(value: Any) -> Any:
    """msgspec ``enc_hook`` for bodies encoded outside Litestar's response pipeline."""
    if isinstance(value, datetime):
        return js_iso(value)
    msg = f"cannot encode {type(value).__name__}"
    raise NotImplementedError(msg)


json_encoder = msgspec.json.Encoder(enc_hook=enc_hook)
"""A JSON encoder that writes every :class:`Instant` (and any other datetime subclass) as ``toISOString()``."""
