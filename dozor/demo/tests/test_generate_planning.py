"""dozor generate: the planning side of the synthetic data (participants usable by the visiting-group
rules, competency grants, incidents, unavailability), at the tiny test scale."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from dozor.demo.generate import INCIDENT_SUMMARY, generated_delete
from dozor.people.models import ConflictOfInterest, Participation, Person
from dozor.planning.models import Incident, Unavailability
from dozor.planning.optimiser.instance import load_people
from dozor.training.models import CompetencyGrant

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("generate", "--scale", "tiny", "--no-progress", "--seed", "3", *args, stdout=out)
    return out.getvalue()


def test_it_writes_planning_data_for_generated_persons_and_places():
    output = run()
    assert "competency grants" in output and "incidents" in output
    grants = CompetencyGrant.objects.select_related("competency")
    assert grants.exists()
    for grant in grants:
        assert grant.certificate_id is None and grant.revoked_on is None
        years = grant.competency.valid_years
        assert grant.valid_until.year - grant.granted_on.year == years
        assert grant.person.is_demo and grant.person.email.endswith("@gen.invalid")
    incidents = Incident.objects.select_related("facility")
    assert incidents.exists()
    assert all(i.summary == INCIDENT_SUMMARY and i.facility.code.startswith("GEN-") for i in incidents)
    assert Unavailability.objects.exists()
    assert all(u.ends_on >= u.starts_on for u in Unavailability.objects.all())


def test_generated_persons_are_mostly_usable_participants():
    run()
    people = load_people()
    assert len(people) >= 8  # active participants of the 10
    eligible = [p for p in people.values() if p.eligible]
    assert len(eligible) >= 7
    assert all(p.languages and p.expertise and p.region for p in eligible)
    assert any(p.competencies for p in eligible)
    assert Person.objects.filter(gender=Person.Gender.FEMALE).exists()


def test_the_planning_rows_are_deleted_with_the_generated_data():
    run()
    assert CompetencyGrant.objects.exists() and Incident.objects.exists()
    generated_delete()
    assert not CompetencyGrant.objects.exists()
    assert not Incident.objects.exists()
    assert not Unavailability.objects.exists()
    assert not ConflictOfInterest.objects.exists()
    assert not Participation.objects.exists()
    assert not Person.objects.exists()


def test_replacing_rewrites_the_planning_rows():
    run()
    counts = (CompetencyGrant.objects.count(), Incident.objects.count(), Unavailability.objects.count())
    run("--replace")
    assert (
        CompetencyGrant.objects.count(),
        Incident.objects.count(),
        Unavailability.objects.count(),
    ) == counts


def test_planned_visits_to_generated_places_go_with_them():
    from dozor.facilities.models import Facility
    from dozor.planning.models import GroupMember, PlannedVisit
    from dozor.planning.tests.factories import PlanFactory, planned_visit

    run()
    person = Person.objects.first()
    assert person is not None
    visit = planned_visit(PlanFactory(), facility=Facility.objects.first(), members=[(person, "leader")])
    generated_delete()
    assert not PlannedVisit.objects.filter(pk=visit.pk).exists()
    assert not GroupMember.objects.exists()
