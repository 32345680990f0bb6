"""Journey on a phone (390 px), in Russian: a monitor opens their account, goes to "Connect ODK
Collect", adds a device, sees its settings QR code and password once, and the credential works
against the OpenRosa server (what Collect does after scanning the code); then revokes it.
Screenshots: test-artifacts/h1/odk-device-{added,list}-ru-390.png."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import pytest
from playwright.sync_api import expect

from dozor.accounts.devices.models import Device
from dozor.accounts.models import Role, User
from dozor.web.tests.browser import ARTIFACTS, JOURNEY_PASSWORD, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-OpenRosa-Version": "1.0"}


def test_a_monitor_connects_odk_collect_from_their_phone(
    browser: Any, live_server: Any, page: Any, settings: Any
) -> None:
    settings.DOZOR_MFA_REQUIRED_ROLES = []
    settings.DOZOR_SITE_URL = live_server.url
    User.objects.create_user(
        username="bob", password=JOURNEY_PASSWORD, role=Role.MONITOR, first_name="Бауыржан"
    )
    _tab, console = page
    context, tab = sign_in(browser, live_server, "bob", console, language="ru")
    tab.set_viewport_size({"width": 390, "height": 844})
    (ARTIFACTS / "h1").mkdir(parents=True, exist_ok=True)

    tab.click("[data-testid=my-account]")
    expect(tab.locator("html")).to_have_attribute("lang", "ru")
    tab.click("[data-testid=odk-collect] a")
    tab.fill("#id_label", "Samsung A15")
    tab.click("[data-testid=add-device]")

    expect(tab.locator("[data-testid=new-device]")).to_be_visible()
    qr = tab.locator("[data-testid=device-qr] svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] <= 390
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    username = tab.locator("[data-testid=device-username]").inner_text()
    password = tab.locator("[data-testid=device-password]").inner_text()
    screenshot(tab, "h1/odk-device-added-ru-390")
    device = Device.objects.get(username=username)
    assert device.label == "Samsung A15" and password not in device.password

    # What Collect does with the scanned settings: ask the server for the form list.
    listing = context.request.get(live_server.url + "/openrosa/formList", headers=basic(username, password))
    assert listing.status == 200 and listing.headers["x-openrosa-version"] == "1.0"

    tab.goto(live_server.url + "/accounts/devices/")  # the password is shown once
    expect(tab.locator("[data-testid=device-password]")).to_have_count(0)
    tab.click("[data-testid=revoke-device]")
    expect(tab.locator("[data-testid=revoke-device]")).to_have_count(0)
    screenshot(tab, "h1/odk-device-list-ru-390")
    revoked = context.request.get(live_server.url + "/openrosa/formList", headers=basic(username, password))
    assert revoked.status == 401
    assert console.errors == []
    context.close()


def test_the_qr_code_holds_collects_settings() -> None:
    """The same payload the page encodes (decoded here as Collect decodes a scanned code)."""
    from dozor.accounts.devices.services import NewDevice, collect_settings

    device = Device(username="dev-0123456789", label="")
    payload = collect_settings(NewDevice(device=device, password="secret", server_url="https://x/openrosa/"))
    assert json.loads(zlib.decompress(base64.b64decode(payload)))["general"]["username"] == "dev-0123456789"
