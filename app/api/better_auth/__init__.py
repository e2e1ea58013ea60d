"""Better Auth 1.7's own HTTP protocol under ``/api/auth``: a front-end built on ``better-auth/client``
(with ``adminClient()`` and ``organizationClient({ teams: { enabled: true } })``) works against this
service unchanged. Endpoints call the same repositories as the REST face; this package decides only
the protocol: paths, bodies, cookies, status codes and error codes.

Adding an area is one line in :data:`CONTROLLERS`.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandler, ExceptionHandlersMap

from app.api.better_auth import errors
from app.api.better_auth.account import AccountController
from app.api.better_auth.admin import AdminController
from app.api.better_auth.core import CoreController
from app.api.better_auth.email import EmailController
from app.api.better_auth.guard import guard
from app.api.better_auth.organization import OrganizationController
from app.api.better_auth.teams import TeamController

__all__ = ("CONTROLLERS", "app_exception_handlers", "better_auth_router")

CONTROLLERS: list[type] = [
    CoreController,
    AccountController,
    OrganizationController,
    TeamController,
    AdminController,
    EmailController,
]


def better_auth_router() -> Router:
    return Router(
        path=errors.BASE_PATH,
        route_handlers=CONTROLLERS,
        before_request=guard,
        exception_handlers=errors.exception_handlers,
    )


def app_exception_handlers(rest: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """The app's handlers: the REST face's, except that a request under ``/api/auth`` that matched no
    route (unknown path or method) gets Better Auth's empty 404."""
    rest_http: ExceptionHandler[Any] = rest[HTTPException]

    def handle(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        if errors.is_better_auth_path(request.url.path):
            return errors.handle_http_exception(request, exc)
        return rest_http(request, exc)

    return {**rest, HTTPException: handle}
