"""Journey: sign in, switch to Kazakh, find a place by its Kazakh name, edit it, see the change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dozor.accounts.models import Role, User
from dozor.facilities.tests.factories import FacilityFactory
from dozor.web.tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_finds_and_edits_a_place_in_kazakh(page, live_server):
    browser_page, console = page
    User.objects.create_user(username="alice", password="correct-horse-battery-staple", role=Role.COORDINATOR)
    FacilityFactory(
        code="KZ-JOURNEY-1",
        name_kk="Өскемен қаласының уақытша ұстау изоляторы",
        name_ru="Изолятор временного содержания города Усть-Каменогорск",
        name_en="Oskemen temporary detention isolator",
        capacity=40,
    )
    FacilityFactory(name_kk="Басқа мекеме", name_ru="Другое учреждение", name_en="Another place")

    browser_page.goto(live_server.url + "/accounts/login/")
    browser_page.fill("#id_username", "alice")
    browser_page.fill("#id_password", "correct-horse-battery-staple")
    browser_page.click("main button[type=submit]")
    browser_page.wait_for_url(live_server.url + "/")

    browser_page.click("[data-testid=lang-kk]")
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.locator("html").get_attribute("lang") == "kk"

    browser_page.goto(live_server.url + "/places/")
    browser_page.fill("[data-testid=facility-search]", "өскемен")
    browser_page.press("[data-testid=facility-search]", "Enter")
    results = browser_page.locator("#results")
    # htmx swaps the results in after the request: wait for the swap, not for the network to idle
    expect(results).not_to_contain_text("Басқа мекеме")
    assert "Өскемен қаласының" in results.inner_text()
    screenshot(browser_page, "registry-search-kk")

    browser_page.click("text=Өскемен қаласының уақытша ұстау изоляторы")
    browser_page.click("[data-testid=edit-facility]")
    browser_page.fill("#id_capacity", "55")
    browser_page.fill("#id_settlement", "Өскемен")
    browser_page.click("[data-testid=save-facility]")
    browser_page.wait_for_load_state("networkidle")
    assert "/places/" in browser_page.url and "/edit/" not in browser_page.url
    body = browser_page.locator("main").inner_text()
    assert "55" in body and "Өскемен" in body
    screenshot(browser_page, "registry-detail-kk")
    assert console.errors == []
