"""Journey: a coordinator runs the optimiser for next year's plan, accepts the proposal and moves
one visit; a participant of that visit sees it in their calendar (and iCalendar file), while an
authority liaison sees nothing of it anywhere in planning."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from dozor.accounts.models import Role, User
from dozor.core.models import Region
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.planning.models import PlannedVisit, Proposal
from dozor.planning.tests.factories import YEAR, PlanFactory, participant
from dozor.web.tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
MOVED_TO = datetime.date(YEAR, 5, 12)


def _sign_in(browser, live_server, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return context, page


def test_it_plans_by_optimiser_and_shows_the_visit_only_to_its_group(page, live_server, browser):  # type: ignore[no-untyped-def]
    coordinator_page, console = page
    User.objects.create_user(username="alice", password=PASSWORD, role=Role.COORDINATOR, first_name="Alice")
    bob = User.objects.create_user(username="bob", password=PASSWORD, role=Role.MONITOR, first_name="Bob")
    colony = facility_type("COLONY_MED")
    User.objects.create_user(
        username="lena", password=PASSWORD, role=Role.LIAISON, authority=colony.authority, first_name="Lena"
    )
    place = FacilityFactory(
        type=colony,
        authority=colony.authority,
        region=Region.objects.get(code="KGD"),
        name_en="Synthetic colony No. 7 (journey)",
    )
    participant(region="KGD", female=True, user=bob, last_name="Bekova", first_name="Dana")
    participant(region="KGD", last_name="Omarov", first_name="Arman")
    participant(region="KGD", last_name="Lee", first_name="Viktor")
    plan = PlanFactory(budget=Decimal("5000000"), title=f"Visit plan {YEAR}")

    # the coordinator proposes with the optimiser, reads the proposal and accepts it
    context, coordinator_page = _sign_in(browser, live_server, "alice")
    coordinator_page.click("nav >> text=Plans")
    coordinator_page.click(f"text=Visit plan {YEAR}")
    coordinator_page.fill("#id_time_limit", "5")
    coordinator_page.click("[data-testid=propose]")
    coordinator_page.wait_for_selector("[data-testid=proposal-summary]")
    proposal = Proposal.objects.get(plan=plan)
    assert proposal.summary["visits"] == 1
    assert "Synthetic colony No. 7" in coordinator_page.inner_text("[data-testid=proposal-rows]")
    screenshot(coordinator_page, "planning-proposal")
    coordinator_page.click("[data-testid=accept-proposal]")
    coordinator_page.wait_for_selector("[data-testid=planned-visits]")
    visit = PlannedVisit.objects.get(plan=plan)
    assert not visit.announced and set(visit.group.values_list("person__user__username", flat=True)) >= {
        "bob"
    }

    # ... and moves the visit to another day
    coordinator_page.click(f"[data-testid=planned-visits] >> text={place.name_en}")
    coordinator_page.click("[data-testid=move-visit]")
    coordinator_page.fill("#id_starts_on", MOVED_TO.isoformat())
    coordinator_page.fill("#id_ends_on", MOVED_TO.isoformat())
    coordinator_page.click("[data-testid=save-move]")
    coordinator_page.wait_for_selector("[data-testid=visit-group]")
    visit.refresh_from_db()
    assert (visit.starts_on, visit.ends_on, visit.locked) == (MOVED_TO, MOVED_TO, True)
    screenshot(coordinator_page, "planning-visit-moved")
    context.close()

    # the participant sees it in their own calendar and iCalendar file
    context, monitor_page = _sign_in(browser, live_server, "bob")
    monitor_page.click("nav >> text=My visits")
    assert place.name_en in monitor_page.inner_text("[data-testid=my-visits]")
    monitor_page.goto(live_server.url + f"/planning/my-visits/?month={MOVED_TO:%Y-%m}")
    assert place.name_en in monitor_page.inner_text("[data-testid=month-grid]")
    screenshot(monitor_page, "planning-my-calendar")
    ical = monitor_page.request.get(live_server.url + "/planning/my-visits.ics")
    assert ical.status == 200 and f"DTSTART;VALUE=DATE:{MOVED_TO:%Y%m%d}" in ical.text()
    context.close()

    # the liaison of the authority running the place sees nothing of planning
    context, liaison_page = _sign_in(browser, live_server, "lena")
    assert "Planning" not in liaison_page.inner_text("nav")
    for path in (
        "/planning/",
        f"/planning/plans/{plan.pk}/",
        f"/planning/visits/{visit.pk}/",
        "/planning/calendar/?month=2027-05",
        "/planning/my-visits.ics",
        "/api/v1/planned-visits/",
    ):
        response = liaison_page.goto(live_server.url + path)
        assert response is not None and response.status in (403, 404), path
        assert (
            place.name_en not in liaison_page.content() and MOVED_TO.isoformat() not in liaison_page.content()
        )
    screenshot(liaison_page, "planning-liaison-refused")
    context.close()
    assert console.errors == []
