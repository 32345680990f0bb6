"""Training documents: certificates (PDF) and programme reports (PDF, XLSX).

PDFs are rendered by WeasyPrint (``dozor.core.documents.render_pdf``) from templates under
``training/templates/training/documents/`` using the DejaVu Sans font (covers Cyrillic and the
Kazakh letters). Nothing here checks access: callers (views, commands) decide who may download what.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from dozor.core.documents import render_pdf
from dozor.core.exports import workbook, xlsx_bytes
from dozor.core.models import Region
from dozor.people.models import Organisation, Person
from dozor.training.models import Certificate, CompetencyGrant, Programme
from dozor.training.stats import Breakdown, EventRow, programme_breakdown, programme_event_rows

LANGUAGES = ("kk", "ru", "en")


def verify_url(certificate: Certificate, site: str = "") -> str:
    """The address printed on the certificate, where anyone can check it: under DOZOR_SITE_URL,
    else under ``site`` (the address the request came to), else the path alone."""
    base = (settings.DOZOR_SITE_URL or site).rstrip("/")
    return base + reverse("verify:certificate", kwargs={"code": certificate.code})


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "ru"


def certificate_html(certificate: Certificate, lang: str, *, site: str = "") -> str:
    lang = _lang(lang)
    enrolment = certificate.enrolment
    grants = list(
        CompetencyGrant.objects.filter(certificate=certificate)
        .select_related("competency")
        .order_by("competency__sort_order")
    )
    with translation.override(lang):
        return render_to_string(
            "training/documents/certificate.html",
            {
                "lang": lang,
                "certificate": certificate,
                "person": enrolment.person,
                "event": enrolment.event,
                "programme": enrolment.event.programme,
                "grants": grants,
                "verify_url": verify_url(certificate, site),
            },
        )


def certificate_pdf(certificate: Certificate, lang: str, *, site: str = "") -> bytes:
    return render_pdf(certificate_html(certificate, lang, site=site))


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _labelled(breakdown: Breakdown) -> dict[str, list[tuple[str, int]]]:
    kinds = dict(Organisation.Kind.choices)
    genders = dict(Person.Gender.choices)
    regions = {r.code: r.name for r in Region.objects.filter(code__in=list(breakdown.region))}
    unknown = _("Not recorded")
    return {
        "kinds": [(str(kinds.get(k, unknown)), n) for k, n in breakdown.organisation_kind.items()],
        "regions": [(regions.get(k, unknown), n) for k, n in breakdown.region.items()],
        "genders": [(str(genders.get(k, unknown)), n) for k, n in breakdown.gender.items()],
    }


def _row_view(row: EventRow) -> dict[str, Any]:
    return {
        "event": row.event,
        "participants": row.participants,
        "mean_share": row.mean_share,
        "attendance_percent": _percent(None if row.mean_share is None else row.mean_share * 100),
        "gain": row.gain,
        "gain_text": "" if row.gain is None else f"{row.gain:+.1f}",
        "evaluations": row.evaluations,
        "overall_text": "" if row.evaluations.overall is None else f"{row.evaluations.overall:.1f}",
    }


def programme_report_html(programme: Programme, lang: str) -> str:
    lang = _lang(lang)
    with translation.override(lang):
        rows = programme_event_rows(programme)
        breakdown = programme_breakdown(programme)
        return render_to_string(
            "training/documents/programme_report.html",
            {
                "lang": lang,
                "programme": programme,
                "rows": [_row_view(r) for r in rows],
                "total": breakdown.total,
                **_labelled(breakdown),
            },
        )


def programme_report_pdf(programme: Programme, lang: str) -> bytes:
    return render_pdf(programme_report_html(programme, lang))


def programme_report_xlsx(programme: Programme, lang: str = "en") -> bytes:
    """Sheets: events (one row each, numbers as numbers) and participants (breakdowns)."""
    lang = _lang(lang)
    with translation.override(lang):
        rows = programme_event_rows(programme)
        labelled = _labelled(programme_breakdown(programme))
        book = workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = _("Events")[:31]
        header = [
            _("Event"),
            _("City"),
            _("Starts on"),
            _("Ends on"),
            _("Status"),
            _("Participants"),
            _("Waiting list"),
            _("Attendance (%)"),
            _("Learning gain (points)"),
            _("With both tests"),
            _("Evaluations"),
            _("Overall (1-5)"),
            _("Relevance (1-5)"),
            _("Trainers (1-5)"),
        ]
        sheet.append(header)
        for row in rows:
            ev = row.evaluations
            sheet.append(
                [
                    row.event.title,
                    row.event.city,
                    row.event.starts_on,
                    row.event.ends_on,
                    str(row.event.get_status_display()),
                    row.participants,
                    row.waitlisted,
                    None if row.mean_share is None else round(row.mean_share * 100, 1),
                    None if row.gain is None else round(row.gain, 1),
                    row.gain_people,
                    ev.count,
                    None if ev.overall is None else round(ev.overall, 2),
                    None if ev.relevance is None else round(ev.relevance, 2),
                    None if ev.trainers is None else round(ev.trainers, 2),
                ]
            )
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        people = book.create_sheet(_("Participants")[:31])
        for title, key in (
            (_("Type of organisation"), "kinds"),
            (_("Region"), "regions"),
            (_("Gender"), "genders"),
        ):
            people.append([title, _("Participants")])
            people.cell(row=people.max_row, column=1).font = Font(bold=True)
            for label, n in labelled[key]:
                people.append([label, n])
            people.append([])
    return xlsx_bytes(book)
