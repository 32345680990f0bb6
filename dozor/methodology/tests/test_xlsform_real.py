"""XLSForm import of real-world forms (issue 17 item 3, decision 0028): every construct pyxform accepts
is kept (and exported back) or named row by row in the report; bounded memory; identity; languages.

The forms are under ``forms/`` with their sources and licences in ``forms/README.md``."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from pyxform.xls2json_backends import get_xlsform

from dozor.methodology.models import ChecklistTemplate, Question, QuestionType, TemplateVersion
from dozor.methodology.services import version_import_xlsform, version_new_draft, version_publish
from dozor.methodology.xlsform import XLSFormError, export_version, parse_xlsform, to_xform

pytestmark = pytest.mark.django_db

FORMS = Path(__file__).parent / "forms"
REAL_FORMS = sorted(p for p in FORMS.iterdir() if p.suffix in (".xlsx", ".xls"))


def _norm(value: str) -> str:
    """A value as both sides write it: references to renamed fields, yes/no spellings, spaces."""
    value = re.sub(
        r"\$\{\s*([^}]+?)\s*\}", lambda m: "${" + re.sub(r"[^a-z0-9]+", "_", m.group(1).lower()) + "}", value
    )
    value = value.strip()
    return "yes" if value.lower() in ("yes", "true", "true()") else value


def _name(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def _sheet(data: bytes, sheet: str) -> list[tuple[int, dict[str, str]]]:
    book = get_xlsform(xlsform=io.BytesIO(data))
    rows = getattr(book, sheet) or []
    return [
        (number, {str(k): str(v) for k, v in row.items() if str(v).strip()})
        for number, row in enumerate(rows, start=2)
        if any(str(v).strip() for v in row.values())
    ]


def _reported(report: list[str], sheet: str, row: int) -> bool:
    return any(re.search(rf"\b{sheet}, row {row}\b", line) for line in report)


@pytest.mark.parametrize("path", REAL_FORMS, ids=lambda p: p.name)
def test_every_construct_of_a_real_form_is_kept_or_reported_by_row(coordinator, path):
    data = path.read_bytes()
    draft = version_import_xlsform(actor=coordinator, data=data, filename=path.name)
    assert draft.status == TemplateVersion.Status.DRAFT
    exported = export_version(draft)
    _xml, _warnings = to_xform(exported)  # what Dozor gives back is a valid XLSForm again
    report = draft.import_report
    back: dict[str, list[set[str]]] = {}
    for _row, cells in _sheet(exported, "survey"):
        if cells.get("name"):
            back.setdefault(_name(cells["name"]), []).append({_norm(v) for v in cells.values()})
    lost = []
    for row, cells in _sheet(data, "survey"):
        kind = cells.get("type", "").lower()
        if not cells.get("name") or kind.startswith("end"):
            continue
        values = {_norm(v) for key, v in cells.items() if key.lower() not in ("type", "name")}
        candidates = back.get(_name(cells["name"]), [])
        if not any(values <= out for out in candidates) and not _reported(report, "survey", row):
            missing = values - (candidates[0] if candidates else set())
            lost.append(f"survey row {row} ({cells['name']}): {sorted(missing)[:3]}")
    exported_choices = {
        (cells.get("name", ""), _norm(v))
        for _row, cells in _sheet(exported, "choices")
        for v in cells.values()
    }
    for row, cells in _sheet(data, "choices"):
        name = cells.get("name", "")
        if name in ("yes", "no") or (not cells.get("list_name") and not cells.get("list name")):
            continue  # yes/no lists become Dozor's own yes/no question
        for key, value in cells.items():
            if key.lower().replace(" ", "_") in ("list_name", "name"):
                continue
            if (name, _norm(value)) not in exported_choices and not _reported(report, "choices", row):
                lost.append(f"choices row {row} ({name}) column {key}")
    # A choice list no select uses is not a construct of the form (pyxform ignores it too).
    used = {c.get("type", "").split()[-1] for _r, c in _sheet(data, "survey") if " " in c.get("type", "")}
    lost = [line for line in lost if not line.startswith("choices") or _choice_list_used(data, line, used)]
    assert not lost, f"{path.name}: lost without a report line: {lost[:10]}"


def _choice_list_used(data: bytes, line: str, used: set[str]) -> bool:
    row = int(line.split()[2])
    for number, cells in _sheet(data, "choices"):
        if number == row:
            return (cells.get("list_name") or cells.get("list name") or "") in used
    return True


_MEASURE = """
import io, os, resource, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
django.setup()
from dozor.methodology.xlsform import parse_xlsform
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
parse_xlsform(data, filename=os.path.basename(sys.argv[1]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(after - before, after)
"""


@pytest.mark.parametrize(
    "path", [p for p in REAL_FORMS if p.stat().st_size < 1024 * 1024], ids=lambda p: p.name
)
def test_it_imports_any_form_under_1_mb_in_under_200_mb(path):
    """Peak resident memory of a fresh process, over what Django itself takes (ru_maxrss is in KB on
    Linux); the whole-sheet form declares 1,048,576 x 16,384 cells (3-9 GB before)."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    growth_kb, _peak_kb = (int(v) for v in result.stdout.split()[-2:])
    assert growth_kb < 200 * 1024, f"{path.name}: {growth_kb // 1024} MB"


def test_the_whole_sheet_form_declares_the_whole_grid():
    import zipfile

    with zipfile.ZipFile(FORMS / "hot_waste_collection_whole_sheet.xlsx") as archive:
        assert b'<dimension ref="A1:XFD1048576"' in archive.read("xl/worksheets/sheet1.xml")


# --- constructs, one by one ----------------------------------------------------------------------


def _workbook(
    survey: list[list[Any]],
    choices: list[list[Any]] | None = None,
    settings: dict[str, str] | None = None,
    *,
    header: list[str] | None = None,
    choice_header: list[str] | None = None,
) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "survey"
    ws.append(header or ["type", "name", "label", "relevant"])
    for row in survey:
        ws.append(row)
    if choices is not None:
        sheet = book.create_sheet("choices")
        sheet.append(choice_header or ["list_name", "name", "label"])
        for row in choices:
            sheet.append(row)
    if settings:
        sheet = book.create_sheet("settings")
        sheet.append(list(settings))
        sheet.append(list(settings.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _questions(parsed: Any) -> dict[str, dict[str, Any]]:
    return {q["name"]: q for s in parsed.sections for q in s["questions"]}


def test_it_imports_free_choice_names_unlabelled_groups_and_odd_field_names():
    data = _workbook(
        [
            ["begin_group", "where", None],
            ["select_one answers", "Sub-Ward", "Which?"],
            ["select_multiple pics", "pics", "Pick"],
            ["calculate", "total", None],
            ["integer", "count", "How many?", "${total} > 2"],
            ["end_group", None, None],
        ],
        [
            ["answers", "1", "One"],
            ["answers", "99", "Don't know"],
            ["answers", "Not-Sure", "Not sure"],
            ["answers", "very good", "Very good"],
            ["pics", "a", None, "a.png"],
            ["pics", "b", None, "b.png"],
        ],
        choice_header=["list_name", "name", "label", "media::image"],
        header=["type", "name", "label", "relevant", "calculation"],
    )
    # openpyxl rows: put the calculation of 'total' in its column
    book = load_workbook(io.BytesIO(data))
    book["survey"]["E5"] = "1 + 2"
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse_xlsform(buffer.getvalue())
    questions = _questions(parsed)
    assert [c["name"] for c in questions["sub_ward"]["choices"]] == ["1", "99", "Not-Sure", "very good"]
    assert any("row 3" in line and "'Sub-Ward' is renamed 'sub_ward'" in line for line in parsed.report)
    assert parsed.sections[0]["title"]["en"] == "where"
    assert any("row 2" in line and "has no label" in line for line in parsed.report)
    assert any(
        "choices, row 6: choice 'a' of list 'pics' has only an image" in line for line in parsed.report
    )
    count = questions["count"]
    assert count["relevant"] == "" and count["xlsform"]["columns"]["relevant"] == "${total} > 2"
    assert any("survey, row 6, column relevant" in line for line in parsed.report)
    kept = parsed.sections[0]["xlsform"]["rows"]
    assert kept[0]["columns"]["type"] == "calculate" and kept[0]["columns"]["calculation"] == "1 + 2"


def test_it_keeps_duplicate_choice_names_the_form_allows(coordinator):
    data = _workbook(
        [["select_one towns", "town", "Town"]],
        [["towns", "north", "North A"], ["towns", "north", "North B"], ["towns", "south", "South"]],
        {"form_id": "towns", "allow_choice_duplicates": "yes"},
    )
    draft = version_import_xlsform(actor=coordinator, data=data)
    question = Question.objects.get(section__version=draft)
    assert [c["name"] for c in question.choices] == ["north", "north", "south"]
    assert question.xlsform["allow_choice_duplicates"] is True


KEPT_SURVEY = [
    ["select_one states", "state", "State", "", "", "", "", "", ""],
    ["select_one counties", "county", "County", "", "", "${state} = cf", "", "", ""],
    ["integer", "visitors", "Visitors", "${state} = 'texas'", "", "", "3", "", ""],
    ["decimal", "share", "Share", "", "", "", "", "${visitors} * 2", "yes"],
    ["text", "why", "Why?", "", "", "", "", "", ""],
    ["begin_group", "outer", "Outer", "", "", "", "", "", ""],
    ["begin_repeat", "inner", "Inner", "${visitors} > 1", "${visitors}", "", "", "", ""],
    ["text", "name_of", "Name", "", "", "", "", "", ""],
    ["end_repeat", "", "", "", "", "", "", "", ""],
    ["end_group", "", "", "", "", "", "", "", ""],
]
KEPT_HEADER = [
    "type",
    "name",
    "label",
    "relevant",
    "repeat_count",
    "choice_filter",
    "default",
    "calculation",
    "read_only",
]


def _kept_form() -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "survey"
    ws.append([*KEPT_HEADER, "bind::required", "trigger"])
    for row in KEPT_SURVEY:
        ws.append(row)
    ws["J6"] = "${visitors} > 10"  # a required expression, in the legacy bind:: column
    ws["K6"] = "${visitors}"
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label", "cf"])
    for row in [
        ["states", "texas", "Texas", ""],
        ["states", "washington", "Washington", ""],
        ["counties", "king", "King", "washington"],
        ["counties", "harris", "Harris", "texas"],
    ]:
        choices.append(row)
    book.create_sheet("settings").append(["form_id"])
    book["settings"].append(["kept_constructs"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_it_keeps_cascades_defaults_calculations_repeats_and_exports_them_back(coordinator):
    draft = version_import_xlsform(actor=coordinator, data=_kept_form())
    report = draft.import_report
    for row, column in [(3, "choice_filter"), (4, "default"), (5, "calculation"), (5, "read_only")]:
        assert any(f"survey, row {row}, column {column}:" in line for line in report), (row, column)
    assert any("survey, row 6, column required:" in line for line in report)
    assert any("survey, row 6, column trigger:" in line for line in report)
    assert any("row 8" in line and "repeat 'inner' inside 'outer'" in line for line in report)
    exported = export_version(draft)
    to_xform(exported)
    survey = {
        cells["name"]: cells
        for _row, cells in _sheet(exported, "survey")
        if "name" in cells and not cells["type"].startswith("end")
    }
    assert survey["county"]["choice_filter"] == "${state} = cf"
    assert survey["visitors"]["default"] == "3" and survey["visitors"]["relevant"] == "${state} = 'texas'"
    assert survey["share"]["calculation"] == "${visitors} * 2" and survey["share"]["read_only"] == "yes"
    assert survey["why"]["required"] == "${visitors} > 10" and survey["why"]["trigger"] == "${visitors}"
    assert survey["inner"]["type"] == "begin_repeat" and survey["inner"]["repeat_count"] == "${visitors}"
    assert survey["inner"]["relevant"] == "${visitors} > 1"
    order = [cells.get("type") for _row, cells in _sheet(exported, "survey")]
    assert order.count("begin_repeat") == 1 and order.count("end_repeat") == 1
    choices = {cells["name"]: cells for _row, cells in _sheet(exported, "choices")}
    assert choices["king"]["cf"] == "washington"
    # a new draft copied from the published version keeps them too
    assert Question.objects.get(section__version=draft, name="name_of").xlsform["groups"] == ["inner"]


def test_custom_yes_no_labels_stay_a_choice_question():
    data = _workbook(
        [["select_one yn", "agree", "Agree?"], ["select_one plain", "plain", "Plain?"]],
        [
            ["yn", "yes", "Yes, fully"],
            ["yn", "no", "Not at all"],
            ["plain", "yes", "Yes"],
            ["plain", "no", "No"],
        ],
    )
    questions = _questions(parse_xlsform(data))
    assert questions["agree"]["type"] == QuestionType.SELECT_ONE
    assert questions["agree"]["choices"][0]["label"]["en"] == "Yes, fully"
    assert questions["plain"]["type"] == QuestionType.YES_NO


def test_label_runyankole_stays_its_own_language_and_is_shown():
    data = _workbook(
        [["text", "name", "Name", "Eiziina"]],
        header=["type", "name", "label::English (en)", "label::Runyankole"],
    )
    parsed = parse_xlsform(data)
    question = _questions(parsed)["name"]
    assert question["label"] == {"kk": "", "ru": "", "en": "Name"}
    assert question["xlsform"]["columns"]["label::Runyankole"] == "Eiziina"
    assert any("'Runyankole'" in line for line in parsed.report)
    only = parse_xlsform(
        _workbook([["text", "name", "Eiziina"]], header=["type", "name", "label::Runyankole"])
    )
    assert Question(**{"name": "name", "xlsform": _questions(only)["name"]["xlsform"]}).label == "Eiziina"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("label::Қазақша", "kk"),
        ("label::Kazakh", "kk"),
        ("label::Русский", "ru"),
        ("label::English", "en"),
        ("label::Қазақ тілі (kk)", "kk"),
        ("label:english", "en"),
        ("Label::RUSSIAN (ru)", "ru"),
    ],
)
def test_known_language_names_and_codes_are_dozors_languages(header, language):
    parsed = parse_xlsform(_workbook([["text", "q", "Text"]], header=["type", "name", header]))
    assert _questions(parsed)["q"]["label"][language] == "Text"


@pytest.mark.parametrize("header", ["label::Runyankole", "label::Rukiga", "label::Luganda (lg)"])
def test_unknown_languages_are_never_guessed_from_their_first_letters(header):
    parsed = parse_xlsform(_workbook([["text", "q", "Text"]], header=["type", "name", header]))
    question = _questions(parsed)["q"]
    assert question["label"] == {"kk": "", "ru": "", "en": ""}
    assert question["xlsform"]["columns"][header] == "Text"


def test_two_forms_without_form_id_with_one_title_never_merge(coordinator):
    data = _workbook([["integer", "cells", "Cells"]], settings={"form_title": "Monitoring"})
    first = version_import_xlsform(actor=coordinator, data=data, filename="form.xlsx")
    version_publish(actor=coordinator, version=_linked(first))
    second = version_import_xlsform(actor=coordinator, data=data, filename="form.xlsx")
    assert first.template_id != second.template_id and second.number == 1
    assert ChecklistTemplate.objects.filter(code__startswith="monitoring").count() == 2


def _linked(version: TemplateVersion) -> TemplateVersion:
    from dozor.standards.models import Provision

    provision = Provision.objects.first()
    for question in Question.objects.filter(section__version=version):
        question.provisions.add(provision)
    return version


def test_a_form_with_form_id_becomes_a_new_draft_of_its_template(coordinator):
    data = _workbook([["integer", "cells", "Cells"]], settings={"form_id": "cells_check"})
    first = version_import_xlsform(actor=coordinator, data=data)
    version_publish(actor=coordinator, version=_linked(first))
    second = version_import_xlsform(actor=coordinator, data=data)
    assert second.template_id == first.template_id and second.number == 2


def test_a_kept_construct_survives_a_new_draft(coordinator):
    draft = version_import_xlsform(actor=coordinator, data=_kept_form())
    version_publish(actor=coordinator, version=_linked(draft))
    copy = version_new_draft(actor=coordinator, template=draft.template)
    assert Question.objects.get(section__version=copy, name="county").xlsform["columns"]["choice_filter"]


def test_it_refuses_what_pyxform_refuses_with_pyxforms_reason():
    with pytest.raises(XLSFormError) as caught:
        parse_xlsform(_workbook([["select_one missing", "q", "Q"]], [["other", "a", "A"]]))
    assert "not a valid XLSForm" in caught.value.errors[0] and "missing" in caught.value.errors[0]


# --- the web page and the API use the same code --------------------------------------------------


def _upload(path: Path) -> io.BytesIO:
    buffer = io.BytesIO(path.read_bytes())
    buffer.name = path.name
    return buffer


def test_the_upload_page_shows_the_report_in_the_readers_language(as_coordinator):
    response = as_coordinator.post(
        reverse("methodology:import"), {"file": _upload(FORMS / "hot_waste_collection.xlsx")}
    )
    assert response.status_code == 302
    page = as_coordinator.get(response["Location"], follow=True).content.decode()
    assert 'data-testid="import-report"' in page
    assert "survey, row" in page and "sub-ward" in page.lower()


def test_the_api_returns_the_report(as_coordinator):
    response = as_coordinator.post(
        "/api/v1/xlsform-import/", {"file": _upload(FORMS / "pyxform_choice_filter_test.xlsx")}
    )
    assert response.status_code == 201, response.content[:500]
    report = json.loads(response.content)["import_report"]
    assert any("survey, row 3, column choice_filter" in line for line in report)
