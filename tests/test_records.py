"""The caller's values mirror their models: a column added to ``user`` or ``session`` must be added to
the record too (the caller's statement selects every column, in declaration order)."""

from __future__ import annotations

import msgspec
from sqlalchemy import inspect

from app.db.models import Base, Member, Organization, User, UserSession
from app.domain.records import MemberRecord, OrganizationRecord, SessionRecord, UserRecord


def attributes(model: type[Base]) -> list[str]:
    return [attribute.key for attribute in inspect(model).column_attrs]


def fields(record: type[msgspec.Struct]) -> list[str]:
    """The record's column fields (a joined row, such as a member's ``user``, is not a column)."""
    return [field.name for field in msgspec.structs.fields(record) if field.name != "user"]


def test_records_have_every_column_of_their_model_in_order() -> None:
    assert fields(UserRecord) == attributes(User)
    assert fields(SessionRecord) == attributes(UserSession)
    assert fields(OrganizationRecord) == attributes(Organization)
    assert fields(MemberRecord) == attributes(Member)
