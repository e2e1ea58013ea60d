"""Request bodies and query strings read the way Better Auth reads them.

Better Auth validates with zod and answers ``400 {"code": "VALIDATION_ERROR", "message":
"[body.email] Invalid email address; [body.name] Invalid input: expected string, received
undefined"}``: every failing field, in declaration order. Unknown keys are ignored; known ones are
checked. The wire structs (``app.domain.schemas.ba_*``) are the schemas: this module walks their
msgspec type information and writes zod's messages, so each field is declared once.

Conventions of the structs: a field with a default is optional; ``None`` in its type allows
``null`` (zod ``nullable``); ``msgspec.Meta(extra_json_schema={"format": "email"})`` is
``z.email()``; ``Meta(extra={"coerce": "string"})`` is ``z.coerce.string()``. Besides zod's rules,
text keeps the portable-value rules (``app.domain.portable``: no NUL, valid Unicode, ...), so
hostile input is a 400 naming the field on both databases.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any, Generic, TypeVar

import msgspec
import msgspec.inspect as mi
from litestar import Request
from litestar.dto import AbstractDTO, DTOFieldDefinition
from litestar.typing import FieldDefinition

from app.api.better_auth.errors import BetterAuthError, refusal_issue
from app.domain.portable import MAX_TEXT_LENGTH, text_refusal
from app.domain.rules import is_valid_email

__all__ = ("UNDEFINED", "BetterAuthBody", "payload", "query", "read_body", "validate")

T = TypeVar("T")

BODY_KEY = "better_auth_body"
PAYLOAD_KEY = "better_auth_payload"


class _Undefined:
    """JavaScript's ``undefined``: no body was sent (distinct from a JSON ``null``)."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()

_STRUCT_INFO: dict[type, mi.StructType] = {}


def _info(struct_type: type) -> mi.StructType:
    info = _STRUCT_INFO.get(struct_type)
    if info is None:
        found = mi.type_info(struct_type)
        assert isinstance(found, mi.StructType)
        info = _STRUCT_INFO[struct_type] = found
    return info


def _received(value: Any) -> str:
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "NaN" if isinstance(value, float) and math.isnan(value) else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _expected(t: mi.Type) -> str:
    inner = t.type if isinstance(t, mi.Metadata) else t
    if isinstance(inner, mi.StrType):
        return "string"
    if isinstance(inner, mi.BoolType):
        return "boolean"
    if isinstance(inner, mi.IntType | mi.FloatType):
        return "number"
    if isinstance(inner, mi.ListType):
        return "array"
    if isinstance(inner, mi.DictType):
        return "record"
    if isinstance(inner, mi.UnionType):
        options = [option for option in inner.types if not isinstance(option, mi.NoneType)]
        return _expected(options[0]) if len(options) == 1 else "union"
    return "object"


def _invalid_type(t: mi.Type, value: Any) -> str:
    return f"Invalid input: expected {_expected(t)}, received {_received(value)}"


def _js_string(value: Any) -> str:
    """JavaScript's ``String(value)`` for JSON values (``z.coerce.string()``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if item is None else _js_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _text_problem(value: str, max_length: int = MAX_TEXT_LENGTH) -> str | None:
    """The portable-value rules on text (form bodies; JSON bodies are refused as they are decoded)."""
    refusal = text_refusal(value, max_length)
    return None if refusal is None else refusal_issue(refusal.code, refusal.message)


Issue = tuple[tuple[str, ...], str]


def _check(value: Any, t: mi.Type, path: tuple[str, ...]) -> tuple[list[Issue], Any]:
    """The issues of ``value`` against ``t``, and the value to keep (coerced where zod coerces)."""
    extra_schema: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    if isinstance(t, mi.Metadata):
        extra_schema, extra = t.extra_json_schema or {}, t.extra or {}
        t = t.type
    if extra.get("coerce") == "string" and value is not UNDEFINED:
        value = _js_string(value)
    if isinstance(t, mi.AnyType):
        return [], value
    if isinstance(t, mi.UnionType):
        options = [option for option in t.types if not isinstance(option, mi.NoneType)]
        if value is None and len(options) < len(t.types):
            return [], None
        if len(options) == 1:
            return _check(value, options[0], path)
        for option in options:
            issues, kept = _check(value, option, path)
            if not issues:
                return [], kept
        return [(path, "Invalid input")], value
    if isinstance(t, mi.StrType):
        if not isinstance(value, str):
            return [(path, _invalid_type(t, value))], value
        problems: list[str] = []
        if extra_schema.get("format") == "email" and not is_valid_email(value):
            problems.append("Invalid email address")
        if t.min_length is not None and len(value) < t.min_length:
            problems.append(f"Too small: expected string to have >={t.min_length} characters")
        too_long = t.max_length is not None and len(value) > t.max_length
        if too_long:
            problems.append(f"Too big: expected string to have <={t.max_length} characters")
        if text := _text_problem(value, len(value) if too_long else MAX_TEXT_LENGTH):  # one length issue
            problems.append(text)
        return [(path, problem) for problem in problems], value
    if isinstance(t, mi.BoolType):
        return ([] if isinstance(value, bool) else [(path, _invalid_type(t, value))]), value
    if isinstance(t, mi.IntType | mi.FloatType):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [(path, _invalid_type(t, value))], value
        if t.ge is not None and value < t.ge:
            return [(path, f"Too small: expected number to be >={t.ge}")], value
        if t.le is not None and value > t.le:
            return [(path, f"Too big: expected number to be <={t.le}")], value
        return [], value
    if isinstance(t, mi.LiteralType):
        if value in t.values and not isinstance(value, bool):
            return [], value
        choices = "|".join(f'"{choice}"' for choice in t.values)
        return [(path, f"Invalid option: expected one of {choices}")], value
    if isinstance(t, mi.ListType):
        if not isinstance(value, list):
            return [(path, _invalid_type(t, value))], value
        found: list[Issue] = []
        kept_items = []
        for index, item in enumerate(value):
            item_issues, kept = _check(item, t.item_type, (*path, str(index)))
            found.extend(item_issues)
            kept_items.append(kept)
        return found, kept_items
    if isinstance(t, mi.DictType):
        if not isinstance(value, dict):
            return [(path, _invalid_type(t, value))], value
        if not isinstance(t.value_type, mi.AnyType):
            found = []
            for key, item in value.items():
                item_issues, _ = _check(item, t.value_type, (*path, str(key)))
                found.extend(item_issues)
            return found, value
        bad = [(*path, str(key)) for key, item in value.items() if isinstance(item, str) and _text_problem(item)]
        return [(where, "Invalid input: text must be valid Unicode without NUL characters") for where in bad], value
    if isinstance(t, mi.StructType):
        return _check_struct(value, t, path)
    raise TypeError(f"unsupported wire type {t!r}")  # pragma: no cover - a struct declared outside the conventions


def _check_struct(value: Any, info: mi.StructType, path: tuple[str, ...]) -> tuple[list[Issue], Any]:
    if not isinstance(value, dict):
        kind = "record" if getattr(info.cls, "__wire_kind__", "object") == "record" else "object"
        return [(path, f"Invalid input: expected {kind}, received {_received(value)}")], value
    issues: list[Issue] = []
    kept: dict[str, Any] = {}
    for field in info.fields:
        raw = value.get(field.encode_name, UNDEFINED)
        if raw is UNDEFINED:
            if field.required:
                issues.append(((*path, field.encode_name), _invalid_type(field.type, UNDEFINED)))
            continue
        field_issues, field_value = _check(raw, field.type, (*path, field.encode_name))
        issues.extend(field_issues)
        kept[field.encode_name] = field_value
    return issues, kept


def _message(issues: list[Issue], source: str) -> str:
    return "; ".join(f"[{'.'.join((source, *path))}] {message}" for path, message in issues)


def validate(value: Any, struct_type: type[T], source: str = "body", *, optional: bool = False) -> T:
    """``value`` (decoded JSON, ``UNDEFINED`` when absent) as ``struct_type``, or a 400 VALIDATION_ERROR."""
    if value is UNDEFINED and optional:
        value = {}
    issues, kept = _check_struct(value, _info(struct_type), ())
    if issues:
        raise BetterAuthError(400, "VALIDATION_ERROR", _message(issues, source))
    return msgspec.convert(kept, struct_type, str_keys=True)


def read_body(request: Request[Any, Any, Any]) -> Any:
    """The body the guard decoded (``UNDEFINED`` when none was sent)."""
    return request.state.get(BODY_KEY, UNDEFINED)


def payload(request: Request[Any, Any, Any], data: T | None, struct_type: type[T], *, optional: bool = False) -> T:
    """The validated body: what :class:`BetterAuthBody` decoded, or the verdict on an absent body."""
    if data is not None:
        return data
    return validate(read_body(request), struct_type, optional=optional)


def query(request: Request[Any, Any, Any], struct_type: type[T]) -> T:
    """The query string as ``struct_type`` (a repeated key is an array, as in better-call)."""
    values: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in values:
            existing = values[key]
            values[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            values[key] = value
    return validate(values, struct_type, "query")


class BetterAuthBody(AbstractDTO[T], Generic[T]):
    """The ``data`` of a Better Auth handler: validated by :func:`validate` and documented in OpenAPI.

    The guard (``app.api.better_auth.guard``) has already decoded the body (JSON or form) and run
    the origin checks, so this only validates, in Better Auth's order: before the session check.
    """

    @classmethod
    def generate_field_definitions(cls, model_type: type[Any]) -> Generator[DTOFieldDefinition, None, None]:
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: Any = None
    ) -> None:
        return None

    @classmethod
    def create_openapi_schema(cls, field_definition: FieldDefinition, handler_id: str, schema_creator: Any) -> Any:
        return schema_creator.for_field_definition(FieldDefinition.from_annotation(cls.model_type))

    def decode_bytes(self, value: bytes) -> Any:
        request = self.asgi_connection
        assert isinstance(request, Request)
        optional = bool(request.route_handler.opt.get("optional_body"))
        return validate(read_body(request), self.model_type, optional=optional)

    def decode_builtins(self, value: dict[str, Any]) -> Any:
        return self.decode_bytes(b"")
