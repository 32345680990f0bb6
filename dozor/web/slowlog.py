"""Slow requests in the log: method, path, status, duration and user id of every request that
took ``DOZOR_SLOW_REQUEST_MS`` or longer (and, with DEBUG on, how many SQL queries it made).

Never the query string or the posted data (dozor.core.logs). Outermost in MIDDLEWARE so that
the time covers the whole stack; a streamed response is timed until its first byte is ready.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponseBase

from dozor.core.logs import request_fields

logger = logging.getLogger("dozor.request")


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class SlowRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        threshold_ms: int = settings.DOZOR_SLOW_REQUEST_MS
        counter = _QueryCounter() if settings.DEBUG else None
        start = time.perf_counter()
        if counter is None:
            response = self.get_response(request)
        else:
            with connection.execute_wrapper(counter):
                response = self.get_response(request)
        duration_ms = (time.perf_counter() - start) * 1000
        if duration_ms >= threshold_ms:
            extra = {**request_fields(request), "status": response.status_code}
            extra["duration_ms"] = round(duration_ms)
            if counter is not None:
                extra["queries"] = counter.count
            logger.warning(
                "slow request: %s %s %s in %d ms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra=extra,
            )
        return response
