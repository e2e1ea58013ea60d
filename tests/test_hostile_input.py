"""Hostile values in every place of every route: never a 5xx, and a 4xx naming the field.

Each face names it in its own format: the REST API in an RFC 9457 problem (``errors[].field`` and
``source``), Better Auth's routes (``/api/auth/*``) in Better Auth's ``{code, message}`` JSON whose
message names each field as zod does (``[body.email] ...``, ``[header.user-agent] ...``).

The routes are the app's own (``app.routes``), their parameters and JSON fields its OpenAPI
document's, so a new route, parameter or field is covered without touching this file (a path
parameter with no id in ``tests.world`` fails the test until one is given). Every case is sent
as an anonymous caller and as the caller the route is for (the owner; the global admin under
``/api/admin``), on SQLite and PostgreSQL, through ``tests.raw_asgi`` so that bytes no HTTP
client would send (NUL in a header, invalid UTF-8, a 100,000-character URL) reach the app.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.api.application import create_app
from app.api.params import wire_name
from app.config import Settings
from app.db.types import utcnow
from app.domain.ids import generate_id
from app.repositories import password_reset as reset_repo
from app.repositories.verification import create_verification
from tests.helpers import close_app, schema_app
from tests.raw_asgi import RawResponse, raw_request
from tests.world import World, build_world

PROBLEM = "application/problem+json"
BETTER_AUTH_PREFIX = "/api/auth/"
# The fields a Better Auth error message names: "[body.email] Invalid email address; [query.x] ...".
ZOD_FIELD = re.compile(r"(?:^|; )\[([^\]]*)\] ")
Segment = str | int
JsonPath = tuple[Segment, ...]


@dataclass(frozen=True)
class Value:
    name: str
    raw: bytes  # as text (path, query, header: percent-encoded where it goes into the URL) or as JSON
    always_refused: bool = True  # False: refused only where the field's type cannot hold it


# Text values for path parameters, query parameters and headers.
TEXT_VALUES = [
    Value("nul", b"a\x00b"),
    Value("lone-surrogate", b"a\xed\xa0\x80b"),  # U+D800 as a server sees it: bytes that are not UTF-8
    Value("invalid-utf8", b"a\xff\xfeb"),
    Value("100k-characters", b"x" * 100_000),
    Value("beyond-64-bits", str(2**64 * 10**10).encode(), always_refused=False),
    Value("timestamp-beyond-9999", b"9999-12-31T23:59:59-14:00"),
    Value("timestamp-before-1", b"0001-01-01T00:00:00+14:00"),
]
# JSON values for every field of a request body (and for the body itself).
JSON_VALUES = [
    Value("nul", b'"a\\u0000b"'),
    Value("lone-surrogate", b'"a\\ud800b"'),
    Value("lone-low-surrogate", b'"\\udc00"'),
    Value("invalid-utf8", b'"a\xff\xfeb"'),
    Value("100k-characters", b'"' + b"x" * 100_000 + b'"'),
    Value("5000-deep-objects", b'{"a":' * 5000 + b"1" + b"}" * 5000),
    Value("5000-deep-arrays", b"[" * 5000 + b"]" * 5000),
    Value("beyond-64-bits", str(2**64).encode()),
    Value("5000-digits", b"9" * 5000),
    Value("infinite-number", b"1e400"),
    Value("timestamp-beyond-9999", b'"9999-12-31T23:59:59-14:00"'),
    Value("timestamp-before-1", b'"0001-01-01T00:00:00+14:00"'),
]
# Fields that are timestamps also get values that parse nowhere (year 10000, year 0).
TIMESTAMP_VALUES = [Value("year-10000", b'"10000-01-01T00:00:00Z"'), Value("year-0", b'"0000-01-01T00:00:00Z"')]
HEADERS = ("authorization", "cookie", "user-agent", "origin", "referer", "x-forwarded-for", "content-type", "x-any")
HEADER_SKIPS = {"timestamp-beyond-9999", "timestamp-before-1"}  # no header is read as a timestamp
WORLD_IDS = {
    "org_id": "org",
    "member_id": "member",
    "invitation_id": "invitation",
    "team_id": "team",
    "user_id": "target_user",
    "session_id": "target_session",
    "provider_id": "provider",
    "subscription_id": "subscription",
    "passkey_id": "passkey",
    "token": "reset_token",
}
RESET_TOKEN_LIFETIME = timedelta(days=1)
DOCS_PREFIX = "/docs"


def _schema() -> dict[str, Any]:
    return schema_app().openapi_schema.to_schema()


def _routes() -> list[tuple[str, str]]:
    app = schema_app()
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and not route.path.startswith(DOCS_PREFIX)
        for method in route.methods
        if method not in ("HEAD", "OPTIONS")
    )


SCHEMA = _schema()
ROUTES = _routes()


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` and take the non-null branch of a nullable ``oneOf``/``anyOf``."""
    while True:
        if "$ref" in schema:
            schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            continue
        branches = [b for b in schema.get("oneOf", schema.get("anyOf", [])) if b.get("type") != "null"]
        if branches:
            schema = {**{k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}, **branches[0]}
            continue
        return schema


def _fields(schema: dict[str, Any], prefix: JsonPath = (), depth: int = 0) -> Iterator[tuple[JsonPath, bool]]:
    """Every field of a body schema as a JSON path, with whether it holds a timestamp."""
    schema = _resolve(schema)
    for name, sub in schema.get("properties", {}).items():
        resolved = _resolve(sub)
        path = (*prefix, name)
        yield path, resolved.get("format") == "date-time"
        if depth < 2:
            if resolved.get("type") == "object" and "properties" in resolved:
                yield from _fields(resolved, path, depth + 1)
            elif resolved.get("type") == "object":
                yield (*path, "key"), False  # a free-form object: one of its values
            elif resolved.get("type") == "array":
                yield (*path, 0), False


def _operation(method: str, route: str) -> dict[str, Any]:
    path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route)
    operation: dict[str, Any] = SCHEMA["paths"].get(path, {}).get(method.lower(), {})
    return operation


def _body_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return schema if isinstance(schema, dict) else None


def _wrap(path: JsonPath, value: bytes) -> bytes:
    """The JSON document holding ``value`` at ``path``."""
    for segment in reversed(path):
        value = b"[" + value + b"]" if isinstance(segment, int) else b'{"' + segment.encode() + b'":' + value + b"}"
    return value


def _field(path: JsonPath) -> str:
    name = ""
    for segment in path:
        name += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if name else segment)
    return name or "body"


@dataclass(frozen=True)
class Case:
    label: str
    source: str
    field: str
    must_refuse: bool  # for the caller the route is for (anonymous callers may get a 401 first)
    raw_path: bytes
    query: bytes = b""
    header: tuple[bytes, bytes] | None = None
    body: bytes | None = None
    before_auth: bool = True  # refused by InputGuard, which runs before authentication and guards


def _cases(method: str, route: str, world: World) -> Iterator[Case]:
    operation = _operation(method, route)
    names = re.findall(r"\{(\w+):\w+\}", route)
    unknown = [name for name in names if name not in WORLD_IDS]
    assert not unknown, f"{method} {route}: give the path parameters {unknown} an id in WORLD_IDS"

    def path_with(poisoned: str | None = None, value: bytes = b"") -> bytes:
        path = route
        for name in names:
            text = quote_from_bytes(value, safe="") if name == poisoned else world.ids[WORLD_IDS[name]]
            path = re.sub(r"\{" + name + r":\w+\}", text, path)
        return path.encode("latin-1")

    valid_path = path_with()
    json_body = _body_schema(operation)
    default_body = b"{}" if json_body is not None else None
    for name in names:
        for value in TEXT_VALUES:
            yield Case(f"path {name}={value.name}", "path", wire_name(name), value.always_refused,
                       path_with(name, value.raw), body=default_body)  # fmt: skip
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        integer = _resolve(parameter["schema"]).get("type") == "integer"
        for value in TEXT_VALUES:
            query = parameter["name"].encode() + b"=" + quote_from_bytes(value.raw, safe="").encode()
            yield Case(f"query {parameter['name']}={value.name}", "query", parameter["name"],
                       value.always_refused or integer, valid_path, query=query, body=default_body,
                       before_auth=value.always_refused)  # fmt: skip
    for header in HEADERS:
        for value in TEXT_VALUES:
            if value.name not in HEADER_SKIPS:
                yield Case(f"header {header}={value.name}", "header", header, value.always_refused,
                           valid_path, header=(header.encode(), value.raw), body=default_body)  # fmt: skip
    if json_body is None:
        return
    places: list[tuple[JsonPath, bool]] = [((), False), *_fields(json_body)]
    for path, timestamp in places:
        # The body is decoded when the handler is called: guards (the admin check) may answer first.
        for value in JSON_VALUES + (TIMESTAMP_VALUES if timestamp else []):
            yield Case(f"body {_field(path)}={value.name}", "body", _field(path), True,
                       valid_path, body=_wrap(path, value.raw), before_auth=False)  # fmt: skip


def _caller(route: str) -> str:
    return "global_admin" if route.startswith(("/api/admin", "/api/auth/admin")) else "owner"


def _zod_path(case: Case) -> str:
    """The case's field as a Better Auth (zod) message names it: ``body.teamIds.0``, ``header.x-any``."""
    if case.source == "body" and case.field == "body":
        return "body"
    dotted = re.sub(r"\[(\d+)\]", r".\1", case.field).removeprefix(".")
    return f"{case.source}.{dotted}"


def _better_auth_names_field(response: RawResponse, case: Case) -> str | None:
    """What is wrong with a refusal on Better Auth's face, or ``None`` when it is a 4xx
    ``{code, message}`` whose message names the field."""
    if not response.content_type.startswith("application/json"):
        return f"answered {response.content_type!r}, not Better Auth's JSON error"
    body = response.json()
    code, message = body.get("code"), body.get("message")
    if not isinstance(code, str) or not isinstance(message, str):
        return f"answered {response.status} {body!r}, not Better Auth's {{code, message}}"
    wanted = _zod_path(case)
    for named in ZOD_FIELD.findall(message):
        if case.field == "body" and case.source == "body" and (named == "body" or named.startswith("body.")):
            return None  # the whole document was the value: any field of it is named
        if named == wanted or named.startswith(f"{wanted}."):
            return None
    return f"answered {response.status} {code} {message[:200]!r}, not naming [{wanted}]"


def _names_field(response: RawResponse, case: Case) -> str | None:
    """What is wrong with a refusal, or ``None`` when it is a 4xx naming the field in the face's format."""
    if not 400 <= response.status < 500:
        return f"answered {response.status}"
    if case.raw_path.startswith(BETTER_AUTH_PREFIX.encode()):
        return _better_auth_names_field(response, case)
    if not response.content_type.startswith(PROBLEM):
        return f"answered {response.content_type!r}, not a problem"
    errors = response.json().get("errors") or []
    for error in errors:
        if case.field == "body" and error.get("source", "body") == "body":
            return None  # the whole document was the value: any field of it is named
        field = str(error.get("field", ""))
        named = field == case.field or field.startswith((f"{case.field}.", f"{case.field}["))
        if named and error.get("source", "body") == case.source:
            return None
    return f"answered {response.status} naming {[(e.get('source'), e.get('field')) for e in errors]}"


async def _hostile_world(engine: AsyncEngine) -> World:
    """``tests.world`` plus a live password-reset token of the target user (the reset link's ``{token}``)."""
    world = await build_world(engine)
    token = generate_id(reset_repo.RESET_TOKEN_LENGTH)
    async with async_sessionmaker(engine)() as db:
        await create_verification(
            db,
            identifier=reset_repo.reset_identifier(token),
            value=world.ids["target_user"],
            expires_at=utcnow() + RESET_TOKEN_LIFETIME,
        )
        await db.commit()
    world.ids["reset_token"] = token
    return world


@pytest.fixture
async def app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Litestar]:
    application = create_app(settings)
    try:
        yield application
    finally:
        await close_app(application)


def all_cases() -> list[Case]:
    """Every case of every route (with placeholder ids): what the test sends per database and caller."""
    world = World(ids=dict.fromkeys(WORLD_IDS.values(), "x"))
    return [case for method, route in ROUTES for case in _cases(method, route, world)]


def test_every_route_has_cases() -> None:
    """Each route yields cases; a route with a body has a case per field (the enumeration works)."""
    world = World(ids=dict.fromkeys(WORLD_IDS.values(), "x"))
    for method, route in ROUTES:
        cases = list(_cases(method, route, world))
        assert cases, (method, route)
        if _body_schema(_operation(method, route)) is not None:
            assert any(case.source == "body" and case.field != "body" for case in cases), (method, route)


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
async def test_hostile_values_get_a_4xx_naming_the_field(
    method: str, route: str, app: Litestar, engine: AsyncEngine
) -> None:
    world = await _hostile_world(engine)
    failures: list[str] = []
    count = 0
    for case in _cases(method, route, world):
        for role in ("anonymous", _caller(route)):
            token = world.tokens[role]
            headers = {b"content-type": b"application/json"} if case.body is not None else {}
            if token:
                headers[b"authorization"] = f"Bearer {token}".encode()
            if case.header:
                headers[case.header[0]] = case.header[1]
            response = await raw_request(
                app, method, case.raw_path, query=case.query, headers=list(headers.items()), body=case.body or b""
            )
            count += 1
            if response.status >= 500:
                failures.append(f"{case.label} as {role}: {response.status} {response.body[:200]!r}")
            elif (
                case.must_refuse
                and (case.before_auth or role != "anonymous")
                and (problem := _names_field(response, case))
            ):
                failures.append(f"{case.label} as {role}: {problem}")
    assert count
    assert not failures, f"{len(failures)} of {count} cases:\n" + "\n".join(failures[:40])
