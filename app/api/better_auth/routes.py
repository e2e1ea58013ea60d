"""Route decorators of the Better Auth face: Better Auth's method and path, a stable operation id,
the success body and Better Auth's error responses in OpenAPI, and the request body's struct."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import get, post
from litestar.openapi import ResponseSpec

from app.api.better_auth.validation import BetterAuthBody
from app.domain.schemas.ba_core import BaError

__all__ = ("ba_get", "ba_post")

_DESCRIPTIONS = {
    400: "Bad request: VALIDATION_ERROR names each field; other codes name the rule",
    401: "No live session (UNAUTHORIZED)",
    403: "Not allowed, or an untrusted origin (INVALID_ORIGIN, MISSING_OR_NULL_ORIGIN, ...)",
    404: "Not found",
    415: "Unsupported Content-Type (UNSUPPORTED_MEDIA_TYPE)",
    422: "The email is taken (USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL)",
    429: "Too many attempts",
    500: "Unexpected error, or the DB binding is unavailable",
}


def _responses(ok: Any, errors: tuple[int, ...]) -> dict[int, ResponseSpec]:
    specs = {200: ResponseSpec(data_container=ok, description="Success", generate_examples=False)}
    for status in sorted({*errors, 400, 500}):
        specs[status] = ResponseSpec(
            data_container=BaError,
            description=_DESCRIPTIONS.get(status, "Error"),
            media_type="application/json",
            generate_examples=False,
        )
    return specs


def ba_get(
    path: str, *, operation_id: str, summary: str, ok: Any, errors: tuple[int, ...] = (401,)
) -> Callable[[Callable[..., Any]], Any]:
    return get(
        path,
        operation_id=operation_id,
        summary=summary,
        responses=_responses(ok, errors),
    )


def ba_post(
    path: str,
    *,
    operation_id: str,
    summary: str,
    ok: Any,
    body: type | None = None,
    errors: tuple[int, ...] = (401, 403, 415),
    form: bool = False,
    optional_body: bool = False,
) -> Callable[[Callable[..., Any]], Any]:
    """``body``: the struct of ``data`` (validated Better Auth's way); ``form``: also accept
    ``application/x-www-form-urlencoded``; ``optional_body``: an absent body is an empty one."""
    return post(
        path,
        operation_id=operation_id,
        summary=summary,
        status_code=200,
        responses=_responses(ok, errors),
        dto=BetterAuthBody[body] if body is not None else None,  # type: ignore[valid-type]
        return_dto=None,
        opt={"form": form, "optional_body": optional_body},
    )
