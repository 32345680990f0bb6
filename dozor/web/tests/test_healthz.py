"""/healthz: database and field-encryption keys, for load balancers and monitoring."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.urls import reverse

pytestmark = pytest.mark.django_db

KEY = "k1:" + "A" * 43 + "="  # 32 bytes, base64


def get(client):  # type: ignore[no-untyped-def]
    return client.get(reverse("web:healthz"))


def test_it_answers_ok_to_anyone_without_cookies_or_caching(anonymous):
    response = get(anonymous)
    assert reverse("web:healthz") == "/healthz"
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "keys": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    assert "Set-Cookie" not in response.headers


def test_it_answers_ok_to_a_signed_in_user_too_and_sets_no_cookie(as_coordinator):
    response = get(as_coordinator)
    assert response.status_code == 200
    assert not response.cookies


def test_it_is_503_when_the_database_does_not_answer(anonymous, caplog):
    secret = "connection to 10.1.2.3 failed: password authentication failed for user dozor"
    with (
        caplog.at_level(logging.ERROR, logger="dozor.health"),
        mock.patch.object(connections["default"], "cursor", side_effect=OperationalError(secret)),
    ):
        response = get(anonymous)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "keys": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "10.1.2.3" not in response.content.decode()
    assert secret in caplog.text  # the operator sees why, in the log


@pytest.mark.parametrize(
    "keys",
    [
        "k1:not-base64!",  # malformed
        "k1:" + "QUJD",  # three bytes, not 32
        f"{KEY},{KEY}",  # the same id twice
    ],
)
def test_it_is_503_when_the_key_ring_does_not_load(anonymous, settings, keys):
    settings.DOZOR_FIELD_KEYS = keys
    response = get(anonymous)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "keys": "error"}
    body = response.content.decode()
    assert "k1" not in body and "base64" not in body


def test_it_is_503_in_production_without_keys(anonymous, settings, monkeypatch):
    monkeypatch.delenv("DOZOR_FIELD_KEYS", raising=False)
    settings.PRODUCTION = True
    settings.DOZOR_FIELD_KEYS = ""
    response = get(anonymous)
    assert response.status_code == 503
    assert response.json()["keys"] == "error"


def test_it_is_ok_with_a_real_key_ring(anonymous, settings):
    settings.DOZOR_FIELD_KEYS = f"{KEY},k0:" + "B" * 43 + "="
    assert get(anonymous).json() == {"status": "ok", "database": "ok", "keys": "ok"}


def test_it_only_reads(anonymous):
    assert anonymous.post(reverse("web:healthz")).status_code == 405
    assert anonymous.head(reverse("web:healthz")).status_code == 200
