"""Logging configuration: app and Litestar loggers through Litestar's queue handler, with a filter
that masks anything shaped like a credential (defence in depth: nothing logs secrets on purpose)."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from litestar.logging import LoggingConfig
from litestar.logging.config import default_handlers

__all__ = ("SHOWN_AS_WRITTEN", "RedactSecrets", "logging_config")

SHOWN_AS_WRITTEN = "shown_as_written"
"""A record with this attribute set (``extra={SHOWN_AS_WRITTEN: True}``) is not redacted: only the
local mail outbox's notice (``app.mail.postman.OUTBOX_NOTICE``), whose link a developer follows."""

_PATTERNS = (
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"(?i)((?:__Secure-)?better-auth\.[a-z_]+=)[^;\s]+"), r"\1[redacted]"),
    (re.compile(r"[0-9a-f]{32}:[0-9a-f]{128}"), "[redacted-hash]"),
    (re.compile(r'(?i)("?(?:password|token|secret|authorization|cookie)"?\s*[:=]\s*)("[^"]*"|\S+)'), r"\1[redacted]"),
)


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


def _handlers() -> dict[str, dict[str, Any]]:
    """Litestar's default handlers for this Python version, the console one filtered."""
    handlers = copy.deepcopy(default_handlers)
    handlers["console"]["filters"] = ["redact"]
    return handlers


def logging_config(level: str) -> LoggingConfig:
    """Litestar's queue-based logging, leaving the root logger alone (records still propagate)."""
    return LoggingConfig(
        configure_root_logger=False,
        filters={"redact": {"()": RedactSecrets}},
        handlers=_handlers(),
        loggers={
            "app": {"level": level, "handlers": ["queue_listener"], "propagate": True},
            "litestar": {"level": level, "handlers": ["queue_listener"], "propagate": False},
        },
        log_exceptions="never",
    )
