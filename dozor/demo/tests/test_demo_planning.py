"""dozor demo: the labelled demo visit plans, whose every group obeys the visiting-group rules."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from dozor.accounts.models import User
from dozor.demo.planning import GRANT_NOTE, PLAN_NOTE, demo_plans
from dozor.planning.access import own_planned_visits
from dozor.planning.models import Expense, GroupMember, Incident, Plan, PlannedVisit, Unavailability
from dozor.planning.optimiser.engine import Member, group_problems
from dozor.planning.optimiser.instance import load_busy, load_people, load_places, load_rules
from dozor.training.models import CompetencyGrant

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Plan, PlannedVisit, GroupMember, Expense, Incident, Unavailability, CompetencyGrant)
    }


def test_it_loads_labelled_plans_for_this_year_and_the_next():
    run()
    today = timezone.localdate()
    plans = demo_plans()
    assert sorted(plans.values_list("year", flat=True)) == [today.year, today.year + 1]
    for plan in plans:
        assert plan.title.startswith("Demo:") and plan.notes == PLAN_NOTE and plan.budget > 0
    visits = PlannedVisit.objects.filter(plan__in=plans).select_related("facility")
    assert 10 <= visits.count() <= 20
    assert all(v.facility.code.startswith("DEMO-") and v.estimated_cost > 0 for v in visits)
    assert visits.filter(announced=True).exists() and visits.filter(announced=False).exists()
    assert all(g.person.is_demo for g in GroupMember.objects.select_related("person"))
    assert Incident.objects.filter(facility__code__startswith="DEMO-").count() >= 3
    assert Unavailability.objects.filter(person__is_demo=True).count() == 1
    assert CompetencyGrant.objects.filter(note=GRANT_NOTE, person__is_demo=True).exists()
    past = visits.filter(ends_on__lt=today)
    if past.exists():  # not on the first days of January
        assert not past.filter(status=PlannedVisit.Status.PLANNED).exists()
        assert Expense.objects.filter(planned_visit__in=past).exists()

    # The demo monitor's "My visits" shows an upcoming unannounced visit.
    mine = own_planned_visits(User.objects.get(username="monitor"))
    assert mine.filter(announced=False, starts_on__gt=today).exists()

    # Every group obeys the visiting-group rules.
    rules = load_rules()
    visits = (
        PlannedVisit.objects.filter(plan__in=demo_plans())
        .exclude(status=PlannedVisit.Status.CANCELLED)
        .select_related("plan", "facility")
        .prefetch_related("group")
    )
    for visit in visits:
        window = (visit.starts_on, visit.ends_on)
        group = list(visit.group.all())
        people = load_people([m.person_id for m in group], period=window)
        place = load_places([visit.facility])[visit.facility_id]
        members = [Member(person=people[m.person_id], role=m.role) for m in group]
        busy = load_busy(visit.plan.year, exclude_visit=visit.pk)
        assert group_problems(place, members, window, rules, busy) == [], visit


def test_it_is_idempotent_and_removed_with_the_demo():
    # (--reset is --delete then a load.)
    run()
    first = counts()
    run()
    assert counts() == first
    run("--delete")
    assert not demo_plans().exists()
    assert not PlannedVisit.objects.exists()
    assert not Incident.objects.exists()
    assert not Unavailability.objects.exists()
    assert not CompetencyGrant.objects.filter(note=GRANT_NOTE).exists()
