"""The app's mail service: transport from the settings, the postman, and the email flows."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator
from typing import cast

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import DB_BINDING, Settings
from app.db.engine import writer
from app.domain.errors import BindingUnavailableError
from app.mail.flows import EmailFlows, Units
from app.mail.postman import Postman
from app.mail.transports import transport_for

__all__ = ("DEFAULT_BASE_URL", "EMAIL_FLOWS_STATE_KEY", "open_email_flows")

EMAIL_FLOWS_STATE_KEY = "email_flows"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
"""Where ``./scripts/serve`` listens: the links' origin when ``BETTER_AUTH_URL`` is unset."""


def _units(database: SQLAlchemyAsyncConfig | None) -> Units:
    @contextlib.asynccontextmanager
    async def unit() -> AsyncIterator[AsyncSession]:
        if database is None:
            raise BindingUnavailableError(DB_BINDING, reason="absent")
        maker = cast("async_sessionmaker[AsyncSession]", database.create_session_maker())
        async with maker(bind=writer(database.get_engine())) as session, session.begin():
            yield session

    return unit


def open_email_flows(
    settings: Settings,
    database: SQLAlchemyAsyncConfig | None,
    *,
    base_url: str | None,
    tls_context: ssl.SSLContext | None = None,
    retry_delay: float = 2.0,
) -> EmailFlows:
    """The flows of an app; links in the local outbox are logged except in production."""
    postman = Postman(
        transport_for(settings.mail, tls_context=tls_context),
        attempts=settings.mail.send_attempts,
        retry_delay=retry_delay,
        log_links=not settings.is_production,
    )
    return EmailFlows(
        secret=settings.secret,
        base_url=base_url or DEFAULT_BASE_URL,
        mail=settings.mail,
        postman=postman,
        units=_units(database),
    )
