from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Authority, PopulationCategory
from dozor.people.models import ConflictOfInterest
from dozor.planning import services
from dozor.planning.budget.costs import MissingCostRate
from dozor.planning.budget.tests.helpers_budget import DAY, group, periodic, place
from dozor.planning.models import CostRate, Expense, GroupMember, Plan, PlannedVisit, Unavailability
from dozor.planning.tests.factories import YEAR, PlanFactory, participant, planned_visit

pytestmark = pytest.mark.django_db


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " | ".join(exc.value.messages)


def create(actor: User, plan: Plan, **kwargs: object) -> PlannedVisit:
    values: dict[str, object] = {
        "plan": plan,
        "facility": kwargs.pop("facility", None) or place(),
        "visit_type": periodic(),
        "starts_on": DAY,
        "ends_on": DAY,
        "announced": False,
        "objectives": "Check the conditions",
    }
    values.update(kwargs)
    members = values.pop("members") if "members" in values else group()
    plan = values.pop("plan")
    return services.planned_visit_create(
        actor=actor,
        plan=plan,
        data=services.PlannedVisitData(**values),
        members=members,
    )


def refused(actor: User, plan: Plan, expected: str, **kwargs: object) -> None:
    visits, members, events = (
        PlannedVisit.objects.count(),
        GroupMember.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(ValidationError) as exc:
        create(actor, plan, **kwargs)
    assert expected in messages(exc), messages(exc)
    assert (PlannedVisit.objects.count(), GroupMember.objects.count(), AuditEvent.objects.count()) == (
        visits,
        members,
        events,
    )


# --- plans -------------------------------------------------------------------------------------


def test_it_creates_a_plan_and_audits_it(coordinator: User) -> None:
    plan = services.plan_create(actor=coordinator, year=YEAR, title="Plan", budget=Decimal("1000000"))
    assert plan.created_by == coordinator
    assert AuditEvent.objects.filter(
        action="create", object_type="planning.plan", object_id=str(plan.pk)
    ).exists()


@pytest.mark.parametrize("budget", [Decimal("0"), Decimal("-5")])
def test_it_refuses_a_budget_of_zero_or_less(coordinator: User, budget: Decimal) -> None:
    with pytest.raises(ValidationError) as exc:
        services.plan_create(actor=coordinator, year=YEAR, title="Plan", budget=budget)
    assert "The budget must be more than zero" in messages(exc)
    assert not Plan.objects.exists()


def test_it_refuses_a_second_plan_for_the_same_period_and_a_wild_year(coordinator: User) -> None:
    services.plan_create(actor=coordinator, year=YEAR, quarter=2, title="Q2", budget=Decimal("10"))
    with pytest.raises(ValidationError) as exc:
        services.plan_create(actor=coordinator, year=YEAR, quarter=2, title="Q2 again", budget=Decimal("10"))
    assert "already a plan for quarter 2" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.plan_create(actor=coordinator, year=1999, title="Old", budget=Decimal("0"))
    assert "between 2000 and 2100" in messages(exc)
    assert "The budget must be more than zero" in messages(exc)  # every problem at once
    assert Plan.objects.count() == 1


def test_it_updates_a_plan(coordinator: User) -> None:
    plan = PlanFactory()
    services.plan_update(
        actor=coordinator, plan=plan, title="New", budget=Decimal("5"), notes="n", status=Plan.Status.APPROVED
    )
    plan.refresh_from_db()
    assert (plan.title, plan.budget, plan.status) == ("New", Decimal("5.00"), "approved")
    with pytest.raises(ValidationError):
        services.plan_update(
            actor=coordinator, plan=plan, title="New", budget=Decimal("0"), notes="", status="x"
        )


def test_only_coordinators_write_plans(monitor: User, council: User) -> None:
    for user in (monitor, council):
        with pytest.raises(PermissionDenied):
            services.plan_create(actor=user, year=YEAR, title="Plan", budget=Decimal("10"))


# --- planned visits ----------------------------------------------------------------------------


def test_it_creates_a_visit_with_its_group_cost_and_audit(coordinator: User) -> None:
    plan = PlanFactory()
    members = group()
    visit = create(coordinator, plan, members=members)
    assert visit.source == PlannedVisit.Source.MANUAL and visit.locked and visit.created_by == coordinator
    assert sorted(visit.group.values_list("person_id", flat=True)) == sorted(p.pk for p, _r in members)
    assert visit.estimated_cost > 0
    assert visit.cost_breakdown["total"] == int(visit.estimated_cost)
    event = AuditEvent.objects.get(action="create", object_type="planning.plannedvisit")
    assert event.changes["group"]["after"][0] == [members[0][0].pk, "leader"]


def test_it_refuses_a_visit_outside_the_plan(coordinator: User) -> None:
    plan = PlanFactory(quarter=1)
    refused(
        coordinator,
        plan,
        "within the plan's period",
        starts_on=datetime.date(YEAR, 5, 1),
        ends_on=datetime.date(YEAR, 5, 1),
    )
    refused(coordinator, plan, "end date is before", starts_on=DAY, ends_on=DAY - datetime.timedelta(days=1))


def test_it_refuses_a_person_in_two_places_at_once(coordinator: User) -> None:
    plan = PlanFactory()
    members = group()
    create(coordinator, plan, members=members)
    others = group()
    clash = [members[0], *others[1:]]
    refused(coordinator, plan, "already on another visit", members=clash)


def test_it_refuses_a_conflict_of_interest(coordinator: User) -> None:
    plan = PlanFactory()
    members = group()
    facility = place()
    ConflictOfInterest.objects.create(
        person=members[1][0], facility=facility, reason="worked there", declared_on=datetime.date(2025, 1, 1)
    )
    refused(coordinator, plan, "conflict of interest", members=members, facility=facility)


def test_it_refuses_a_conflict_with_the_authority(coordinator: User) -> None:
    plan = PlanFactory()
    members = group()
    facility = place()
    top = Authority.objects.get(path="/" + facility.authority.path.strip("/").split("/")[0] + "/")
    ConflictOfInterest.objects.create(
        person=members[2][0], authority=top, reason="employed", declared_on=datetime.date(2025, 1, 1)
    )
    refused(coordinator, plan, "conflict of interest", members=members, facility=facility)


def test_it_refuses_a_group_without_a_woman_for_a_womens_facility(coordinator: User) -> None:
    plan = PlanFactory()
    facility = place()
    facility.population_categories.add(PopulationCategory.objects.get(code="women"))
    refused(coordinator, plan, "needs a woman", members=group(female=False), facility=facility)


def test_it_refuses_a_psychiatric_visit_without_a_doctor(coordinator: User) -> None:
    plan = PlanFactory()
    facility = place("PSYCH_HOSPITAL")
    refused(
        coordinator,
        plan,
        "the group needs: A doctor or psychiatrist",
        members=group("PSYCH_HOSPITAL"),
        facility=facility,
    )
    visit = create(
        coordinator, plan, members=group("PSYCH_HOSPITAL", expertise=("psychiatrist",)), facility=facility
    )
    assert visit.pk


def test_it_refuses_a_group_of_two_and_a_group_without_leader(coordinator: User) -> None:
    plan = PlanFactory()
    refused(coordinator, plan, "has 2", members=group(size=2))
    leaderless = [(person, "member") for person, _role in group()]
    refused(coordinator, plan, "exactly one leader", members=leaderless)


def test_it_refuses_a_member_without_the_competency(coordinator: User) -> None:
    plan = PlanFactory()
    members = group()
    untrained = participant(region="KGD")
    refused(coordinator, plan, "istanbul_protocol", members=[*members[:2], (untrained, "member")])


def test_it_refuses_an_unavailable_person(coordinator: User) -> None:
    plan = PlanFactory()
    members = group()
    Unavailability.objects.create(person=members[2][0], starts_on=DAY, ends_on=DAY, reason="leave")
    refused(coordinator, plan, "unavailable", members=members)


def test_it_refuses_an_inactive_facility(coordinator: User) -> None:
    plan = PlanFactory()
    refused(
        coordinator, plan, "not active", facility=place(status="closed", closed_on=datetime.date(2025, 1, 1))
    )


def test_a_missing_default_rate_refuses_the_visit_and_names_the_kind(coordinator: User) -> None:
    plan = PlanFactory()
    CostRate.objects.filter(kind="compensation", region__isnull=True).delete()
    visits = PlannedVisit.objects.count()
    with pytest.raises(MissingCostRate) as exc:
        create(coordinator, plan)
    assert "compensation" in " ".join(exc.value.messages)
    assert PlannedVisit.objects.count() == visits


def test_it_updates_moves_and_cancels_a_visit(coordinator: User) -> None:
    plan = PlanFactory()
    visit = create(coordinator, plan)
    members = [(gm.person, gm.role) for gm in visit.group.select_related("person")]
    services.planned_visit_update(
        actor=coordinator,
        visit=visit,
        data=services.PlannedVisitData(
            facility=visit.facility,
            visit_type=visit.visit_type,
            starts_on=DAY,
            ends_on=DAY + datetime.timedelta(days=1),
            announced=True,
            objectives="Two days",
        ),
        members=members,
    )
    visit.refresh_from_db()
    assert visit.announced and visit.ends_on == DAY + datetime.timedelta(days=1)
    moved = services.planned_visit_move(
        actor=coordinator, visit=visit, starts_on=datetime.date(YEAR, 6, 1), ends_on=datetime.date(YEAR, 6, 1)
    )
    assert moved.starts_on == datetime.date(YEAR, 6, 1) and moved.locked
    with pytest.raises(ValidationError) as exc:
        services.planned_visit_cancel(actor=coordinator, visit=moved, reason=" ")
    assert "reason" in messages(exc)
    services.planned_visit_cancel(actor=coordinator, visit=moved, reason="Quarantine")
    moved.refresh_from_db()
    assert moved.status == PlannedVisit.Status.CANCELLED
    assert AuditEvent.objects.filter(changes__reason="Quarantine").exists()


def test_moving_a_visit_rechecks_the_group(coordinator: User) -> None:
    plan = PlanFactory()
    visit = create(coordinator, plan)
    person = visit.group.first().person  # type: ignore[union-attr]
    other_day = datetime.date(YEAR, 7, 1)
    Unavailability.objects.create(person=person, starts_on=other_day, ends_on=other_day)
    with pytest.raises(ValidationError) as exc:
        services.planned_visit_move(actor=coordinator, visit=visit, starts_on=other_day, ends_on=other_day)
    assert "unavailable" in messages(exc)
    visit.refresh_from_db()
    assert visit.starts_on == DAY


def test_a_visit_is_completed_only_after_its_last_day(coordinator: User) -> None:
    today = timezone.localdate()
    plan = PlanFactory(year=today.year)
    future = (
        planned_visit(plan, starts_on=today + datetime.timedelta(days=1))
        if today.month < 12 or today.day < 31
        else None
    )
    if future is not None and future.starts_on.year == today.year:
        with pytest.raises(ValidationError):
            services.planned_visit_complete(actor=coordinator, visit=future)
    past = planned_visit(plan, starts_on=datetime.date(today.year, 1, 1))
    if past.ends_on <= today:
        services.planned_visit_complete(actor=coordinator, visit=past)
        past.refresh_from_db()
        assert past.status == PlannedVisit.Status.DONE


def test_trip_sharing_updates_the_stored_costs(coordinator: User) -> None:
    plan = PlanFactory()
    members = group(region="AST")
    first = create(coordinator, plan, members=members, facility=place(settlement="Temirtau"))
    alone = first.estimated_cost
    second = create(
        coordinator,
        plan,
        members=members,
        facility=place(settlement="temirtau"),
        starts_on=DAY + datetime.timedelta(days=1),
        ends_on=DAY + datetime.timedelta(days=1),
    )
    first.refresh_from_db()
    assert first.estimated_cost < alone
    assert second.estimated_cost < alone


# --- expenses ----------------------------------------------------------------------------------


def test_it_adds_and_deletes_expenses(coordinator: User) -> None:
    visit = planned_visit(PlanFactory())
    expense = services.expense_add(
        actor=coordinator, visit=visit, category="travel", amount=Decimal("1500"), spent_on=DAY
    )
    assert expense.recorded_by == coordinator
    services.expense_delete(actor=coordinator, expense=expense)
    assert not Expense.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="planning.expense").exists()


def test_it_refuses_bad_expenses(coordinator: User, monitor: User) -> None:
    visit = planned_visit(PlanFactory(), status=PlannedVisit.Status.CANCELLED)
    with pytest.raises(ValidationError) as exc:
        services.expense_add(
            actor=coordinator,
            visit=visit,
            category="travel",
            amount=Decimal("0"),
            spent_on=datetime.date(YEAR - 1, 12, 31),
        )
    text = messages(exc)
    assert "more than zero" in text and "cancelled" in text and "before the plan's year" in text
    assert not Expense.objects.exists()
    with pytest.raises(PermissionDenied):
        services.expense_add(
            actor=monitor,
            visit=planned_visit(PlanFactory(year=YEAR + 1)),
            category="travel",
            amount=Decimal("1"),
            spent_on=DAY,
        )


# --- unavailability ----------------------------------------------------------------------------


def test_a_monitor_manages_only_their_own_unavailability(coordinator: User, monitor: User) -> None:
    own = participant(user=monitor)
    someone = participant()
    item = services.unavailability_add(actor=monitor, person=own, starts_on=DAY, ends_on=DAY, reason="leave")
    with pytest.raises(PermissionDenied):
        services.unavailability_add(actor=monitor, person=someone, starts_on=DAY, ends_on=DAY)
    other = services.unavailability_add(actor=coordinator, person=someone, starts_on=DAY, ends_on=DAY)
    with pytest.raises(PermissionDenied):
        services.unavailability_delete(actor=monitor, unavailability=other)
    services.unavailability_delete(actor=monitor, unavailability=item)
    assert list(Unavailability.objects.all()) == [other]
    with pytest.raises(ValidationError) as exc:
        services.unavailability_add(
            actor=coordinator, person=someone, starts_on=DAY, ends_on=DAY - datetime.timedelta(days=1)
        )
    assert "before the start date" in messages(exc)


def test_plan_costs_refresh_fills_missing_estimates(coordinator: User, monitor: User) -> None:
    plan = PlanFactory()
    members = group()
    visit = planned_visit(plan, members=members)
    assert visit.estimated_cost == 0
    assert services.plan_costs_refresh(actor=coordinator, plan=plan) == 1
    visit.refresh_from_db()
    assert visit.estimated_cost > 0 and visit.cost_breakdown["total"] == int(visit.estimated_cost)
    assert services.plan_costs_refresh(actor=coordinator, plan=plan) == 0
    with pytest.raises(PermissionDenied):
        services.plan_costs_refresh(actor=monitor, plan=plan)
