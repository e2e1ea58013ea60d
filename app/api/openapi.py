"""OpenAPI helpers: every operation documents its problem-details error responses.

The responses are derived from the error map (:data:`app.api.errors.ERROR_MAP`): a route names the
domain errors it raises and the document shows them at the status, with the description, the map
gives them; a mapping added there is documented without a second edit.
"""

from __future__ import annotations

from litestar.openapi import ResponseSpec

from app.api.errors import ERROR_MAP, PROBLEM_MEDIA_TYPE, error_mapping
from app.domain.errors import DomainError
from app.domain.schemas.base import ProblemDetails

__all__ = ("problems",)


def problems(*errors: type[DomainError]) -> dict[int, ResponseSpec]:
    """Response specs for the errors a route raises, plus the ones any route may answer.

    Those (``everywhere`` in the map: 400, 422, 500 and 503) are always documented: the input guard
    (``app.api.input_guard``) may refuse any path parameter, query value or header of any route,
    any route may fail unexpectedly, and any route may find the database busy (every route reads
    the caller's session).
    """
    documented = [*errors, *(error for error, mapping in ERROR_MAP.items() if mapping.everywhere)]
    descriptions: dict[int, list[str]] = {}
    for error in documented:
        mapping = error_mapping(error)
        said = descriptions.setdefault(mapping.status, [])
        if mapping.description not in said:
            said.append(mapping.description)
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            description="; ".join(descriptions[status]),
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in sorted(descriptions)
    }
