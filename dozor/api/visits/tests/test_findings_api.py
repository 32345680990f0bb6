"""Findings and visit reports over the API (dozor.api.visits.views): who reads them, who records
findings, the service's checks as 400s, and no endpoint at all for interviews and evidence."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dozor.accounts.models import AuditEvent, User
from dozor.standards.models import Provision, Theme
from dozor.visits.findings.services import finding_create
from dozor.visits.models import Evidence, Finding, Report, ReportSection, Visit
from dozor.visits.reports.services import report_start

from .test_visits_api import ALL, SEES, submitted, version, visits  # noqa: F401  (version, visits: fixtures)

pytestmark = pytest.mark.django_db

FINDINGS = "/api/v1/findings/"
REPORTS = "/api/v1/visit-reports/"


def treatment() -> Theme:
    return Theme.objects.get(code="treatment")


def provision_codes(count: int = 2) -> list[str]:
    return list(
        Provision.objects.filter(theme__code="treatment")
        .order_by("code")
        .values_list("code", flat=True)[:count]
    )


def evidence_of(visit: Visit, name: str = "cell.jpg") -> Evidence:
    return Evidence.objects.create(
        visit=visit,
        kind=Evidence.Kind.PHOTO,
        file=f"evidence/2025/03/{name}",
        original_name=name,
        content_type="image/jpeg",
        size=100,
        sha256="0" * 64,
    )


def record(visit: Visit, actor: User, **overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "theme": treatment(),
        "severity": Finding.Severity.SERIOUS,
        "title": "No register of injuries",
        "description": "Injuries seen on admission are not written down.",
        "sources": [Finding.Source.DOCUMENTS, Finding.Source.DETAINEES],
        **overrides,
    }
    return finding_create(actor=actor, visit=visit, **values)


def payload(visit: Visit | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "theme": "treatment",
        "severity": "serious",
        "title": "Handcuffed to the radiator",
        "location": "Corridor, 2nd floor",
        "description": "Two persons were kept handcuffed for hours.",
        "sources": ["observation", "detainees"],
        "provisions": provision_codes(),
        **overrides,
    }
    if visit is not None:
        data["visit"] = visit.pk
    return data


@pytest.fixture
def findings(visits, coordinator) -> dict[str, Finding]:  # noqa: F811
    bobs = record(visits["bobs"], coordinator, title="Bob's visit finding")
    bobs.evidence.add(evidence_of(visits["bobs"]))
    other = record(
        visits["other"], coordinator, title="Other visit finding", severity="moderate", sources=["staff"]
    )
    return {"bobs": bobs, "other": other}


def state() -> tuple[int, int]:
    return Finding.objects.count(), AuditEvent.objects.exclude(action=AuditEvent.Action.LOGIN).count()


# ---------------------------------------------------------------- reading findings


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_only_the_findings_of_visible_visits(client_as, findings, persona):
    response = client_as(persona).get(FINDINGS)
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    body = response.json()
    assert {row["id"] for row in body["results"]} == {findings[key].pk for key in SEES[persona]}
    assert body["count"] == len(SEES[persona])


@pytest.mark.parametrize("persona", ALL)
def test_it_retrieves_a_finding_only_when_its_visit_is_visible(client_as, findings, persona):
    client = client_as(persona)
    for key, finding in findings.items():
        response = client.get(f"{FINDINGS}{finding.pk}/")
        if persona == "anonymous":
            assert response.status_code == 401
        elif key in SEES[persona]:
            assert response.status_code == 200
            assert response.json()["title"] == finding.title
        else:
            assert response.status_code == 404


def test_it_shows_a_finding_with_its_links(as_monitor, findings, visits):  # noqa: F811
    finding = findings["bobs"]
    answer = submitted(visits["bobs"]).answers.order_by("id").first()
    assert answer is not None
    finding.answers.add(answer)
    finding.provisions.set(Provision.objects.filter(code__in=provision_codes()))
    body = as_monitor.get(f"{FINDINGS}{finding.pk}/").json()
    assert body["visit"] == visits["bobs"].pk
    assert body["theme"] == "treatment"
    assert body["severity"] == "serious"
    assert body["sources"] == ["detainees", "documents"]
    assert body["provisions"] == provision_codes()
    assert body["answers"] == [answer.pk]
    assert body["evidence"] == list(finding.evidence.values_list("pk", flat=True))
    assert body["possible_ill_treatment"] is False


def test_it_hides_the_evidence_ids_from_council_members(as_council, as_coordinator, findings):
    finding = findings["bobs"]
    assert as_council.get(f"{FINDINGS}{finding.pk}/").json()["evidence"] == []
    assert as_coordinator.get(f"{FINDINGS}{finding.pk}/").json()["evidence"] != []


def test_it_filters_findings_by_visit_severity_and_theme(as_coordinator, findings, visits):  # noqa: F811
    def ids(**params: Any) -> set[int]:
        response = as_coordinator.get(FINDINGS, params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(visit=visits["other"].pk) == {findings["other"].pk}
    assert ids(severity="serious") == {findings["bobs"].pk}
    assert ids(theme="treatment") == {findings["bobs"].pk, findings["other"].pk}
    assert ids(theme="material") == set()
    assert as_coordinator.get(FINDINGS, {"severity": "dreadful"}).status_code == 400


def test_it_lists_findings_in_a_fixed_number_of_queries(as_coordinator, findings, visits, coordinator):  # noqa: F811
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_coordinator.get(FINDINGS).status_code == 200
        return len(queries)

    before = count()
    for n in range(3):
        extra = record(visits["other"], coordinator, title=f"More {n}")
        extra.evidence.add(evidence_of(visits["other"], f"more{n}.jpg"))
        extra.provisions.set(Provision.objects.filter(code__in=provision_codes()))
    assert count() == before


# ---------------------------------------------------------------- recording findings


def test_it_lets_a_team_monitor_record_a_finding(as_monitor, visits, monitor):  # noqa: F811
    visit = visits["bobs"]
    evidence = evidence_of(visit)
    response = as_monitor.post(
        FINDINGS, payload(visit, evidence=[evidence.pk]), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    finding = Finding.objects.get(pk=body["id"])
    assert (finding.visit, finding.created_by, finding.title) == (
        visit,
        monitor,
        "Handcuffed to the radiator",
    )
    assert body["provisions"] == provision_codes()
    assert body["evidence"] == [evidence.pk]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="visits.finding").exists()


def test_it_notifies_the_coordinators_of_possible_ill_treatment(
    as_monitor,
    visits,  # noqa: F811
    coordinator,
    django_capture_on_commit_callbacks,
):
    coordinator.email = "alice@example.org"
    coordinator.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_monitor.post(
            FINDINGS, payload(visits["bobs"], possible_ill_treatment=True), content_type="application/json"
        )
    assert response.status_code == 201
    assert response.json()["urgent_notified_at"] is not None
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_it_returns_the_services_messages_and_writes_nothing(as_monitor, visits):  # noqa: F811
    before = state()
    response = as_monitor.post(
        FINDINGS,
        payload(visits["bobs"], sources=["observation"], evidence=[evidence_of(visits["other"]).pk]),
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert "must be cross-checked" in errors["sources"][0]
    assert errors["evidence"] == ["Only evidence collected on this visit can support its findings."]
    assert state() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"theme": "no-such-theme"}, "theme"),
        ({"provisions": ["NO-SUCH-CODE"]}, "provisions"),
        ({"severity": "dreadful"}, "severity"),
        ({"title": ""}, "title"),
        ({"sources": []}, "sources"),
    ],
)
def test_it_refuses_bad_values(as_monitor, visits, overrides, field):  # noqa: F811
    before = state()
    response = as_monitor.post(
        FINDINGS, payload(visits["bobs"], **overrides), content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert state() == before


@pytest.mark.parametrize(
    ("persona", "key", "code"),
    [
        ("monitor", "other", 400),  # not on its team: the visit is not even visible
        ("council", "bobs", 403),  # reads the visit, does not record it
        ("liaison", "bobs", 400),
        ("other_liaison", "bobs", 400),
        ("trainer", "bobs", 400),
        ("anonymous", "bobs", 401),
    ],
)
def test_it_refuses_a_finding_from_those_who_do_not_record_the_visit(client_as, visits, persona, key, code):  # noqa: F811
    before = state()
    response = client_as(persona).post(FINDINGS, payload(visits[key]), content_type="application/json")
    assert response.status_code == code
    if code == 400:
        assert "visit" in response.json()
    assert state() == before


def test_it_replaces_a_finding_with_put(as_monitor, findings):
    finding = findings["bobs"]
    response = as_monitor.put(
        f"{FINDINGS}{finding.pk}/",
        payload(severity="moderate", sources=["staff"], provisions=[]),
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    finding.refresh_from_db()
    assert (finding.severity, finding.sources, finding.title) == (
        "moderate",
        ["staff"],
        "Handcuffed to the radiator",
    )
    assert list(finding.evidence.all()) == []  # a PUT replaces the links too
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_type="visits.finding").exists()


def test_it_changes_only_the_given_values_with_patch(as_monitor, findings):
    finding = findings["bobs"]
    finding.provisions.set(Provision.objects.filter(code__in=provision_codes()))
    evidence = list(finding.evidence.values_list("pk", flat=True))
    response = as_monitor.patch(
        f"{FINDINGS}{finding.pk}/", {"title": "Renamed"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "Renamed"
    assert (body["severity"], body["provisions"], body["evidence"]) == (
        "serious",
        provision_codes(),
        evidence,
    )


def test_it_checks_a_patch_against_the_whole_finding(as_monitor, findings):
    finding = findings["bobs"]
    response = as_monitor.patch(
        f"{FINDINGS}{finding.pk}/", {"sources": ["observation"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "must be cross-checked" in response.json()["sources"][0]
    finding.refresh_from_db()
    assert finding.sources == ["detainees", "documents"]


@pytest.mark.parametrize(
    ("persona", "code"),
    [("council", 403), ("liaison", 404), ("other_liaison", 404), ("trainer", 404), ("anonymous", 401)],
)
def test_it_refuses_changes_from_those_who_do_not_record_the_visit(client_as, findings, persona, code):
    finding = findings["bobs"]
    response = client_as(persona).patch(
        f"{FINDINGS}{finding.pk}/", {"title": "X"}, content_type="application/json"
    )
    assert response.status_code == code
    finding.refresh_from_db()
    assert finding.title == "Bob's visit finding"


def test_it_hides_other_visits_findings_from_a_monitor_on_change(as_monitor, findings):
    response = as_monitor.patch(
        f"{FINDINGS}{findings['other'].pk}/", {"title": "X"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_it_offers_no_deletion(as_coordinator, findings):
    assert as_coordinator.delete(f"{FINDINGS}{findings['bobs'].pk}/").status_code == 405
    assert Finding.objects.filter(pk=findings["bobs"].pk).exists()


# ---------------------------------------------------------------- reports


@pytest.fixture
def reports(visits, coordinator) -> dict[str, Report]:  # noqa: F811
    result = {key: report_start(actor=coordinator, visit=visit) for key, visit in visits.items()}
    ReportSection.objects.filter(report=result["bobs"], key="summary").update(
        body="The place is overcrowded."
    )
    return result


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_and_retrieves_reports_of_visible_visits_only(client_as, reports, persona):
    client = client_as(persona)
    response = client.get(REPORTS)
    if persona == "anonymous":
        assert response.status_code == 401
        assert client.get(f"{REPORTS}{reports['bobs'].pk}/").status_code == 401
        return
    assert {row["id"] for row in response.json()["results"]} == {reports[key].pk for key in SEES[persona]}
    for key, report in reports.items():
        detail = client.get(f"{REPORTS}{report.pk}/")
        assert detail.status_code == (200 if key in SEES[persona] else 404)


def test_it_shows_a_report_with_its_sections(as_council, reports, visits):  # noqa: F811
    body = as_council.get(f"{REPORTS}{reports['bobs'].pk}/").json()
    assert (body["visit"], body["status"], body["approved_at"], body["sent_on"]) == (
        visits["bobs"].pk,
        "draft",
        None,
        None,
    )
    assert [s["key"] for s in body["sections"]] == ReportSection.Key.values
    assert body["sections"][0]["body"] == "The place is overcrowded."
    assert as_council.get(REPORTS, {"status": "approved"}).json()["count"] == 0


def test_it_keeps_report_writes_on_the_pages(as_coordinator, reports):
    url = f"{REPORTS}{reports['bobs'].pk}/"
    assert as_coordinator.post(REPORTS, {}, content_type="application/json").status_code == 405
    assert (
        as_coordinator.patch(url, {"status": "approved"}, content_type="application/json").status_code == 405
    )
    assert as_coordinator.delete(url).status_code == 405


# ---------------------------------------------------------------- confidential material


@pytest.mark.parametrize("path", ["interviews", "evidence", "visit-interviews", "visit-evidence"])
def test_it_has_no_endpoint_for_interviews_or_evidence(as_coordinator: Client, path: str) -> None:
    assert as_coordinator.get(f"/api/v1/{path}/").status_code == 404
    schema = as_coordinator.get("/api/schema/", {"format": "json"}).json()
    assert not [p for p in schema["paths"] if "interview" in p or "evidence" in p]
