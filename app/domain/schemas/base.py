"""Common API structs: the camelCase base, pagination, problem details, health."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

import msgspec

from app.domain.instants import Instant, to_instant

__all__ = (
    "BindingReport",
    "CamelStruct",
    "FieldError",
    "Health",
    "Page",
    "ProblemDetails",
    "Readiness",
    "WireStruct",
)

T = TypeVar("T")

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=128)]
Url = Annotated[str, msgspec.Meta(max_length=2048, pattern=r"^(https?://|data:image/)")]
Locale = Annotated[str, msgspec.Meta(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Identifier = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class WireStruct(msgspec.Struct, rename="camel"):
    """Base of every struct the API sends or reads: snake_case in Python, camelCase on the wire.

    Every datetime it holds becomes an :class:`~app.domain.instants.Instant`, which is encoded as
    JavaScript's ``toISOString()`` (three fractional digits and ``Z``), whatever produced it.
    """

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, datetime) and type(value) is not Instant:
                setattr(self, name, to_instant(value))


class CamelStruct(WireStruct, forbid_unknown_fields=True):
    """Base for REST API structs: unknown fields are errors."""


class Page(CamelStruct, Generic[T]):
    """One page of a list in a stable order. Pass ``nextCursor`` back as ``cursor`` for the next page."""

    items: list[T]
    next_cursor: str | None
    total: int | None = None


class FieldError(CamelStruct):
    field: str
    message: str
    source: str = "body"


class ProblemDetails(CamelStruct, omit_defaults=True):
    """RFC 9457 problem details, with a stable machine-readable ``code``."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    binding: str | None = None


class Health(CamelStruct):
    status: str


class BindingReport(CamelStruct):
    name: str
    status: str
    detail: str


class Readiness(CamelStruct):
    status: str
    bindings: list[BindingReport]
