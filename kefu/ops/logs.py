"""Structured logs: a JSON formatter (KEFU_LOG_FORMAT=json) and the request id on every
line logged while a request is served (docs/deployment.md, "Logs")."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("kefu_request_id", default="")

# Fields a log call may pass in `extra=` that the JSON line carries first (None: left out).
FIELDS = ("user_id", "method", "path", "route", "status", "duration_ms", "job", "task")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (the request being served, else "") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message,
    request_id, the request fields when given, and the exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "") or request_id.get()
        if rid:
            entry["request_id"] = rid
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        for name, value in record.__dict__.items():
            # Any other extra= field, kept when it is plain data.
            plain = isinstance(value, str | int | float | bool)
            if plain and name not in _STANDARD and name not in entry and name != "request_id":
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The plain format, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", "")
        return f"{line} [request {rid}]" if rid else line
