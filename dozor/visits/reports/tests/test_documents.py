"""The visit report as PDF and DOCX (dozor.visits.reports.documents), its download view and the ``report`` command.

The report is built from a visit with text in Kazakh (every letter special to Kazakh) and Russian,
findings under two themes citing standards, positive practice, occupancy and its history, and two
interviews: one whose person consented to the use of the information (its excerpt is quoted) and
one who did not (its excerpt, notes and identity must never reach a document).
"""

from __future__ import annotations

import datetime
import io
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, User
from dozor.core.models import VisitType
from dozor.core.tests.pdf import pdf_text
from dozor.core.tests.tools import require_tool
from dozor.facilities.models import Occupancy
from dozor.facilities.tests.factories import FacilityFactory
from dozor.standards.models import Provision, Theme
from dozor.visits.models import (
    Consent,
    Evidence,
    Finding,
    Interview,
    OccupancyCount,
    Report,
    ReportSection,
    Visit,
)
from dozor.visits.reports.content import HistoryPoint
from dozor.visits.reports.documents import (
    confidential_label,
    filename,
    occupancy_png,
    occupancy_svg,
    report_docx,
    report_pdf,
)
from dozor.visits.reports.services import report_start
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

KAZAKH = "Әділет қағидасы: ғимарат, құқық, өкіл, ұстау, үй, һ, інжу"
RUSSIAN = "Съешь же ещё этих мягких французских булок"
QUOTE = "Нас выводят на прогулку только раз в неделю"
SECRET_EXCERPT = "Zylophant-excerpt-never-quoted"
SECRET_NOTES = "Zylophant-notes-confidential"
SECRET_IDENTITY = "Zylophant Identity 1980"
CONSENTED_NOTES = "Quillbrook-notes-confidential"
CONSENTED_IDENTITY = "Quillbrook Identity 1975"
SECRETS = (SECRET_EXCERPT, SECRET_NOTES, SECRET_IDENTITY, CONSENTED_NOTES, CONSENTED_IDENTITY, "INT-SECRET-7")


def provisions(theme: str, count: int) -> list[Provision]:
    return list(Provision.objects.filter(theme__code=theme).order_by("pk")[:count])


def report_visit(coordinator: User) -> Report:
    visit = visit_create(
        actor=coordinator,
        facility=FacilityFactory(code="SIZO-KGD-1"),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 4),
    )
    Visit.objects.filter(pk=visit.pk).update(ended_on=datetime.date(2025, 3, 5))
    visit.refresh_from_db()
    report = report_start(actor=coordinator, visit=visit)
    ReportSection.objects.filter(report=report, key="summary").update(body=f"{KAZAKH}\n\n{RUSSIAN}")
    ReportSection.objects.filter(report=report, key="conclusions").update(body="The place needs repair.")
    for theme, severity, title, count in (
        ("treatment", Finding.Severity.SERIOUS, "No register of injuries on admission", 2),
        ("material_conditions", Finding.Severity.CRITICAL, "Cells without daylight", 1),
        ("health_care", Finding.Severity.POSITIVE, "Medical check within 24 hours", 1),
    ):
        finding = Finding.objects.create(
            visit=visit,
            theme=Theme.objects.get(code=theme),
            severity=severity,
            title=title,
            location="Block A",
            description=f"{title}: details.",
            sources=[Finding.Source.OBSERVATION, Finding.Source.DOCUMENTS],
        )
        finding.provisions.set(provisions(theme, count))
    OccupancyCount.objects.create(visit=visit, category="men", capacity=80, population=97)
    OccupancyCount.objects.create(visit=visit, category="women", capacity=20, population=12)
    for month, population in ((1, 90), (6, 101), (12, 104)):
        Occupancy.objects.create(
            facility=visit.facility, date=datetime.date(2024, month, 1), capacity=100, population=population
        )
    Occupancy.objects.create(
        facility=visit.facility,
        date=datetime.date(2025, 3, 4),
        capacity=100,
        population=109,
        source=Occupancy.Source.VISIT,
    )
    consented = Interview.objects.create(
        visit=visit,
        code="INT-OK-1",
        category=Interview.Category.DETAINEE,
        held_on=visit.started_on,
        excerpt=QUOTE,
        notes=CONSENTED_NOTES,
        identity=CONSENTED_IDENTITY,
    )
    Interview.objects.create(
        visit=visit,
        code="INT-SECRET-7",
        category=Interview.Category.STAFF,
        held_on=visit.started_on,
        excerpt=SECRET_EXCERPT,
        notes=SECRET_NOTES,
        identity=SECRET_IDENTITY,
    )
    for use in (Consent.Use.QUOTE_AUTHORITY, Consent.Use.QUOTE_PUBLIC):
        Consent.objects.create(interview=consented, use=use, given_on=visit.started_on)
    Evidence.objects.create(
        visit=visit,
        kind=Evidence.Kind.PHOTO,
        file="evidence/2025/03/cell-12.jpg",
        original_name="cell-12.jpg",
        content_type="image/jpeg",
        size=100,
        sha256="ab" * 32,
        description="Cell 12 window",
    )
    return report


@pytest.fixture
def report(coordinator: User) -> Report:
    return report_visit(coordinator)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def plain(text: str) -> str:
    """Lines break where the layout breaks them: compare with whitespace folded."""
    return " ".join(text.split())


def assert_confidentiality(text: str) -> None:
    assert QUOTE in text
    for secret in SECRETS:
        assert secret not in text


class TestPdf:
    def test_it_keeps_kazakh_and_russian_text_exactly(self, report: Report) -> None:
        text = plain(pdf_text(report_pdf(report, "kk")))
        assert KAZAKH in text
        assert RUSSIAN in text

    def test_it_quotes_only_with_consent_and_never_identities(self, report: Report) -> None:
        assert_confidentiality(plain(pdf_text(report_pdf(report, "ru"))))

    def test_it_shows_the_structure(self, report: Report) -> None:
        text = plain(pdf_text(report_pdf(report, "en")))
        assert confidential_label() in text
        assert "Page 1 of" in text
        assert "No register of injuries on admission" in text
        assert "Medical check within 24 hours" in text
        assert "[1]" in text and "[3]" in text  # markers and the list of standards cited
        assert "cell-12.jpg" in text  # internal annex of evidence
        assert "Contents" in text

    def test_it_leaves_the_banner_and_evidence_out_of_the_public_version(self, report: Report) -> None:
        text = plain(pdf_text(report_pdf(report, "en", internal=False)))
        assert confidential_label() not in text
        assert "cell-12.jpg" not in text
        assert_confidentiality(text)

    def test_it_renders_a_report_without_data(self, coordinator: User) -> None:
        visit = visit_create(
            actor=coordinator,
            facility=FacilityFactory(),
            visit_type=VisitType.objects.get(code="periodic"),
            started_on=datetime.date(2025, 3, 4),
        )
        report = report_start(actor=coordinator, visit=visit)
        assert "No occupancy records yet." in plain(pdf_text(report_pdf(report, "en")))


class TestDocx:
    def test_it_keeps_the_text_and_the_confidentiality_rules(self, report: Report) -> None:
        text = docx_text(report_docx(report, "kk"))
        assert KAZAKH in text
        assert RUSSIAN in text
        assert_confidentiality(text)
        assert "cell-12.jpg" in text

    def test_it_has_the_banner_toc_field_and_page_numbers(self, report: Report) -> None:
        data = report_docx(report, "en")
        document = Document(io.BytesIO(data))
        header = " ".join(p.text for p in document.sections[0].header.paragraphs)
        assert confidential_label() in header
        xml = document.element.xml
        assert 'TOC \\o "1-2"' in xml
        footer_xml = document.sections[0].footer._element.xml
        assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
        styles = {p.style.name for p in document.paragraphs}
        assert {"Heading 1", "Heading 2", "Heading 3"} <= styles
        assert len(document.inline_shapes) == 1  # the occupancy chart

    def test_it_leaves_the_banner_out_of_the_public_version(self, report: Report) -> None:
        text = docx_text(report_docx(report, "en", internal=False))
        assert confidential_label() not in text
        assert "cell-12.jpg" not in text

    @pytest.mark.slow
    def test_it_opens_in_libreoffice(self, report: Report) -> None:
        libreoffice = require_tool("libreoffice", package="libreoffice-writer-nogui")
        with tempfile.TemporaryDirectory(prefix="dozor-lo-") as tmp:
            source = Path(tmp) / "report.docx"
            source.write_bytes(report_docx(report, "kk"))
            subprocess.run(
                [
                    libreoffice,
                    f"-env:UserInstallation=file://{tmp}/profile",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    tmp,
                    str(source),
                ],
                capture_output=True,
                check=True,
                timeout=120,
            )
            text = plain(pdf_text((Path(tmp) / "report.pdf").read_bytes()))
        assert KAZAKH in text
        assert_confidentiality(text)


def test_it_names_files_in_ascii(report: Report) -> None:
    assert filename(report, "pdf", "kk") == "report-sizo-kgd-1-2025-03-04-kk.pdf"


class TestDownload:
    def url(self, report: Report, **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{reverse('visits:report_document', args=[report.pk])}?{query}"

    def test_it_gives_the_coordinator_a_kazakh_pdf(self, report: Report, as_coordinator) -> None:  # type: ignore[no-untyped-def]
        response = as_coordinator.get(self.url(report, format="pdf", lang="kk"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert response["Content-Disposition"] == 'attachment; filename="report-sizo-kgd-1-2025-03-04-kk.pdf"'
        assert "no-store" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
        event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_id=str(report.pk))
        assert event.actor is not None and event.actor.username == "alice"
        assert event.changes["format"] == "pdf" and event.changes["lang"] == "kk"

    def test_it_gives_the_team_a_docx(self, report: Report, monitor: User) -> None:
        from dozor.visits.services import team_member_add

        team_member_add(actor=User.objects.get(username="alice"), visit=report.visit, user=monitor)
        response = client_for(monitor).get(self.url(report, format="docx", lang="ru"))
        assert response.status_code == 200
        assert RUSSIAN in docx_text(response.content)

    def test_it_gives_council_the_report_without_the_evidence_annex(self, report: Report, as_council) -> None:  # type: ignore[no-untyped-def]
        response = as_council.get(self.url(report, format="docx", lang="ru"))
        assert response.status_code == 200
        text = docx_text(response.content)
        assert RUSSIAN in text and "cell-12.jpg" not in text
        assert confidential_label() in text or "КОНФИДЕНЦИАЛЬНО" in text.upper()
        event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_id=str(report.pk))
        assert event.changes["evidence_annex"] is False

    def test_it_hides_the_report_from_others(
        self, report: Report, as_monitor, as_liaison, as_trainer
    ) -> None:  # type: ignore[no-untyped-def]
        for client in (as_monitor, as_liaison, as_trainer):
            assert client.get(self.url(report, format="pdf", lang="kk")).status_code == 404
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()

    def test_it_sends_anonymous_visitors_to_sign_in(self, report: Report, anonymous) -> None:  # type: ignore[no-untyped-def]
        response = anonymous.get(self.url(report, format="pdf", lang="kk"))
        assert response.status_code == 302
        assert "login" in response["Location"]

    def test_it_refuses_an_unknown_format_or_language(self, report: Report, as_coordinator) -> None:  # type: ignore[no-untyped-def]
        assert as_coordinator.get(self.url(report, format="odt", lang="kk")).status_code == 400
        assert as_coordinator.get(self.url(report, format="pdf", lang="de")).status_code == 400
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()

    def test_it_lists_the_downloads_on_a_fragment(self, report: Report) -> None:
        from django.template.loader import render_to_string

        html = render_to_string("visits/_report_downloads.html", {"report": report})
        assert html.count(reverse("visits:report_document", args=[report.pk])) == 6


class TestCommand:
    def test_it_writes_a_docx(self, report: Report, tmp_path: Path) -> None:
        out = tmp_path / "report.docx"
        stdout = io.StringIO()
        call_command(
            "report", "render", "--visit", str(report.visit_id), "--format", "docx", "--lang", "kk",
            "--out", str(out), stdout=stdout,
        )  # fmt: skip
        assert KAZAKH in docx_text(out.read_bytes())
        assert str(out) in stdout.getvalue()
        event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
        assert event.actor is None and event.changes["via"] == "cli"

    def test_it_writes_a_public_pdf(self, report: Report, tmp_path: Path) -> None:
        out = tmp_path / "report.pdf"
        call_command(
            "report", "render", "--visit", str(report.visit_id), "--format", "pdf", "--lang", "en",
            "--out", str(out), "--public", stdout=io.StringIO(),
        )  # fmt: skip
        assert confidential_label() not in plain(pdf_text(out.read_bytes()))

    def test_it_refuses_an_unknown_visit_or_a_visit_without_report(
        self, coordinator: User, tmp_path: Path
    ) -> None:
        out = str(tmp_path / "x.pdf")
        with pytest.raises(CommandError, match="999999"):
            call_command("report", "render", "--visit", "999999", "--out", out)
        visit = visit_create(
            actor=coordinator,
            facility=FacilityFactory(),
            visit_type=VisitType.objects.get(code="periodic"),
            started_on=datetime.date(2025, 3, 4),
        )
        with pytest.raises(CommandError, match="no report"):
            call_command("report", "render", "--visit", str(visit.pk), "--out", out)
        assert not Path(out).exists()

    def test_it_refuses_an_unknown_format_or_language(self, report: Report, tmp_path: Path) -> None:
        out = str(tmp_path / "x.pdf")
        for extra in (["--format", "odt"], ["--lang", "de"]):
            with pytest.raises(CommandError):
                call_command("report", "render", "--visit", str(report.visit_id), "--out", out, *extra)


def test_liaison_persona_is_an_outsider(report: Report) -> None:
    """A liaison of the authority running the place still gets 404 (reports go through the NPM)."""
    liaison = make_user("lars", "liaison", report.visit.facility.authority.code)
    response = client_for(liaison).get(
        reverse("visits:report_document", args=[report.pk]) + "?format=pdf&lang=kk"
    )
    assert response.status_code == 404


class TestChart:
    def point(self, day: int, population: int) -> HistoryPoint:
        return HistoryPoint(
            date=datetime.date(2025, 1, day), capacity=100, population=population, from_visit=False
        )

    def test_it_draws_one_point_with_a_capacity_segment(self) -> None:
        svg = occupancy_svg([self.point(1, 0)])
        assert svg.count("<rect") == 3  # the bar and two legend swatches (capacity is a line)
        polyline = svg.split('<polyline points="')[1].split('"')[0]
        assert len(polyline.split()) == 2
        assert occupancy_png([self.point(1, 0)]).startswith(b"\x89PNG")

    def test_it_draws_nothing_without_history(self) -> None:
        assert occupancy_svg([]) == ""

    def test_it_scales_to_the_largest_value(self) -> None:
        svg = occupancy_svg([self.point(1, 90), self.point(2, 109)])
        assert ">120</text>" in svg and ">200</text>" not in svg
