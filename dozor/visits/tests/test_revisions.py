"""No lost update on a finding, an interview or a visit record (decision 0016): the second of two
editors gets 409 and keeps their input; the findings API answers 409 with the current finding."""

from __future__ import annotations

import datetime
import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import AuditEvent, User
from dozor.standards.models import Theme
from dozor.visits.findings.services import finding_create
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Finding, Interview, Phase, TeamMember, Visit
from dozor.visits.record.services import phase_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_visit(visit: Visit, monitor: User) -> Visit:
    """Two editors: the coordinator and a monitor on the team."""
    visit.ended_on = datetime.date(2025, 3, 3)
    visit.save(update_fields=["ended_on"])
    TeamMember.objects.create(visit=visit, user=monitor)
    return visit


def updates(obj: Finding | Interview | Visit) -> int:
    return AuditEvent.objects.filter(
        action="update", object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).count()


def conflict_of(body: str) -> str:
    return body[body.index('data-testid="conflict"') :]


# --- findings -------------------------------------------------------------------------------------


@pytest.fixture
def finding(team_visit: Visit, coordinator: User) -> Finding:
    return finding_create(
        actor=coordinator,
        visit=team_visit,
        theme=Theme.objects.get(code="treatment"),
        severity=Finding.Severity.MODERATE,
        title="No register of injuries",
        description="Injuries seen on admission are not written down.",
        sources=[Finding.Source.DOCUMENTS],
    )


def finding_data(finding: Finding, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "theme": finding.theme_id,
        "severity": finding.severity,
        "title": finding.title,
        "location": finding.location,
        "description": finding.description,
        "sources": list(finding.sources),
        "revision": finding.revision,
    }
    return data | changes


def test_it_refuses_a_stale_finding_edit_and_keeps_both_texts(
    finding: Finding, as_coordinator: Client, as_monitor: Client
):
    url = reverse("visits:finding_edit", args=[finding.pk])
    assert 'name="revision" value="0"' in as_monitor.get(url).content.decode()
    assert (
        as_coordinator.post(url, finding_data(finding, description="The coordinator's text.")).status_code
        == 302
    )

    response = as_monitor.post(url, finding_data(finding, description="The monitor's text."))

    assert response.status_code == 409
    body = html.unescape(response.content.decode())
    assert "Somebody else saved this while you were editing it" in body
    assert "The monitor's text.</textarea>" in body
    assert 'name="revision" value="1"' in body
    assert "The coordinator's text." in conflict_of(body)
    finding.refresh_from_db()
    assert (finding.description, finding.revision) == ("The coordinator's text.", 1)
    assert updates(finding) == 1


def test_it_saves_a_single_finding_edit_under_the_next_revision(finding: Finding, as_monitor: Client):
    url = reverse("visits:finding_edit", args=[finding.pk])
    assert as_monitor.post(url, finding_data(finding, title="Register missing")).status_code == 302
    finding.refresh_from_db()
    assert (finding.title, finding.revision) == ("Register missing", 1)


def test_it_shows_no_finding_to_who_is_not_on_the_team(
    finding: Finding, as_liaison: Client, as_council: Client
):
    url = reverse("visits:finding_edit", args=[finding.pk])
    for client in (as_liaison, as_council):
        response = client.post(url, finding_data(finding, title="X", revision=4))
        assert response.status_code in (403, 404)
        assert b"No register of injuries" not in response.content
    finding.refresh_from_db()
    assert (finding.title, finding.revision) == ("No register of injuries", 0)


def test_it_answers_a_stale_finding_api_change_with_409(finding: Finding, as_coordinator: Client):
    url = f"/api/v1/findings/{finding.pk}/"
    assert as_coordinator.get(url).json()["revision"] == 0
    first = as_coordinator.patch(url, {"title": "First", "revision": 0}, content_type="application/json")
    assert (first.status_code, first.json()["revision"]) == (200, 1)

    stale = as_coordinator.patch(url, {"title": "Second", "revision": 0}, content_type="application/json")

    assert stale.status_code == 409
    assert (stale.json()["title"], stale.json()["revision"]) == ("First", 1)
    finding.refresh_from_db()
    assert (finding.title, finding.revision) == ("First", 1)


# --- interviews -----------------------------------------------------------------------------------


@pytest.fixture
def interview(team_visit: Visit, monitor: User) -> Interview:
    return interview_record(
        actor=monitor,
        visit=team_visit,
        code="D-07",
        category=Interview.Category.DETAINEE,
        held_on=datetime.date(2025, 3, 2),
        consents=["quote_authority", "quote_public"],
        notes="Cell 14 is overcrowded.",
    )


def interview_data(interview: Interview, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": interview.code,
        "category": interview.category,
        "held_on": interview.held_on.isoformat() if interview.held_on else "",
        "notes": interview.notes,
        "revision": interview.revision,
    }
    return data | changes


def test_it_refuses_a_stale_interview_edit_and_keeps_both_notes(
    interview: Interview, as_coordinator: Client, as_monitor: Client
):
    url = reverse("visits:interview_edit", args=[interview.pk])
    assert 'name="revision" value="0"' in as_coordinator.get(url).content.decode()
    assert as_monitor.post(url, interview_data(interview, notes="Monitor's notes.")).status_code == 302

    response = as_coordinator.post(url, interview_data(interview, notes="Coordinator's notes."))

    assert response.status_code == 409
    body = html.unescape(response.content.decode())
    assert "Somebody else saved this while you were editing it" in body
    assert "Coordinator's notes.</textarea>" in body
    assert "Monitor's notes." in conflict_of(body)
    interview.refresh_from_db()
    assert (interview.notes, interview.revision) == ("Monitor's notes.", 1)
    assert updates(interview) == 1


def test_it_saves_a_single_interview_edit_under_the_next_revision(interview: Interview, as_monitor: Client):
    url = reverse("visits:interview_edit", args=[interview.pk])
    assert as_monitor.post(url, interview_data(interview, notes="Corrected.")).status_code == 302
    interview.refresh_from_db()
    assert (interview.notes, interview.revision) == ("Corrected.", 1)


def test_it_shows_no_interview_to_a_council_member(interview: Interview, as_council: Client):
    response = as_council.post(
        reverse("visits:interview_edit", args=[interview.pk]),
        interview_data(interview, notes="X", revision=2),
    )
    assert response.status_code in (403, 404)
    assert b"overcrowded" not in response.content
    interview.refresh_from_db()
    assert (interview.notes, interview.revision) == ("Cell 14 is overcrowded.", 0)


# --- the visit record -----------------------------------------------------------------------------


def record_data(visit: Visit, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "arrived_at": "",
        "left_at": "",
        "ended_on": visit.ended_on.isoformat() if visit.ended_on else "",
        "status": visit.status,
        "purpose": visit.purpose,
        "revision": visit.revision,
    }
    return data | changes


def test_it_refuses_a_stale_record_edit_and_keeps_both_purposes(
    team_visit: Visit, as_coordinator: Client, as_monitor: Client
):
    url = reverse("visits:record_edit", args=[team_visit.pk])
    assert 'name="revision" value="0"' in as_monitor.get(url).content.decode()
    assert as_coordinator.post(url, record_data(team_visit, purpose="Follow-up of 2024.")).status_code == 302

    response = as_monitor.post(url, record_data(team_visit, purpose="Complaint about food."))

    assert response.status_code == 409
    body = html.unescape(response.content.decode())
    assert "Somebody else saved this while you were editing it" in body
    assert "Complaint about food.</textarea>" in body
    assert "Follow-up of 2024." in conflict_of(body)
    team_visit.refresh_from_db()
    assert (team_visit.purpose, team_visit.revision) == ("Follow-up of 2024.", 1)
    assert updates(team_visit) == 1


def test_it_saves_a_single_record_edit_under_the_next_revision(team_visit: Visit, as_monitor: Client):
    url = reverse("visits:record_edit", args=[team_visit.pk])
    assert as_monitor.post(url, record_data(team_visit, purpose="Thematic.")).status_code == 302
    team_visit.refresh_from_db()
    assert (team_visit.purpose, team_visit.revision) == ("Thematic.", 1)


def test_it_shows_no_record_to_an_outsider(team_visit: Visit, as_liaison: Client):
    response = as_liaison.post(
        reverse("visits:record_edit", args=[team_visit.pk]), record_data(team_visit, purpose="X", revision=7)
    )
    assert response.status_code == 404
    team_visit.refresh_from_db()
    assert team_visit.revision == 0


def test_it_shows_the_record_revision_in_the_api(team_visit: Visit, as_monitor: Client):
    """The visits API is read-only for the record (it is changed on its page): it shows the
    revision that page counts. Interviews have no API at all."""
    url = f"/api/v1/visits/{team_visit.pk}/"
    assert as_monitor.get(url).json()["revision"] == 0
    as_monitor.post(
        reverse("visits:record_edit", args=[team_visit.pk]), record_data(team_visit, purpose="Thematic.")
    )
    assert as_monitor.get(url).json()["revision"] == 1
    assert as_monitor.patch(url, {"purpose": "X"}, content_type="application/json").status_code == 405


def test_the_first_phase_moves_the_record_revision(team_visit: Visit, monitor: User, as_coordinator: Client):
    """The first phase sets the status and arrival time: a record form opened before it is stale,
    so saving it cannot put "planned" back unseen."""
    assert team_visit.status == Visit.Status.PLANNED
    url = reverse("visits:record_edit", args=[team_visit.pk])
    assert 'name="revision" value="0"' in as_coordinator.get(url).content.decode()
    started = datetime.datetime(2025, 3, 1, 4, 0, tzinfo=datetime.UTC)
    phase_add(actor=monitor, visit=team_visit, kind=Phase.Kind.OPENING, started_at=started)

    response = as_coordinator.post(url, record_data(team_visit, purpose="Periodic."))

    assert response.status_code == 409
    team_visit.refresh_from_db()
    assert (team_visit.status, team_visit.revision) == (Visit.Status.IN_PROGRESS, 1)
