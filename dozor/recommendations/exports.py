"""CSV and XLSX exports of recommendations, in a column layout that recommendation trackers import.

Column names follow the import templates of the common national recommendation trackers - OHCHR's
IMPACT OSS (National Recommendations Tracking Database) and SADATA (Samoa's database) - where a
column of ours means the same thing, so a file opens there with little or no remapping:

==============================  ======================================================================
Column                          Dozor field
==============================  ======================================================================
ID                              Recommendation.pk (stable identifier for re-imports)
Recommendation                  text in the language of the export (falls back to another language)
Recommendation (kk/ru/en)       each language's text
Recommending body/Source        the NPM's source: visit report, thematic/annual report, SPT, other
Source document                 source reference, else "<place> <visit date>" of the visit report
Date                            issued_on (ISO 8601)
Addressee/Responsible entity    the authority (ministry/committee) answerable, else Government/Parliament
Addressee type                  management of the place / ministry or committee / Government / Parliament
Theme                           standards theme ("Thematic area" in SADATA)
Provisions                      instrument and article, ";"-separated ("Human rights" column)
Status                          current status (pack data)
Status date                     status_changed_on
Verification                    how the latest status change was verified (our addition)
Deadline                        deadline ("Timeline" in SADATA)
Facility / Facility type        the place, if any, and its type (our addition)
Region                          region of the place
Priority / Term / Systemic      priority, term (short/medium/long), systemic (Yes/No)
Repeat of                       ID of the earlier recommendation this one repeats
Overdue                         Yes when the deadline passed and the follow-up is not closed
==============================  ======================================================================

Column names stay in English whatever the interface language (trackers map by name); values
(status, theme, ...) are in the user's language. CSV is UTF-8 with a byte-order mark so that
spreadsheet programs read Cyrillic and Kazakh letters. Both files are written by
``dozor.core.exports``, which keeps a text starting like a formula (= + - @) from ever running as one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from dozor.core.exports import csv_bytes, workbook, xlsx_bytes
from dozor.recommendations.models import Recommendation, StatusChange

COLUMNS = [
    "ID",
    "Recommendation",
    "Recommendation (kk)",
    "Recommendation (ru)",
    "Recommendation (en)",
    "Recommending body/Source",
    "Source document",
    "Date",
    "Addressee/Responsible entity",
    "Addressee type",
    "Theme",
    "Provisions",
    "Status",
    "Status date",
    "Verification",
    "Deadline",
    "Facility",
    "Facility type",
    "Region",
    "Priority",
    "Term",
    "Systemic",
    "Repeat of",
    "Overdue",
]


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def export_row(recommendation: Recommendation, today: datetime.date) -> list[Any]:
    rec = recommendation
    facility = rec.facility
    responsible = rec.authority.name if rec.authority is not None else rec.get_addressee_display()
    document = rec.source_reference
    if not document and rec.report_id is not None:
        report = rec.report
        assert report is not None
        document = f"{report.visit.facility.name} {report.visit.started_on:%Y-%m-%d}"
    verification = getattr(rec, "last_verification", None) or ""
    labels = dict(StatusChange.Verification.choices)
    provisions = "; ".join(f"{p.instrument.short} {p.number_display}" for p in rec.provisions.all())
    overdue = rec.deadline is not None and rec.deadline < today and not rec.status.closed
    row = [
        rec.pk,
        rec.text,
        rec.text_kk,
        rec.text_ru,
        rec.text_en,
        rec.get_source_display(),
        document,
        _date(rec.issued_on),
        responsible,
        rec.get_addressee_display(),
        rec.theme.name,
        provisions,
        rec.status.name,
        _date(rec.status_changed_on),
        str(labels.get(verification, verification)),
        _date(rec.deadline),
        facility.name if facility else "",
        facility.type.name if facility else "",
        facility.region.name if facility else "",
        rec.get_priority_display(),
        rec.get_term_display(),
        _yes(rec.systemic),
        rec.repeat_of_id or "",
        _yes(overdue),
    ]
    return [str(v) if not isinstance(v, int) else v for v in row]


def export_csv(recommendations: Iterable[Recommendation]) -> bytes:
    today = timezone.localdate()
    return csv_bytes(COLUMNS, (export_row(rec, today) for rec in recommendations))


def export_xlsx(recommendations: Iterable[Recommendation]) -> bytes:
    today = timezone.localdate()
    book = workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "recommendations"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for rec in recommendations:
        sheet.append(export_row(rec, today))
    return xlsx_bytes(book)
