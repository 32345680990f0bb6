"""Open data of the public portal: published reports and the statuses of public recommendations, as
CSV and JSON (schema: docs/open-data.md; bump ``SCHEMA_VERSION`` when a field changes meaning).

Only what the portal shows goes in: every row comes from ``dozor.publishing.access.published_reports()``.
Report rows carry facts about the visit that are public anyway and, in JSON, the public text (the
internal text with the accepted redactions replaced by their markers). Recommendation rows carry
codes, dates and statuses but not the recommendation's own text, which is internal data: the text
reaches the public in the "Recommendations" section of the report's public text, where redactions
apply; ``number`` points to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dozor.core.exports import csv_bytes
from dozor.publishing.portal.selectors import (
    ordered_sections,
    public_recommendations,
    public_text,
    published_versions,
)

SCHEMA_VERSION = 1
DATASETS = ("reports", "recommendations")
FORMATS = ("csv", "json")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

REPORT_FIELDS: list[tuple[str, Promise]] = [
    ("id", _("Identifier of the public version (one per report and language)")),
    ("report_id", _("Identifier of the visit report (the same for every language)")),
    ("language", _("Language of this version: kk, ru or en")),
    ("published_at", _("When this version was published (ISO 8601, with time zone)")),
    ("visit_started_on", _("First day of the visit (ISO 8601 date)")),
    ("visit_ended_on", _("Last day of the visit (ISO 8601 date; empty for a one-day visit)")),
    ("visit_type", _("Code of the visit type (periodic, follow-up, ad hoc...)")),
    ("facility_id", _("Identifier of the place visited")),
    ("facility_code", _("Registry code of the place visited")),
    ("facility_name_kk", _("Name of the place in Kazakh")),
    ("facility_name_ru", _("Name of the place in Russian")),
    ("facility_name_en", _("Name of the place in English")),
    ("facility_type", _("Code of the type of place")),
    ("region", _("Code of the region")),
    ("authority", _("Code of the authority that runs the place")),
    ("url", _("The public version on the portal")),
    ("pdf_url", _("The public version as PDF")),
    ("docx_url", _("The public version as DOCX")),
]
REPORT_JSON_FIELDS: list[tuple[str, Promise]] = [
    ("sections", _("JSON only: the public text, a list of {key, text} in the report's order")),
]
RECOMMENDATION_FIELDS: list[tuple[str, Promise]] = [
    ("id", _("Identifier of the recommendation")),
    ("report_id", _("Identifier of the published visit report it was issued from")),
    ("number", _("Its number in the report's Recommendations section")),
    ("facility_id", _("Identifier of the place visited")),
    ("facility_code", _("Registry code of the place visited")),
    ("addressee", _("Addressed to: facility, authority, government or parliament")),
    ("authority", _("Code of the authority answerable (empty if none)")),
    ("theme", _("Code of the theme (standards)")),
    ("priority", _("Priority: high, medium or low")),
    ("term", _("Term: short, medium or long")),
    ("systemic", _("true for a systemic recommendation")),
    ("issued_on", _("Date issued (ISO 8601)")),
    ("deadline", _("Deadline (ISO 8601; empty if none)")),
    ("status", _("Code of the current status")),
    ("status_outcome", _("How the status counts: implemented, partial, open, not_implemented, withdrawn")),
    ("status_closed", _("true when the follow-up is closed")),
    ("status_since", _("Date of the current status (ISO 8601; empty if unknown)")),
    ("report_url", _("The report on the portal")),
]
REPORT_COLUMNS = [name for name, _description in REPORT_FIELDS]
RECOMMENDATION_COLUMNS = [name for name, _description in RECOMMENDATION_FIELDS]

Absolute = Callable[[str], str]  # a path to an absolute URL (request.build_absolute_uri)


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def report_rows(absolute: Absolute, *, with_text: bool = False) -> list[dict[str, Any]]:
    """One row per published public version (a report published in two languages gives two rows)."""
    rows = []
    for version in published_versions(with_text=with_text).order_by("report_id", "lang"):
        visit = version.report.visit
        facility = visit.facility
        kwargs = {"lang": version.lang, "report_id": version.report_id}
        row: dict[str, Any] = {
            "id": version.pk,
            "report_id": version.report_id,
            "language": version.lang,
            "published_at": version.published_at.isoformat() if version.published_at else None,
            "visit_started_on": _date(visit.started_on),
            "visit_ended_on": _date(visit.ended_on),
            "visit_type": visit.visit_type.code,
            "facility_id": facility.pk,
            "facility_code": facility.code,
            "facility_name_kk": facility.name_kk,
            "facility_name_ru": facility.name_ru,
            "facility_name_en": facility.name_en,
            "facility_type": facility.type.code,
            "region": facility.region.code,
            "authority": facility.authority.code,
            "url": absolute(reverse("public:report", kwargs=kwargs)),
            "pdf_url": absolute(reverse("public:document", kwargs={**kwargs, "fmt": "pdf"})),
            "docx_url": absolute(reverse("public:document", kwargs={**kwargs, "fmt": "docx"})),
        }
        if with_text:
            row["sections"] = [
                {"key": key, "text": text} for key, text in ordered_sections(public_text(version))
            ]
        rows.append(row)
    return rows


def recommendation_rows(absolute: Absolute) -> list[dict[str, Any]]:
    rows = []
    for item in sorted(public_recommendations(), key=lambda p: (p.recommendation.report_id or 0, p.number)):
        rec = item.recommendation
        assert rec.report is not None
        report_url = reverse("public:report_any", kwargs={"report_id": rec.report_id})
        rows.append(
            {
                "id": rec.pk,
                "report_id": rec.report_id,
                "number": item.number,
                "facility_id": rec.report.visit.facility_id,
                "facility_code": rec.report.visit.facility.code,
                "addressee": rec.addressee,
                "authority": rec.authority.code if rec.authority else None,
                "theme": rec.theme.code,
                "priority": rec.priority,
                "term": rec.term,
                "systemic": rec.systemic,
                "issued_on": _date(rec.issued_on),
                "deadline": _date(rec.deadline),
                "status": rec.status.code,
                "status_outcome": rec.status.outcome,
                "status_closed": rec.status.closed,
                "status_since": _date(rec.status_changed_on),
                "report_url": absolute(report_url),
            }
        )
    return rows


def as_csv(rows: Iterable[dict[str, Any]], columns: list[str]) -> bytes:
    """UTF-8 with a byte order mark (spreadsheets then read Cyrillic right); a cell that starts like
    a formula is prefixed with an apostrophe (``dozor.core.exports.csv_cell``)."""
    return csv_bytes(columns, ([_csv_cell(row.get(column)) for column in columns] for row in rows))


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def as_json(dataset: str, rows: list[dict[str, Any]], absolute: Absolute) -> bytes:
    document = {
        "dataset": dataset,
        "schema_version": SCHEMA_VERSION,
        "schema": absolute(reverse("public:open_data", kwargs={"lang": "en"})),
        "count": len(rows),
        "items": rows,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def export(*, dataset: str, fmt: str, absolute: Absolute) -> bytes:
    """``dataset`` (reports, recommendations) as ``fmt`` (csv, json). Raises ValueError otherwise."""
    if dataset not in DATASETS or fmt not in FORMATS:
        raise ValueError(f"{dataset}.{fmt}")
    if dataset == "reports":
        rows = report_rows(absolute, with_text=fmt == "json")
        columns = REPORT_COLUMNS
    else:
        rows = recommendation_rows(absolute)
        columns = RECOMMENDATION_COLUMNS
    return as_csv(rows, columns) if fmt == "csv" else as_json(dataset, rows, absolute)
