"""Re-authentication before confidential exports."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from conftest import PASSWORD
from dozor.accounts.signin import session as signin_session
from dozor.accounts.signin.tests.helpers import current_code, enrol

pytestmark = pytest.mark.django_db

EXPORT = "/places/export.csv"


def make_stale(client) -> None:  # type: ignore[no-untyped-def]
    session = client.session
    session[signin_session.REAUTH_AT] = time.time() - 3600
    session.save()


def test_an_export_right_after_sign_in_needs_no_confirmation(as_coordinator):
    assert as_coordinator.get(EXPORT).status_code == 200


def test_a_stale_export_asks_for_the_password_and_returns_to_it(as_coordinator):
    make_stale(as_coordinator)
    response = as_coordinator.get(EXPORT + "?region=AST")
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:reauth"))
    page = as_coordinator.get(response.url)
    assert page.status_code == 200
    wrong = as_coordinator.post(
        reverse("accounts:reauth"), {"password": "nope", "next": EXPORT + "?region=AST"}
    )
    assert wrong.status_code == 400
    assert as_coordinator.get(EXPORT).status_code == 302
    ok = as_coordinator.post(
        reverse("accounts:reauth"), {"password": PASSWORD, "next": EXPORT + "?region=AST"}
    )
    assert ok.status_code == 302 and ok.url == EXPORT + "?region=AST"
    assert as_coordinator.get(EXPORT).status_code == 200


def test_an_enrolled_user_also_enters_a_code(as_coordinator, coordinator):
    device, _codes = enrol(coordinator)
    make_stale(as_coordinator)
    without = as_coordinator.post(reverse("accounts:reauth"), {"password": PASSWORD, "next": EXPORT})
    assert without.status_code == 400
    ok = as_coordinator.post(
        reverse("accounts:reauth"), {"password": PASSWORD, "code": current_code(device), "next": EXPORT}
    )
    assert ok.status_code == 302 and ok.url == EXPORT


def test_it_never_returns_to_another_site(as_coordinator):
    make_stale(as_coordinator)
    ok = as_coordinator.post(
        reverse("accounts:reauth"), {"password": PASSWORD, "next": "https://evil.example/"}
    )
    assert ok.status_code == 302 and ok.url == reverse("web:home")


@pytest.mark.parametrize(
    "url",
    [
        "/places/export.csv",
        "/places/export.xlsx",
        "/recommendations/export.csv",
    ],
)
def test_the_confidential_exports_ask_again(as_coordinator, url):
    make_stale(as_coordinator)
    response = as_coordinator.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:reauth"))


def test_a_user_without_the_right_gets_403_not_the_confirmation_page(as_trainer):
    make_stale(as_trainer)
    assert as_trainer.get(EXPORT).status_code == 403
