"""The interactive API docs at /docs, served entirely by this service (no CDN).

Swagger UI's browser files are vendored from the npm package ``swagger-ui-dist`` at a pinned
version (``docs_assets/SOURCE.json`` records it, with each file's SHA-256; refresh them with
``scripts/vendor_docs_assets.py``) and served under ``/docs/assets``. The page embeds the OpenAPI
document itself and turns off Swagger UI's online validator, so opening /docs makes no request
to any other host.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

__all__ = ("ASSETS_DIR", "ASSET_FILES", "PACKAGE", "OfflineSwaggerRenderPlugin", "docs_assets_router")

PACKAGE = "swagger-ui-dist"
ASSETS_DIR = Path(__file__).resolve().parent / "docs_assets" / PACKAGE
ASSET_FILES = (
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-ui.css",
    "favicon-32x32.png",
    "LICENSE",
    "NOTICE",
)
ASSETS_PATH = "/docs/assets"


class OfflineSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Litestar's Swagger UI page on the vendored files, without the online validator badge."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
            **kwargs,
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        page = super().render(request, openapi_schema)
        return page.replace(b"deepLinking: true,", b"deepLinking: true,\n                  validatorUrl: null,", 1)


def docs_assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[ASSETS_DIR],
        include_in_schema=False,
        cache_control=None,
        name="docs_assets",
    )
