"""Logs that hold no personal data: JSON lines in production, phone numbers redacted always.

The code never logs a phone number or a message body; this is the safety net behind that
rule. Every handler of the root logger gets :class:`RedactNumbers`, which also replaces the
text of logged exceptions by their type and place (an exception message can quote input).
Under gunicorn its own lines (the master's too) take the same shape: see :func:`server_formatter`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import click
from flask import Flask

from .config import environ, is_development

# Eight or more digits, optionally led by + and split by single spaces, dashes, brackets, dots
# or slashes (deploy/json_lines.py has the same pattern: it may import nothing of the app).
_PHONE_LIKE = re.compile(r"\+?\d(?:[\s().\/-]?\d){7,}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def redact(text: str) -> str:
    """Replace anything that looks like a phone number with ``[number]``."""
    return _PHONE_LIKE.sub(lambda m: m.group(0) if _DATE.fullmatch(m.group(0)) else "[number]", text)


def safe_traceback(exc_info: ExcInfo) -> str:
    """Describe an exception by type and frames only, never by its message."""
    kind, _, tb = exc_info
    frames = [f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]
    return "\n".join([f"{kind.__name__} (message withheld: it may quote personal data)", *frames])


class RedactNumbers(logging.Filter):
    """Redact phone-number-like text and exception messages from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = safe_traceback(record.exc_info)
        return True


class WithholdBadRequests(logging.Filter):
    """gunicorn logs a request it could not read with the sender's address and the text it
    choked on (a request line or a header: anything a sender chose to write). Keep only that
    there was one (for gunicorn's own lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Invalid request from ip="):
            record.msg, record.args = ("Invalid request: not HTTP as a server can read it (its "
                                       "text and sender withheld)"), None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def formatter(config: Mapping[str, Any], serving: bool) -> logging.Formatter:
    """JSON lines for a server in production; text for development and the CLI commands."""
    if is_development(config) or not serving:
        return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    return JsonLines()


def server_formatter() -> logging.Formatter:
    """The formatter for gunicorn's own lines (gunicorn.conf.py): as the app's in a server.

    Without it gunicorn writes its lines (a worker booted, a worker timed out, a signal) as
    plain text beside the app's JSON, which a log collector reading JSON cannot parse. Its
    master calls this before any worker imports the app, so it reads only ``HELPLINE_ENV``.
    """
    return formatter({"HELPLINE_ENV": environ().get("HELPLINE_ENV", "production")}, serving=True)


# gunicorn's "App failed to load": a worker that exits with it stops the server, where any
# other status would have gunicorn start worker after worker, each failing the same way.
APP_LOAD_ERROR = 4


def cannot_start(reason: Exception) -> int:
    """Say on stderr, in one line and no traceback, why the app cannot start (a setting is
    wrong: the reason names it), in the shape of the server's lines when it serves (JSON in
    production) and as text for a command; return the exit status to stop with."""
    serving = click.get_current_context(silent=True) is None  # gunicorn: no command runs
    shape = server_formatter() if serving else logging.Formatter("Error: %(message)s")
    record = logging.LogRecord("helpline", logging.CRITICAL, __file__, 0,
                               "the helpline cannot start: %s" if serving else "%s", (reason,), None)
    print(shape.format(record), file=sys.stderr, flush=True)
    return APP_LOAD_ERROR


def configure(app: Flask, serving: bool) -> None:
    """Set up the root logger once: JSON in production, text in development; always redacted."""
    root = logging.getLogger()
    server = logging.getLogger("gunicorn.error")
    if not root.handlers and serving and server.handlers:
        # Under gunicorn: its handlers (stderr or --error-logfile, in the shape its master
        # chose: see server_formatter) and its level (--log-level) carry the app's lines too.
        for each in server.handlers:
            root.addHandler(each)
        root.setLevel(server.level)
    elif not root.handlers:
        handler: logging.Handler = logging.StreamHandler()
        handler.setFormatter(formatter(app.config, serving))
        root.addHandler(handler)
        root.setLevel(logging.INFO if serving else logging.ERROR)
    for logger in (root, logging.getLogger("gunicorn.error"), logging.getLogger("gunicorn.access")):
        for each in logger.handlers:
            if not any(isinstance(f, RedactNumbers) for f in each.filters):
                each.addFilter(RedactNumbers())
