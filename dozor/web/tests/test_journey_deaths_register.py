"""Journey: a coordinator working in Kazakh on a phone records a death in custody, what is known
of the State's response and the NPM's urgent visit, and finds it in the register with the year's
figures; a liaison of the authority cannot open the register."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from dozor.accounts.models import Role, User
from dozor.core.models import Region
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.planning.models import Incident, IncidentAction
from dozor.web.tests.browser import JOURNEY_PASSWORD, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_coordinator_records_a_death_and_follows_it_up_in_kazakh_on_a_phone(page, live_server, browser):  # type: ignore[no-untyped-def]
    _page, console = page
    User.objects.create_user(
        username="alice", password=JOURNEY_PASSWORD, role=Role.COORDINATOR, first_name="Alice"
    )
    sizo = facility_type("SIZO")
    User.objects.create_user(
        username="lena",
        password=JOURNEY_PASSWORD,
        role=Role.LIAISON,
        authority=sizo.authority,
        first_name="Lena",
    )
    place = FacilityFactory(
        type=sizo,
        authority=sizo.authority,
        region=Region.objects.get(code="KGD"),
        name_kk="Синтетикалық СИЗО №1",
    )
    today = timezone.localdate()
    occurred = today - datetime.timedelta(days=5)

    context, coordinator = sign_in(browser, live_server, "alice", console, language="kk")
    coordinator.set_viewport_size(PHONE)
    coordinator.goto(f"{live_server.url}/planning/incidents/new/?facility={place.pk}")
    coordinator.select_option("#id_kind", "death")
    coordinator.fill("#id_occurred_on", occurred.isoformat())
    coordinator.fill("#id_summary", "Камерада ұсталған адамның қайтыс болуы")
    coordinator.click("[data-testid=save-incident]")
    coordinator.wait_for_selector("[data-testid=register-form]")
    incident = Incident.objects.get(facility=place)
    assert incident.serious and coordinator.url.endswith(f"/planning/register/{incident.pk}/")

    # what is known of the State's response
    coordinator.fill("#id_learned_on", (occurred + datetime.timedelta(days=2)).isoformat())
    coordinator.select_option("#id_learned_from", "relatives")
    coordinator.select_option("#id_relatives_informed", "yes")
    coordinator.select_option("#id_investigation", "pre_trial")
    coordinator.fill("#id_investigating_body", "Облыс прокуратурасы")
    coordinator.click("[data-testid=save-register]")
    coordinator.wait_for_selector("[data-testid=investigation]")
    assert "Облыс прокуратурасы" in coordinator.inner_text("[data-testid=investigation]")

    # the NPM's urgent visit
    coordinator.select_option("#id_action-kind", "urgent_visit")
    coordinator.fill("#id_action-taken_on", today.isoformat())
    coordinator.fill("#id_action-note", "Камераға барып, куәлармен жеке сөйлестік")
    coordinator.click("[data-testid=add-action]")
    coordinator.wait_for_selector("[data-testid=actions]")
    assert IncidentAction.objects.filter(incident=incident, kind="urgent_visit").count() == 1
    assert coordinator.evaluate("document.documentElement.lang") == "kk"
    assert _fits(coordinator)
    screenshot(coordinator, "deaths-register-entry-kk-390")

    # the register, with the year's figures
    coordinator.goto(f"{live_server.url}/planning/register/")
    coordinator.wait_for_selector(f"[data-testid=register-{incident.pk}]")
    assert coordinator.inner_text("[data-testid=figure-deaths]").strip() == "1"
    assert coordinator.inner_text("[data-testid=figure-followed]").strip() == "1"
    assert _fits(coordinator)
    screenshot(coordinator, "deaths-register-kk-390")
    coordinator.set_viewport_size({"width": 1366, "height": 900})
    screenshot(coordinator, "deaths-register-kk-1366")
    context.close()

    # the authority's liaison gets nothing
    context, liaison = sign_in(browser, live_server, "lena", console, language="ru")
    response = liaison.goto(f"{live_server.url}/planning/register/{incident.pk}/")
    assert response is not None and response.status == 403
    assert "Камерада" not in liaison.content()
    context.close()
    assert console.errors == [] or all("403" in e for e in console.errors)
