"""Sending in the background: after the database commit, never failing or delaying a request.

:meth:`Postman.send` and :meth:`Postman.run` start a task and return at once. A failed delivery is
logged (the kind of message, its Message-ID and the error class; never the link or the token) and
retried ``attempts`` times in all, with a doubling pause. :func:`after_commit` defers a callback
to the commit of a database session and drops it on rollback, so a message never announces a row
that was not written. :meth:`Postman.drain` waits for every task (shutdown, tests).

With the local outbox (no ``SMTP_URL``) each message is a file, and the postman logs its path
and link on the ``app.mail.outbox`` logger so that a developer can follow it. That is the one
log record that carries a link: it is marked :data:`app.log.SHOWN_AS_WRITTEN` (the console filter
leaves its link intact) and is never written for SMTP or in production.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiosmtplib
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.log import SHOWN_AS_WRITTEN
from app.mail.compose import OutgoingMail
from app.mail.transports import Transport

__all__ = ("OUTBOX_NOTICE", "Postman", "after_commit")

logger = logging.getLogger("app.mail")
outbox_logger = logging.getLogger("app.mail.outbox")

OUTBOX_NOTICE = "Mail (%s) to %s is in the local outbox: %s (link: %s)"
"""The local outbox's announcement; its only record with a link (see the module docstring)."""

_AFTER_COMMIT = "after_commit_callbacks"

MailJob = Callable[[], Awaitable[Iterable[OutgoingMail]]]
"""Background work that finds out what to send (reads and writes in its own transaction)."""


def after_commit(db: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``db``'s transaction commits; forget it if the transaction rolls back."""
    db.sync_session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_AFTER_COMMIT, None)


def _describe(exc: BaseException) -> str:
    """What a log may say about a failure: its class, and the SMTP reply code (not the reply text)."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.code}"
    return type(exc).__name__


class Postman:
    def __init__(
        self,
        transport: Transport,
        *,
        attempts: int = 3,
        retry_delay: float = 2.0,
        log_links: bool = True,
    ) -> None:
        self.transport = transport
        self.attempts = max(1, attempts)
        self.retry_delay = retry_delay
        self.log_links = log_links and transport.local
        self._tasks: set[asyncio.Task[None]] = set()

    def _start(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def send(self, mail: OutgoingMail) -> None:
        """Deliver in the background (with retries); returns at once."""
        self._start(self._deliver(mail))

    def send_after_commit(self, db: AsyncSession, mail: OutgoingMail) -> None:
        after_commit(db, lambda: self.send(mail))

    def run(self, job: MailJob) -> None:
        """Run ``job`` in the background, then deliver what it returns; a failing job is logged."""
        self._start(self._run(job))

    async def _run(self, job: MailJob) -> None:
        try:
            mails = list(await job())
        except Exception as exc:  # noqa: BLE001 - a background job must never escape its task
            logger.error("A mail job failed (%s); nothing was sent", _describe(exc))
            return
        for mail in mails:
            await self._deliver(mail)

    async def _deliver(self, mail: OutgoingMail) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                where = await self.transport.deliver(mail.message)
            except Exception as exc:  # noqa: BLE001 - a send must never escape its task; logged below
                transient = isinstance(exc, aiosmtplib.SMTPException | OSError | TimeoutError)
                if not transient or attempt == self.attempts:
                    logger.error(
                        "Mail %s (%s) not sent after %d attempt(s): %s",
                        mail.message_id,
                        mail.kind,
                        attempt,
                        _describe(exc),
                    )
                    return
                logger.warning(
                    "Mail %s (%s) attempt %d failed: %s; retrying", mail.message_id, mail.kind, attempt, _describe(exc)
                )
                await asyncio.sleep(self.retry_delay * 2 ** (attempt - 1))
                continue
            self._delivered(mail, where)
            return

    def _delivered(self, mail: OutgoingMail, where: str | None) -> None:
        if self.log_links:
            extra: dict[str, Any] = {SHOWN_AS_WRITTEN: True}
            outbox_logger.info(OUTBOX_NOTICE, mail.kind, mail.recipient, where, mail.link, extra=extra)
        else:
            logger.info("Mail %s (%s) %s", mail.message_id, mail.kind, f"written to {where}" if where else "sent")

    async def drain(self) -> None:
        """Wait until every message handed over so far is delivered or given up."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
