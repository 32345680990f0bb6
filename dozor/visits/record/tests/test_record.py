"""The visit record: starting from the plan, phases, times and status, occupancy on the day
(dozor.visits.record.services, views_record)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.facilities.models import Occupancy
from dozor.planning.models import Expense, Plan, PlannedVisit
from dozor.planning.tests.factories import PlanFactory, participant, planned_visit
from dozor.visits.models import OccupancyCount, Phase, TeamMember, Visit
from dozor.visits.record.services import (
    occupancy_counts_save,
    phase_add,
    phase_delete,
    phase_update,
    visit_from_planned,
    visit_record_update,
)
from dozor.visits.services import team_member_add

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 1)  # the start date of the ``visit`` fixture


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def texts(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def plan() -> Plan:
    return PlanFactory()


@pytest.fixture
def on_team(monitor: User, visit: Visit, coordinator: User) -> Visit:
    team_member_add(actor=coordinator, visit=visit, user=monitor)
    return visit


def started(coordinator: User, visit: Visit) -> Visit:
    """The visit with a first phase: in progress, arrived at 10:00."""
    phase_add(actor=coordinator, visit=visit, kind=Phase.Kind.OPENING, started_at=at(10), ended_at=at(11))
    visit.refresh_from_db()
    return visit


# --- starting from the plan ---------------------------------------------------------------------


def test_it_starts_a_visit_from_the_plan_with_the_team_from_accounts(
    plan: Plan, coordinator: User, monitor: User, as_coordinator: Client
) -> None:
    lead = participant(user=monitor, last_name="Leaderova")
    expert = participant(last_name="Noaccount")
    interpreter = participant(user=make_user("lisa", Role.LIAISON, "KUIS"), last_name="Liaisonova")
    planned = planned_visit(
        plan,
        members=[(lead, "leader"), (expert, "expert"), (interpreter, "interpreter")],
        announced=True,
        starts_on=datetime.date(2025, 3, 10),
        ends_on=datetime.date(2025, 3, 11),
        objectives="Check the punishment cells",
    )

    page = as_coordinator.get(reverse("visits:record_start", args=[planned.pk]))
    assert page.status_code == 200
    assert "Noaccount" in page.content.decode() and "Liaisonova" in page.content.decode()

    response = as_coordinator.post(reverse("visits:record_start", args=[planned.pk]))
    visit = Visit.objects.get(planned_visit=planned)
    assert response.status_code == 302 and response["Location"] == reverse("visits:detail", args=[visit.pk])
    assert (visit.facility, visit.visit_type, visit.announced) == (
        planned.facility,
        planned.visit_type,
        True,
    )
    assert (visit.started_on, visit.ended_on) == (datetime.date(2025, 3, 10), datetime.date(2025, 3, 11))
    assert visit.purpose == "Check the punishment cells" and visit.template_version is not None
    assert list(visit.team.values_list("user", "role")) == [(monitor.pk, TeamMember.Role.LEADER)]
    warning = [text for text in texts(response) if "no account" in text]
    assert len(warning) == 1 and "Noaccount" in warning[0] and "Liaisonova" in warning[0]
    assert "Leaderova" not in warning[0]
    planned.refresh_from_db()
    assert planned.status == PlannedVisit.Status.PLANNED  # done only when the visit is completed
    assert AuditEvent.objects.filter(object_type="visits.visit", object_id=str(visit.pk)).count() >= 2
    assert AuditEvent.objects.filter(object_type="visits.teammember").count() == 1

    # a second start opens the record instead of making another
    again = as_coordinator.post(reverse("visits:record_start", args=[planned.pk]))
    assert again["Location"] == reverse("visits:detail", args=[visit.pk])
    assert Visit.objects.filter(planned_visit=planned).count() == 1


def test_it_refuses_a_cancelled_a_carried_out_or_an_already_started_planned_visit(
    plan: Plan, coordinator: User
) -> None:
    cancelled = planned_visit(plan, status=PlannedVisit.Status.CANCELLED)
    done = planned_visit(plan, status=PlannedVisit.Status.DONE)
    for planned in (cancelled, done):
        with pytest.raises(ValidationError):
            visit_from_planned(actor=coordinator, planned_visit=planned)
    fresh = planned_visit(plan)
    visit_from_planned(actor=coordinator, planned_visit=fresh)
    with pytest.raises(ValidationError, match="already been started"):
        visit_from_planned(actor=coordinator, planned_visit=fresh)
    assert Visit.objects.count() == 1


def test_the_plan_no_longer_moves_or_cancels_a_visit_whose_record_was_started(
    plan: Plan, coordinator: User
) -> None:
    from dozor.planning.services import planned_visit_cancel, planned_visit_move

    planned = planned_visit(plan)
    before = (planned.starts_on, planned.ends_on, planned.status)
    visit_from_planned(actor=coordinator, planned_visit=planned)
    with pytest.raises(ValidationError, match="visit record"):
        planned_visit_move(
            actor=coordinator, visit=planned, starts_on=planned.starts_on, ends_on=planned.ends_on
        )
    with pytest.raises(ValidationError, match="no longer be cancelled"):
        planned_visit_cancel(actor=coordinator, visit=planned, reason="weather")
    planned.refresh_from_db()
    assert (planned.starts_on, planned.ends_on, planned.status) == before


def test_only_coordinators_start_a_visit_from_the_plan(
    plan: Plan,
    monitor: User,
    council: User,
    as_monitor: Client,
    as_council: Client,
    as_liaison: Client,
    anonymous: Client,
) -> None:
    secret_of_others = planned_visit(plan, announced=False, members=[(participant(), "leader")])
    announced = planned_visit(plan, announced=True)
    url = reverse("visits:record_start", args=[secret_of_others.pk])
    assert as_monitor.get(url).status_code == 404  # unannounced, not their group: invisible
    assert as_monitor.post(url).status_code == 404
    assert as_monitor.get(reverse("visits:record_start", args=[announced.pk])).status_code == 403
    assert as_council.post(reverse("visits:record_start", args=[announced.pk])).status_code == 403
    assert as_liaison.get(reverse("visits:record_start", args=[announced.pk])).status_code == 404
    assert anonymous.get(reverse("visits:record_start", args=[announced.pk])).status_code == 302
    with pytest.raises(PermissionDenied):
        visit_from_planned(actor=council, planned_visit=announced)
    assert not Visit.objects.exists()


def test_the_planned_visit_page_starts_and_then_opens_the_record(
    plan: Plan, coordinator: User, as_coordinator: Client
) -> None:
    planned = planned_visit(plan, announced=True)
    page = as_coordinator.get(reverse("planning:visit_detail", args=[planned.pk])).content.decode()
    assert reverse("visits:record_start", args=[planned.pk]) in page
    visit = visit_from_planned(actor=coordinator, planned_visit=planned)
    page = as_coordinator.get(reverse("planning:visit_detail", args=[planned.pk])).content.decode()
    assert reverse("visits:detail", args=[visit.pk]) in page
    assert reverse("visits:record_start", args=[planned.pk]) not in page


# --- phases -------------------------------------------------------------------------------------


def test_the_first_phase_puts_the_visit_in_progress(coordinator: User, visit: Visit) -> None:
    assert visit.status == Visit.Status.PLANNED and visit.arrived_at is None
    phase = phase_add(actor=coordinator, visit=visit, kind=Phase.Kind.OPENING, started_at=at(10))
    visit.refresh_from_db()
    assert visit.status == Visit.Status.IN_PROGRESS and visit.arrived_at == at(10)
    assert phase.recorded_by == coordinator
    phase_add(actor=coordinator, visit=visit, kind=Phase.Kind.TOUR, started_at=at(9))
    visit.refresh_from_db()
    assert visit.arrived_at == at(10)  # an arrival already given is kept
    assert AuditEvent.objects.filter(object_type="visits.phase", action=AuditEvent.Action.CREATE).count() == 2


def test_phase_times_are_checked(coordinator: User, visit: Visit) -> None:
    with pytest.raises(ValidationError) as backwards:
        phase_add(actor=coordinator, visit=visit, kind="tour", started_at=at(12), ended_at=at(11))
    assert backwards.value.message_dict == {"ended_at": ["A phase cannot end before it started."]}
    with pytest.raises(ValidationError) as outside:
        phase_add(
            actor=coordinator, visit=visit, kind="tour", started_at=at(10, day=datetime.date(2025, 2, 20))
        )
    assert "within the visit days" in outside.value.message_dict["started_at"][0]
    with pytest.raises(ValidationError):
        phase_add(actor=coordinator, visit=visit, kind="picnic", started_at=at(10))
    assert not Phase.objects.exists()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED
    # the evening before and the night after are allowed
    phase_add(
        actor=coordinator, visit=visit, kind="tour", started_at=at(22, day=DAY - datetime.timedelta(days=1))
    )


def test_it_edits_and_deletes_a_phase(coordinator: User, visit: Visit) -> None:
    phase = phase_add(actor=coordinator, visit=visit, kind="tour", started_at=at(10))
    phase_update(
        actor=coordinator,
        phase=phase,
        kind="documents",
        started_at=at(11),
        ended_at=at(12),
        note=" Registers ",
    )
    phase.refresh_from_db()
    assert (phase.kind, phase.started_at, phase.ended_at, phase.note) == (
        "documents",
        at(11),
        at(12),
        "Registers",
    )
    with pytest.raises(ValidationError):
        phase_update(actor=coordinator, phase=phase, kind="documents", started_at=at(13), ended_at=at(12))
    phase.refresh_from_db()
    assert phase.started_at == at(11)
    phase_delete(actor=coordinator, phase=phase)
    assert not Phase.objects.exists()
    assert AuditEvent.objects.filter(object_type="visits.phase", action=AuditEvent.Action.DELETE).exists()


def test_the_team_records_phases_through_the_pages(monitor: User, on_team: Visit, as_monitor: Client) -> None:
    visit = on_team
    response = as_monitor.post(
        reverse("visits:phase_add", args=[visit.pk]),
        {
            "kind": "opening",
            "started_at": "2025-03-01T09:30",
            "ended_at": "2025-03-01T10:15",
            "note": "Director",
        },
    )
    assert response.status_code == 302
    phase = Phase.objects.get(visit=visit)
    assert phase.started_at == at(9, 30) and phase.recorded_by == monitor

    bad = as_monitor.post(
        reverse("visits:phase_edit", args=[visit.pk, phase.pk]),
        {"kind": "opening", "started_at": "2025-03-01T11:00", "ended_at": "2025-03-01T10:00"},
    )
    assert bad.status_code == 400 and "A phase cannot end before it started." in bad.content.decode()
    phase.refresh_from_db()
    assert phase.started_at == at(9, 30)

    ok = as_monitor.post(
        reverse("visits:phase_edit", args=[visit.pk, phase.pk]),
        {"kind": "tour", "started_at": "2025-03-01T11:00", "ended_at": "2025-03-01T12:00"},
    )
    assert ok.status_code == 302
    phase.refresh_from_db()
    assert phase.kind == "tour"
    url = reverse("visits:phase_delete", args=[visit.pk, phase.pk])
    page = as_monitor.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert 'name="confirm" value="yes" required' in page
    assert as_monitor.post(url).status_code == 302 and Phase.objects.filter(pk=phase.pk).exists()
    assert as_monitor.post(url, {"confirm": "yes"}).status_code == 302
    assert not Phase.objects.exists()


def test_a_phase_of_another_visit_is_not_found(
    coordinator: User, visit: Visit, sizo_visit: Visit, as_coordinator: Client
) -> None:
    phase = phase_add(actor=coordinator, visit=sizo_visit, kind="tour", started_at=at(10))
    url = reverse("visits:phase_delete", args=[visit.pk, phase.pk])
    assert as_coordinator.post(url, {"confirm": "yes"}).status_code == 404
    assert Phase.objects.filter(pk=phase.pk).exists()


# --- times and status ---------------------------------------------------------------------------


def record(actor: User, visit: Visit, **overrides: Any) -> Visit:
    values: dict[str, Any] = {
        "arrived_at": at(9),
        "left_at": at(17),
        "ended_on": None,
        "status": Visit.Status.IN_PROGRESS,
        "purpose": "Follow-up",
        **overrides,
    }
    return visit_record_update(actor=actor, visit=visit, **values)


def test_times_and_status_are_checked(coordinator: User, visit: Visit) -> None:
    cases = [
        ({"left_at": at(8)}, "left_at"),
        ({"arrived_at": None, "status": Visit.Status.PLANNED}, "arrived_at"),
        ({"ended_on": DAY - datetime.timedelta(days=1)}, "ended_on"),
        ({"status": Visit.Status.PLANNED}, "status"),
        ({"arrived_at": None, "left_at": None, "status": Visit.Status.IN_PROGRESS}, "arrived_at"),
        ({"left_at": None, "status": Visit.Status.COMPLETED}, "status"),
        (
            {"arrived_at": at(9, day=datetime.date(2025, 5, 1)), "left_at": None, "ended_on": DAY},
            "arrived_at",
        ),
    ]
    for overrides, key in cases:
        with pytest.raises(ValidationError) as error:
            record(coordinator, visit, **overrides)
        assert key in error.value.message_dict, overrides
    visit.refresh_from_db()
    assert (visit.arrived_at, visit.left_at, visit.status, visit.purpose) == (None, None, "planned", "")


def test_completing_a_visit_from_the_plan_marks_it_carried_out(
    plan: Plan, coordinator: User, as_coordinator: Client
) -> None:
    planned = planned_visit(plan, announced=True, starts_on=DAY)
    visit = visit_from_planned(actor=coordinator, planned_visit=planned)
    visit.ended_on = None
    visit.save(update_fields=["ended_on"])
    response = as_coordinator.post(
        reverse("visits:record_edit", args=[visit.pk]),
        {
            "arrived_at": "2025-03-01T09:00",
            "left_at": "2025-03-02T01:30",
            "ended_on": "",
            "status": "completed",
            "purpose": "Night check",
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    planned.refresh_from_db()
    assert visit.status == Visit.Status.COMPLETED and visit.ended_on == datetime.date(2025, 3, 2)
    assert visit.purpose == "Night check"
    assert planned.status == PlannedVisit.Status.DONE
    assert AuditEvent.objects.filter(
        object_type="planning.plannedvisit", object_id=str(planned.pk), action=AuditEvent.Action.UPDATE
    ).exists()

    record(coordinator, visit, ended_on=datetime.date(2025, 3, 2))  # re-opened: in progress
    planned.refresh_from_db()
    assert planned.status == PlannedVisit.Status.PLANNED


# --- occupancy on the day -----------------------------------------------------------------------


def test_bad_counts_change_nothing(coordinator: User, visit: Visit) -> None:
    occupancy_counts_save(actor=coordinator, visit=visit, counts=[("men", 50, 40)])
    before = list(Occupancy.objects.values_list("date", "capacity", "population", "source"))
    bad_inputs: list[list[Any]] = [
        [],
        [("men", 50, -1)],
        [("men", -5, 10)],
        [("men", 50, 10), ("men", 20, 5)],
        [("giants", 1, 1)],
        [("men", 50, 10), ("women", 10, "many")],
        [("men", 50, 10), ("women", 10, 2.5)],
        [("women", None, True)],
    ]
    for counts in bad_inputs:
        with pytest.raises(ValidationError):
            occupancy_counts_save(actor=coordinator, visit=visit, counts=counts)
    assert list(visit.occupancy_counts.values_list("category", "capacity", "population")) == [("men", 50, 40)]
    assert list(Occupancy.objects.values_list("date", "capacity", "population", "source")) == before


def test_counts_go_to_the_occupancy_history(coordinator: User, visit: Visit) -> None:
    visit = started(coordinator, visit)
    saved = occupancy_counts_save(
        actor=coordinator, visit=visit, counts=[("men", 80, 90), ("women", 20, 15), ("boys", None, 3)]
    )
    assert (saved.capacity, saved.population, saved.kept) == (100, 108, None)
    record_ = Occupancy.objects.get(facility=visit.facility)
    assert (record_.date, record_.capacity, record_.population, record_.source) == (DAY, 100, 108, "visit")
    assert record_.recorded_by == coordinator
    visit.facility.refresh_from_db()
    assert (visit.facility.population, visit.facility.population_date) == (108, DAY)

    # saving again replaces the visit's counts and its history record
    occupancy_counts_save(actor=coordinator, visit=visit, counts=[("men", None, 70)])
    assert list(visit.occupancy_counts.values_list("category", "capacity", "population")) == [
        ("men", None, 70)
    ]
    record_ = Occupancy.objects.get(facility=visit.facility)
    assert (record_.capacity, record_.population) == (100, 70)  # no capacity given: the registered one


def test_a_place_without_any_capacity_is_refused(coordinator: User, visit: Visit) -> None:
    visit.facility.capacity = None
    visit.facility.save(update_fields=["capacity"])
    with pytest.raises(ValidationError, match="capacity"):
        occupancy_counts_save(actor=coordinator, visit=visit, counts=[("men", None, 10)])
    assert not OccupancyCount.objects.exists() and not Occupancy.objects.exists()


def test_an_official_record_of_the_day_is_kept_with_a_warning(
    coordinator: User, visit: Visit, as_coordinator: Client
) -> None:
    official = Occupancy.objects.create(
        facility=visit.facility, date=DAY, capacity=100, population=60, source=Occupancy.Source.OFFICIAL
    )
    response = as_coordinator.post(
        reverse("visits:occupancy_edit", args=[visit.pk]),
        {"men_capacity": "90", "men_population": "95", "women_population": "4"},
    )
    assert response.status_code == 302
    assert any("it was kept" in text for text in texts(response))
    assert list(visit.occupancy_counts.order_by("category").values_list("category", "population")) == [
        ("men", 95),
        ("women", 4),
    ]
    official.refresh_from_db()
    assert (official.population, official.source) == (60, "official")
    assert Occupancy.objects.count() == 1


def test_a_moved_visit_day_moves_its_history_record(coordinator: User, visit: Visit) -> None:
    occupancy_counts_save(actor=coordinator, visit=visit, counts=[("men", 50, 40)])
    record(coordinator, visit, arrived_at=at(9, day=DAY + datetime.timedelta(days=1)), left_at=None)
    visit.refresh_from_db()
    occupancy_counts_save(actor=coordinator, visit=visit, counts=[("men", 50, 41)])
    assert list(Occupancy.objects.values_list("date", "population")) == [
        (DAY + datetime.timedelta(days=1), 41)
    ]


def test_the_occupancy_form_reports_bad_rows(visit: Visit, as_coordinator: Client) -> None:
    response = as_coordinator.post(
        reverse("visits:occupancy_edit", args=[visit.pk]), {"men_capacity": "10", "women_population": "-2"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "give the population as well as the capacity" in page
    assert not OccupancyCount.objects.exists()
    response = as_coordinator.post(
        reverse("visits:occupancy_edit", args=[visit.pk]), {"women_population": "-2"}
    )
    assert response.status_code == 400 and "not negative" in response.content.decode()
    assert not OccupancyCount.objects.exists() and not Occupancy.objects.exists()


# --- access -------------------------------------------------------------------------------------


def write_requests(visit: Visit, phase: Phase) -> list[tuple[str, dict[str, str]]]:
    return [
        (
            reverse("visits:record_edit", args=[visit.pk]),
            {"status": "in_progress", "arrived_at": "2025-03-01T09:00"},
        ),
        (reverse("visits:phase_add", args=[visit.pk]), {"kind": "tour", "started_at": "2025-03-01T12:00"}),
        (
            reverse("visits:phase_edit", args=[visit.pk, phase.pk]),
            {"kind": "tour", "started_at": "2025-03-01T12:00"},
        ),
        (reverse("visits:phase_delete", args=[visit.pk, phase.pk]), {}),
        (reverse("visits:occupancy_edit", args=[visit.pk]), {"men_population": "3"}),
    ]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("as_council", 403), ("as_monitor", 404), ("as_liaison", 404), ("as_trainer", 404), ("anonymous", 302)],
)
def test_outsiders_cannot_write_the_record(
    request: pytest.FixtureRequest, coordinator: User, visit: Visit, persona: str, status: int
) -> None:
    client: Client = request.getfixturevalue(persona)
    phase = phase_add(actor=coordinator, visit=visit, kind="opening", started_at=at(10))
    for url, data in write_requests(visit, phase):
        assert client.post(url, data).status_code == status, url
        assert client.get(url).status_code in (status, 405), url
    assert list(Phase.objects.values_list("kind", flat=True)) == ["opening"]
    assert not OccupancyCount.objects.exists()


def test_the_council_reads_the_record_without_forms(
    coordinator: User, visit: Visit, as_council: Client
) -> None:
    started(coordinator, visit)
    occupancy_counts_save(actor=coordinator, visit=visit, counts=[("men", 50, 40)])
    page = as_council.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert 'data-testid="phase-row"' in page and 'data-testid="occupancy-total">40<' in page
    assert "Ad hoc visit" in page
    assert reverse("visits:phase_add", args=[visit.pk]) not in page
    assert reverse("visits:occupancy_edit", args=[visit.pk]) not in page


def test_the_record_shows_the_planned_visit_and_its_expenses_to_those_who_may_see_them(
    plan: Plan,
    coordinator: User,
    monitor: User,
    as_coordinator: Client,
    as_monitor: Client,
    as_council: Client,
) -> None:
    planned = planned_visit(
        plan, announced=False, members=[(participant(user=monitor), "leader")], starts_on=DAY
    )
    visit = visit_from_planned(actor=coordinator, planned_visit=planned)
    Expense.objects.create(planned_visit=planned, category="travel", amount=Decimal("12000"), spent_on=DAY)
    Expense.objects.create(planned_visit=planned, category="per_diem", amount=Decimal("3000"), spent_on=DAY)
    url = reverse("visits:detail", args=[visit.pk])
    planning_link = reverse("planning:visit_detail", args=[planned.pk])
    add_expense = reverse("planning:expense_create", args=[planned.pk])

    page = as_coordinator.get(url).content.decode()
    assert planning_link in page and add_expense in page and "15,000" in page
    page = as_monitor.get(url).content.decode()  # in the group: sees the secret plan, cannot add
    assert planning_link in page and "15,000" in page and add_expense not in page
    page = as_council.get(url).content.decode()  # sees the visit, not the unannounced plan
    assert planning_link not in page and "15,000" not in page and "From the visit plan" in page
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.READ, object_type="planning.plannedvisit", changes__via="visit_record"
        ).count()
        == 2
    )


def test_the_visit_page_uses_a_bounded_number_of_queries(
    coordinator: User, monitor: User, on_team: Visit, as_monitor: Client, django_assert_max_num_queries: Any
) -> None:
    """The record section costs the same few queries however many phases and counts it shows."""
    visit = on_team
    url = reverse("visits:detail", args=[visit.pk])
    phase_add(actor=coordinator, visit=visit, kind="opening", started_at=at(8))
    occupancy_counts_save(actor=coordinator, visit=visit, counts=[("men", 50, 40)])
    with CaptureQueriesContext(connection) as few:
        assert as_monitor.get(url).status_code == 200
    for hour in range(9, 17):
        phase_add(actor=coordinator, visit=visit, kind="other", started_at=at(hour), ended_at=at(hour, 30))
    occupancy_counts_save(
        actor=coordinator,
        visit=visit,
        counts=[("men", 50, 40), ("women", 10, 8), ("boys", 5, 1), ("girls", 5, 0), ("other", None, 2)],
    )
    with django_assert_max_num_queries(len(few)):
        response = as_monitor.get(url)
    assert response.content.decode().count('data-testid="phase-row"') == 9
    # the whole visit page, every section included (26 since issue 15: constant per request, see above)
    assert len(few) <= 26
