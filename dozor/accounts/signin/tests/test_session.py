"""Idle timeout and absolute lifetime of a signed-in session."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from dozor.accounts.signin import session as signin_session

pytestmark = pytest.mark.django_db


def age(client, key: str, seconds: float) -> None:  # type: ignore[no-untyped-def]
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def test_it_keeps_an_active_session(as_monitor):
    assert as_monitor.get(reverse("web:home")).status_code == 200
    assert SESSION_KEY in as_monitor.session


def test_it_signs_out_after_the_idle_time(as_monitor, settings):
    age(as_monitor, signin_session.SEEN_AT, settings.DOZOR_IDLE_SECONDS + 5)
    response = as_monitor.get(reverse("recommendations:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert SESSION_KEY not in as_monitor.session
    follow = as_monitor.get(response.url)
    assert "without activity" in follow.content.decode()


def test_it_signs_out_after_the_absolute_lifetime_even_when_active(as_monitor, settings):
    age(as_monitor, signin_session.AUTH_AT, settings.SESSION_COOKIE_AGE + 5)
    response = as_monitor.get(reverse("web:home"))
    assert response.status_code == 302
    assert SESSION_KEY not in as_monitor.session


def test_an_api_request_of_an_idle_session_is_refused(as_monitor, settings):
    age(as_monitor, signin_session.SEEN_AT, settings.DOZOR_IDLE_SECONDS + 5)
    assert as_monitor.get("/api/v1/regions/").status_code in (401, 403)


def test_it_records_activity_without_writing_the_session_on_every_request(as_monitor, settings):
    age(as_monitor, signin_session.SEEN_AT, settings.DOZOR_IDLE_SECONDS - 30)
    as_monitor.get(reverse("web:home"))
    assert time.time() - as_monitor.session[signin_session.SEEN_AT] < 5
    age(as_monitor, signin_session.SEEN_AT, settings.DOZOR_IDLE_SECONDS - 30)  # 30 s before the limit
    assert as_monitor.get(reverse("web:home")).status_code == 200
