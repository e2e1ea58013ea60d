"""The scans that end every run (responses and logs) do catch what they look for."""

from __future__ import annotations

import logging

from app.log import SHOWN_AS_WRITTEN, RedactSecrets
from app.mail.postman import OUTBOX_NOTICE
from tests.helpers import PASSWORDS, LogScan, ResponseLog
from tests.smtp_server import MAIL_SECRETS


def test_the_response_scan_catches_each_kind_of_leak() -> None:
    log = ResponseLog()
    log.token_owner = {"A" * 32: "user-a", "B" * 32: "user-b"}
    log.secrets = {"ya29.secret-access-token"}
    log.entries = [
        ("A" * 32, "GET /ok", '{"id": "x"}', None),
        ("A" * 32, "GET /own", '{"token": "' + "A" * 32 + '"}', None),
        ("A" * 32, "GET /other", '{"token": "' + "B" * 32 + '"}', None),
        (None, "GET /hash", '{"p": "' + "a" * 32 + ":" + "b" * 128 + '"}', None),
        (None, "GET /oauth", '{"t": "ya29.secret-access-token"}', None),
        (None, "GET /date", '{"a": "2026-01-02T03:04:05.678Z", "b": "2026-01-02T03:04:05.678000Z"}', None),
        (None, "GET /naive", '{"c": "2026-01-02T03:04:05+00:00"}', None),
    ]
    assert sorted(log.violations()) == [
        "GET /date: a date not in toISOString() form (2026-01-02T03:04:05.678000Z)",
        "GET /hash: a password hash",
        "GET /naive: a date not in toISOString() form (2026-01-02T03:04:05+00:00)",
        "GET /oauth: a secret (ya29.s...)",
        "GET /other: another user's session token",
    ]


def test_the_log_scan_catches_each_kind_of_leak() -> None:
    responses = ResponseLog()
    responses.token_owner = {"T" * 32: "user-t"}
    PASSWORDS.add("correct horse battery staple")
    scan = LogScan()
    scan.lines = [
        "app INFO all good",
        "app INFO header Authorization: Bearer abc",
        "app INFO token " + "T" * 32,
        "app ERROR failed with correct horse battery staple",
        "app ERROR " + "a" * 32 + ":" + "b" * 128,
    ]
    found = scan.violations(responses)
    flagged = {violation.split(" in: ", 1)[1] for violation in found}
    assert flagged == {line[:120] for line in scan.lines[1:]}  # every bad line, and not the good one
    PASSWORDS.discard("correct horse battery staple")


def test_the_console_filter_masks_credentials() -> None:
    record = logging.LogRecord(
        "app",
        logging.INFO,
        __file__,
        1,
        "sent %s with cookie better-auth.session_token=%s",
        ("Bearer abc.def", "tok"),
        None,
    )
    assert RedactSecrets().filter(record)
    message = record.getMessage()
    assert "abc.def" not in message
    assert "=tok" not in message
    assert "[redacted]" in message


def _record(name: str, msg: str, args: tuple[object, ...], *, marked: bool) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)
    if marked:
        setattr(record, SHOWN_AS_WRITTEN, True)
    return record


def test_the_log_scan_flags_mailed_tokens_except_in_the_marked_outbox_notice() -> None:
    token = "Zq" * 12
    MAIL_SECRETS.add(token)
    scan = LogScan()
    link = f"http://x/api/auth/reset-password/{token}?callbackURL="
    scan.emit(_record("app.mail.outbox", OUTBOX_NOTICE, ("reset-password", "a@b", "/tmp/x.eml", link), marked=True))
    scan.emit(_record("app.mail.outbox", OUTBOX_NOTICE, ("reset-password", "a@b", "/tmp/x.eml", link), marked=False))
    scan.emit(_record("app.mail.outbox", "other %s", (link,), marked=True))
    scan.emit(_record("app.mail", "sent %s", (token,), marked=False))
    assert len(scan.outbox_notices) == 1
    assert len(scan.violations(ResponseLog())) == 3  # the unmarked notice, the marked other line, the plain one
    MAIL_SECRETS.discard(token)


def test_the_response_scan_flags_a_mailed_token() -> None:
    token = "Mq" * 12
    MAIL_SECRETS.add(token)
    log = ResponseLog()
    log.entries = [(None, "POST /x", '{"status": true}', None), (None, "POST /y", f'{{"t": "{token}"}}', None)]
    assert log.violations() == ["POST /y: a mailed token or link (MqMqMq...)"]
    MAIL_SECRETS.discard(token)


def test_written_log_lines_are_masked_and_the_scanned_record_is_not() -> None:
    """The queue handler writes a masked copy; the record other handlers (the scan) see is intact."""
    from app.log import RedactingQueueHandler
    from tests.helpers import LogRecorder

    written = LogRecorder()
    handler = RedactingQueueHandler(written)
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "sent Bearer %s", ("abc.def",), None)
    try:
        handler.handle(record)
    finally:
        handler.stop()
    assert written.messages() == ["sent Bearer [redacted]"]
    assert record.getMessage() == "sent Bearer abc.def"
