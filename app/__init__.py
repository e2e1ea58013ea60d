"""SaaS data service: the Better Auth schema, its migrations and a REST API (Litestar).

``litestar run`` and ``litestar database ...`` discover :func:`create_app` here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Litestar


def create_app() -> Litestar:
    """Build the application from the environment (imported lazily: models and scripts stay light)."""
    from app.api.application import create_app as build

    return build()
