"""Logging that never writes a password: connection URLs and conninfo strings are masked.

Every log record passes through ``redact`` once it is made (its message and any traceback),
so a driver error or a bug's exception that quotes a connection URL with its password is
logged as ``user:***@host``. Unhandled exceptions (a bug in a Qt slot) go to the log the
same way instead of straight to stderr.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

logger = logging.getLogger("asyncops_desktop")

# scheme://user:password@host. SQLAlchemy writes "@", "/" and ":" in a password encoded
# but leaves spaces as they are, so the password is whatever runs up to the "@" on its line.
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s'\"]*:)(?P<secret>[^@/\r\n]+)@", re.I
)
# libpq keyword/value connection strings: password=secret or password='se cret'.
_CONNINFO_PASSWORD = re.compile(
    r"(?P<head>\bpassword\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'|[^\s'\"]+)", re.I
)
MASK = "***"

_installed = False
_previous_factory: Callable[..., logging.LogRecord] | None = None


def redact(text: str) -> str:
    """``text`` with the password of every connection URL or conninfo string masked."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", text)
    return _CONNINFO_PASSWORD.sub(lambda m: f"{m['head']}{MASK}", text)


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _previous_factory is not None
    record = _previous_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is the logging module's to report
        return record
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        # Formatters use exc_text when it is set, so the traceback is cleaned once, here.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
    return record


def install_redaction() -> None:
    """Mask passwords in every log record from now on (idempotent)."""
    global _installed, _previous_factory
    if _installed:
        return
    _previous_factory = logging.getLogRecordFactory()
    logging.setLogRecordFactory(_redacting_factory)
    _installed = True


def log_unhandled(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
) -> None:
    """``sys.excepthook`` for the GUI: an unhandled exception is logged, passwords masked."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logger.critical("Unhandled error", exc_info=(exc_type, exc, tb))


def install_excepthook() -> None:
    """Send unhandled exceptions to the log (with passwords masked) rather than raw stderr."""
    install_redaction()
    if not logging.getLogger().handlers:
        # Without any handler, Python's last-resort handler writes warnings and worse to
        # stderr; say which program and when.
        logging.basicConfig(
            level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    sys.excepthook = log_unhandled
