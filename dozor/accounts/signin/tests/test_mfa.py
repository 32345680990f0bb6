"""TOTP second factor: enrolment, verification at sign-in, recovery codes, devices, required roles."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from dozor.accounts.models import AuditEvent
from dozor.accounts.signin import session as signin_session
from dozor.accounts.signin.tests.helpers import current_code, enrol

pytestmark = pytest.mark.django_db


def password_step(username: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_user_with_a_device_must_enter_a_code_before_anything_else(monitor, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's delay after a wrong code is tested below
    device, _codes = enrol(monitor)
    client = password_step("bob")
    response = client.get(reverse("recommendations:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_verify"))
    assert client.get("/api/v1/regions/").status_code == 403
    wrong = client.post(reverse("accounts:otp_verify"), {"code": "000000"})
    assert wrong.status_code == 400 and "wrong" in wrong.content.decode()
    assert client.get(reverse("web:home")).status_code == 302
    ok = client.post(
        reverse("accounts:otp_verify"), {"code": current_code(device), "next": "/recommendations/"}
    )
    assert ok.status_code == 302 and ok.url == "/recommendations/"
    assert client.get(reverse("recommendations:list")).status_code == 200
    assert AuditEvent.objects.filter(action="login_failed", object_id=str(monitor.pk)).exists()


def test_a_recovery_code_signs_in_once(monitor):
    _device, codes = enrol(monitor)
    client = password_step("bob")
    assert client.post(reverse("accounts:otp_verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    again = password_step("bob")
    assert again.post(reverse("accounts:otp_verify"), {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=monitor).count() == len(codes) - 1


def test_a_required_role_without_a_device_can_only_enrol(monitor, settings):
    settings.DOZOR_MFA_REQUIRED_ROLES = ["monitor"]
    client = password_step("bob")
    for url in (reverse("web:home"), reverse("accounts:token"), reverse("accounts:security")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_enrol")), url
    page = client.get(reverse("accounts:otp_enrol"))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and 'data-testid="totp-secret"' in html
    assert "http" not in html.split('data-testid="totp-qr"')[1].split("</svg>")[0]  # drawn here, no CDN
    device = TOTPDevice.objects.get(user=monitor, confirmed=False)
    assert client.post(reverse("accounts:otp_enrol"), {"code": "123"}).status_code == 400
    done = client.post(reverse("accounts:otp_enrol"), {"code": current_code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    assert client.get(reverse("web:home")).status_code == 200
    assert codes[0] not in client.get(reverse("accounts:security")).content.decode()  # shown once


def test_a_role_not_required_signs_in_with_the_password_alone(monitor, settings):
    settings.DOZOR_MFA_REQUIRED_ROLES = ["coordinator"]
    client = password_step("bob")
    assert client.get(reverse("web:home")).status_code == 200


def test_a_user_who_owes_a_code_cannot_enrol_another_device(monitor):
    enrol(monitor)
    client = password_step("bob")
    response = client.get(reverse("accounts:otp_enrol"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_verify"))
    assert TOTPDevice.objects.filter(user=monitor).count() == 1


def test_it_regenerates_recovery_codes_and_removes_the_device(as_monitor, monitor):
    _device, codes = enrol(monitor)
    page = as_monitor.get(reverse("accounts:security"))
    assert "10 recovery codes left" in page.content.decode()
    new = as_monitor.post(reverse("accounts:security"), {"action": "regenerate"})
    assert new.status_code == 200 and set(new.context["codes"]).isdisjoint(codes)
    assert not StaticToken.objects.filter(token__in=codes).exists()
    removed = as_monitor.post(reverse("accounts:security"), {"action": "remove"})
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=monitor).exists()
    assert not StaticToken.objects.filter(device__user=monitor).exists()


def test_removing_the_device_of_a_required_role_sends_to_enrolment(as_monitor, monitor, settings):
    settings.DOZOR_MFA_REQUIRED_ROLES = ["monitor"]
    enrol(monitor)
    response = as_monitor.post(reverse("accounts:security"), {"action": "remove"})
    assert response.status_code == 302 and response.url == reverse("accounts:otp_enrol")
    assert as_monitor.session[signin_session.PENDING] == "enrol"
    assert as_monitor.get(reverse("web:home")).status_code == 302


def test_device_actions_need_a_recent_confirmation(as_monitor, monitor):
    enrol(monitor)
    session = as_monitor.session
    session.pop(signin_session.REAUTH_AT)
    session.save()
    response = as_monitor.post(reverse("accounts:security"), {"action": "remove"})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:reauth"))
    assert TOTPDevice.objects.filter(user=monitor).exists()


def test_it_slows_down_guessing_codes(monitor):
    enrol(monitor)
    client = password_step("bob")
    client.post(reverse("accounts:otp_verify"), {"code": "000000"})
    response = client.post(reverse("accounts:otp_verify"), {"code": "111111"})
    assert response.status_code == 400 and "Too many wrong codes" in response.content.decode()


@pytest.mark.parametrize("persona", ["anonymous"])
def test_a_visitor_gets_the_sign_in_page_for_every_account_page(persona, anonymous):
    for name in ("otp_verify", "otp_enrol", "security", "password_change", "reauth", "token"):
        response = anonymous.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), name
    assert SESSION_KEY not in anonymous.session


def _paths_without_parameters(patterns: list, prefix: str = "") -> list[str]:  # type: ignore[type-arg]
    paths = []
    for entry in patterns:
        route = str(entry.pattern).lstrip("^").removesuffix("$")  # DRF's router writes regexes
        if "<" in route or "(?P" in route or "\\" in route:
            continue
        if isinstance(entry, URLResolver):
            paths += _paths_without_parameters(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + prefix + route)
    return paths


def test_a_session_that_owes_its_second_factor_reaches_no_page(monitor, settings):
    settings.DOZOR_MFA_REQUIRED_ROLES = ["monitor"]
    client = password_step("bob")
    open_to_it = {reverse("accounts:otp_enrol"), reverse("accounts:logout"), reverse("set_language")}
    paths = [
        path for path in _paths_without_parameters(get_resolver().url_patterns) if path not in open_to_it
    ]
    assert len(paths) > 40
    for path in paths:
        response = client.get(path)
        if path.startswith("/api/"):
            assert response.status_code in (403, 405), path
        else:
            assert response.status_code == 302, path
            assert response.url.startswith(reverse("accounts:otp_enrol")), path
