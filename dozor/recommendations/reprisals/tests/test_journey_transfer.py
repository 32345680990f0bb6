"""Journey (decision 0024): a person who spoke to the NPM in one colony is transferred to another.
The coordinator (in Russian) records the transfer on the person's page; the monitor on the team of
today's visit to the new colony (in Kazakh, on a phone-sized screen) finds the person on the visit
page, marked as transferred there, and records the check; the identity is on the person's page,
never on the visit page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dozor.accounts.models import Role, User
from dozor.core.models import VisitType
from dozor.recommendations.models import ProtectedPerson, ReprisalCase
from dozor.recommendations.reprisals.services import reprisal_open
from dozor.recommendations.tests.factories import kuis_place
from dozor.visits.services import visit_create
from dozor.web.tests.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
IDENTITY = "Synthetic person: Erlan T., born 1991"


def test_the_coordinator_records_a_transfer_and_the_new_colonys_visit_checks(  # type: ignore[no-untyped-def]
    page, live_server, browser
):
    _unused, console = page
    today = timezone.localdate()
    User.objects.create_user(username="alice", password=PASSWORD, role=Role.COORDINATOR, first_name="Alice")
    carl = User.objects.create_user(username="carl", password=PASSWORD, role=Role.MONITOR, first_name="Carl")
    first = kuis_place(name_en="Synthetic colony A (reprisal journey)", name_ru="Условная колония А")
    second = kuis_place(name_en="Synthetic colony B (reprisal journey)", name_ru="Условная колония Б")
    alice = User.objects.get(username="alice")
    case = reprisal_open(
        actor=alice,
        kind=ReprisalCase.Kind.ALLEGATION,
        raised_on=today - datetime.timedelta(days=90),
        summary="Threatened with a transfer after talking to the monitors",
        facility=first,
        category=ProtectedPerson.Category.DETAINEE,
        identity=IDENTITY,
    )
    person = case.person
    visit = visit_create(
        actor=alice,
        facility=second,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=today,
        team=[carl],
    )

    # --- the coordinator records the transfer (in Russian) ------------------------------------
    context, coordinator = sign_in(browser, live_server, "alice", console, language="ru", password=PASSWORD)
    coordinator.goto(live_server.url + reverse("recommendations:reprisal_person", args=[person.pk]))
    assert coordinator.inner_text("[data-testid=person-identity]").strip() == IDENTITY
    coordinator.select_option("#id_whereabouts", ProtectedPerson.Whereabouts.HELD)
    coordinator.select_option("#id_facility", str(second.pk))
    coordinator.fill("#id_since", (today - datetime.timedelta(days=10)).isoformat())
    coordinator.fill("#id_source", "The sister phoned the hotline")
    coordinator.click("[data-testid=save-move]")
    coordinator.wait_for_selector("[data-testid=move-row] >> nth=1")
    assert "colony B" in coordinator.inner_text("[data-testid=person-whereabouts]") or "колония Б" in (
        coordinator.inner_text("[data-testid=person-whereabouts]")
    )
    screenshot(coordinator, "reprisal-person-transferred-ru")
    context.close()

    # --- the new colony's visit team finds the person on the visit page (Kazakh, 390 px) -------
    context, monitor = sign_in(browser, live_server, "carl", console, language="kk", password=PASSWORD)
    monitor.set_viewport_size({"width": 390, "height": 844})
    monitor.goto(live_server.url + reverse("visits:detail", args=[visit.pk]))
    row = monitor.locator("[data-testid=reprisal-to-check]")
    assert row.count() == 1
    assert row.locator("[data-testid=person-code]").inner_text() == person.code
    assert row.locator("[data-testid=moved-here]").count() == 1
    assert IDENTITY not in monitor.content()
    screenshot(monitor, "reprisal-visit-to-check-kk-390")
    row.locator("textarea").fill("Seen alone; no threats since the transfer")
    row.locator("[data-testid=save-check]").click()
    monitor.wait_for_selector("[data-testid=visit-reprisals]")
    assert monitor.locator("[data-testid=reprisal-to-check]").count() == 1  # still followed
    check = case.checks.get()
    assert check.visit_id == visit.pk
    # the team may read who the person is, on the person's page
    monitor.goto(live_server.url + reverse("recommendations:reprisal_person", args=[person.pk]))
    assert monitor.inner_text("[data-testid=person-identity]").strip() == IDENTITY
    assert monitor.locator("[data-testid=move-form]").count() == 0
    context.close()
    assert console.errors == []
