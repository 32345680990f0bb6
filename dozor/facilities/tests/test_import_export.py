from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from dozor.accounts.models import AuditEvent
from dozor.facilities import io as fio
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "code,name_kk,name_ru,name_en,type,authority,region,capacity,population_categories,status,closed_on\n"
)
GOOD = HEADER + (
    "IMP-1,Бірінші мекеме,Первое учреждение,First place,SIZO,,KGD,120,men;pre_trial,active,\n"
    "IMP-2,Екінші мекеме,Второе учреждение,Second place,PSYCH_HOSPITAL,MZ,AST,40,,closed,2021-05-01\n"
)


def upload(client, content: bytes, name: str = "places.csv", check_only: bool = False):  # type: ignore[no-untyped-def]
    data = {"file": SimpleUploadedFile(name, content)}
    if check_only:
        data["check_only"] = "on"
    return client.post(reverse("facilities:import"), data)


def test_it_imports_a_valid_csv(as_coordinator):
    response = upload(as_coordinator, GOOD.encode("utf-8"))
    assert response.status_code == 302
    first = Facility.objects.get(code="IMP-1")
    assert first.authority.code == "KUIS"  # default of the SIZO type
    assert sorted(first.population_categories.values_list("code", flat=True)) == ["men", "pre_trial"]
    assert "бірінші" in first.search_text
    second = Facility.objects.get(code="IMP-2")
    assert second.status == "closed" and str(second.closed_on) == "2021-05-01"
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_it_accepts_semicolons_and_a_byte_order_mark(as_coordinator):
    content = "\ufeff" + GOOD.replace(",", ";").replace("men;pre_trial", "men,pre_trial")
    response = upload(as_coordinator, content.encode("utf-8"))
    assert response.status_code == 302
    assert Facility.objects.filter(code__in=["IMP-1", "IMP-2"]).count() == 2


def test_it_updates_existing_codes(as_coordinator):
    FacilityFactory(code="IMP-1", capacity=5)
    assert upload(as_coordinator, GOOD.encode()).status_code == 302
    assert Facility.objects.get(code="IMP-1").capacity == 120


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + "IMP-1,,Имя,,SIZO,,NOREGION,10,,active,\n", "Unknown region code"),
        (HEADER + "IMP-1,,Имя,,SIZO,,KGD,-3,,active,\n", "Capacity cannot be negative"),
        (HEADER + "IMP-1,,Имя,,SIZO,,KGD,ten,,active,\n", "is not a whole number"),
        (HEADER + "IMP-1,,Имя,,NOPE,,KGD,1,,active,\n", "Unknown facility type code"),
        (
            HEADER + "IMP-1,,Имя,,SIZO,,KGD,1,,active,\nIMP-1,,Имя2,,SIZO,,KGD,1,,active,\n",
            "already used in row 2",
        ),
        (HEADER + "IMP-1,,Имя,,SIZO,,KGD,1,aliens,active,\n", "Unknown population category"),
        (HEADER + "IMP-1,,Имя,,SIZO,,KGD,1,,closed,\n", "needs the date it closed"),
        (HEADER + "IMP 1,,Имя,,SIZO,,KGD,1,,active,\n", "may use only Latin letters"),
        (HEADER + "IMP-1,,,,SIZO,,KGD,1,,active,\n", "at least one language"),
    ],
)
def test_it_reports_row_errors_and_writes_nothing(as_coordinator, content, message):
    good_row = "OK-9,,Хорошая,,SIZO,,KGD,1,,active,\n"
    response = upload(as_coordinator, (content + good_row).encode("utf-8"))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "nothing was written" in response.content.decode()
    assert not Facility.objects.filter(code__in=["IMP-1", "OK-9"]).exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "x.csv", "file is empty"),
        (b"code,name\n", "x.csv", "Unknown columns: name"),
        (b"code,region\nA,KGD\n", "x.csv", "Missing required columns: type"),
        ("code,type,region\nЖ,SIZO,KGD\n".encode("cp1251"), "x.csv", "not UTF-8"),
        (b"code,type,region\n", "x.csv", "no rows"),
        (b"PK\x03\x04garbage", "x.xlsx", "not a readable XLSX"),
        (b"hello", "x.pdf", "Only .csv and .xlsx"),
        (b'code,type,region\n"A,SIZO,KGD\n', "x.csv", "malformed"),
    ],
)
def test_it_refuses_malformed_files(as_coordinator, content, name, message):
    response = upload(as_coordinator, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Facility.objects.count() == 0


def test_it_refuses_oversized_files(as_coordinator, settings):
    settings.DOZOR_MAX_IMPORT_BYTES = 2048
    response = upload(as_coordinator, (GOOD + "x" * 3000).encode())
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert Facility.objects.count() == 0


def test_it_refuses_a_zip_bomb_disguised_as_xlsx(as_coordinator):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (fio.MAX_XLSX_UNCOMPRESSED + 10))
    response = upload(as_coordinator, buffer.getvalue(), "bomb.xlsx")
    assert response.status_code == 400
    assert "expands to more" in response.content.decode()


def test_it_checks_without_writing(as_coordinator):
    response = upload(as_coordinator, GOOD.encode(), check_only=True)
    assert response.status_code == 200
    assert "The file is valid" in response.content.decode()
    assert Facility.objects.count() == 0


def test_it_imports_xlsx(as_coordinator):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name_kk", "type", "region", "capacity", "opened_on"])
    sheet.append(["XL-1", "Қостанай мекемесі", "IVS", "KST", 30, "2019-02-03"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(as_coordinator, buffer.getvalue(), "places.xlsx")
    assert response.status_code == 302
    facility = Facility.objects.get(code="XL-1")
    assert facility.name_kk == "Қостанай мекемесі" and facility.capacity == 30


def test_export_round_trips_through_import(as_coordinator):
    FacilityFactory(code="RT-1", name_kk="Әйелдер колониясы", capacity=300)
    FacilityFactory(code="RT-2", name_ru="Изолятор", capacity=None, latitude=None, longitude=None)
    csv_bytes = as_coordinator.get(reverse("facilities:export_csv")).content
    xlsx_bytes = as_coordinator.get(reverse("facilities:export_xlsx")).content
    assert csv_bytes.startswith("\ufeff".encode())
    sheet = load_workbook(io.BytesIO(xlsx_bytes)).active
    assert [c.value for c in sheet[1]] == fio.COLUMNS
    before = {f.code: (f.name_kk, f.capacity, f.latitude) for f in Facility.objects.all()}
    for content, name in ((csv_bytes, "export.csv"), (xlsx_bytes, "export.xlsx")):
        rows, errors = fio.validate_rows(fio.read_table(content, name))
        assert errors == []
        assert {r.data.code for r in rows} == {"RT-1", "RT-2"}
    response = upload(as_coordinator, csv_bytes, "export.csv")
    assert response.status_code == 302
    after = {f.code: (f.name_kk, f.capacity, f.latitude) for f in Facility.objects.all()}
    assert after == before


def test_only_coordinators_import(as_monitor, as_liaison):
    for client in (as_monitor, as_liaison):
        assert upload(client, GOOD.encode()).status_code == 403
    assert Facility.objects.count() == 0


@hsettings(max_examples=30, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_reader(data):
    try:
        rows = fio.read_table(data, "fuzz.csv")
    except fio.ImportFileError:
        return
    assert isinstance(rows, list)
