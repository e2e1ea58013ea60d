"""Better Auth's where clauses and sorting over named fields (the admin user list, the member list).

A list names its fields (Better Auth's camelCase names → columns); anything else is a 422 naming
``filterField`` or ``sortBy``. Operators: eq, ne, lt, lte, gt, gte, in, not_in, contains,
starts_with, ends_with. Text operators use the database's LIKE (as Better Auth's adapters do).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ColumnElement

from app.domain.enums import SortDirection
from app.domain.errors import InvalidInputError

__all__ = ("FieldFilter", "condition", "ordering")


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """``field operator value``; ``value`` is a query string's text (a list for in/not_in)."""

    field: str
    operator: str
    value: Any
    name: str = "filterField"
    """The request field the filter came from (named in errors)."""


_COMPARISONS = {
    "eq": "__eq__",
    "ne": "__ne__",
    "lt": "__lt__",
    "lte": "__le__",
    "gt": "__gt__",
    "gte": "__ge__",
}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _typed(column: Any, value: Any, name: str) -> Any:
    """A query string's value as the column's type (booleans and dates are sent as text)."""
    if isinstance(column.type, Boolean) or getattr(column.type, "python_type", None) is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise InvalidInputError("A boolean field compares with true or false.", field=name)
    if getattr(column.type, "python_type", None) is datetime and not isinstance(value, datetime):
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidInputError("A date field compares with an ISO-8601 date.", field=name) from exc
    return value


def condition(fields: dict[str, Any], where: FieldFilter) -> ColumnElement[bool]:
    column = fields.get(where.field)
    if column is None:
        raise InvalidInputError(f"{where.name} must be one of {', '.join(fields)}.", field=where.name)
    values = where.value if isinstance(where.value, list) else [where.value]
    operator = where.operator
    if operator in ("in", "not_in"):
        members: ColumnElement[bool] = column.in_([_typed(column, value, where.name) for value in values])
        return ~members if operator == "not_in" else members
    if isinstance(where.value, list):
        raise InvalidInputError("Only in and not_in take several values.", field="filterValue")
    if operator in ("contains", "starts_with", "ends_with"):
        text = _escape_like(str(where.value))
        pattern = {"contains": f"%{text}%", "starts_with": f"{text}%", "ends_with": f"%{text}"}[operator]
        like: ColumnElement[bool] = column.like(pattern, escape="\\")
        return like
    method = _COMPARISONS.get(operator)
    if method is None:
        raise InvalidInputError("Not a filter operator.", field="filterOperator")
    compared: ColumnElement[bool] = getattr(column, method)(_typed(column, where.value, where.name))
    return compared


def ordering(fields: dict[str, Any], sort_by: str, direction: SortDirection) -> tuple[Any, ...]:
    column = fields.get(sort_by)
    if column is None:
        raise InvalidInputError(f"sortBy must be one of {', '.join(fields)}.", field="sortBy")
    return (column.desc() if direction is SortDirection.DESC else column.asc(),)
