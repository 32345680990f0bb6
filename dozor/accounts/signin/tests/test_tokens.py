"""API tokens (knox): hashed, expiring, revocable, ended by a password change or deactivation; the
token endpoint with its strict throttle."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.throttling import SimpleRateThrottle

from conftest import PASSWORD
from dozor.accounts.services import api_token_create, user_set_active, user_set_password
from dozor.accounts.signin.tests.helpers import current_code, enrol

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-2026"


def api(client: Client, token: str):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Token {token}")


def test_it_stores_only_a_hash_and_the_token_expires(client, monitor):
    instance, token = api_token_create(user=monitor)
    assert token not in {instance.digest, instance.token_key} and token.startswith("dzr_")
    assert instance.expiry > timezone.now() + datetime.timedelta(days=80)
    assert api(client, token).status_code == 200
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert api(client, token).status_code == 401


def test_the_token_page_lists_and_revokes_own_tokens(as_monitor, monitor, client):
    _instance, token = api_token_create(user=monitor)
    page = as_monitor.get(reverse("accounts:token"))
    assert token[:15] in page.content.decode() and token not in page.content.decode()
    as_monitor.post(reverse("accounts:token"), {"action": "revoke", "token_key": token[:15]})
    assert api(client, token).status_code == 401


def test_nobody_revokes_another_users_token(as_council, monitor, client):
    _instance, token = api_token_create(user=monitor)
    as_council.post(reverse("accounts:token"), {"action": "revoke", "token_key": token[:15]})
    assert api(client, token).status_code == 200


def test_a_password_change_ends_the_tokens_and_other_sessions(monitor, client):
    _instance, token = api_token_create(user=monitor)
    me, elsewhere = Client(), Client()
    me.force_login(monitor)
    elsewhere.force_login(monitor)
    response = me.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert api(client, token).status_code == 401
    assert me.get(reverse("accounts:security")).status_code == 200
    assert elsewhere.get(reverse("accounts:security")).status_code == 302
    monitor.refresh_from_db()
    assert monitor.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_changes_nothing(as_monitor, monitor):
    response = as_monitor.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 400
    monitor.refresh_from_db()
    assert monitor.check_password(PASSWORD)


def test_deactivation_ends_tokens_and_sessions(monitor, coordinator, client, as_monitor):
    _instance, token = api_token_create(user=monitor)
    user_set_active(actor=coordinator, user=monitor, active=False)
    assert api(client, token).status_code == 401
    assert not AuthToken.objects.filter(user=monitor).exists()
    assert as_monitor.get(reverse("accounts:security")).status_code == 302
    user_set_password(actor=None, user=coordinator, password=NEW_PASSWORD)  # no error without sessions


def test_the_token_endpoint_issues_a_token_for_a_password(client, monitor):
    response = client.post("/api/v1/token/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 201
    token = response.json()["token"]
    assert api(Client(), token).status_code == 200
    assert Client().delete("/api/v1/token/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 204
    assert api(Client(), token).status_code == 401


def test_the_token_endpoint_refuses_a_wrong_password_and_wants_the_code(client, monitor, settings):
    assert client.post("/api/v1/token/", {"username": "bob", "password": "nope"}).status_code == 400
    device, _codes = enrol(monitor)
    assert client.post("/api/v1/token/", {"username": "bob", "password": PASSWORD}).status_code == 400
    ok = client.post("/api/v1/token/", {"username": "bob", "password": PASSWORD, "otp": current_code(device)})
    assert ok.status_code == 201


def test_the_token_endpoint_refuses_a_required_role_without_a_device(client, council, settings):
    settings.DOZOR_MFA_REQUIRED_ROLES = ["council"]
    assert client.post("/api/v1/token/", {"username": "carol", "password": PASSWORD}).status_code == 403
    assert not AuthToken.objects.filter(user=council).exists()


def test_the_token_endpoint_is_strictly_throttled(client, monitor, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"token": "3/minute", "anon": None, "user": None}
    )
    codes = [
        client.post("/api/v1/token/", {"username": "bob", "password": "nope"}).status_code for _i in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_the_api_throttles_signed_in_clients(as_monitor, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"})
    assert [as_monitor.get("/api/v1/regions/").status_code for _i in range(4)] == [200, 200, 200, 429]
