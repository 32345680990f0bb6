"""Must hold (issue 16): a raw read of the database and of the media folder shows no plain text of
interview notes, evidence files or sensitive findings (docs/decisions/0022)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.db import connection

from dozor.core.models import Language, VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.people.models import EligibilityDeclaration, EligibilityRule
from dozor.people.tests.factories import PersonFactory
from dozor.standards.models import Theme
from dozor.visits.evidence.services import evidence_content, evidence_upload
from dozor.visits.findings.services import finding_create
from dozor.visits.models import Evidence, Finding, Interview
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

MARKER = "ZEBRA7731MARKER"


def pdf_with(text: str) -> bytes:
    return f"%PDF-1.4\n1 0 obj << /Title ({text}) >> endobj\ntrailer << >>\n%%EOF\n".encode()


def upload(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name  # type: ignore[attr-defined]
    return handle


def raw_rows() -> list[tuple[str, str]]:
    """Every row of every table, as the database holds it (no model code runs)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                found.append((table, repr(row)))
    return found


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def test_no_plain_text_of_notes_evidence_sensitive_findings_or_eligibility_in_the_database_or_media(
    coordinator, monitor, media_root
):
    visit = visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
        team=[monitor],
    )
    interview = Interview.objects.create(
        visit=visit,
        code="D-01",
        category=Interview.Category.DETAINEE,
        held_on=datetime.date(2025, 3, 1),
        language=Language.objects.order_by("pk").first(),
        notes=f"Beaten in the corridor {MARKER} notes",
        excerpt=f"Quote {MARKER} excerpt",
        identity=f"Name {MARKER} identity",
    )
    evidence = evidence_upload(
        actor=monitor,
        visit=visit,
        uploaded_file=upload("medical.pdf", pdf_with(f"{MARKER} medical record")),
        kind=Evidence.Kind.DOCUMENT,
    )
    finding = finding_create(
        actor=monitor,
        visit=visit,
        theme=Theme.objects.get(code="treatment"),
        severity=Finding.Severity.MODERATE,
        title="Medical confidentiality",
        description=f"The detainee's HIV status {MARKER} was discussed in front of guards.",
        sources=[Finding.Source.OBSERVATION],
        sensitive=True,
    )
    person = PersonFactory()
    rule = EligibilityRule.objects.filter(is_active=True).first()
    assert rule is not None
    EligibilityDeclaration.objects.create(
        person=person, rule=rule, answer=True, declared_on=datetime.date(2025, 1, 5)
    )

    # Read back through the models: everything is there in plain for those who may read it.
    interview.refresh_from_db()
    assert MARKER in interview.notes and MARKER in interview.identity
    assert MARKER.encode() in evidence_content(evidence)
    assert MARKER in Finding.objects.get(pk=finding.pk).description
    assert EligibilityDeclaration.objects.get(person=person, rule=rule).answer is True

    # ... and nowhere in plain in the database, audit log included ...
    leaks = [table for table, row in raw_rows() if MARKER in row]
    assert leaks == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT answer FROM people_eligibilitydeclaration")
        stored = [value for (value,) in cursor.fetchall()]
    assert stored and all(str(value).startswith("enc1:") for value in stored)

    # ... nor in any file under the media folder.
    files = [path for path in media_root.rglob("*") if path.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert MARKER.encode() not in data
        assert not data.startswith(b"%PDF")
