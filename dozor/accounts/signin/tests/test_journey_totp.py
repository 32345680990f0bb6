"""Journey on a phone (390 px): a monitor whose role requires a second factor signs in with the
password, is held on the enrolment page, sets up an authenticator app from the key shown (the code
computed as the app would, with django-otp's own TOTP), keeps the recovery codes, signs out, and
signs in again with the password and the app's code. Kazakh and Russian on the way.
Screenshots: test-artifacts/h4/{signin,enrol,codes,verify,verify-wrong}-{kk,ru}-390.png."""

from __future__ import annotations

import time
from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from dozor.accounts.models import Role, User
from dozor.web.tests.browser import ARTIFACTS, JOURNEY_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret: str, *, next_step: bool = False) -> str:
    """What an authenticator app shows for ``secret`` (base32 in groups), now or 30 s from now."""
    key = b32decode("".join(secret.split()))
    return f"{totp(key, step=30, t0=0, digits=6, drift=1 if next_step else 0):06d}"


def shot(tab: Any, name: str) -> None:
    (ARTIFACTS / "h4").mkdir(parents=True, exist_ok=True)
    screenshot(tab, f"h4/{name}-390")


def switch_language(tab: Any, language: str) -> None:
    tab.click(f"[data-testid=lang-{language}]")
    tab.wait_for_selector(f"html[lang={language}]")


def sign_in_with_password(tab: Any) -> None:
    tab.fill("#id_username", "bob")
    tab.fill("#id_password", JOURNEY_PASSWORD)
    with tab.expect_navigation():
        tab.click("main button[type=submit]")


def test_a_monitor_enrols_an_authenticator_app_and_signs_in_with_it(
    browser: Any,
    live_server: Any,
    page: Any,
    settings: Any,
) -> None:
    settings.DOZOR_MFA_REQUIRED_ROLES = ["monitor"]
    User.objects.create_user(
        username="bob", password=JOURNEY_PASSWORD, role=Role.MONITOR, first_name="Бауыржан"
    )
    tab, console = page
    tab.set_viewport_size({"width": 390, "height": 844})

    tab.goto(live_server.url + "/accounts/login/")
    switch_language(tab, "kk")
    shot(tab, "signin-kk")
    sign_in_with_password(tab)

    # The password alone opens nothing: only the enrolment page.
    assert "/accounts/two-factor/enrol/" in tab.url
    expect(tab.locator("main")).to_contain_text("Сіздің рөліңіз үшін екінші фактор міндетті")
    expect(tab.locator("[data-testid=totp-qr] svg")).to_be_visible()
    shot(tab, "enrol-kk")
    tab.goto(live_server.url + "/recommendations/")
    assert "/accounts/two-factor/enrol/" in tab.url
    switch_language(tab, "ru")
    shot(tab, "enrol-ru")

    secret = tab.locator("[data-testid=totp-secret]").inner_text()
    tab.fill("#id_code", app_code(secret))
    with tab.expect_navigation():
        tab.click("main form.stacked button[type=submit]")
    codes = tab.locator("[data-testid=recovery-codes] li")
    expect(codes).to_have_count(10)
    expect(tab.locator("main")).to_contain_text("Приложение-аутентификатор настроено.")
    shot(tab, "codes-ru")
    with tab.expect_navigation():
        tab.locator("main a.button").click()
    assert "/accounts/" not in tab.url or "/accounts/security/" in tab.url

    # Signed out, then in again: the password, then the code the app shows.
    with tab.expect_navigation():
        tab.locator("header form[action='/accounts/logout/'] button").click()
    expect(tab.locator("#id_username")).to_be_visible()
    shot(tab, "signin-ru")
    sign_in_with_password(tab)
    assert "/accounts/two-factor/" in tab.url
    shot(tab, "verify-ru")
    tab.fill("#id_code", "000000")
    with tab.expect_navigation():
        tab.click("main form.stacked button[type=submit]")
    expect(tab.locator("main")).to_contain_text("Неверный код.")
    shot(tab, "verify-wrong-ru")
    assert [error for error in console.errors if "400" not in error] == []  # the refused code answers 400
    console.errors.clear()
    switch_language(tab, "kk")
    shot(tab, "verify-kk")
    time.sleep(1.5)  # django-otp makes a second try after a wrong code wait a second
    # The code the app shows next: the one shown at enrolment was used and cannot be used again.
    tab.fill("#id_code", app_code(secret, next_step=True))
    with tab.expect_navigation():
        tab.click("main form.stacked button[type=submit]")
    assert tab.url == live_server.url + "/"
    expect(tab.locator("[data-testid=my-account]")).to_be_attached()

    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert console.errors == []
