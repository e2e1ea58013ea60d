"""Rows read by the driver-level reader (``app.db.reader``) become records: a model's columns are
selected in declaration order, and the same order builds its record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import msgspec
from sqlalchemy import ColumnElement
from sqlalchemy import inspect as sa_inspect

from app.db.models import Base, Member, Organization, User, UserSession
from app.domain.records import MemberRecord, OrganizationRecord, SessionRecord, UserRecord

__all__ = ("MEMBER", "ORGANIZATION", "SESSION", "USER", "Shape", "record_of")

R = TypeVar("R", bound=msgspec.Struct)


class Shape(Generic[R]):
    """A model's columns, in declaration order, and the record they fill."""

    def __init__(self, model: type[Base], record: type[R]) -> None:
        attributes = sa_inspect(model).column_attrs
        self.keys = tuple(attribute.key for attribute in attributes)
        self.columns: tuple[ColumnElement[Any], ...] = tuple(attribute.columns[0] for attribute in attributes)
        self.record = record

    @property
    def width(self) -> int:
        return len(self.keys)

    def build(self, row: Sequence[Any], start: int = 0, **extra: Any) -> R:
        """The record of the ``width`` values of ``row`` from ``start`` on."""
        values = row[start : start + self.width]
        return self.record(**dict(zip(self.keys, values, strict=True)), **extra)


SESSION = Shape(UserSession, SessionRecord)
USER = Shape(User, UserRecord)
ORGANIZATION = Shape(Organization, OrganizationRecord)
MEMBER = Shape(Member, MemberRecord)


def record_of(instance: Base, record: type[R]) -> R:
    """The record of an ORM instance (after a write, to answer with the same values a read gives)."""
    return msgspec.convert(instance, record, from_attributes=True)
