"""Journey, in Kazakh, at desktop and phone width: the coordinator searches the registry for a
place by its Kazakh name, opens it - the place page shows its visits, planned visits, risk score and
open recommendations - and reaches the place's open recommendations and its visit history, each as
a full filtered list, in at most three clicks. Screenshots: test-artifacts/place-hub-*.png."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from dozor.accounts.models import Role, User
from dozor.core.models import VisitType
from dozor.planning.tests.factories import PlanFactory, planned_visit
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from dozor.visits.services import visit_create
from dozor.web.tests.browser import ConsoleWatcher, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
NAME_KK = "Өскемен қаласының тергеу изоляторы"
VIEWPORTS = {"1366": {"width": 1366, "height": 768}, "390": {"width": 390, "height": 844}}
OPEN_TEXT = "Әрбір жаңа келген адамды 24 сағат ішінде дәрігер тексеруі тиіс."


class Clicks:
    """Every click of the journey goes through here, so that the count is the one the user makes."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def on(self, selector: str) -> None:
        self.count += 1
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_coordinator_reaches_a_places_visits_and_open_recommendations_in_three_clicks(
    browser: Any, live_server: Any, page: Any, width: str
) -> None:
    alice = User.objects.create_user(
        username="alice", password=PASSWORD, role=Role.COORDINATOR, first_name="Alice"
    )
    place = kuis_place(
        name_kk=NAME_KK,
        name_ru="Следственный изолятор города Усть-Каменогорск",
        name_en="Oskemen pre-trial detention centre",
        settlement="Өскемен",
    )
    other = health_place(name_kk="Павлодар психиатриялық ауруханасы", name_en="Pavlodar hospital")
    report = report_for(alice, place)  # the first visit, 2025-03-04, its report sent
    visit_create(
        actor=alice,
        facility=place,
        visit_type=VisitType.objects.get(code="follow_up"),
        started_on=datetime.date(2026, 2, 9),
    )
    open_rec = recommendation(
        alice, report, text_kk=OPEN_TEXT, text_en="Examine every new arrival within 24 hours."
    )
    recommendation(alice, report, text="Repair the exercise yard.", status="implemented")
    recommendation(alice, facility=other, text="Provide drinking water at all times.")
    planned_visit(PlanFactory(), facility=place, announced=True, starts_on=datetime.date(2027, 4, 12))

    console = ConsoleWatcher()
    context, browser_page = sign_in(browser, live_server, "alice", console, language="kk", password=PASSWORD)
    browser_page.set_viewport_size(VIEWPORTS[width])
    clicks = Clicks(browser_page)

    # The registry, searched by the place's Kazakh name (typing, not clicking).
    browser_page.goto(live_server.url + "/places/")
    browser_page.fill("[data-testid=facility-search]", "өскемен қаласының")
    browser_page.press("[data-testid=facility-search]", "Enter")
    results = browser_page.locator("#results")
    expect(results).not_to_contain_text("Павлодар")
    expect(results).to_contain_text(NAME_KK)
    screenshot(browser_page, f"place-hub-search-kk-{width}")

    # 1. The place: its visits, planned visit, risk and open recommendations on one page.
    clicks.on(f"#results a:has-text('{NAME_KK}')")
    assert f"/places/{place.pk}/" in browser_page.url
    assert browser_page.locator("html").get_attribute("lang") == "kk"
    expect(browser_page.locator("[data-testid=facility-name]")).to_have_text(NAME_KK)
    expect(browser_page.locator("[data-testid=place-visit]")).to_have_count(2)
    expect(browser_page.locator("[data-testid=place-planned-visit]")).to_have_count(1)
    expect(browser_page.locator("[data-testid=place-risk-total]")).to_be_visible()
    expect(browser_page.locator("[data-testid=place-open-recommendation]")).to_have_count(1)
    expect(browser_page.locator("[data-testid=place-open-recommendations]")).to_contain_text(OPEN_TEXT[:30])
    expect(browser_page.locator("[data-testid=place-visits] h2")).to_contain_text("Барулар")
    expect(browser_page.locator("[data-testid=place-open-recommendations] h2")).to_contain_text(
        "Ашық ұсынымдар"
    )
    screenshot(browser_page, f"place-hub-kk-{width}")

    # 2. All its open recommendations (closed ones and other places' left out).
    clicks.on("[data-testid=place-open-all]")
    assert "status_group=open" in browser_page.url and f"facility={place.pk}" in browser_page.url
    rows = browser_page.locator("[data-testid=recommendation-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"{open_rec.pk}")
    expect(browser_page.locator("[data-testid=place-filter]")).to_contain_text(NAME_KK)
    expect(browser_page.locator("#id_status_group")).to_have_value("open")
    screenshot(browser_page, f"place-hub-open-recommendations-kk-{width}")

    # 3. Its visit history.
    clicks.on("[data-testid=place-visits-link]")
    assert f"/visits/?facility={place.pk}" in browser_page.url
    expect(browser_page.locator("[data-testid=visit-row]")).to_have_count(2)
    expect(browser_page.locator("[data-testid=place-filter]")).to_contain_text(NAME_KK)
    screenshot(browser_page, f"place-hub-visits-kk-{width}")

    assert clicks.count <= 3
    overflow = browser_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
    assert console.errors == []
