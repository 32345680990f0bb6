"""CSV and XLSX exports of recommendations (dozor.recommendations.exports, views.recommendation_export)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import AUDIT_LOCK
from dozor.accounts.models import AuditEvent, User
from dozor.recommendations.exports import COLUMNS
from dozor.recommendations.models import Recommendation, Status, StatusChange
from dozor.recommendations.services import status_change
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from dozor.visits.models import Report

pytestmark = pytest.mark.django_db

CSV = reverse("recommendations:export_csv")
XLSX = reverse("recommendations:export_xlsx")


def _csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    raw = response.content
    assert raw.startswith("\ufeff".encode())  # the byte-order mark spreadsheet programs need
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_csv_has_the_tracker_columns_status_and_dates(as_coordinator: Client, coordinator: User):
    place = kuis_place()
    report = report_for(coordinator, place)
    earlier = recommendation(coordinator, report, issued_on=datetime.date(2024, 2, 1))
    rec = recommendation(
        coordinator,
        report,
        text_ru="Обеспечить осмотр врачом.",
        repeat_of=earlier,
        deadline=datetime.date(2025, 5, 1),
        systemic=True,
    )
    status_change(
        actor=coordinator,
        recommendation=rec,
        status=Status.objects.get(code="in_progress"),
        changed_on=datetime.date(2025, 6, 1),
        verification=StatusChange.Verification.ON_SITE,
        visit=report.visit,
    )
    response = as_coordinator.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert list(rows[0]) == COLUMNS
    row = next(r for r in rows if r["ID"] == str(rec.pk))
    assert row["Recommendation (ru)"] == "Обеспечить осмотр врачом."
    assert row["Date"] == "2025-04-01" and row["Deadline"] == "2025-05-01"
    assert row["Status"] == "In progress" or row["Status"] == Status.objects.get(code="in_progress").name
    assert row["Status date"] == "2025-06-01"
    assert row["Verification"] == "Verified on site (follow-up visit)"
    assert row["Addressee/Responsible entity"] == place.authority.name
    assert row["Facility"] == place.name and row["Region"] == place.region.name
    assert row["Repeat of"] == str(earlier.pk) and row["Systemic"] == "Yes" and row["Overdue"] == "Yes"
    assert row["Recommending body/Source"] == "Visit report"
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == coordinator and event.changes["rows"] == 2


def test_the_export_follows_the_filters(as_coordinator: Client, coordinator: User):
    recommendation(coordinator, facility=kuis_place())
    water = recommendation(coordinator, facility=health_place(), text="Provide drinking water.")
    rows = _csv_rows(as_coordinator.get(CSV, {"q": "water"}))
    assert [r["ID"] for r in rows] == [str(water.pk)]


def test_formulas_are_never_exported_as_formulas(as_coordinator: Client, coordinator: User):
    rec = recommendation(coordinator, facility=kuis_place(), text='=HYPERLINK("http://evil","x")')
    Recommendation.objects.filter(pk=rec.pk).update(source_reference="@SUM(1+1)")
    row = _csv_rows(as_coordinator.get(CSV))[0]
    assert row["Recommendation (en)"].startswith("'=")
    assert row["Source document"] == "'@SUM(1+1)"
    sheet = load_workbook(io.BytesIO(as_coordinator.get(XLSX).content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Recommendation (en)") + 1)
    # XLSX keeps the text as it is, stored as a string cell with the quote-prefix style.
    assert cell.data_type == "s" and cell.quotePrefix and str(cell.value).startswith("=HYPERLINK")


def test_the_xlsx_holds_the_same_rows(as_coordinator: Client, coordinator: User):
    recommendation(coordinator, facility=kuis_place())
    recommendation(coordinator, facility=health_place(), text="Provide drinking water.")
    response = as_coordinator.get(XLSX)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.max_row == 3


def test_a_liaison_exports_only_its_authority(as_liaison: Client, coordinator: User, liaison: User):
    kuis = kuis_place()
    sent = recommendation(coordinator, report_for(coordinator, kuis))
    recommendation(coordinator, report_for(coordinator, kuis, Report.Status.DRAFT), text="Draft only")
    recommendation(coordinator, report_for(coordinator, health_place()), text="Ministry of Health")
    rows = _csv_rows(as_liaison.get(CSV))
    assert [r["ID"] for r in rows] == [str(sent.pk)]
    # no filter reaches another authority's rows (an authority it cannot see is not a valid choice)
    assert [r["ID"] for r in _csv_rows(as_liaison.get(CSV, {"authority": "MZ"}))] == [str(sent.pk)]
    assert _csv_rows(as_liaison.get(CSV, {"q": "ministry of health"})) == []
    sheet = load_workbook(io.BytesIO(as_liaison.get(XLSX).content)).active
    assert sheet is not None and sheet.max_row == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=liaison).count() == 4


def test_outsiders_cannot_export(anonymous: Client, as_trainer: Client):
    assert anonymous.get(CSV).status_code == 302
    assert as_trainer.get(XLSX).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_export_reads_a_bounded_number_of_queries(
    as_coordinator: Client, coordinator: User, django_assert_max_num_queries
):
    place = kuis_place()
    for i in range(20):
        recommendation(coordinator, facility=place, text=f"Recommendation {i}")
    # Session, user, the filter's choices, the rows and their provisions, then the audit entry (a savepoint,
    # the previous entry's hash, the insert): the same for 20 rows as for 2.
    with django_assert_max_num_queries(13 + AUDIT_LOCK):  # + the chain's lock on PostgreSQL
        assert len(_csv_rows(as_coordinator.get(CSV))) == 20
