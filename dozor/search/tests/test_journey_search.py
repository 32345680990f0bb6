"""Journey: a coordinator on a phone (390 px), in Kazakh, types an inflected word into the header's
search box and opens the place it finds; the page does not push sideways, and no browser error."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import make_user
from dozor.accounts.models import Role
from dozor.core.models import Region
from dozor.recommendations.tests.factories import kuis_place
from dozor.web.tests.browser import ConsoleWatcher, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_coordinator_searches_in_kazakh_on_a_phone(page: Any, browser: Any, live_server: Any) -> None:
    _page, console = page
    make_user("alice", Role.COORDINATOR)
    # Saved outside a transaction: the index follows at once, through the signals.
    place = kuis_place(
        name_kk="Ерекше режимдегі түрме",
        name_ru="Тюрьма особого режима",
        name_en="Special regime prison",
        settlement="Өскемен",
        region=Region.objects.get(code="EKR"),
    )
    watcher = ConsoleWatcher()
    context, tab = sign_in(browser, live_server, "alice", watcher, language="kk")
    tab.set_viewport_size(PHONE)
    box = tab.get_by_test_id("header-search")
    expect(box).to_be_visible()
    box.fill("түрмелерде")  # "in prisons": plural and locative endings
    box.press("Enter")
    tab.wait_for_url("**/search/?q=*")
    expect(tab.locator("html")).to_have_attribute("lang", "kk")
    hit = tab.get_by_test_id("search-hit-place").first
    expect(hit).to_contain_text("түрме")
    expect(hit.locator("mark").first).to_be_visible()
    overflow = tab.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the results page is {overflow} px wider than the phone"
    screenshot(tab, "search-kk-390")
    hit.locator("a").first.click()
    tab.wait_for_url(f"**/places/{place.pk}/")
    assert watcher.errors == [] and console.errors == []
    context.close()
