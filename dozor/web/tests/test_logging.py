"""Structured logs: slow requests and request errors as JSON lines, without query strings or
posted data (dozor.core.logs, dozor.web.slowlog, settings.LOGGING)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from dozor.core.logs import JsonFormatter

pytestmark = pytest.mark.django_db

SECRET = "Aigerim-Nurlanovna-870412350123"  # what a query string or a form might carry


class Lines(logging.Handler):
    """The JSON lines one logger writes, formatted as settings.LOGGING formats them."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def parsed(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.lines]


def capture(name: str) -> Iterator[Lines]:
    handler = Lines()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def slow_log(settings) -> Iterator[Lines]:  # type: ignore[no-untyped-def]
    settings.DOZOR_SLOW_REQUEST_MS = 0  # every request is "slow"
    yield from capture("dozor.request")


@pytest.fixture
def request_log() -> Iterator[Lines]:
    yield from capture("django.request")


def test_it_logs_a_slow_request_with_method_path_status_duration_and_user(
    slow_log, as_coordinator, coordinator
):
    as_coordinator.get(reverse("web:regions") + f"?q={SECRET}")
    [line] = slow_log.parsed()
    assert line["level"] == "WARNING" and line["logger"] == "dozor.request"
    assert line["method"] == "GET"
    assert line["path"] == reverse("web:regions")
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], int) and line["duration_ms"] >= 0
    assert line["user"] == coordinator.pk
    assert "queries" not in line  # counted only with DEBUG on
    assert SECRET not in slow_log.lines[0]


def test_it_counts_queries_when_debug_is_on(slow_log, settings, as_coordinator):
    settings.DEBUG = True
    as_coordinator.get(reverse("web:regions"))
    [line] = slow_log.parsed()
    assert isinstance(line["queries"], int) and line["queries"] > 0


def test_it_never_logs_posted_data(slow_log, anonymous):
    response = anonymous.post(reverse("accounts:login"), {"username": SECRET, "password": SECRET + "pw"})
    assert response.status_code == 200  # refused: the form again
    [line] = slow_log.parsed()
    assert line["method"] == "POST" and line["path"] == reverse("accounts:login")
    assert "user" not in line
    assert SECRET not in slow_log.lines[0]


def test_it_keeps_quiet_under_the_threshold(settings, anonymous):
    settings.DOZOR_SLOW_REQUEST_MS = 60_000
    for lines in capture("dozor.request"):
        anonymous.get(reverse("web:home"))
        assert lines.lines == []


def boom(request: HttpRequest) -> HttpResponse:
    assert request.user.is_authenticated  # the view has loaded the user, as most views do
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom)]


@pytest.mark.urls(__name__)
def test_a_server_error_is_logged_with_path_status_user_and_traceback(request_log, coordinator):
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    response = client.get(f"/boom/?q={SECRET}")
    assert response.status_code == 500
    [line] = request_log.parsed()
    assert line["level"] == "ERROR" and line["logger"] == "django.request"
    assert line["path"] == "/boom/" and line["method"] == "GET"
    assert line["status"] == 500
    assert line["user"] == coordinator.pk
    assert "RuntimeError: boom" in str(line["exception"])
    assert SECRET not in request_log.lines[0]


def test_settings_send_json_lines_to_stderr(tmp_path):
    """The LOGGING setting itself, in a fresh process as `dozor` or gunicorn would start."""
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('dozor.request').warning('slow request', extra={'path': '/x/', 'status': 200}); "
        "logging.getLogger('dozor.request').info('below the level')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dozor.settings", "DOZOR_VAR_DIR": str(tmp_path)}
    env.pop("DOZOR_LOG_LEVEL", None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout == ""
    [line] = [json.loads(text) for text in done.stderr.splitlines()]
    assert line["level"] == "WARNING" and line["message"] == "slow request"
    assert line["path"] == "/x/" and line["status"] == 200
