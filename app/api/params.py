"""Typed parameters shared by the controllers (Litestar's annotated style)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter, QueryParameter

from app.api.auth import Auth
from app.repositories.pagination import DEFAULT_LIMIT, MAX_LIMIT

__all__ = (
    "PAGING",
    "Access",
    "Cursor",
    "Id",
    "Limit",
    "PageRequest",
    "Paging",
    "provide_caller_access",
    "provide_page_request",
    "wire_name",
)

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


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a list the caller asked for (the repositories check ``limit`` again)."""

    limit: int | None = None
    cursor: str | None = None


Access = NamedDependency[object]
"""Handler parameter type of the check a list is behind (``access``): the caller (``auth``), or
under an organization their membership."""


async def provide_caller_access(auth: Auth) -> object:
    return auth


async def provide_page_request(access: Access, limit: Limit = None, cursor: Cursor = None) -> PageRequest:
    """The ``limit`` and ``cursor`` query parameters of every list (each list route documents them).

    Read after ``access``: a caller who may not see the list is refused (401, 404) before a bad
    page is (422), whichever dependency Litestar would otherwise resolve first.
    """
    return PageRequest(limit=limit, cursor=cursor)


PAGING = {"paging": Provide(provide_page_request), "access": Provide(provide_caller_access)}
"""App-wide dependencies: a list handler asks for ``paging: Paging``; a scope with a stricter check
than signing in provides its own ``access``."""
Paging = NamedDependency[PageRequest]
"""Handler parameter type of the requested page (``paging``)."""


def wire_name(name: str) -> str:
    """A parameter's name as errors show it: camelCase, as the API's fields are (``org_id`` -> ``orgId``)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
