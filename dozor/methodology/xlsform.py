"""XLSForm export (for ODK Collect, KoboCollect, Enketo) and import (into a draft template).

Export: every published version becomes one XLSForm in kk, ru and en, with groups per section,
repeats, relevance, constraints and choices, plus two hidden calculated fields
(``dozor_template``, ``dozor_version``) that come back in every submission, so that a
submissions file can be matched to the exact version it was filled with. pyxform must convert
the result to an XForm without warnings (tests check every shipped template).

Import: an existing XLSForm (e.g. built in KoboToolbox) becomes a draft; whatever Dozor cannot
represent is skipped and listed in the version's import report. A file that is not a valid
XLSForm (unknown question type, missing sheets) is refused whole.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from dozor.core.exports import workbook, xlsx_bytes
from dozor.core.files import UploadError, check_size, open_zip
from dozor.core.i18n import LANGUAGE_CODES
from dozor.methodology import expressions
from dozor.methodology.models import QuestionType, TemplateVersion
from dozor.methodology.spec import NAME_RE, Spec, validate_spec, version_to_spec

LANGUAGE_LABELS = {"kk": "Kazakh (kk)", "ru": "Russian (ru)", "en": "English (en)"}
TYPE_TO_XLSFORM = {
    QuestionType.INTEGER: "integer",
    QuestionType.DECIMAL: "decimal",
    QuestionType.TEXT: "text",
    QuestionType.DATE: "date",
    QuestionType.PHOTO: "image",
    QuestionType.GEOPOINT: "geopoint",
}
XLSFORM_TO_TYPE = {v: k for k, v in TYPE_TO_XLSFORM.items()} | {
    "string": QuestionType.TEXT,
    "photo": QuestionType.PHOTO,
    "int": QuestionType.INTEGER,
}
# Valid XLSForm types that Dozor does not store as questions: skipped and reported on import.
KNOWN_UNSUPPORTED = {
    "note",
    "calculate",
    "hidden",
    "range",
    "time",
    "datetime",
    "audio",
    "video",
    "file",
    "barcode",
    "geotrace",
    "geoshape",
    "acknowledge",
    "rank",
    "start",
    "end",
    "today",
    "deviceid",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-audio",
    "xml-external",
    "csv-external",
    "select_one_from_file",
    "select_multiple_from_file",
    "trigger",
    "simserial",
    "subscriberid",
}
STRUCTURAL = {
    "begin_group",
    "end_group",
    "begin_repeat",
    "end_repeat",
    "begin group",
    "end group",
    "begin repeat",
    "end repeat",
}
YES_NO_LIST = "yes_no"


def _yes_no_labels() -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {"yes": {}, "no": {}}
    for lang in LANGUAGE_CODES:
        with translation.override(lang):
            labels["yes"][lang] = _("Yes")
            labels["no"][lang] = _("No")
    return labels


def _lang_columns(prefix: str) -> list[str]:
    return [f"{prefix}::{LANGUAGE_LABELS[lang]}" for lang in LANGUAGE_CODES]


SURVEY_COLUMNS = [
    "type",
    "name",
    *_lang_columns("label"),
    *_lang_columns("hint"),
    "required",
    "relevant",
    "constraint",
    *_lang_columns("constraint_message"),
    "calculation",
    "parameters",
]
CHOICE_COLUMNS = ["list_name", "name", *_lang_columns("label")]


def _texts(data: dict[str, str] | None) -> list[str]:
    data = data or {}
    return [data.get(lang, "") or "" for lang in LANGUAGE_CODES]


def export_version(version: TemplateVersion) -> bytes:
    """The version as an XLSForm workbook (bytes)."""
    spec = version_to_spec(version)
    survey: list[list[Any]] = []
    choices: list[list[Any]] = []
    blank_texts = ["", "", ""]

    def row(
        type_: str,
        name: str,
        label: list[str] | None = None,
        *,
        hint: list[str] | None = None,
        required: str = "",
        relevant: str = "",
        constraint: str = "",
        message: list[str] | None = None,
        calculation: str = "",
        parameters: str = "",
    ) -> None:
        survey.append(
            [
                type_,
                name,
                *(label or blank_texts),
                *(hint or blank_texts),
                required,
                relevant,
                constraint,
                *(message or blank_texts),
                calculation,
                parameters,
            ]
        )

    row("calculate", "dozor_template", calculation=f"'{version.template.code}'")
    row("calculate", "dozor_version", calculation=f"'{version.number}'")
    uses_yes_no = False
    for section in spec:
        kind = "repeat" if section["repeat"] else "group"
        row(f"begin_{kind}", section["code"], _texts(section["title"]), relevant=section["relevant"])
        for q in section["questions"]:
            if q["type"] == QuestionType.YES_NO:
                xls_type = f"select_one {YES_NO_LIST}"
                uses_yes_no = True
            elif q["type"] in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
                xls_type = f"{q['type']} {q['name']}"
                for choice in q["choices"]:
                    choices.append([q["name"], choice["name"], *_texts(choice["label"])])
            else:
                xls_type = TYPE_TO_XLSFORM[q["type"]]
            row(
                xls_type,
                q["name"],
                _texts(q["label"]),
                hint=_texts(q["hint"]),
                required="yes" if q["required"] else "",
                relevant=q["relevant"],
                constraint=q["constraint"],
                message=_texts(q["constraint_message"]) if q["constraint"] else None,
                # Photos are resized on the phone: smaller uploads from places with poor networks.
                parameters="max-pixels=1600" if q["type"] == QuestionType.PHOTO else "",
            )
        row(f"end_{kind}", section["code"])
    if uses_yes_no:
        labels = _yes_no_labels()
        choices = [
            [YES_NO_LIST, "yes", *_texts(labels["yes"])],
            [YES_NO_LIST, "no", *_texts(labels["no"])],
            *choices,
        ]
    default_language = settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in LANGUAGE_LABELS else "ru"
    template = version.template
    title = getattr(template, f"name_{default_language}") or template.name
    book = workbook()
    sheets = [
        ("survey", SURVEY_COLUMNS, survey),
        ("choices", CHOICE_COLUMNS, choices),
        (
            "settings",
            ["form_title", "form_id", "version", "default_language"],
            [[title, version.form_id, str(version.number), LANGUAGE_LABELS[default_language]]],
        ),
    ]
    first = True
    for name, header, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = name
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in rows:
            sheet.append(values)
        sheet.freeze_panes = "A2"
    return xlsx_bytes(book)


def to_xform(data: bytes) -> tuple[str, list[str]]:
    """Convert with pyxform; return the XForm XML and pyxform's warnings."""
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    result = convert(xlsform=io.BytesIO(data), warnings=warnings, file_type=".xlsx")
    return result.xform, warnings


# --- import -------------------------------------------------------------------------------------


class XLSFormError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ParsedForm:
    form_id: str
    title: dict[str, str]
    sections: Spec
    report: list[str] = field(default_factory=list)


def _language_of(column: str, default: str) -> str | None:
    """'label::Kazakh (kk)' -> 'kk'; 'label' -> the default language; other languages -> None."""
    if "::" not in column:
        return default
    lang = column.split("::", 1)[1].strip()
    match = re.search(r"\(([a-z]{2,3})(?:[-_][A-Za-z]+)?\)", lang)
    code = match.group(1) if match else lang.lower()[:2]
    names = {"kazakh": "kk", "қазақ": "kk", "russian": "ru", "русский": "ru", "english": "en"}
    code = names.get(lang.split(" ")[0].lower(), code)
    return code if code in LANGUAGE_CODES else None


def _column(header: str) -> str:
    """A column name as XLSForm means it: the part before '::' is case- and space-insensitive
    ('Label::Русский (ru)' and 'label::Русский (ru)' are the same column; 'list name' is 'list_name')."""
    head, sep, tail = header.strip().partition("::")
    head = re.sub(r"\s+", "_", head.strip().lower())
    return f"{head}{sep}{tail.strip()}" if sep else head


def _read_sheets(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """The survey, choices and settings sheets as rows of ``{column: text}``, read by pyxform's own
    workbook reader: it reads only the columns that have a header and stops after a run of empty
    rows, so a sheet whose formatting spans 1,048,576 x 16,384 cells is read in bounded memory
    (openpyxl's read-only rows are padded to the sheet's declared size)."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import xlsx_to_dict

    try:
        book = xlsx_to_dict(io.BytesIO(data))
    except (PyXFormError, ValueError, KeyError, OSError, TypeError) as exc:
        raise XLSFormError([_("The file is not a readable XLSX workbook.")]) from exc
    sheets: dict[str, list[dict[str, Any]]] = {}
    for name in ("survey", "choices", "settings"):
        rows = book.get(name) or []
        sheets[name] = [
            {_column(str(key)): value for key, value in row.items() if str(key).strip()}
            for row in rows
            if any(str(v).strip() for v in row.values())
        ]
    return sheets


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _multilang(row: dict[str, Any], prefix: str, default: str) -> dict[str, str]:
    texts = {lang: "" for lang in LANGUAGE_CODES}
    for column, value in row.items():
        if column == prefix or column.startswith(prefix + "::"):
            lang = _language_of(column, default)
            if lang and _text(value):
                texts[lang] = _text(value)
    return texts


# Kazakh and Russian Cyrillic to Latin letters, for template codes made from a title or a file name
# (the Kazakh Latin alphabet of 2021 where it differs from Russian transliteration).
_CYRILLIC_TO_LATIN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "a",
            "g",
            "q",
            "n",
            "o",
            "u",
            "u",
            "h",
            "i",
        ],
        strict=True,
    )
)


def _form_identity(form_id: str, title: dict[str, str], filename: str) -> str:
    """A template code from ``form_id``, else the title, else the file name (transliterated to
    Latin letters so a Cyrillic title still gives a readable code)."""
    candidates = [form_id, *(t for t in title.values() if t), re.sub(r"\.xlsx?$", "", filename, flags=re.I)]
    for candidate in candidates:
        latin = "".join(_CYRILLIC_TO_LATIN.get(c, c) for c in candidate.lower())
        code = re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", latin)).strip("_")
        if code:
            return code
    return "imported_form"


def parse_xlsform(data: bytes, *, filename: str = "") -> ParsedForm:
    """Read an XLSForm into a spec; unknown types refuse the file, unsupported ones are reported.

    The form's identity is its ``form_id``, else its title, else the file's name: two forms
    without ``form_id`` never become versions of one template."""
    try:
        check_size(data, settings.DOZOR_MAX_IMPORT_BYTES)
        open_zip(data).close()
    except UploadError as exc:
        raise XLSFormError([str(exc)]) from exc
    except Exception as exc:
        raise XLSFormError([_("The file is not a readable XLSX workbook.")]) from exc
    sheets = _read_sheets(data)
    survey = sheets["survey"]
    choice_rows = sheets["choices"]
    settings_rows = sheets["settings"]
    if not survey:
        raise XLSFormError([_("The workbook has no 'survey' sheet with rows: it is not an XLSForm.")])
    form_settings = settings_rows[0] if settings_rows else {}
    default = (
        _language_of("x::" + _text(form_settings.get("default_language")), "en")
        if form_settings.get("default_language")
        else "en"
    )
    default = default or "en"
    report: list[str] = []
    errors: list[str] = []
    lists: dict[str, list[dict[str, Any]]] = {}
    for choice in choice_rows:
        list_name = _text(choice.get("list_name") or choice.get("list name"))
        if list_name:
            lists.setdefault(list_name, []).append(
                {"name": _text(choice.get("name")), "label": _multilang(choice, "label", default)}
            )
    sections: Spec = []
    current: dict[str, Any] | None = None
    depth = 0
    loose_section: dict[str, Any] | None = None
    for index, row in enumerate(survey, start=2):
        raw_type = _text(row.get("type"))
        type_word = raw_type.split(" ")[0].lower() if raw_type else ""
        name = _text(row.get("name"))
        if not raw_type:
            continue
        if raw_type.lower() in STRUCTURAL or type_word in (
            "begin_group",
            "begin_repeat",
            "end_group",
            "end_repeat",
        ):
            normalized = raw_type.lower().replace(" ", "_")
            if normalized.startswith("begin"):
                depth += 1
                if depth == 1:
                    current = {
                        "code": (name or f"section_{len(sections) + 1}").lower(),
                        "title": _multilang(row, "label", default),
                        "theme": None,
                        "repeat": normalized == "begin_repeat",
                        "repeat_label": _multilang(row, "label", default),
                        "relevant": _text(row.get("relevant")),
                        "questions": [],
                    }
                    sections.append(current)
                else:
                    report.append(
                        _("Row %(row)s: nested group '%(name)s' was flattened into its parent section.")
                        % {"row": index, "name": name}
                    )
            else:
                depth = max(depth - 1, 0)
                if depth == 0:
                    current = None
            continue
        if type_word in ("select_one", "select_multiple"):
            parts = raw_type.split()
            list_name = parts[1] if len(parts) > 1 else ""
            if "or_other" in parts:
                report.append(
                    _("Row %(row)s: 'or_other' of %(name)s was dropped.") % {"row": index, "name": name}
                )
            options = lists.get(list_name)
            if options is None:
                errors.append(
                    _("Row %(row)s: the choice list '%(list)s' is not on the choices sheet.")
                    % {"row": index, "list": list_name}
                )
                continue
            names = sorted(o["name"] for o in options)
            qtype: str
            if type_word == "select_one" and names == ["no", "yes"]:
                qtype, qchoices = QuestionType.YES_NO, []
            else:
                qtype, qchoices = type_word, options
        elif type_word in XLSFORM_TO_TYPE:
            qtype, qchoices = XLSFORM_TO_TYPE[type_word], []
        elif type_word in KNOWN_UNSUPPORTED:
            report.append(
                _("Row %(row)s: '%(name)s' of type %(type)s is not a question Dozor records; skipped.")
                % {"row": index, "name": name, "type": type_word}
            )
            continue
        else:
            errors.append(
                _("Row %(row)s: unknown question type '%(type)s'.") % {"row": index, "type": raw_type}
            )
            continue
        question: dict[str, Any] = {
            "name": name.lower(),
            "type": qtype,
            "label": _multilang(row, "label", default),
            "hint": _multilang(row, "hint", default),
            "required": _text(row.get("required")).lower() in ("yes", "true", "true()", "1"),
            "relevant": _text(row.get("relevant")),
            "constraint": _text(row.get("constraint")),
            "constraint_message": _multilang(row, "constraint_message", default),
            "choices": qchoices,
            "provisions": [],
        }
        for key in ("relevant", "constraint"):
            if question[key]:
                try:
                    expressions.parse(question[key])
                except expressions.ExpressionError as exc:
                    report.append(
                        _("Row %(row)s: the %(what)s of %(name)s was dropped (%(error)s).")
                        % {"row": index, "what": key, "name": name, "error": exc}
                    )
                    question[key] = ""
        if question["constraint"] and qtype not in (QuestionType.INTEGER, QuestionType.DECIMAL):
            report.append(
                _("Row %(row)s: the constraint of %(name)s was dropped (only numbers keep constraints).")
                % {"row": index, "name": name}
            )
            question["constraint"] = ""
        if question["constraint"] and not any(question["constraint_message"].values()):
            question["constraint_message"] = {lang: _("The value is not allowed.") for lang in LANGUAGE_CODES}
        if depth == 0 or current is None:
            if loose_section is None or sections[-1] is not loose_section:
                loose_section = {
                    "code": f"general_{len(sections) + 1}",
                    "title": {"kk": "Жалпы", "ru": "Общее", "en": "General"},
                    "theme": None,
                    "repeat": False,
                    "repeat_label": {},
                    "relevant": "",
                    "questions": [],
                }
                sections.append(loose_section)
            loose_section["questions"].append(question)
        else:
            current["questions"].append(question)
    if errors:
        raise XLSFormError(errors)
    sections = [s for s in sections if s["questions"]]
    spec_errors = validate_spec(sections)
    if spec_errors:
        raise XLSFormError(spec_errors)
    report.append(_("Questions are not linked to provisions yet: link them in the editor before publishing."))
    title = _multilang(form_settings, "form_title", default)
    form_id = _form_identity(_text(form_settings.get("form_id")), title, filename)
    form_id = form_id.removeprefix("dozor_") or "imported_form"
    if not NAME_RE.match(form_id):
        form_id = "form_" + form_id
    if not any(title.values()):
        title[default] = form_id
    return ParsedForm(form_id=form_id[:60], title=title, sections=sections, report=report)
