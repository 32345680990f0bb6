"""The participant's own iCalendar feed (/planning/my-visits.ics)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from conftest import client_for
from dozor.accounts.models import AuditEvent, User
from dozor.facilities.tests.factories import FacilityFactory
from dozor.planning.models import PlannedVisit
from dozor.planning.tests.factories import YEAR, PlanFactory, participant, planned_visit

pytestmark = pytest.mark.django_db

URL = "/planning/my-visits.ics"


def events(response: object) -> list[object]:
    calendar = Calendar.from_ical(response.content)  # type: ignore[attr-defined]
    return list(calendar.walk("VEVENT"))


@pytest.fixture
def world(coordinator: User, monitor: User) -> dict[str, PlannedVisit]:
    plan = PlanFactory()
    me = participant(user=monitor)
    other = participant()
    mine = planned_visit(
        plan,
        facility=FacilityFactory(name_en="Mine Colony", settlement="Temirtau", address="1 Steel Street"),
        starts_on=datetime.date(YEAR, 5, 30),
        ends_on=datetime.date(YEAR, 6, 1),
        objectives="Check the punishment cells",
        members=[(me, "leader"), (other, "member")],
    )
    announced = planned_visit(
        plan,
        facility=FacilityFactory(name_en="Open Colony"),
        announced=True,
        starts_on=datetime.date(YEAR, 7, 1),
        members=[(me, "member")],
    )
    others = planned_visit(
        plan,
        facility=FacilityFactory(name_en="Others Colony"),
        starts_on=datetime.date(YEAR, 8, 1),
        members=[(other, "leader")],
    )
    open_to_all = planned_visit(
        plan, facility=FacilityFactory(name_en="Public Colony"), announced=True, members=[(other, "leader")]
    )
    cancelled = planned_visit(
        plan,
        facility=FacilityFactory(name_en="Cancelled Colony"),
        starts_on=datetime.date(YEAR, 9, 1),
        status=PlannedVisit.Status.CANCELLED,
        members=[(me, "leader")],
    )
    return {
        "mine": mine,
        "announced": announced,
        "others": others,
        "open": open_to_all,
        "cancelled": cancelled,
    }


def test_the_url_is_named() -> None:
    assert reverse("planning:my_ical") == URL


def test_it_serves_an_attachment_that_parses(as_monitor: Client, world: dict[str, PlannedVisit]) -> None:
    response = as_monitor.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"


def test_it_holds_only_the_users_own_visits_not_cancelled(
    as_monitor: Client, world: dict[str, PlannedVisit]
) -> None:
    found = {str(e["UID"]): e for e in events(as_monitor.get(URL))}  # type: ignore[index]
    assert set(found) == {
        f"planned-visit-{world['mine'].pk}@dozor",
        f"planned-visit-{world['announced'].pk}@dozor",
    }
    body = as_monitor.get(URL).content.decode()
    assert "Others Colony" not in body and "Public Colony" not in body and "Cancelled Colony" not in body


def test_dates_are_all_day_and_the_end_is_exclusive(
    as_monitor: Client, world: dict[str, PlannedVisit], monkeypatch: pytest.MonkeyPatch
) -> None:
    # On its first day the unannounced visit is no longer secret: the feed shows it in full.
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(YEAR, 5, 30))
    event = next(
        e
        for e in events(as_monitor.get(URL))
        if str(e["UID"]) == f"planned-visit-{world['mine'].pk}@dozor"  # type: ignore[index]
    )
    start, end = event["DTSTART"].dt, event["DTEND"].dt  # type: ignore[index]
    assert type(start) is datetime.date and type(end) is datetime.date
    assert start == datetime.date(YEAR, 5, 30)
    assert end == datetime.date(YEAR, 6, 2)
    assert "Mine Colony" in str(event["SUMMARY"])  # type: ignore[index]
    assert "Temirtau" in str(event["LOCATION"]) and "1 Steel Street" in str(event["LOCATION"])  # type: ignore[index]
    description = str(event["DESCRIPTION"])  # type: ignore[index]
    assert "Check the punishment cells" in description and "Group leader" in description


def test_a_coordinator_gets_only_their_own_visits(coordinator: User, world: dict[str, PlannedVisit]) -> None:
    assert events(client_for(coordinator).get(URL)) == []
    participant(user=coordinator)
    assert events(client_for(coordinator).get(URL)) == []


def test_handing_out_secret_visits_is_audited(
    monitor: User, as_monitor: Client, world: dict[str, PlannedVisit]
) -> None:
    as_monitor.get(URL)
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ, actor=monitor)
    assert event.changes == {"ids": [world["mine"].pk], "via": "ical"}


@pytest.mark.parametrize("persona", ["as_liaison", "as_trainer"])
def test_outsiders_get_no_feed(
    request: pytest.FixtureRequest, persona: str, world: dict[str, PlannedVisit]
) -> None:
    assert request.getfixturevalue(persona).get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(anonymous: Client) -> None:
    response = anonymous.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# Secret visits (decision 0023) ----------------------------------------------------------------------


def _by_uid(response: object) -> dict[str, object]:
    return {str(e["UID"]): e for e in events(response)}  # type: ignore[index]


def test_a_secret_visit_is_only_busy_by_default(as_monitor: Client, world: dict[str, PlannedVisit]) -> None:
    response = as_monitor.get(URL)
    event = _by_uid(response)[f"planned-visit-{world['mine'].pk}@dozor"]
    assert str(event["SUMMARY"]) == "Busy"  # type: ignore[index]
    for key in ("LOCATION", "DESCRIPTION"):
        assert key not in event  # type: ignore[operator]
    assert event["DTSTART"].dt == datetime.date(YEAR, 5, 30)  # type: ignore[index]
    body = response.content.decode()
    for leak in ("Mine Colony", "Temirtau", "Steel Street", "punishment", "Group leader"):
        assert leak not in body, leak
    assert "Periodic" not in event.to_ical().decode()  # type: ignore[attr-defined]
    # the announced visit is unaffected
    announced = _by_uid(response)[f"planned-visit-{world['announced'].pk}@dozor"]
    assert "Open Colony" in str(announced["SUMMARY"])  # type: ignore[index]


def test_a_secret_visit_can_be_left_out(
    as_monitor: Client, world: dict[str, PlannedVisit], settings: object
) -> None:
    settings.DOZOR_ICAL_SECRET_VISITS = "omit"  # type: ignore[attr-defined]
    found = _by_uid(as_monitor.get(URL))
    assert set(found) == {f"planned-visit-{world['announced'].pk}@dozor"}


def test_from_its_first_day_the_visit_is_shown_in_full(
    as_monitor: Client, world: dict[str, PlannedVisit], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(YEAR, 5, 29))
    assert "Mine Colony" not in as_monitor.get(URL).content.decode()
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(YEAR, 5, 30))
    event = _by_uid(as_monitor.get(URL))[f"planned-visit-{world['mine'].pk}@dozor"]
    assert "Mine Colony" in str(event["SUMMARY"])  # type: ignore[index]
