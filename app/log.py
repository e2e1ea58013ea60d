"""Logging: text lines in development, one JSON object per line in production (``LOG_FORMAT``).

- Every record made while a request is served carries its id (``request_id``): a record factory
  reads it from a context variable that ``app.api.request_context`` sets for the request, so this
  holds for every logger (ours, Litestar's, uvicorn's, SQLAlchemy's), whatever handler writes it.
- Anything shaped like a credential is masked (defence in depth: nothing logs secrets on
  purpose) in the copy of each record that a handler writes out; the JSON renderer masks its
  fields again.
- Text: app and Litestar loggers through a queue handler (Litestar's pattern), the root logger
  left alone. JSON: those loggers propagate to one handler on the root logger, so third-party records
  (uvicorn, asyncio, SQLAlchemy warnings) come out as JSON too.
"""

from __future__ import annotations

import atexit
import copy
import logging
import os
import queue
import re
import sys
from contextvars import ContextVar
from logging.handlers import QueueHandler, QueueListener
from typing import Any, Literal

import structlog
from litestar.logging import LoggingConfig
from litestar.logging.config import default_handlers
from structlog.typing import EventDict, WrappedLogger

__all__ = (
    "REQUEST_ID",
    "SHOWN_AS_WRITTEN",
    "JsonFormatter",
    "RedactSecrets",
    "RedactingQueueHandler",
    "RedactingStreamHandler",
    "install_json_root_handler",
    "logging_config",
    "redact",
    "text_queue_handler",
)

SHOWN_AS_WRITTEN = "shown_as_written"
"""A record with this attribute set (``extra={SHOWN_AS_WRITTEN: True}``) is not redacted: only the
local mail outbox's notice (``app.mail.postman.OUTBOX_NOTICE``), whose link a developer follows."""

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being served in this context (None outside requests)."""

LogFormat = Literal["text", "json"]

_PATTERNS = (
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"(?i)((?:__Secure-)?better-auth\.[a-z_]+=)[^;\s]+"), r"\1[redacted]"),
    (re.compile(r"[0-9a-f]{32}:[0-9a-f]{128}"), "[redacted-hash]"),
    (re.compile(r'(?i)("?(?:password|token|secret|authorization|cookie)"?\s*[:=]\s*)("[^"]*"|\S+)'), r"\1[redacted]"),
)

TEXT_FORMAT = "%(levelname)s - %(asctime)s - %(name)s - %(module)s - %(message)s"

# Request fields a record may carry (``extra=``), rendered as JSON keys.
RECORD_FIELDS = ("request_id", "method", "path", "route", "status", "duration_ms", "client")


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites each record's message (and formatted exception) with credentials masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, SHOWN_AS_WRITTEN, False):
            return True
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _install_request_id_factory() -> None:
    """Every record gets ``request_id`` from the context it is made in (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def _redact_values(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    return {key: redact(value) if isinstance(value, str) else value for key, value in event.items()}


def _add_pid(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    event["pid"] = os.getpid()
    return event


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """One JSON object per record: timestamp, level, logger, event, pid, request fields, exception."""

    def __init__(self, *, redacting: bool = True) -> None:
        final: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta, _add_pid]
        if redacting:
            final.append(_redact_values)
        super().__init__(
            foreign_pre_chain=[
                structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(allow=RECORD_FIELDS),
                structlog.processors.format_exc_info,
            ],
            processors=[*final, structlog.processors.JSONRenderer()],
        )


class RedactingQueueHandler(QueueHandler):
    """Hands a masked copy of each record to a listener thread that writes it (a slow stream never
    blocks the event loop). The original record, which other handlers see (the test suite's scan
    among them), is left as the code made it."""

    def __init__(self, output: logging.Handler) -> None:
        super().__init__(queue.Queue(-1))
        self.listener = QueueListener(self.queue, output)
        self.listener.start()
        atexit.register(self.stop)

    def stop(self) -> None:
        """Write what is queued, then stop the thread (once; at exit or earlier). Not ``close``:
        ``logging.config.dictConfig`` (uvicorn's, in each worker) closes every existing handler."""
        if self.listener._thread is not None:
            self.listener.stop()

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        prepared: logging.LogRecord = super().prepare(record)  # a copy, message and traceback formatted in
        _REDACT.filter(prepared)
        return prepared


_REDACT = RedactSecrets()
_ROOT_MARK = "saas_json_root"


def text_queue_handler() -> RedactingQueueHandler:
    """Litestar's ``queue_listener`` handler in text mode: masked lines on stderr."""
    output = logging.StreamHandler(sys.stderr)
    output.setFormatter(logging.Formatter(TEXT_FORMAT))
    return RedactingQueueHandler(output)


class RedactingStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes a masked copy of each record, at once (the original record is left as it was)."""

    def emit(self, record: logging.LogRecord) -> None:
        masked = logging.makeLogRecord(record.__dict__)
        _REDACT.filter(masked)
        super().emit(masked)


def install_json_root_handler() -> None:
    """JSON lines on stderr for every record reaching the root logger. Idempotent; existing
    handlers are kept, and the root's level too (other libraries' INFO lines stay out).

    Written synchronously, not through a queue thread: a uvicorn worker leaves without running
    atexit hooks, and its last lines (its shutdown, the pools closing) were lost from the queue in
    about one shutdown in three. A line is one short write to stderr."""
    _install_request_id_factory()
    root = logging.getLogger()
    if any(getattr(handler, _ROOT_MARK, False) for handler in root.handlers):
        return
    handler = RedactingStreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    setattr(handler, _ROOT_MARK, True)
    root.addHandler(handler)


def logging_config(level: str, log_format: LogFormat = "text") -> LoggingConfig:
    """Litestar's logging config for the app's loggers (see the module docstring)."""
    _install_request_id_factory()
    if log_format == "json":
        install_json_root_handler()
        loggers: dict[str, dict[str, Any]] = {
            name: {"level": level, "handlers": [], "propagate": True} for name in ("app", "litestar")
        }
    else:
        loggers = {
            "app": {"level": level, "handlers": ["queue_listener"], "propagate": True},
            "litestar": {"level": level, "handlers": ["queue_listener"], "propagate": False},
        }
    return LoggingConfig(
        configure_root_logger=False,
        handlers={
            "console": copy.deepcopy(default_handlers["console"]),  # unused; Litestar requires one
            "queue_listener": {"()": text_queue_handler},
        },
        loggers=loggers,
        log_exceptions="never",
    )
