"""Visits, teams and checklists filled in online (dozor.visits.services)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dozor.accounts.models import AuditEvent
from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory
from dozor.methodology.models import TemplateVersion
from dozor.visits.models import Answer, Submission, TeamMember
from dozor.visits.selectors import submission_values
from dozor.visits.services import submission_record_web, team_member_add, visit_create

pytestmark = pytest.mark.django_db


def periodic() -> VisitType:
    return VisitType.objects.get(code="periodic")


def test_it_creates_a_visit_with_the_checklist_made_for_the_place_type(coordinator, monitor):
    visit = visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=periodic(),
        started_on=datetime.date(2026, 4, 1),
        announced=True,
        team=[monitor],
    )
    assert visit.template_version is not None
    assert visit.template_version.template.code == "tpl_sizo"
    assert visit.template_version.status == TemplateVersion.Status.PUBLISHED
    assert visit.announced and visit.created_by == coordinator
    assert list(visit.team.values_list("user__username", "role")) == [("bob", TeamMember.Role.MEMBER)]
    assert AuditEvent.objects.filter(object_type="visits.visit", object_id=str(visit.pk)).exists()
    assert AuditEvent.objects.filter(object_type="visits.teammember").count() == 1


def test_it_refuses_a_draft_checklist_version(coordinator, small_version):
    small_version.status = TemplateVersion.Status.DRAFT
    small_version.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="Only a published checklist version"):
        visit_create(
            actor=coordinator,
            facility=FacilityFactory(),
            visit_type=periodic(),
            started_on=datetime.date(2026, 4, 1),
            template_version=small_version,
        )


def test_it_refuses_visits_to_closed_places(coordinator):
    facility = FacilityFactory(status=Facility.Status.CLOSED, closed_on=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError, match="closed"):
        visit_create(
            actor=coordinator, facility=facility, visit_type=periodic(), started_on=datetime.date(2026, 4, 1)
        )


def test_it_lets_only_coordinators_create_visits_and_teams(monitor, council, visit):
    for actor in (monitor, council):
        with pytest.raises(PermissionDenied):
            visit_create(
                actor=actor,
                facility=FacilityFactory(),
                visit_type=periodic(),
                started_on=datetime.date(2026, 4, 1),
            )
        with pytest.raises(PermissionDenied):
            team_member_add(actor=actor, visit=visit, user=monitor)


def test_it_adds_team_members_once_and_only_npm_people(coordinator, monitor, liaison, visit):
    member = team_member_add(actor=coordinator, visit=visit, user=monitor, role=TeamMember.Role.LEADER)
    assert member.role == TeamMember.Role.LEADER
    with pytest.raises(ValidationError, match="already on the team"):
        team_member_add(actor=coordinator, visit=visit, user=monitor)
    with pytest.raises(ValidationError, match="cannot take part"):
        team_member_add(actor=coordinator, visit=visit, user=liaison)


ANSWERS = {
    ("visit_date", 0): "2026-04-01",
    ("holds_women", 0): "no",
    ("women_separated", 0): "yes",  # not relevant: dropped
    ("population", 0): "12",
    ("notes", 0): "Камерада терезе жоқ",
    ("cell_number", 1): "No window",
}


def test_it_records_a_checklist_filled_in_online(coordinator, visit):
    submission = submission_record_web(actor=coordinator, visit=visit, answers=ANSWERS)
    assert submission.instance_id.startswith("web:") and submission.source == Submission.Source.WEB
    assert submission.submitted_by == coordinator and submission.version == visit.template_version
    expected = {k: v for k, v in ANSWERS.items() if k != ("women_separated", 0)}
    assert submission_values(submission) == expected
    assert AuditEvent.objects.filter(object_type="visits.submission", object_id=str(submission.pk)).exists()


def test_it_reports_online_problems_by_field_and_writes_nothing(coordinator, visit):
    answers = ANSWERS | {("population", 0): "-1", ("holds_women", 0): ""}
    with pytest.raises(ValidationError) as caught:
        submission_record_web(actor=coordinator, visit=visit, answers=answers, units={"cell_inspection": 2})
    errors = caught.value.message_dict
    assert set(errors) == {"population", "holds_women", "cell_number[2]"}
    assert "cannot be negative" in errors["population"][0]
    assert (Submission.objects.count(), Answer.objects.count()) == (0, 0)


def test_it_lets_only_the_team_and_coordinators_record_online(coordinator, monitor, council, visit):
    for actor in (monitor, council):
        with pytest.raises(PermissionDenied):
            submission_record_web(actor=actor, visit=visit, answers=ANSWERS)
    team_member_add(actor=coordinator, visit=visit, user=monitor)
    assert submission_record_web(actor=monitor, visit=visit, answers=ANSWERS).submitted_by == monitor
