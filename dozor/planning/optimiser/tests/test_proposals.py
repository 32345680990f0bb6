"""Proposals from the database: build, optimise, accept (re-checked), reject, keep locked visits,
and the ``dozor plan optimise`` command."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from dozor.accounts.models import AuditEvent
from dozor.planning.budget.tests.helpers_budget import place
from dozor.planning.models import GroupMember, PlannedVisit, Proposal, Unavailability
from dozor.planning.optimiser.engine import Member, group_problems
from dozor.planning.optimiser.instance import load_busy, load_people, load_places, load_rules
from dozor.planning.optimiser.proposals import (
    build_instance,
    proposal_accept,
    proposal_create,
    proposal_reject,
)
from dozor.planning.tests.factories import YEAR, PlanFactory, participant, planned_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    """Three medium-security colonies in Karaganda region and six participants who may visit them."""
    places = [place("COLONY_MED") for _ in range(3)]
    people = [participant(region="KGD", female=index % 2 == 0) for index in range(6)]
    return places, people


def _assert_valid(plan) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules()
    visits = list(plan.visits.exclude(status=PlannedVisit.Status.CANCELLED))
    places = load_places([v.facility for v in visits])
    for visit in visits:
        busy = load_busy(plan.year, exclude_visit=visit.pk)
        ids = list(visit.group.values_list("person_id", flat=True))
        people = load_people(ids, period=(visit.starts_on, visit.ends_on))
        members = [Member(people[m.person_id], m.role) for m in visit.group.all()]
        assert (
            group_problems(places[visit.facility_id], members, (visit.starts_on, visit.ends_on), rules, busy)
            == []
        )


def test_it_proposes_and_accepts_a_plan_that_obeys_the_rules(world, coordinator) -> None:  # type: ignore[no-untyped-def]
    plan = PlanFactory(budget=Decimal("20000000"))
    proposal = proposal_create(actor=coordinator, plan=plan, time_limit=5)
    summary = proposal.summary
    assert summary["visits"] == 3 and summary["status"] in {"optimal", "feasible"}
    assert summary["bound"] >= summary["risk_covered"] > 0
    assert summary["greedy_risk_covered"] <= summary["risk_covered"] + 1e-6
    assert not plan.visits.exists()  # nothing changes until accepted
    created = proposal_accept(actor=coordinator, proposal=proposal)
    assert len(created) == 3 and plan.visits.count() == 3
    assert all(
        not v.announced and v.source == PlannedVisit.Source.OPTIMISER and v.estimated_cost > 0
        for v in created
    )
    _assert_valid(plan)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    with pytest.raises(ValidationError):
        proposal_accept(actor=coordinator, proposal=proposal)
    assert AuditEvent.objects.filter(object_type="planning.proposal").count() == 2


def test_it_keeps_a_coordinators_locked_visit_when_re_optimising(world, coordinator) -> None:  # type: ignore[no-untyped-def]
    places, people = world
    plan = PlanFactory(budget=Decimal("20000000"))
    locked = planned_visit(
        plan,
        facility=places[0],
        members=[(people[0], "leader"), (people[1], "member"), (people[2], "member")],
        locked=True,
        estimated_cost=Decimal("100000"),
    )
    unlocked = planned_visit(plan, facility=places[1], members=[(people[3], "leader")])
    proposal = proposal_create(actor=coordinator, plan=plan, time_limit=5)
    assert places[0].pk not in {row["facility"] for row in proposal.payload}
    proposal_accept(actor=coordinator, proposal=proposal)
    assert PlannedVisit.objects.filter(pk=locked.pk).exists()
    assert not PlannedVisit.objects.filter(pk=unlocked.pk).exists()  # replaced
    assert plan.visits.count() == 3
    assert set(GroupMember.objects.filter(planned_visit=locked).values_list("person_id", flat=True)) == {
        people[0].pk,
        people[1].pk,
        people[2].pk,
    }


def test_it_refuses_to_accept_when_things_changed_and_changes_nothing(world, coordinator) -> None:  # type: ignore[no-untyped-def]
    plan = PlanFactory(budget=Decimal("20000000"))
    proposal = proposal_create(actor=coordinator, plan=plan, time_limit=5)
    person_id = proposal.payload[0]["members"][0][0]
    Unavailability.objects.create(
        person_id=person_id,
        starts_on=datetime.date(YEAR, 1, 1),
        ends_on=datetime.date(YEAR, 12, 31),
        reason="leave",
    )
    with pytest.raises(ValidationError) as caught:
        proposal_accept(actor=coordinator, proposal=proposal)
    assert "unavailable" in " ".join(caught.value.messages)
    assert not plan.visits.exists()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


def test_it_rejects(world, coordinator) -> None:  # type: ignore[no-untyped-def]
    plan = PlanFactory()
    proposal = proposal_create(actor=coordinator, plan=plan, method="greedy", time_limit=5)
    proposal_reject(actor=coordinator, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED and not plan.visits.exists()


def test_it_refuses_a_zero_budget_and_explains_an_impossible_one(world, coordinator) -> None:  # type: ignore[no-untyped-def]
    plan = PlanFactory()
    with pytest.raises(ValidationError) as zero:
        proposal_create(actor=coordinator, plan=plan, budget=0)
    assert "more than zero" in " ".join(zero.value.messages)
    with pytest.raises(ValidationError) as tiny:
        proposal_create(actor=coordinator, plan=plan, budget=1000, time_limit=5)
    assert "minimum of 1 visit(s) per region" in " ".join(tiny.value.messages)
    assert not Proposal.objects.exists()


def test_it_explains_a_place_no_group_can_visit(coordinator) -> None:  # type: ignore[no-untyped-def]
    place("PSYCH_HOSPITAL")  # needs a doctor and the psychiatric-monitoring competency
    for _ in range(3):
        participant(region="KGD")
    plan = PlanFactory()
    with pytest.raises(ValidationError) as caught:
        proposal_create(actor=coordinator, plan=plan, time_limit=5)
    text = " ".join(caught.value.messages)
    assert "No place can be visited" in text and "doctor" in text.lower()


def test_only_coordinators_propose(world, council, monitor, liaison) -> None:  # type: ignore[no-untyped-def]
    plan = PlanFactory()
    for user in (council, monitor, liaison):
        with pytest.raises(PermissionDenied):
            proposal_create(actor=user, plan=plan, time_limit=5)


def test_the_command_prints_the_summary_as_json(world) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command(
        "plan",
        "optimise",
        "--year",
        str(YEAR),
        "--budget",
        "20000000",
        "--time-limit",
        "5",
        "--json",
        stdout=out,
    )
    summary = json.loads(out.getvalue())
    for key in ("visits", "cost", "risk_covered", "bound", "gap", "greedy_risk_covered"):
        assert key in summary
    assert summary["visits"] == 3 and summary["plan"] is None
    assert not Proposal.objects.exists()  # nothing written without --save


def test_the_command_refuses_bad_input(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="more than zero"):
        call_command("plan", "optimise", "--year", str(YEAR), "--budget", "0")
    with pytest.raises(CommandError, match="give --budget"):
        call_command("plan", "optimise", "--year", str(YEAR))


def test_the_instance_counts_the_reserve(world) -> None:  # type: ignore[no-untyped-def]
    plan = PlanFactory(budget=Decimal("1000000"))
    inst = build_instance(plan, budget=1_000_000)
    assert inst.spendable == 850_000  # 15% reserve (planning.yaml)
    assert len(inst.places) == 3 and len(inst.people) == 6
