"""Typed parameters shared by the controllers (Litestar's annotated style)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from app.repositories.pagination import DEFAULT_LIMIT, MAX_LIMIT

__all__ = ("Cursor", "Id", "Limit", "wire_name")

Limit = Annotated[
    int | None,
    QueryParameter(
        name="limit", ge=1, le=MAX_LIMIT, required=False, description=f"Page size (default {DEFAULT_LIMIT})"
    ),
]
Cursor = Annotated[
    str | None,
    QueryParameter(name="cursor", max_length=512, required=False, description="The `nextCursor` of the previous page"),
]
Id = Annotated[str, PathParameter(max_length=128)]
"""A resource id in the path."""


def wire_name(name: str) -> str:
    """A parameter's name as errors show it: camelCase, as the API's fields are (``org_id`` -> ``orgId``)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
