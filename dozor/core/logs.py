"""Log lines a machine can read: one JSON object per line on stderr (settings.LOGGING).

Requests appear in the log by their method, path, status and user id only: never the query
string, the posted data, cookies or headers, which may carry personal data (names, interview
notes) or credentials. ``django.request`` records (4xx/5xx, with the traceback of a 500) carry the
request; the slow-request middleware (dozor.web.middleware) passes the same fields itself.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

# Fields a record may carry in ``extra`` that are copied into the line; nothing else is.
FIELDS = ("method", "path", "status", "duration_ms", "queries", "user")


def request_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id when this request already loaded the user: logging never queries
    the database (it may be the very thing that failed)."""
    user = getattr(request, "_cached_user", None)  # set by AuthenticationMiddleware on first use
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    pk = getattr(user, "pk", None)
    return pk if isinstance(pk, int) else None


def request_fields(request: HttpRequest) -> dict[str, Any]:
    return {"method": request.method, "path": request.path, "user": request_user_id(request)}


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", [method, path, status, duration_ms, queries, user],
    ["exception"]}``, one line per record."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):  # django.request and django.security records
            line.update(request_fields(request))
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int):
            line["status"] = status_code
        for name in FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps({k: v for k, v in line.items() if v is not None}, ensure_ascii=False, default=str)
