"""Retention periods as pack data and `dozor purge` (dozor.core.retention, dozor.visits.retention)."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from dozor.accounts.models import AuditEvent
from dozor.core.models import Language, VisitType
from dozor.core.retention import retention_rules
from dozor.facilities.tests.factories import FacilityFactory
from dozor.people.models import EligibilityDeclaration, Participation
from dozor.people.tests.factories import ParticipationFactory, PersonFactory, declare_all
from dozor.standards.models import Theme
from dozor.visits.models import Evidence, Finding, Interview, Report, Visit
from dozor.visits.retention import retention_purge

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 6, 1)
OLD = datetime.date(2025, 5, 1)  # more than 5 years before TODAY
RECENT = datetime.date(2027, 5, 1)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def visit_with_report(sent_on: datetime.date | None) -> Visit:
    visit = Visit.objects.create(
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
    )
    Report.objects.create(
        visit=visit,
        status=Report.Status.SENT if sent_on else Report.Status.APPROVED,
        sent_on=sent_on,
    )
    return visit


def interview(visit: Visit, code: str, *, at_risk: bool = False) -> Interview:
    return Interview.objects.create(
        visit=visit,
        code=code,
        category=Interview.Category.DETAINEE,
        held_on=datetime.date(2025, 3, 1),
        language=Language.objects.order_by("pk").first(),
        notes="secret-notes-text",
        excerpt="secret-excerpt-text",
        identity="secret-identity-text",
        at_risk=at_risk,
    )


def evidence(visit: Visit, name: str) -> Evidence:
    content = f"%PDF-1.4 {name}\n%%EOF\n".encode()
    stored = default_storage.save(f"evidence/2025/03/{name}.pdf", ContentFile(content))
    return Evidence.objects.create(
        visit=visit,
        kind=Evidence.Kind.DOCUMENT,
        file=stored,
        original_name=f"{name}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def records() -> dict[str, object]:
    old, recent, unsent = visit_with_report(OLD), visit_with_report(RECENT), visit_with_report(None)
    held_evidence = evidence(old, "held")
    finding = Finding.objects.create(
        visit=old,
        theme=Theme.objects.get(code="treatment"),
        severity=Finding.Severity.SERIOUS,
        title="Beating reported",
        description="described",
        possible_ill_treatment=True,
    )
    finding.evidence.add(held_evidence)
    gone_person, serving_person = PersonFactory(), PersonFactory()
    ParticipationFactory(
        person=gone_person, status=Participation.Status.ENDED, term_end=datetime.date(2027, 12, 31)
    )
    ParticipationFactory(person=serving_person, status=Participation.Status.ACTIVE)
    declare_all(gone_person)  # declared 2025-01-05, term ended 2027-12-31: past 3 years on TODAY
    declare_all(serving_person)
    return {
        "old_interview": interview(old, "D-1"),
        "at_risk": interview(old, "D-2", at_risk=True),
        "recent_interview": interview(recent, "D-3"),
        "unsent_interview": interview(unsent, "D-4"),
        "old_evidence": evidence(old, "old"),
        "held_evidence": held_evidence,
        "recent_evidence": evidence(recent, "recent"),
        "gone_person": gone_person,
        "serving_person": serving_person,
    }


def table_dump() -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        rows: list[tuple[object, ...]] = []
        for table in (
            "visits_interview",
            "visits_evidence",
            "people_eligibilitydeclaration",
            "accounts_auditevent",
        ):
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            rows += cursor.fetchall()
    return rows


def test_the_pack_states_a_basis_and_source_for_every_period() -> None:
    rules = retention_rules()
    assert set(rules) == {"interview_notes", "evidence_files", "eligibility_declarations"}
    for rule in rules.values():
        assert rule.years >= 1 and rule.basis in ("law", "policy") and rule.source


def test_a_dry_run_changes_nothing(records) -> None:  # type: ignore[no-untyped-def]
    before = table_dump()
    files = sorted(p.name for p in Path(default_storage.location).rglob("*") if p.is_file())
    out = StringIO()
    call_command("purge", "--dry-run", "--today", TODAY.isoformat(), stdout=out)
    assert table_dump() == before
    assert sorted(p.name for p in Path(default_storage.location).rglob("*") if p.is_file()) == files
    text = out.getvalue()
    assert "interview_notes (5 years after report_sent, policy): would remove 1" in text
    assert f"[ids: {records['old_interview'].pk}]" in text  # type: ignore[attr-defined]
    assert "dry run: nothing written" in text


def test_it_purges_only_what_is_past_its_period_and_audits_the_run(  # type: ignore[no-untyped-def]
    records, django_capture_on_commit_callbacks
) -> None:
    old_file = records["old_evidence"].file.name  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_purge(today=TODAY)

    old = Interview.objects.get(pk=records["old_interview"].pk)  # type: ignore[attr-defined]
    assert (old.notes, old.excerpt, old.identity) == ("", "", "")
    assert old.code == "D-1"  # the pseudonym stays
    for key in ("at_risk", "recent_interview", "unsent_interview"):
        kept = Interview.objects.get(pk=records[key].pk)  # type: ignore[attr-defined]
        assert (kept.notes, kept.identity) == ("secret-notes-text", "secret-identity-text"), key
    assert not Evidence.objects.filter(pk=records["old_evidence"].pk).exists()  # type: ignore[attr-defined]
    assert not default_storage.exists(old_file)
    assert Evidence.objects.filter(pk=records["held_evidence"].pk).exists()  # type: ignore[attr-defined]
    assert Evidence.objects.filter(pk=records["recent_evidence"].pk).exists()  # type: ignore[attr-defined]
    assert not EligibilityDeclaration.objects.filter(person=records["gone_person"]).exists()
    assert EligibilityDeclaration.objects.filter(person=records["serving_person"]).exists()

    assert report.kinds["interview_notes"].held == 1 and report.kinds["evidence_files"].held == 1
    [event] = AuditEvent.objects.filter(object_type="core.retention")
    assert event.action == AuditEvent.Action.DELETE and event.actor is None
    kinds = event.changes["kinds"]
    assert kinds["interview_notes"]["ids"] == [records["old_interview"].pk]  # type: ignore[attr-defined]
    assert kinds["evidence_files"]["ids"] == [records["old_evidence"].pk]  # type: ignore[attr-defined]
    assert kinds["eligibility_declarations"]["removed"] == len(kinds["eligibility_declarations"]["ids"]) > 0
    assert "secret-" not in str(event.changes)

    # A second run finds nothing more to remove.
    again = retention_purge(today=TODAY)
    assert again.total() == 0


def test_nothing_is_purged_before_the_period_ends(records) -> None:  # type: ignore[no-untyped-def]
    report = retention_purge(today=datetime.date(2029, 1, 1))
    assert report.kinds["interview_notes"].ids == [] and report.kinds["evidence_files"].ids == []
    assert report.kinds["eligibility_declarations"].ids == []
