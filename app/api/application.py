"""The Litestar application factory: settings → bindings → plugins → routes → error handling."""

from __future__ import annotations

import logging

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.plugins import PluginProtocol
from litestar.stores.redis import RedisStore

from app.api.auth import AUTH_DEPENDENCIES
from app.api.better_auth import app_exception_handlers, better_auth_router
from app.api.better_auth.email import MAIL_RATE_LIMITER_STATE_KEY
from app.api.client_address import TRUSTED_PROXIES_STATE_KEY, TrustedProxies
from app.api.controllers.admin import ADMIN_ROUTER, ImpersonationController
from app.api.controllers.invitations import InvitationController
from app.api.controllers.me import MeController
from app.api.controllers.organizations import OrganizationController, OrganizationScopedController
from app.api.controllers.sso_providers import SsoProviderController
from app.api.controllers.teams import TeamController
from app.api.dependencies import (
    DATABASE_STATE_KEY,
    READER_STATE_KEY,
    RequestSessionMiddleware,
    commit_request_session,
    provide_db,
)
from app.api.docs import OfflineSwaggerRenderPlugin, docs_assets_router
from app.api.errors import exception_handlers
from app.api.health import REDIS_STATE_KEY, HealthController
from app.api.input_guard import GuardedRequest, InputGuard
from app.api.metrics import metrics
from app.api.origins import cors_config, require_trusted_origin
from app.api.params import PAGING
from app.api.ratelimit import AttemptCounter, MemoryAttemptCounter, RateLimiter, RedisAttemptCounter
from app.api.request_context import RequestContextMiddleware
from app.bindings import REDIS_BINDING, BindingMonitor, open_redis, open_store
from app.config import DB_BINDING, Binding, Settings, get_settings
from app.db.engine import sqlalchemy_config
from app.db.reader import Reader, open_reader
from app.domain.instants import INSTANT_ENCODERS
from app.log import logging_config
from app.mail.setup import EMAIL_FLOWS_STATE_KEY, open_email_flows
from app.metrics import PROMETHEUS, forget_process, instrument_pool

__all__ = ("create_app",)

logger = logging.getLogger("app.lifecycle")


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    settings.check()
    log_config = logging_config(settings.log_level, settings.log_format)  # first: JSON from the first line

    monitor = BindingMonitor()
    monitor.register(settings.db)
    monitor.register(settings.storage)

    database = sqlalchemy_config(settings) if settings.db.present else None
    plugins: list[PluginProtocol] = [SQLAlchemyPlugin(config=database)] if database else []
    if database is not None:
        instrument_pool(database.get_engine(), DB_BINDING)
    store = open_store(settings.storage) if settings.storage.present else None
    email_flows = open_email_flows(settings, database, base_url=settings.base_url)
    proxies = TrustedProxies.parse(settings.trusted_proxies, settings.trusted_proxy_header)
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

    redis = open_redis(settings.redis_url) if settings.redis_url else None
    counter: AttemptCounter = MemoryAttemptCounter()
    if redis is not None:
        monitor.register(Binding(REDIS_BINDING, settings.redis_url, "$REDIS_URL"))
        counter = RedisAttemptCounter(RedisStore(redis, namespace=settings.redis_key_prefix), redis, monitor)

    async def close_pools() -> None:
        """At shutdown (after in-flight requests finished): close every pool, stop counting this process."""
        if database is not None:
            await database.get_engine().dispose()
            logger.info("database pool closed")
        if redis is not None:
            await redis.aclose()
            logger.info("redis connections closed")
        forget_process()

    app = Litestar(
        route_handlers=[
            HealthController,
            better_auth_router(),
            MeController,
            ADMIN_ROUTER,
            ImpersonationController,
            OrganizationController,
            OrganizationScopedController,
            TeamController,
            SsoProviderController,
            InvitationController,
            docs_assets_router(),
            *([metrics] if settings.metrics_token else []),
        ],
        plugins=plugins,
        request_class=GuardedRequest,
        dependencies={"db": Provide(provide_db), **PAGING, **AUTH_DEPENDENCIES},
        middleware=[PROMETHEUS.middleware, RequestSessionMiddleware, InputGuard()],
        after_request=commit_request_session,
        on_shutdown=[email_flows.postman.drain, close_reader, close_pools],
        exception_handlers=app_exception_handlers(exception_handlers),
        state=State(
            {
                "bindings": monitor,
                DATABASE_STATE_KEY: database,
                READER_STATE_KEY: reader,
                "storage": store,
                "settings": settings,
                TRUSTED_PROXIES_STATE_KEY: proxies,
                REDIS_STATE_KEY: redis,
                "rate_limiter": RateLimiter(
                    counter,
                    per_address=settings.auth_rate_limit_per_address,
                    per_email=settings.auth_rate_limit_per_email,
                    window_seconds=settings.auth_rate_limit_window_seconds,
                ),
                EMAIL_FLOWS_STATE_KEY: email_flows,
                MAIL_RATE_LIMITER_STATE_KEY: RateLimiter(
                    counter,
                    per_address=settings.mail.rate_limit_per_address,
                    per_email=settings.mail.rate_limit_per_email,
                    window_seconds=settings.auth_rate_limit_window_seconds,
                    name="mail",
                ),
            }
        ),
        cors_config=cors_config(settings),
        before_request=require_trusted_origin,
        request_max_body_size=settings.max_request_body_bytes,
        type_encoders=INSTANT_ENCODERS,
        logging_config=log_config,
        openapi_config=OpenAPIConfig(
            title="SaaS data API",
            version="0.1.0",
            description="Better Auth schema, organizations and teams over REST. Errors are RFC 9457 problem details.",
            path="/docs",
            render_plugins=[OfflineSwaggerRenderPlugin(path="/swagger")],
        ),
        debug=False,
    )
    # Outermost, around Litestar's own handler: every response (404s too) gets its request id.
    app.asgi_handler = RequestContextMiddleware(app.asgi_handler, access_log=settings.log_format == "json")
    return app
