"""Visits store each place's latest visit on the place, where planning's risk score reads it
("time since the last visit") without calling up into visits."""

from __future__ import annotations

import datetime

import pytest

from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory
from dozor.planning.risk.scores import score_facilities
from dozor.visits.models import Visit
from dozor.visits.selectors import last_visit_dates

ON = datetime.date(2027, 6, 1)
pytestmark = pytest.mark.django_db


def _visit(facility, started: datetime.date, status: str, ended: datetime.date | None = None) -> Visit:  # type: ignore[no-untyped-def]
    return Visit.objects.create(
        facility=facility,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=started,
        ended_on=ended,
        status=status,
    )


def test_it_gives_the_latest_visit_that_took_place() -> None:
    place = FacilityFactory()
    _visit(place, datetime.date(2025, 3, 1), Visit.Status.COMPLETED, datetime.date(2025, 3, 2))
    _visit(place, datetime.date(2026, 5, 4), Visit.Status.COMPLETED, datetime.date(2026, 5, 5))
    _visit(place, datetime.date(2027, 5, 20), Visit.Status.PLANNED)  # merely planned: not a visit yet
    _visit(place, datetime.date(2027, 7, 1), Visit.Status.COMPLETED, datetime.date(2027, 7, 1))  # after ON
    assert last_visit_dates([place.pk], ON) == {place.pk: datetime.date(2026, 5, 5)}


def test_it_lowers_the_risk_score_of_a_recently_visited_place() -> None:
    visited, never = FacilityFactory(), FacilityFactory(type=FacilityFactory().type)
    _visit(visited, datetime.date(2027, 5, 1), Visit.Status.COMPLETED, datetime.date(2027, 5, 1))
    scores = score_facilities([visited.pk, never.pk], on=ON)

    def since(pk: int) -> float:
        return next(p.points for p in scores[pk].parts if p.code == "since_last_visit")

    assert since(visited.pk) < since(never.pk)
    assert since(never.pk) > 0


def test_it_stores_the_latest_visit_on_the_place_whatever_writes_it() -> None:
    place = FacilityFactory()
    first = _visit(place, datetime.date(2026, 5, 4), Visit.Status.COMPLETED, datetime.date(2026, 5, 5))
    _visit(place, datetime.date(2027, 5, 20), Visit.Status.PLANNED)  # merely planned: not stored
    place.refresh_from_db()
    assert (place.last_visit_started_on, place.last_visit_ended_on) == (
        datetime.date(2026, 5, 4),
        datetime.date(2026, 5, 5),
    )
    ongoing = _visit(place, datetime.date(2027, 5, 30), Visit.Status.IN_PROGRESS)
    place.refresh_from_db()
    assert (place.last_visit_started_on, place.last_visit_ended_on) == (
        ongoing.started_on,
        ongoing.started_on,
    )
    ongoing.delete()
    first.delete()
    place.refresh_from_db()
    assert (place.last_visit_started_on, place.last_visit_ended_on) == (None, None)
    assert Facility.objects.get(pk=place.pk).last_visit_ended_on is None
