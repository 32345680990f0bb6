"""Coverage against the visit-frequency rule: the status of each place, the page grouped by region,
its filters, bounded queries and who may see it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dozor.core.dates import add_years
from dozor.core.models import Region
from dozor.facilities.models import Facility
from dozor.facilities.services import facility_facts_set
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.planning.models import PlannedVisit
from dozor.planning.risk import scores as risk
from dozor.planning.risk.scores import CoverageStatus
from dozor.planning.tests.factories import PlanFactory, planned_visit

pytestmark = pytest.mark.django_db

ON = datetime.date(2027, 6, 1)


@pytest.fixture
def plan():
    return PlanFactory()


def visited(plan, facility: Facility, on: datetime.date, *, announced: bool = True) -> None:
    """A completed visit; announced unless said otherwise, so that every reader may count it (an
    unannounced one counts only for coordinators, council members and its group: decision 0023)."""
    planned_visit(
        plan,
        facility=facility,
        starts_on=on,
        ends_on=on,
        status=PlannedVisit.Status.DONE,
        announced=announced,
    )


def statuses(on: datetime.date = ON) -> dict[int, risk.CoverageRow]:
    return {row.facility_id: row for row in risk.coverage_rows(Facility.objects.all(), on=on)}


def test_it_classifies_places_against_their_types_visit_frequency(plan):
    # SIZO: every 2 years
    never = FacilityFactory()
    overdue = FacilityFactory()
    visited(plan, overdue, datetime.date(2025, 3, 1))  # due 2027-03-01, passed
    due = FacilityFactory()
    visited(plan, due, datetime.date(2025, 9, 1))  # due 2027-09-01, this year
    due_today = FacilityFactory()
    visited(plan, due_today, datetime.date(2025, 6, 1))  # due on the day: not yet overdue
    fine = FacilityFactory()
    visited(plan, fine, datetime.date(2026, 1, 1))  # due 2028
    colony = FacilityFactory(type=facility_type("COLONY_MIN"))  # every 4 years
    visited(plan, colony, datetime.date(2025, 3, 1))
    rows = statuses()
    assert rows[never.pk].status == CoverageStatus.NEVER
    assert (rows[never.pk].last_visit, rows[never.pk].years_since, rows[never.pk].due_on) == (
        None,
        None,
        None,
    )
    assert rows[overdue.pk].status == CoverageStatus.OVERDUE
    assert rows[overdue.pk].due_on == datetime.date(2027, 3, 1)
    assert rows[overdue.pk].years_since == pytest.approx(822 / 365.25)
    assert rows[due.pk].status == CoverageStatus.DUE_THIS_YEAR
    assert rows[due_today.pk].status == CoverageStatus.DUE_THIS_YEAR
    assert rows[fine.pk].status == CoverageStatus.OK
    assert (rows[colony.pk].status, rows[colony.pk].interval_years) == (CoverageStatus.OK, 4)


def test_it_leaves_closed_places_out_and_uses_the_stored_latest_visit(plan):
    closed = FacilityFactory(status=Facility.Status.CLOSED, closed_on=datetime.date(2020, 1, 1))
    place = FacilityFactory()
    visited(plan, place, datetime.date(2020, 1, 1))
    facility_facts_set(last_visits={place.pk: (datetime.date(2027, 1, 1), datetime.date(2027, 1, 1))})
    rows = statuses()
    assert closed.pk not in rows
    assert (rows[place.pk].status, rows[place.pk].last_visit) == (
        CoverageStatus.OK,
        datetime.date(2027, 1, 1),
    )


def test_it_handles_a_last_visit_on_29_february(plan):
    place = FacilityFactory()
    visited(plan, place, datetime.date(2024, 2, 29))
    assert statuses()[place.pk].due_on == datetime.date(2026, 2, 28)


# The page ----------------------------------------------------------------------------------------------


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return add_years(today, -years) - datetime.timedelta(days=days)


@pytest.fixture
def registry(plan):
    karaganda = Region.objects.get(code="KGD")
    almaty = Region.objects.get(code="ALA")
    places = {
        "never": FacilityFactory(region=karaganda, name_en="Never visited SIZO"),
        "overdue": FacilityFactory(region=karaganda, name_en="Overdue SIZO"),
        "fine": FacilityFactory(region=karaganda, name_en="Recently visited SIZO"),
        "almaty": FacilityFactory(
            region=almaty, name_en="Almaty overdue colony", type=facility_type("COLONY_MIN")
        ),
    }
    visited(plan, places["overdue"], years_ago(3))
    visited(plan, places["fine"], timezone.localdate() - datetime.timedelta(days=30))
    visited(plan, places["almaty"], years_ago(5))
    return places


@pytest.mark.parametrize("persona", ["as_coordinator", "as_council", "as_monitor"])
def test_it_groups_coverage_by_region(request, persona, registry):
    page = request.getfixturevalue(persona).get(reverse("planning:coverage")).content.decode()
    karaganda = page.split('data-testid="coverage-region-KGD"', 1)[1].split("</tr>", 1)[0]
    # overdue / never / due this year / ok / places
    assert [cell.split(">")[1] for cell in karaganda.split("<td")[2:]] == [
        "1</td",
        "1</td",
        "0</td",
        "1</td",
        "3</td",
    ]
    total = page.split('data-testid="coverage-total"', 1)[1].split("</tr>", 1)[0]
    assert [cell.split(">")[1] for cell in total.split("<th")[2:]] == [
        "2</th",
        "1</th",
        "0</th",
        "1</th",
        "4</th",
    ]


def test_it_lists_the_late_places_with_years_since_the_last_visit(as_coordinator, registry):
    page = as_coordinator.get(reverse("planning:coverage")).content.decode()
    late = page.split('data-testid="coverage-late"', 1)[1]
    assert late.index("Never visited SIZO") < late.index("Almaty overdue colony") < late.index("Overdue SIZO")
    assert "Recently visited SIZO" not in late
    row = late.split(f'data-testid="late-{registry["almaty"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert years_ago(5).isoformat() in row and ">5.0<" in row and ">4<" in row
    assert (
        "never visited" in late.split(f'data-testid="late-{registry["never"].pk}"', 1)[1].split("</tr>", 1)[0]
    )


def test_it_filters_coverage_by_region_and_type(as_coordinator, registry):
    url = reverse("planning:coverage")
    by_region = as_coordinator.get(url, {"region": "ALA"}).content.decode()
    assert "Almaty overdue colony" in by_region and "Overdue SIZO" not in by_region
    assert 'data-testid="coverage-region-KGD"' not in by_region
    by_type = as_coordinator.get(url, {"type": "SIZO"}).content.decode()
    assert "Overdue SIZO" in by_type and "Almaty overdue colony" not in by_type


def test_it_limits_a_regional_monitor_to_the_region(monitor, as_monitor, registry):
    monitor.region = Region.objects.get(code="ALA")
    monitor.save()
    page = as_monitor.get(reverse("planning:coverage")).content.decode()
    assert "Almaty overdue colony" in page and "Overdue SIZO" not in page and "Never visited SIZO" not in page


@pytest.mark.parametrize("persona", ["as_liaison", "as_other_liaison", "as_trainer"])
def test_it_refuses_coverage_to_liaisons_and_trainers(request, persona, registry):
    response = request.getfixturevalue(persona).get(reverse("planning:coverage"))
    assert response.status_code == 403
    assert "Overdue SIZO" not in response.content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(anonymous):
    response = anonymous.get(reverse("planning:coverage"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("planning:coverage")).status_code == 200
    return len(ctx.captured_queries)


def test_it_shows_coverage_in_a_bounded_number_of_queries(as_coordinator, registry, plan):
    few = _queries(as_coordinator)
    for n in range(40):
        place = FacilityFactory(region=Region.objects.get(code=("AST", "SHY", "ABY")[n % 3]))
        if n % 2:
            visited(plan, place, years_ago(4))
    assert _queries(as_coordinator) == few
