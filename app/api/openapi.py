"""OpenAPI helpers: every operation documents its problem-details error responses."""

from __future__ import annotations

from litestar.openapi import ResponseSpec

from app.domain.schemas.base import ProblemDetails

__all__ = ("problems",)

_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    410: "Expired",
    413: "Request body too large",
    422: "Validation failed; `errors` names each field",
    429: "Too many requests; see Retry-After",
    500: "Unexpected error, or a binding (DB, STORAGE) is unavailable",
    503: "Not ready",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Response specs for the given error statuses.

    400, 422 and 500 are always documented: the input guard (``app.api.input_guard``) may refuse
    any path parameter, query value or header of any route, and any route may fail unexpectedly.
    """
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            description=_DESCRIPTIONS.get(status, "Error"),
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in sorted({*statuses, 400, 422, 500})
    }
