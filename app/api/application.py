"""The Litestar application factory: settings → bindings → plugins → routes → error handling."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.plugins import PluginProtocol
from litestar.stores.memory import MemoryStore

from app.api.auth import AUTH_DEPENDENCIES
from app.api.controllers.admin import ADMIN_ROUTER, ImpersonationController
from app.api.controllers.auth import AuthController
from app.api.controllers.me import MeController
from app.api.controllers.organizations import (
    InvitationController,
    OrganizationController,
    OrganizationScopedController,
    SsoProviderController,
    TeamController,
)
from app.api.dependencies import (
    DATABASE_STATE_KEY,
    READER_STATE_KEY,
    RequestSessionMiddleware,
    commit_request_session,
    provide_db,
)
from app.api.errors import exception_handlers
from app.api.health import HealthController
from app.api.input_guard import GuardedRequest, InputGuard
from app.api.ratelimit import RateLimiter
from app.bindings import BindingMonitor, open_store
from app.config import DB_BINDING, Settings, get_settings
from app.db.engine import sqlalchemy_config
from app.db.reader import Reader, open_reader
from app.log import logging_config

__all__ = ("create_app",)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    settings.check()

    monitor = BindingMonitor()
    monitor.register(settings.db)
    monitor.register(settings.storage)

    database = sqlalchemy_config(settings) if settings.db.present else None
    plugins: list[PluginProtocol] = [SQLAlchemyPlugin(config=database)] if database else []
    store = open_store(settings.storage) if settings.storage.present else None
    reader: Reader | None = None
    if database is not None and settings.db.url is not None:
        reader = open_reader(
            settings.db.url,
            database.get_engine().dialect,
            size=settings.db_reader_pool_size,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            on_failure=lambda reason: monitor.mark_down(DB_BINDING, reason),
        )

    async def close_reader() -> None:
        if reader is not None:
            await reader.close()

    return Litestar(
        route_handlers=[
            HealthController,
            AuthController,
            MeController,
            ADMIN_ROUTER,
            ImpersonationController,
            OrganizationController,
            OrganizationScopedController,
            TeamController,
            SsoProviderController,
            InvitationController,
        ],
        plugins=plugins,
        request_class=GuardedRequest,
        dependencies={"db": Provide(provide_db), **AUTH_DEPENDENCIES},
        middleware=[RequestSessionMiddleware, InputGuard()],
        after_request=commit_request_session,
        on_shutdown=[close_reader],
        exception_handlers=exception_handlers,
        state=State(
            {
                "bindings": monitor,
                DATABASE_STATE_KEY: database,
                READER_STATE_KEY: reader,
                "storage": store,
                "settings": settings,
                "rate_limiter": RateLimiter(
                    MemoryStore(),
                    per_address=settings.auth_rate_limit_per_address,
                    per_email=settings.auth_rate_limit_per_email,
                    window_seconds=settings.auth_rate_limit_window_seconds,
                ),
            }
        ),
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins)) if settings.cors_origins else None,
        request_max_body_size=settings.max_request_body_bytes,
        logging_config=logging_config(settings.log_level),
        openapi_config=OpenAPIConfig(
            title="SaaS data API",
            version="0.1.0",
            description="Better Auth schema, organizations and teams over REST. Errors are RFC 9457 problem details.",
            path="/docs",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        debug=False,
    )
