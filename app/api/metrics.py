"""``GET /metrics`` on the API port, behind a bearer token (``METRICS_TOKEN``).

Without a token the API port serves no metrics; the production command can serve them on a port
of their own instead (``METRICS_PORT``, see ``app.serve``).
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from prometheus_client import CONTENT_TYPE_LATEST

from app.config import Settings
from app.domain.errors import AuthenticationError
from app.metrics import render_metrics

__all__ = (
    "metrics",
    "require_metrics_token",
)


def require_metrics_token(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    settings: Settings = connection.app.state.settings
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise AuthenticationError("Send the metrics token as a bearer token.", code="metrics_token_required")


@get("/metrics", include_in_schema=False, guards=[require_metrics_token], sync_to_thread=True)
def metrics() -> Response[bytes]:
    """Prometheus text exposition of every worker's metrics."""
    return Response(render_metrics(), media_type=CONTENT_TYPE_LATEST)
