"""A finding marked sensitive: its description is read only by the visit's team and coordinators
(pages and API); council members see the finding with "Details withheld: sensitive"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.standards.models import Theme
from dozor.visits.findings.services import finding_create, finding_update
from dozor.visits.models import Finding, Visit
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

SECRET = "HIV status discussed in front of the guards"


@pytest.fixture
def team_visit(coordinator, monitor) -> Visit:  # type: ignore[no-untyped-def]
    return visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
        team=[monitor],
    )


def record(visit: Visit, actor, *, sensitive: bool, description: str = SECRET) -> Finding:  # type: ignore[no-untyped-def]
    return finding_create(
        actor=actor,
        visit=visit,
        theme=Theme.objects.get(code="treatment"),
        severity=Finding.Severity.MODERATE,
        title="Medical confidentiality not respected",
        description=description,
        sources=[Finding.Source.OBSERVATION],
        sensitive=sensitive,
    )


def test_council_sees_a_sensitive_finding_without_its_description_on_the_page(
    team_visit, monitor, as_council, as_monitor, as_coordinator
):
    finding = record(team_visit, monitor, sensitive=True)
    url = reverse("visits:finding_detail", args=[finding.pk])
    page = as_council.get(url).content.decode()
    assert finding.title in page
    assert SECRET not in page
    assert "Details withheld: sensitive" in page and 'data-testid="details-withheld"' in page
    for client in (as_monitor, as_coordinator):
        page = client.get(url).content.decode()
        assert SECRET in page and 'data-testid="details-withheld"' not in page


def test_council_reads_a_finding_that_is_not_sensitive(team_visit, monitor, as_council):
    finding = record(team_visit, monitor, sensitive=False)
    page = as_council.get(reverse("visits:finding_detail", args=[finding.pk])).content.decode()
    assert SECRET in page and "Details withheld" not in page


def test_council_gets_no_sensitive_description_over_the_api(team_visit, monitor, as_council, as_monitor):
    sensitive = record(team_visit, monitor, sensitive=True)
    plain = record(team_visit, monitor, sensitive=False, description="Windows are too small.")
    listed = {row["id"]: row for row in as_council.get("/api/v1/findings/").json()["results"]}
    assert listed[sensitive.pk]["description"] is None
    assert listed[sensitive.pk]["details_withheld"] is True and listed[sensitive.pk]["sensitive"] is True
    assert listed[plain.pk]["description"] == "Windows are too small."
    assert listed[plain.pk]["details_withheld"] is False
    one = as_council.get(f"/api/v1/findings/{sensitive.pk}/").json()
    assert one["description"] is None and SECRET not in str(one)
    team = as_monitor.get(f"/api/v1/findings/{sensitive.pk}/").json()
    assert team["description"] == SECRET and team["details_withheld"] is False


def test_the_form_marks_a_finding_sensitive_and_a_patch_without_the_mark_keeps_it(
    team_visit, monitor, as_monitor
):
    data = {
        "theme": Theme.objects.get(code="treatment").pk,
        "severity": "moderate",
        "title": "Medical confidentiality not respected",
        "description": SECRET,
        "sources": ["observation"],
        "sensitive": "on",
    }
    response = as_monitor.post(reverse("visits:finding_create", args=[team_visit.pk]), data)
    assert response.status_code == 302
    finding = Finding.objects.get(visit=team_visit)
    assert finding.sensitive is True
    response = as_monitor.patch(
        f"/api/v1/findings/{finding.pk}/", {"title": "Confidentiality"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    finding.refresh_from_db()
    assert finding.sensitive is True and finding.title == "Confidentiality"
    finding_update(
        actor=monitor,
        finding=finding,
        theme=finding.theme,
        severity=finding.severity,
        title=finding.title,
        description=finding.description,
        sources=finding.sources,
        sensitive=False,
    )
    finding.refresh_from_db()
    assert finding.sensitive is False
