"""Plan, planned-visit, proposal, calendar and unavailability pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dozor.accounts.models import AuditEvent, User
from dozor.core.jobs.models import Job
from dozor.core.models import Region
from dozor.people.models import Person
from dozor.planning.budget.tests.helpers_budget import group, periodic, place
from dozor.planning.models import GroupMember, Plan, PlannedVisit, Proposal, Unavailability
from dozor.planning.optimiser import proposals
from dozor.planning.tests.factories import YEAR, PlanFactory, participant, planned_visit

pytestmark = pytest.mark.django_db

READERS = ["as_coordinator", "as_council", "as_monitor"]
NON_MANAGERS = ["as_council", "as_monitor"]
DAY = datetime.date(YEAR, 3, 10)


@pytest.fixture
def plan() -> Plan:
    return PlanFactory()


@pytest.fixture
def visit(plan: Plan) -> PlannedVisit:
    """An announced visit (every planning reader sees it) with a three-person group."""
    return planned_visit(
        plan,
        facility=place("COLONY_MED", name_en="Open Medical Colony"),
        announced=True,
        members=[
            (p, "leader" if i == 0 else "member") for i, p in enumerate(participant() for _ in range(3))
        ],
    )


@pytest.fixture
def proposal(plan: Plan) -> Proposal:
    return Proposal.objects.create(
        plan=plan,
        method=Proposal.Method.CP_SAT,
        budget=plan.budget,
        summary={
            "visits": 12,
            "cost": 4500000,
            "risk_covered": 321.5,
            "bound": 330.0,
            "gap": 0.03,
            "greedy_risk_covered": 280.25,
            "seconds": 4.2,
            "status": "FEASIBLE",
            "unplaceable": 1,
            "unplaceable_examples": [
                {"facility": 1, "name": "Remote Colony", "reasons": ["No group can reach it"]}
            ],
        },
        payload=[],
    )


def read_pages(plan: Plan, visit: PlannedVisit) -> list[str]:
    return [
        reverse("planning:plan_list"),
        reverse("planning:plan_detail", args=[plan.pk]),
        reverse("planning:visit_detail", args=[visit.pk]),
        reverse("planning:calendar"),
        reverse("planning:calendar") + f"?month={YEAR}-03",
        reverse("planning:my_visits"),
        reverse("planning:unavailability"),
    ]


def manage_pages(plan: Plan, visit: PlannedVisit) -> list[str]:
    return [
        reverse("planning:plan_create"),
        reverse("planning:plan_edit", args=[plan.pk]),
        reverse("planning:visit_create", args=[plan.pk]),
        reverse("planning:visit_edit", args=[visit.pk]),
        reverse("planning:visit_move", args=[visit.pk]),
        reverse("planning:visit_cancel", args=[visit.pk]),
    ]


def visit_data(facility: Any, members: list[tuple[Person, str]], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "facility": facility.pk,
        "visit_type": periodic().pk,
        "starts_on": DAY.isoformat(),
        "ends_on": DAY.isoformat(),
        "objectives": "Medical care in the colony",
        "leader": members[0][0].pk,
    }
    for i, (person, role) in enumerate(members[1:], start=1):
        data[f"person_{i}"] = person.pk
        data[f"role_{i}"] = "member" if role == "leader" else role
    data.update(overrides)
    return data


# Personas ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_it_shows_every_planning_page_to_readers(
    request: pytest.FixtureRequest, persona: str, plan: Plan, visit: PlannedVisit
) -> None:
    client = request.getfixturevalue(persona)
    for url in read_pages(plan, visit):
        assert client.get(url).status_code == 200, url
    assert (
        "Open Medical Colony" in client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    )


def test_it_opens_the_forms_for_the_coordinator(
    as_coordinator: Client, plan: Plan, visit: PlannedVisit
) -> None:
    for url in manage_pages(plan, visit):
        assert as_coordinator.get(url).status_code == 200, url
    page = as_coordinator.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="add-visit"' in page and 'data-testid="propose-form"' in page
    page = as_coordinator.get(reverse("planning:visit_move", args=[visit.pk])).content.decode()
    assert 'name="starts_on"' in page and 'name="ends_on"' in page and 'type="submit"' in page


@pytest.mark.parametrize("persona", NON_MANAGERS)
def test_readers_may_not_change_plans(
    request: pytest.FixtureRequest, persona: str, plan: Plan, visit: PlannedVisit, proposal: Proposal
) -> None:
    client = request.getfixturevalue(persona)
    for url in manage_pages(plan, visit):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert client.post(reverse("planning:proposal_create", args=[plan.pk]), {}).status_code == 403
    for name in ("proposal_detail", "proposal_accept", "proposal_reject"):
        response = getattr(client, "get" if name == "proposal_detail" else "post")(
            reverse(f"planning:{name}", args=[proposal.pk])
        )
        assert response.status_code == 404, name
    page = client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="add-visit"' not in page and "propose-form" not in page


def test_the_planning_navigation_is_shown_to_readers_only(
    as_monitor: Client, as_liaison: Client, as_trainer: Client
) -> None:
    assert reverse("planning:my_visits") in as_monitor.get(reverse("planning:plan_list")).content.decode()
    for client in (as_liaison, as_trainer):
        assert reverse("planning:plan_list") not in client.get("/").content.decode()


# Plans ------------------------------------------------------------------------------------------


def test_it_creates_a_plan(as_coordinator: Client, coordinator: User) -> None:
    response = as_coordinator.post(
        reverse("planning:plan_create"),
        {"year": YEAR, "quarter": "2", "title": "Second quarter", "budget": "12000000", "notes": ""},
    )
    plan = Plan.objects.get(title="Second quarter")
    assert response.status_code == 302 and response["Location"] == reverse(
        "planning:plan_detail", args=[plan.pk]
    )
    assert (plan.year, plan.quarter, plan.budget) == (YEAR, 2, Decimal("12000000"))
    assert AuditEvent.objects.filter(actor=coordinator, action=AuditEvent.Action.CREATE).exists()
    assert "Second quarter" in as_coordinator.get(reverse("planning:plan_list")).content.decode()


def test_a_bad_plan_is_shown_on_the_form_and_nothing_is_written(as_coordinator: Client, plan: Plan) -> None:
    before = Plan.objects.count()
    response = as_coordinator.post(
        reverse("planning:plan_create"), {"year": plan.year, "quarter": "", "title": "Again", "budget": "5"}
    )
    assert response.status_code == 400
    assert "message-error" in response.content.decode()
    assert Plan.objects.count() == before


def test_it_edits_a_plan(as_coordinator: Client, plan: Plan) -> None:
    response = as_coordinator.post(
        reverse("planning:plan_edit", args=[plan.pk]),
        {"title": "Approved plan", "budget": "60000000", "notes": "ok", "status": Plan.Status.APPROVED},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.status, plan.budget) == (
        "Approved plan",
        Plan.Status.APPROVED,
        Decimal("60000000"),
    )


def test_the_visit_table_filters(as_coordinator: Client, plan: Plan, visit: PlannedVisit) -> None:
    other = planned_visit(
        plan,
        facility=place("COLONY_MED", name_en="Almaty Colony", region=Region.objects.get(code="ALA")),
        starts_on=datetime.date(YEAR, 8, 1),
        announced=True,
    )
    url = reverse("planning:plan_detail", args=[plan.pk])
    page = as_coordinator.get(url, {"region": other.facility.region_id}).content.decode()
    assert "Almaty Colony" in page and "Open Medical Colony" not in page
    page = as_coordinator.get(url, {"quarter": "1"}).content.decode()
    assert "Almaty Colony" not in page and "Open Medical Colony" in page
    page = as_coordinator.get(url, {"status": "cancelled"}).content.decode()
    assert "Almaty Colony" not in page and "Open Medical Colony" not in page


# Planned visits ---------------------------------------------------------------------------------


def test_it_adds_a_visit_with_its_group(as_coordinator: Client, plan: Plan) -> None:
    facility = place("COLONY_MED")
    members = group("COLONY_MED")
    response = as_coordinator.post(
        reverse("planning:visit_create", args=[plan.pk]), visit_data(facility, members, announced="on")
    )
    assert response.status_code == 302, response.content.decode()
    visit = PlannedVisit.objects.get(plan=plan, facility=facility)
    assert response["Location"] == reverse("planning:visit_detail", args=[visit.pk])
    assert visit.announced and visit.starts_on == DAY
    assert {(m.person_id, m.role) for m in visit.group.all()} == {
        (members[0][0].pk, GroupMember.Role.LEADER),
        (members[1][0].pk, GroupMember.Role.MEMBER),
        (members[2][0].pk, GroupMember.Role.MEMBER),
    }
    page = as_coordinator.get(response["Location"]).content.decode()
    assert members[0][0].full_name in page and "Group leader" in page


def test_a_group_the_rules_refuse_is_shown_on_the_form_and_nothing_is_written(
    as_coordinator: Client, plan: Plan
) -> None:
    facility = place("COLONY_MED")
    members = group("COLONY_MED", size=2)
    before = (PlannedVisit.objects.count(), GroupMember.objects.count())
    response = as_coordinator.post(
        reverse("planning:visit_create", args=[plan.pk]), visit_data(facility, members)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "message-error" in page and 'data-testid="group-rows"' in page
    assert (PlannedVisit.objects.count(), GroupMember.objects.count()) == before


def test_the_form_refuses_the_same_person_twice(as_coordinator: Client, plan: Plan) -> None:
    members = group("COLONY_MED")
    data = visit_data(place("COLONY_MED"), members, person_2=members[0][0].pk)
    response = as_coordinator.post(reverse("planning:visit_create", args=[plan.pk]), data)
    assert response.status_code == 400
    assert "already in the group" in response.content.decode()
    assert not PlannedVisit.objects.exists()


def test_the_place_select_filters_by_region(as_coordinator: Client, plan: Plan) -> None:
    place("COLONY_MED", name_en="Karaganda Colony")
    place("COLONY_MED", name_en="Almaty Colony", region=Region.objects.get(code="ALA"))
    url = reverse("planning:visit_create", args=[plan.pk])
    page = as_coordinator.get(url, {"region": Region.objects.get(code="ALA").pk}).content.decode()
    assert "Almaty Colony" in page and "Karaganda Colony" not in page


def test_it_edits_moves_and_cancels_a_visit(as_coordinator: Client, plan: Plan) -> None:
    facility = place("COLONY_MED")
    members = group("COLONY_MED")
    as_coordinator.post(reverse("planning:visit_create", args=[plan.pk]), visit_data(facility, members))
    visit = PlannedVisit.objects.get(plan=plan)
    form = as_coordinator.get(reverse("planning:visit_edit", args=[visit.pk])).content.decode()
    assert "Medical care in the colony" in form

    response = as_coordinator.post(
        reverse("planning:visit_edit", args=[visit.pk]), visit_data(facility, members, objectives="Revised")
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.objectives == "Revised"

    new_day = datetime.date(YEAR, 4, 14)
    response = as_coordinator.post(
        reverse("planning:visit_move", args=[visit.pk]),
        {"starts_on": new_day.isoformat(), "ends_on": (new_day + datetime.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.starts_on, visit.ends_on) == (new_day, new_day + datetime.timedelta(days=1))

    response = as_coordinator.post(
        reverse("planning:visit_move", args=[visit.pk]), {"starts_on": "2027-04-20", "ends_on": "2027-04-19"}
    )
    assert response.status_code == 400
    visit.refresh_from_db()
    assert visit.starts_on == new_day

    response = as_coordinator.post(reverse("planning:visit_cancel", args=[visit.pk]), {"reason": ""})
    assert response.status_code == 400
    response = as_coordinator.post(
        reverse("planning:visit_cancel", args=[visit.pk]), {"reason": "Quarantine"}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "planning:plan_detail", args=[plan.pk]
    )
    visit.refresh_from_db()
    assert visit.status == PlannedVisit.Status.CANCELLED
    page = as_coordinator.get(reverse("planning:visit_detail", args=[visit.pk])).content.decode()
    assert 'data-testid="move-visit"' not in page


def test_the_visit_page_shows_the_cost_breakdown(as_council: Client, visit: PlannedVisit) -> None:
    visit.cost_breakdown = {
        "total": 150000,
        "lines": [{"category": "per_diem", "label": "Per diem", "amount": 150000}],
    }
    visit.estimated_cost = Decimal("150000")
    visit.save(update_fields=["cost_breakdown", "estimated_cost"])
    page = as_council.get(reverse("planning:visit_detail", args=[visit.pk])).content.decode()
    assert "Per diem" in page and reverse("planning:risk_detail", args=[visit.facility_id]) in page


def test_it_renders_stored_cost_lines_in_the_readers_language(
    as_council: Client, visit: PlannedVisit
) -> None:
    # Stored as a code and numbers, whatever the language of the calculation.
    visit.cost_breakdown = {
        "total": 150000,
        "lines": [
            {
                "category": "per_diem",
                "code": "per_diem",
                "params": {"name": "Aigerim", "n": 3},
                "amount": 150000,
            }
        ],
    }
    visit.save(update_fields=["cost_breakdown"])
    url = reverse("planning:visit_detail", args=[visit.pk])
    with translation.override("kk"):
        kk = translation.gettext("%(name)s: per diem, %(n)s day(s)") % {"name": "Aigerim", "n": 3}
    with translation.override("ru"):
        ru = translation.gettext("%(name)s: per diem, %(n)s day(s)") % {"name": "Aigerim", "n": 3}
    assert kk != ru
    assert kk in as_council.get(url, HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    assert ru in as_council.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()


# Proposals --------------------------------------------------------------------------------------


@dataclass
class FakeRow:
    facility: Any
    starts_on: datetime.date
    ends_on: datetime.date
    announced: bool
    members: list[tuple[Person, str]]
    cost: int
    risk: float


def test_it_shows_a_proposal_and_accepts_or_rejects_it(
    as_coordinator: Client, plan: Plan, proposal: Proposal, monkeypatch: pytest.MonkeyPatch
) -> None:
    facility = place("COLONY_MED", name_en="Proposed Colony")
    leader = participant()
    row = FakeRow(facility, DAY, DAY, False, [(leader, "leader")], 150000, 42.0)
    monkeypatch.setattr(proposals, "proposal_rows", lambda p: [row])
    page = as_coordinator.get(reverse("planning:proposal_detail", args=[proposal.pk])).content.decode()
    assert "Proposed Colony" in page and leader.full_name in page and "Group leader" in page
    assert "321.5" in page and "280.3" in page and "Karaganda" in page
    assert "Remote Colony" in page and "No group can reach it" in page
    assert 'data-testid="accept-proposal"' in page

    calls: list[str] = []
    monkeypatch.setattr(proposals, "proposal_accept", lambda *, actor, proposal: calls.append("accept") or [])
    monkeypatch.setattr(proposals, "proposal_reject", lambda *, actor, proposal: calls.append("reject"))
    response = as_coordinator.post(reverse("planning:proposal_accept", args=[proposal.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "planning:plan_detail", args=[plan.pk]
    )
    response = as_coordinator.post(reverse("planning:proposal_reject", args=[proposal.pk]))
    assert response.status_code == 302
    assert calls == ["accept", "reject"]


def test_proposing_calls_the_optimiser_and_opens_the_proposal(
    as_coordinator: Client, plan: Plan, proposal: Proposal, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_create(**kwargs: Any) -> Proposal:
        seen.update(kwargs)
        return proposal

    monkeypatch.setattr(proposals, "proposal_create", fake_create)
    response = as_coordinator.post(
        reverse("planning:proposal_create", args=[plan.pk]),
        {"method": "greedy", "budget": "1000000", "time_limit": "5"},
    )
    job = Job.objects.get(kind=Job.Kind.PROPOSAL)  # the optimiser runs as a task, not in the request
    assert response.status_code == 302 and response["Location"] == reverse(
        "planning:proposal_job", args=[job.pk]
    )
    done = as_coordinator.get(response["Location"])  # the test's tasks run at once: the job is done
    assert done.status_code == 302 and done["Location"] == reverse(
        "planning:proposal_detail", args=[proposal.pk]
    )
    assert (seen["method"], seen["budget"], seen["time_limit"]) == ("greedy", Decimal("1000000"), 5.0)
    response = as_coordinator.post(reverse("planning:proposal_create", args=[plan.pk]), {"method": "magic"})
    assert response.status_code == 400


# Calendars --------------------------------------------------------------------------------------


def test_the_calendar_shows_the_month_of_visits(as_council: Client, visit: PlannedVisit) -> None:
    page = as_council.get(reverse("planning:calendar"), {"month": f"{YEAR}-03"}).content.decode()
    assert "Open Medical Colony" in page and f"month={YEAR}-02" in page and f"month={YEAR}-04" in page
    page = as_council.get(reverse("planning:calendar"), {"month": f"{YEAR}-04"}).content.decode()
    assert "Open Medical Colony" not in page
    assert as_council.get(reverse("planning:calendar"), {"month": "garbage"}).status_code == 200


def test_the_calendar_lists_each_visit_once_under_its_first_day(as_council: Client, plan: Plan) -> None:
    """The list shown on narrow screens instead of the grid: a visit spanning days appears once,
    one begun the month before under the 1st."""
    planned_visit(
        plan,
        facility=place("COLONY_MED", name_en="Spanning Colony"),
        announced=True,
        starts_on=datetime.date(YEAR, 3, 10),
        ends_on=datetime.date(YEAR, 3, 12),
    )
    planned_visit(
        plan,
        facility=place("COLONY_MED", name_en="Early Colony"),
        announced=True,
        starts_on=datetime.date(YEAR, 2, 27),
        ends_on=datetime.date(YEAR, 3, 2),
    )
    page = as_council.get(reverse("planning:calendar"), {"month": f"{YEAR}-03"}).content.decode()
    agenda = page[page.index('data-testid="month-agenda"') :]
    assert agenda.count("Spanning Colony") == 1 and agenda.count("Early Colony") == 1
    assert agenda.index(f'datetime="{YEAR}-03-01"') < agenda.index("Early Colony")
    assert agenda.index(f'datetime="{YEAR}-03-10"') < agenda.index("Spanning Colony")
    assert page.count("Spanning Colony") == 4  # three days of the grid and once in the list
    empty = as_council.get(reverse("planning:calendar"), {"month": f"{YEAR}-05"}).content.decode()
    assert "No visits this month." in empty


def test_my_visits_lists_only_my_own(
    monitor: User, as_monitor: Client, plan: Plan, visit: PlannedVisit
) -> None:
    me = participant(user=monitor)
    planned_visit(
        plan, facility=place("COLONY_MED", name_en="My Colony"), announced=True, members=[(me, "expert")]
    )
    page = as_monitor.get(reverse("planning:my_visits"), {"month": f"{YEAR}-03"}).content.decode()
    assert "My Colony" in page and "Expert" in page
    assert "Open Medical Colony" not in page
    assert reverse("planning:my_ical") in page


def test_list_pages_use_a_bounded_number_of_queries(
    as_coordinator: Client, plan: Plan, django_assert_max_num_queries: Any
) -> None:
    people = [participant() for _ in range(4)]
    for day in range(1, 13):
        planned_visit(
            plan,
            facility=place("COLONY_MED"),
            starts_on=datetime.date(YEAR, 3, day),
            announced=day % 2 == 0,
            members=[(people[0], "leader"), (people[1], "member"), (people[day % 2 + 2], "expert")],
        )
    with django_assert_max_num_queries(20):
        assert as_coordinator.get(reverse("planning:plan_detail", args=[plan.pk])).status_code == 200
    with django_assert_max_num_queries(14):
        assert as_coordinator.get(reverse("planning:calendar"), {"month": f"{YEAR}-03"}).status_code == 200
    with django_assert_max_num_queries(14):
        assert as_coordinator.get(reverse("planning:plan_list")).status_code == 200


# Unavailability ---------------------------------------------------------------------------------


def test_a_monitor_records_and_removes_their_own_absence(monitor: User, as_monitor: Client) -> None:
    me = participant(user=monitor)
    someone = participant(last_name="Otherova")
    Unavailability.objects.create(person=someone, starts_on=DAY, ends_on=DAY, reason="Otherova's leave")
    url = reverse("planning:unavailability")
    page = as_monitor.get(url).content.decode()
    assert "Otherova" not in page and 'name="person"' not in page
    response = as_monitor.post(url, {"starts_on": "2027-05-01", "ends_on": "2027-05-03", "reason": "Leave"})
    assert response.status_code == 302
    mine = Unavailability.objects.get(person=me)
    theirs = Unavailability.objects.get(person=someone)
    assert as_monitor.post(reverse("planning:unavailability_delete", args=[theirs.pk])).status_code == 404
    url = reverse("planning:unavailability_delete", args=[mine.pk])
    assert as_monitor.post(url).status_code == 302 and Unavailability.objects.filter(pk=mine.pk).exists()
    assert as_monitor.post(url, {"confirm": "yes"}).status_code == 302
    assert not Unavailability.objects.filter(pk=mine.pk).exists()
    assert not Unavailability.objects.filter(pk=mine.pk).exists()
    assert Unavailability.objects.filter(pk=theirs.pk).exists()


def test_a_bad_absence_is_shown_on_the_form(monitor: User, as_monitor: Client) -> None:
    participant(user=monitor)
    response = as_monitor.post(
        reverse("planning:unavailability"), {"starts_on": "2027-05-03", "ends_on": "2027-05-01"}
    )
    assert response.status_code == 400
    assert not Unavailability.objects.exists()


def test_the_coordinator_sees_and_records_everyones_absences(as_coordinator: Client) -> None:
    person = participant(last_name="Absentova")
    url = reverse("planning:unavailability")
    response = as_coordinator.post(
        url, {"person": person.pk, "starts_on": "2027-05-01", "ends_on": "2027-05-01", "reason": "Illness"}
    )
    assert response.status_code == 302
    assert "Absentova" in as_coordinator.get(url).content.decode()


def test_a_real_proposal_round_trip(as_coordinator: Client, plan: Plan) -> None:
    place("COLONY_MED", name_en="Greedy Colony")
    group("COLONY_MED", size=4)
    response = as_coordinator.post(
        reverse("planning:proposal_create", args=[plan.pk]),
        {"method": "greedy", "budget": str(plan.budget), "time_limit": "5"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    proposal = Proposal.objects.get(plan=plan)
    page = as_coordinator.get(response["Location"], follow=True).content.decode()
    assert "Greedy Colony" in page
    response = as_coordinator.post(reverse("planning:proposal_accept", args=[proposal.pk]))
    assert response.status_code == 302
    assert PlannedVisit.objects.filter(plan=plan, facility__name_en="Greedy Colony").exists()
    assert "Greedy Colony" in as_coordinator.get(response["Location"]).content.decode()
