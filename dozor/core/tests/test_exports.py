"""Every spreadsheet and CSV export is written by ``dozor.core.exports`` and keeps formulas inert.

A place named ``=HYPERLINK("http://x","y")`` must come out of each export as text: in CSV prefixed
with an apostrophe, in XLSX as a string cell (never a formula cell). A scan of the source fails when
code outside the helper writes CSV or creates a workbook by itself."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from dozor.accounts.models import User
from dozor.core.exports import csv_bytes, csv_cell, workbook, xlsx_bytes
from dozor.facilities.tests.factories import FacilityFactory
from dozor.planning.models import Expense
from dozor.planning.tests.factories import PlanFactory, planned_visit
from dozor.recommendations.tests.factories import recommendation
from dozor.training.tests.factories import EventFactory, ProgrammeFactory

PAYLOAD = '=HYPERLINK("http://x","y")'
PACKAGE = Path(__file__).resolve().parents[2]


def test_it_prefixes_formula_starts_in_csv_cells() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(start + "cmd|' /C calc'!A0") == "'" + start + "cmd|' /C calc'!A0"
    assert csv_cell("ok") == "ok" and csv_cell(7) == 7 and csv_cell(None) is None
    assert csv_cell("-43.25") == "-43.25" and csv_cell("+7") == "+7"  # numbers stay numbers
    assert csv_cell("+7 701 000 00 00") == "'+7 701 000 00 00"
    rows = list(csv.reader(io.StringIO(csv_bytes(["a"], [[PAYLOAD]]).decode("utf-8-sig"))))
    assert rows == [["a"], ["'" + PAYLOAD]]


def test_it_saves_a_formula_as_a_text_cell_however_it_was_written() -> None:
    book = workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([PAYLOAD, 1])
    sheet["C1"] = PAYLOAD
    sheet.cell(row=2, column=1, value="=1+1")
    sheet["B2"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    sheet["C2"] = "\tplain"
    sheet["D2"] = "plain"
    again = load_workbook(io.BytesIO(xlsx_bytes(book))).active
    assert again is not None
    for ref in ("A1", "C1", "A2", "B2", "C2"):
        assert again[ref].data_type == "s" and again[ref].quotePrefix, ref
    assert not again["D2"].quotePrefix
    assert again["A1"].value == PAYLOAD and again["B1"].value == 1  # the text itself is kept


def _csv_values(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_inert_csv(content: bytes) -> None:
    values = _csv_values(content)
    assert any(value.startswith("'" + PAYLOAD) for value in values)
    assert not any(value.startswith("=") for value in values)


def _assert_inert_xlsx(content: bytes) -> None:
    cells = [cell for cell in _xlsx_cells(content) if str(cell.value).startswith(PAYLOAD)]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert not any(cell.data_type == "f" for cell in _xlsx_cells(content))


def _hostile_place() -> Any:
    return FacilityFactory(name_kk=PAYLOAD, name_ru=PAYLOAD, name_en=PAYLOAD)


@pytest.mark.django_db
def test_it_keeps_a_hostile_place_name_inert_in_the_registry_exports(as_coordinator: Client) -> None:
    _hostile_place()
    _assert_inert_csv(as_coordinator.get(reverse("facilities:export_csv")).content)
    _assert_inert_xlsx(as_coordinator.get(reverse("facilities:export_xlsx")).content)


@pytest.mark.django_db
def test_it_keeps_a_hostile_place_name_inert_in_the_recommendation_exports(
    as_coordinator: Client, coordinator: User
) -> None:
    recommendation(coordinator, facility=_hostile_place())
    _assert_inert_csv(as_coordinator.get(reverse("recommendations:export_csv")).content)
    _assert_inert_xlsx(as_coordinator.get(reverse("recommendations:export_xlsx")).content)


@pytest.mark.django_db
def test_it_keeps_a_hostile_place_name_inert_in_a_plans_actuals(as_coordinator: Client) -> None:
    plan = PlanFactory(budget=Decimal("1000"))
    planned = planned_visit(plan, announced=True, estimated_cost=Decimal("10"), facility=_hostile_place())
    Expense.objects.create(
        planned_visit=planned, category="travel", amount=Decimal("5"), spent_on=planned.starts_on
    )
    response = as_coordinator.get(reverse("planning:plan_actuals_xlsx", args=[plan.pk]))
    assert response.status_code == 200
    _assert_inert_xlsx(response.content)


@pytest.mark.django_db
def test_it_keeps_a_hostile_event_title_inert_in_the_programme_report(as_coordinator: Client) -> None:
    programme = ProgrammeFactory()
    EventFactory(programme=programme, title_en=PAYLOAD, title_ru=PAYLOAD, title_kk=PAYLOAD)
    response = as_coordinator.get(reverse("training:programme_xlsx", args=[programme.pk]))
    assert response.status_code == 200
    _assert_inert_xlsx(response.content)


@pytest.mark.django_db
def test_it_keeps_a_hostile_place_name_inert_in_open_data(anonymous: Client, coordinator: User) -> None:
    from dozor.publishing.portal.tests.test_portal import make_report, make_version

    make_version(make_report(coordinator, _hostile_place()), "ru")
    response = anonymous.get(reverse("public:data", kwargs={"dataset": "reports", "fmt": "csv"}))
    assert response.status_code == 200
    _assert_inert_csv(response.content)


# --- the scan: no export writes CSV or XLSX by itself ---------------------------------------------

FORBIDDEN = re.compile(
    r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|from openpyxl import[^\n]*\bWorkbook\b|openpyxl\.Workbook\b"
)


def test_it_finds_no_csv_or_workbook_writer_outside_the_export_helper() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if relative == "dozor/core/exports.py" or "/tests/" in relative or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "write CSV/XLSX through dozor.core.exports:\n" + "\n".join(offenders)


def test_the_scan_would_catch_a_new_writer() -> None:
    assert FORBIDDEN.search("    writer = csv.writer(buffer)")
    assert FORBIDDEN.search("from openpyxl import Workbook, load_workbook")
    assert FORBIDDEN.search("book = Workbook()")
    assert not FORBIDDEN.search("from openpyxl import load_workbook")
