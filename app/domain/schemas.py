"""msgspec structs shared by the layers: request bodies, responses and problem details (camelCase JSON)."""

from __future__ import annotations

import msgspec

__all__ = ("BindingReport", "CamelStruct", "FieldError", "Health", "ProblemDetails", "Readiness")


class CamelStruct(msgspec.Struct, rename="camel", forbid_unknown_fields=False):
    """Base for API structs: snake_case in Python, camelCase on the wire."""


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
