"""XLSForm export (for ODK Collect, KoboCollect, Enketo) and import (into a draft template).

Export: every published version becomes one XLSForm in kk, ru and en, with groups per section,
repeats, relevance, constraints and choices, plus two hidden calculated fields
(``dozor_template``, ``dozor_version``) that come back in every submission, so that a
submissions file can be matched to the exact version it was filled with. pyxform must convert
the result to an XForm without warnings (tests check every shipped template).

Import (decision 0028): an existing XLSForm (e.g. built in KoboToolbox) is read and checked by
pyxform and becomes a draft; what the online checklist cannot use is kept for the export and named
row by row in the version's import report. Only what pyxform refuses is refused.
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
from dozor.methodology.models import RESERVED, QuestionType, TemplateVersion
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


def _end_type(begin_type: str) -> str:
    match = _BEGIN_END.match(re.sub(r"\s+", " ", begin_type.strip().lower()))
    what = match.group(2) if match else "group"
    if what == "loop":
        return "end loop"
    return "end_group" if what == "group" else "end_repeat"


def _with_kept(
    header: list[str], rows: list[list[Any]], kept: list[dict[str, str]]
) -> tuple[list[str], list[list[Any]]]:
    """The sheet with the columns an imported form kept (decision 0028) added after Dozor's own:
    a kept value fills its column (Dozor's own or a new one at the end)."""
    extra = sorted({column for columns in kept for column in columns} - set(header))
    full = [*header, *extra]
    index = {column: i for i, column in enumerate(full)}
    result = []
    for values, columns in zip(rows, kept, strict=True):
        values = [*values, *([""] * len(extra))]
        for column, value in columns.items():
            values[index[column]] = value
        result.append(values)
    return full, result


def _section_items(section: dict[str, Any]) -> list[tuple[list[str], dict[str, Any] | None, dict[str, str]]]:
    """The section's content in form order: (nested groups, question or None, kept row columns)."""
    kept = section.get("xlsform") or {}
    rows = kept.get("rows") or []
    items: list[tuple[list[str], dict[str, Any] | None, dict[str, str]]] = []
    for position, question in enumerate([*section["questions"], None]):
        items += [(r.get("groups") or [], None, r["columns"]) for r in rows if r.get("at") == position]
        if question is not None:
            items.append(((question.get("xlsform") or {}).get("groups") or [], question, {}))
    return items


def export_version(version: TemplateVersion, *, public_key: str = "", submission_url: str = "") -> bytes:
    """The version as an XLSForm workbook (bytes).

    ``public_key`` (base64 DER, ``dozor.core.formkeys``) makes an encrypted form; ``submission_url``
    sends its submissions there (Dozor's ``/openrosa/submission``). Both go to the settings sheet."""
    spec = version_to_spec(version)
    survey: list[list[Any]] = []
    choices: list[list[Any]] = []
    survey_kept: list[dict[str, str]] = []  # what an imported form kept, per row (decision 0028)
    choices_kept: list[dict[str, str]] = []
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
        kept: dict[str, str] | None = None,
    ) -> None:
        survey_kept.append(kept or {})
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
        section_kept = dict(section.get("xlsform") or {})
        section_columns = dict(section_kept.get("columns") or {})
        begin = section_columns.pop("type", f"begin_{kind}")
        groups = section_kept.get("groups") or {}
        for columns in section_kept.get("before") or []:
            columns = dict(columns)
            row(columns.pop("type", ""), columns.pop("name", ""), kept=columns)
        if not section_kept.get("loose"):
            heading = blank_texts if section_kept.get("no_label") else _texts(section["title"])
            row(begin, section["code"], heading, relevant=section["relevant"], kept=section_columns)
        path: list[str] = []
        for q_path, q, kept_row in _section_items(section):
            while path and path != q_path[: len(path)]:
                closed = groups.get(path.pop(), {})
                row(_end_type(closed.get("type", "")), closed.get("name", ""))
            for key in q_path[len(path) :]:
                group = groups.get(key, {})
                row(group.get("type", "begin_group"), group.get("name", key), kept=group.get("columns"))
                path.append(key)
            if q is None:
                columns = dict(kept_row)
                row(columns.pop("type", ""), columns.pop("name", ""), kept=columns)
                continue
            if q["type"] == QuestionType.YES_NO:
                xls_type = f"select_one {YES_NO_LIST}"
                uses_yes_no = True
            elif q["type"] in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
                xls_type = f"{q['type']} {q['name']}"
                for choice in q["choices"]:
                    choices.append([q["name"], choice["name"], *_texts(choice["label"])])
                    choices_kept.append((choice.get("xlsform") or {}).get("columns") or {})
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
                kept=(q.get("xlsform") or {}).get("columns"),
            )
        while path:
            closed = groups.get(path.pop(), {})
            row(_end_type(closed.get("type", "")), closed.get("name", ""))
        if not section_kept.get("loose"):
            row(_end_type(begin), section["code"])
        for columns in section_kept.get("after") or []:
            columns = dict(columns)
            row(columns.pop("type", ""), columns.pop("name", ""), kept=columns)
    if uses_yes_no:
        labels = _yes_no_labels()
        choices = [
            [YES_NO_LIST, "yes", *_texts(labels["yes"])],
            [YES_NO_LIST, "no", *_texts(labels["no"])],
            *choices,
        ]
        choices_kept = [{}, {}, *choices_kept]
    default_language = settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in LANGUAGE_LABELS else "ru"
    template = version.template
    title = getattr(template, f"name_{default_language}") or template.name
    encryption = {
        name: value
        for name, value in (("public_key", public_key), ("submission_url", submission_url))
        if value
    }
    book = workbook()
    sheets = [
        ("survey", *_with_kept(SURVEY_COLUMNS, survey, survey_kept)),
        ("choices", *_with_kept(CHOICE_COLUMNS, choices, choices_kept)),
        (
            "settings",
            ["form_title", "form_id", "version", "default_language", *encryption],
            [
                [
                    title,
                    version.form_id,
                    str(version.number),
                    LANGUAGE_LABELS[default_language],
                    *encryption.values(),
                ]
            ],
        ),
    ]
    if any((q.get("xlsform") or {}).get("allow_choice_duplicates") for s in spec for q in s["questions"]):
        for name, header, rows in sheets:  # an imported form's repeated choice names (decision 0028)
            if name == "settings":
                header.append("allow_choice_duplicates")
                rows[0].append("yes")
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
    # Where form_id came from: "form_id" (the form's own; an existing template of that code gets a
    # new draft), else "title" / "file" / "none" (never merged into an existing template).
    identity: str = "form_id"


# Columns Dozor stores in its own fields; every other column of a row is kept verbatim
# (``xlsform["columns"]``) and written back by the export.
_OWN_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message"}
# Old and alternative column names that pyxform reads (``pyxform.aliases.survey_header`` and the
# legacy ``bind::`` / ``control::`` columns), as the modern XLSForm column.
_COLUMN_ALIASES = {
    "relevance": "relevant",
    "caption": "label",
    "command": "type",
    "tag": "name",
    "value": "name",
    "list name": "list_name",
    "constraining_message": "constraint_message",
    "calculate": "calculation",
    "readonly": "read_only",
    "requiredmsg": "required_message",
    "noapperrorstring": "no_app_error_string",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "bind::relevant": "relevant",
    "bind::required": "required",
    "bind::constraint": "constraint",
    "bind::jr:constraintmsg": "constraint_message",
    "bind::calculate": "calculation",
    "bind::readonly": "read_only",
    "bind::jr:requiredmsg": "required_message",
    "bind::jr:noapperrorstring": "no_app_error_string",
    "control::appearance": "appearance",
    "control::jr:count": "repeat_count",
    "image": "media::image",
    "big-image": "media::big-image",
    "audio": "media::audio",
    "video": "media::video",
}
# Columns that may carry a language after ':' or '::' ('label:english', 'hint::Қазақша').
_TRANSLATABLE = {
    "label",
    "hint",
    "guidance_hint",
    "constraint_message",
    "required_message",
    "image",
    "big-image",
    "audio",
    "video",
}
# Language names people write in column headers without a code, and three-letter codes.
_LANGUAGE_NAMES = {
    "kk": {"kazakh", "қазақ", "қазақша", "қазақ тілі", "казахский", "казахский язык", "kaz", "kk", "kk-kz"},
    "ru": {"russian", "русский", "русский язык", "орысша", "орыс тілі", "rus", "ru", "ru-ru"},
    "en": {
        "english",
        "английский",
        "английский язык",
        "ағылшынша",
        "ағылшын тілі",
        "eng",
        "en",
        "en-us",
        "en-gb",
    },
}
_YES = {"yes", "true", "true()", "1"}
_NO = {"no", "false", "false()", "0"}
_REFERENCE = re.compile(r"\$\{([^}]+)\}")
_BEGIN_END = re.compile(r"^(begin|end)[ _](group|repeat|lgroup|looped[ _]group|loop)\b")
_TYPE_ALIASES = {"int": "integer", "string": "text", "image": "photo", "add image prompt": "photo"}


def _language_of(name: str | None, default: str | None) -> str | None:
    """Dozor's language code of a column's language: the code in '(..)' ('Қазақша (kk)'), else a known
    name ('Русский', 'English', 'Қазақша'); None for any other language (kept under its name). A
    plain column ('label') is in the form's default language."""
    if name is None:
        return default
    text = name.strip()
    match = re.search(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*\)\s*$", text)
    if match:
        code = match.group(1).lower()
        code = {"kaz": "kk", "rus": "ru", "eng": "en"}.get(code, code)
        return code if code in LANGUAGE_CODES else None
    lowered = re.sub(r"\s+", " ", text.lower())
    for code, names in _LANGUAGE_NAMES.items():
        if lowered in names:
            return code
    return None


def _header(header: str) -> tuple[str, str | None]:
    """A column header as (column, language): 'Label::Русский (ru)' -> ('label', 'Русский (ru)'),
    'label:english' -> ('label', 'english'), 'bind::jr:constraintMsg' -> ('constraint_message', None),
    'image' -> ('media::image', None). The column part is case- and space-insensitive."""
    text = header.strip()
    lowered = text.lower()
    for prefix in ("bind::", "bind:", "control::", "control:"):
        if lowered.startswith(prefix):
            key = prefix.rstrip(":") + "::" + text[len(prefix) :].strip()
            return _COLUMN_ALIASES.get(key.lower(), key), None
    media = lowered.startswith("media::") or lowered.startswith("media:")
    if media:
        text = text.split(":", 1)[1].lstrip(":")
    head, sep, tail = text.partition("::")
    if not sep:
        first, colon, rest = text.partition(":")
        if colon and first.strip().lower() in _TRANSLATABLE:
            head, tail = first, rest
    column = re.sub(r"\s+", " ", head.strip().lower())
    column = _COLUMN_ALIASES.get(column, column).replace(" ", "_")
    if media and not column.startswith("media::"):
        column = "media::" + column
    language = tail.strip() or None
    return column, language


def _read_book(data: bytes) -> Any:
    """The workbook as pyxform reads it (``get_xlsform``): only columns with a header, rows up to a run
    of empty ones, so a sheet formatted over 1,048,576 x 16,384 cells is read in bounded memory.
    Empty rows inside the data are kept, so a row's index gives its number in the sheet."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform

    try:
        return get_xlsform(xlsform=io.BytesIO(data))
    except (PyXFormError, ValueError, KeyError, OSError, TypeError, IndexError) as exc:
        raise XLSFormError([_("The file is not a readable XLSX workbook.")]) from exc


def _pyxform_check(book: Any) -> None:
    """Refuse exactly what pyxform refuses: the form must convert to an XForm."""
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json

    try:
        data = workbook_to_json(
            workbook_dict=book, form_name=None, fallback_form_name=book.fallback_form_name, warnings=[]
        )
        create_survey_element_from_dict(data).to_xml(warnings=[])
    except PyXFormError as exc:
        raise XLSFormError([_("This is not a valid XLSForm: %(error)s") % {"error": exc}]) from exc
    except Exception as exc:  # pyxform's own failures on odd input: the file is refused, not the server
        raise XLSFormError([_("This is not a valid XLSForm: %(error)s") % {"error": exc}]) from exc


def _rows(sheet: Any) -> list[tuple[int, dict[str, str]]]:
    """(row number in the sheet, {column::language: text}) for each non-empty row."""
    result = []
    for index, row in enumerate(sheet or [], start=2):
        cells: dict[str, str] = {}
        for key, value in row.items():
            text = _text(value)
            if not str(key).strip() or not text:
                continue
            column, language = _header(str(key))
            cells[f"{column}::{language}" if language else column] = text
        if cells:
            result.append((index, cells))
    return result


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _split_column(key: str) -> tuple[str, str | None]:
    """'label::Runyankole' -> ('label', 'Runyankole'); 'media::image::English (en)' ->
    ('media::image', 'English (en)'); 'bind::jr:preload' -> ('bind::jr:preload', None)."""
    parts = key.split("::")
    if parts[0] in ("bind", "control"):
        return key, None
    size = 2 if parts[0] == "media" else 1
    base, rest = "::".join(parts[:size]), parts[size:]
    return base, ("::".join(rest) if rest else None)


# Kazakh and Russian Cyrillic to Latin letters, for template codes made from a title or a file name
# (the Kazakh Latin alphabet of 2021 where it differs from Russian transliteration).
_CYRILLIC_TO_LATIN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
        [
            "" if latin == "-" else latin
            for latin in [
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
                "-",
                "y",
                "-",
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
            ]
        ],
        strict=True,
    )
)


def _identifier(text: str) -> str:
    latin = "".join(_CYRILLIC_TO_LATIN.get(c, c) for c in text.lower())
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", latin)).strip("_")


def _form_identity(form_id: str, title: dict[str, str], filename: str) -> tuple[str, str]:
    """A template code and where it came from: ``form_id``, else the title, else the file name
    (transliterated to Latin letters so a Cyrillic title still gives a readable code)."""
    stem = re.sub(r"\.xlsx?$", "", filename, flags=re.I)
    candidates = [("form_id", form_id), *(("title", t) for t in title.values() if t), ("file", stem)]
    for source, candidate in candidates:
        code = _identifier(candidate)
        if code:
            return code, source
    return "imported_form", "none"


class _Importer:
    """Walks the survey rows that pyxform read, keeping every row and column: in Dozor's own fields
    what the online checklist uses, verbatim in ``xlsform`` what only the export needs, and a report
    line (sheet, row, column, why) for everything that is not used online or not kept."""

    def __init__(self, book: Any) -> None:
        self.survey = _rows(book.survey)
        self.choice_rows = _rows(book.choices)
        settings_rows = _rows(book.settings)
        self.settings = settings_rows[0][1] if settings_rows else {}
        default_name = self.settings.get("default_language")
        self.default = _language_of(default_name, "en") if default_name else "en"
        self.default_name = default_name or "default"
        self.duplicates_allowed = self.settings.get("allow_choice_duplicates", "").lower() in _YES
        self.report: list[str] = []
        self.renamed: dict[str, str] = {}
        self.languages: set[str] = set()
        # Dozor's own markers in a form it exported come back with every export: not the form's content.
        self.survey = [
            (row, self.with_languages(cells))
            for row, cells in self.survey
            if cells.get("name") not in ("dozor_template", "dozor_version")
        ]
        self.choice_rows = [(row, self.with_languages(cells)) for row, cells in self.choice_rows]

    def with_languages(self, cells: dict[str, str]) -> dict[str, str]:
        """Text columns named as Dozor's export names them ('label' in the default language English
        becomes 'label::English (en)'); other languages keep their name ('label::Runyankole')."""
        result = {}
        for key, value in cells.items():
            base, language = _split_column(key)
            if base in _TRANSLATABLE or base.startswith("media::"):
                code = _language_of(language, self.default)
                name = LANGUAGE_LABELS[code] if code else (language or self.default_name)
                if f"{base}::{name}" in result:  # 'image' and 'image::english': two languages to pyxform
                    name = language or "default"
                key = f"{base}::{name}"
            result[key] = value
        return result

    # --- report ---------------------------------------------------------------------------------

    def kept(self, sheet: str, row: int, column: str, reason: str) -> None:
        self.report.append(
            _("%(sheet)s, row %(row)s, column %(column)s: kept for the export, not used online (%(reason)s).")
            % {"sheet": sheet, "row": row, "column": column, "reason": reason}
        )

    def dropped(self, sheet: str, row: int, column: str, reason: str) -> None:
        self.report.append(
            _("%(sheet)s, row %(row)s, column %(column)s: not kept (%(reason)s).")
            % {"sheet": sheet, "row": row, "column": column, "reason": reason}
        )

    # --- texts ----------------------------------------------------------------------------------

    def texts(self, cells: dict[str, str], column: str, kept: dict[str, str]) -> dict[str, str]:
        """The column's text per Dozor language; other languages go to ``kept`` under their name."""
        texts = {lang: "" for lang in LANGUAGE_CODES}
        for key, value in cells.items():
            base, language = _split_column(key)
            if base != column:
                continue
            code = _language_of(language, self.default)
            if code and language != LANGUAGE_LABELS[code] and texts[code]:
                kept[key] = value  # a second column of the same language ('label' and 'label::english')
            elif code:
                texts[code] = texts[code] or value
            else:
                name = language or self.default_name
                kept[f"{column}::{name}"] = value
                if name not in self.languages:
                    self.languages.add(name)
                    self.report.append(
                        _(
                            "Column %(column)s: the language '%(language)s' is kept and shown where a "
                            "text has no Kazakh, Russian or English version."
                        )
                        % {"column": f"{column}::{name}", "language": name}
                    )
        return texts

    def rewrite(self, value: str) -> str:
        """References to renamed fields follow the new names."""
        if not self.renamed or "${" not in value:
            return value
        return _REFERENCE.sub(lambda m: "${" + self.renamed.get(m.group(1).strip(), m.group(1)) + "}", value)

    # --- names ----------------------------------------------------------------------------------

    def becomes_question(self, cells: dict[str, str], lists: dict[str, list[dict[str, Any]]]) -> bool:
        kind, detail = _type_of(cells.get("type", ""))
        if kind == "select":
            list_name, select_kind, _other = detail.split("|")
            return select_kind in ("select one", "select all that apply") and bool(lists.get(list_name))
        return kind == "question" and detail in XLSFORM_TO_TYPE

    def plan_names(self, lists: dict[str, list[dict[str, Any]]]) -> None:
        """Dozor field names for every question before the walk, so that expressions written
        before or after a renamed field refer to its new name."""
        taken: set[str] = set()
        for row, cells in self.survey:
            name = cells.get("name", "")
            if not name or not self.becomes_question(cells, lists):
                if name:
                    taken.add(name)
                continue
            new = name if NAME_RE.match(name) and name not in RESERVED and name not in taken else ""
            if not new:
                base = _identifier(name)
                if not base or not base[0].isalpha() or base in RESERVED:
                    base = f"q_{base}".rstrip("_")
                new, n = base[:60], 2
                while new in taken or new in RESERVED:
                    new, n = f"{base[:55]}_{n}", n + 1
                self.renamed[name] = new
                self.report.append(
                    _(
                        "survey, row %(row)s: field '%(old)s' is renamed '%(new)s' (Dozor field names "
                        "are lowercase Latin letters, digits and _)."
                    )
                    % {"row": row, "old": name, "new": new}
                )
            taken.add(new)

    # --- choices --------------------------------------------------------------------------------

    def choice_lists(self) -> dict[str, list[dict[str, Any]]]:
        lists: dict[str, list[dict[str, Any]]] = {}
        for row, cells in self.choice_rows:
            list_name = cells.get("list_name", "")
            if not list_name:
                continue
            kept: dict[str, str] = {}
            label = self.texts(cells, "label", kept)
            for key, value in cells.items():
                base, _language = _split_column(key)
                if base not in ("list_name", "name", "label"):
                    kept[key] = value
            choice: dict[str, Any] = {"name": cells.get("name", ""), "label": label, "row": row}
            if kept:
                choice["xlsform"] = {"columns": kept}
            if not any(label.values()) and not any(k.startswith("label::") for k in kept):
                if any(k.startswith("media::image") for k in kept):
                    self.report.append(
                        _(
                            "choices, row %(row)s: choice '%(name)s' of list '%(list)s' has only an "
                            "image; the online checklist shows its name."
                        )
                        % {"row": row, "name": choice["name"], "list": list_name}
                    )
                else:
                    choice["label"] = {self.default or "en": choice["name"]}
            lists.setdefault(list_name, []).append(choice)
        return lists

    # --- survey ---------------------------------------------------------------------------------

    def parse(self) -> Spec:
        lists = self.choice_lists()
        self.plan_names(lists)
        sections: Spec = []
        # XLSForm names are one namespace: a section never takes a question's (or another row's) name.
        section_codes = {self.renamed.get(n, n) for n in (c.get("name", "") for _r, c in self.survey)}
        seen: set[str] = set()  # Dozor names of the questions so far (what conditions may refer to)
        stack: list[tuple[str, str]] = []  # open groups: (key in the section's groups, name)
        current: dict[str, Any] | None = None
        loose: dict[str, Any] | None = None
        # Rows outside any group that the checklist does not show (start, end, today, ...): written
        # before the next section (after the last one at the end), rather than in an empty section.
        pending: list[dict[str, str]] = []

        def new_section(name: str) -> dict[str, Any]:
            base = _identifier(name) or f"section_{len(sections) + 1}"
            if not base[0].isalpha():
                base = f"s_{base}"
            code, n = base[:60], 2
            while code in section_codes and code != name:
                code, n = f"{base[:55]}_{n}", n + 1
            section_codes.add(code)
            section: dict[str, Any] = {
                "code": code,
                "title": {"kk": "Жалпы", "ru": "Общее", "en": "General"},
                "theme": None,
                "repeat": False,
                "repeat_label": {},
                "relevant": "",
                "questions": [],
                "xlsform": {"before": list(pending)} if pending else {},
            }
            pending.clear()
            sections.append(section)
            return section

        for row, cells in self.survey:
            raw_type = cells.get("type", "")
            if not raw_type:
                continue
            kind, detail = _type_of(raw_type)
            name = cells.get("name", "")
            if kind == "begin" and detail == "loop":
                self.dropped(
                    "survey",
                    row,
                    "type",
                    _("a loop over a choice list (the old 'columns' sheet) is kept as a plain group"),
                )
                detail, raw_type = "group", "begin_group"
            if kind == "begin":
                kept: dict[str, str] = {}
                title = self.texts(cells, "label", kept)
                for key, value in cells.items():
                    base, _language = _split_column(key)
                    if base not in ("type", "name", "label"):
                        kept[key] = self.rewrite(value)
                if not stack:
                    current = new_section(name)
                    current["repeat"] = detail == "repeat"
                    current["repeat_label"] = {lang: text[:120] for lang, text in title.items()}
                    if detail not in ("group", "repeat"):
                        kept["type"] = raw_type
                    other = next((v for k, v in kept.items() if k.startswith("label::")), "")
                    if any(title.values()):
                        current["title"] = {lang: text[:300] for lang, text in title.items()}
                    elif other:
                        current["title"] = {self.default or "en": other[:300]}
                    else:
                        current["title"] = {self.default or "en": name or current["code"]}
                        current["xlsform"]["no_label"] = True
                        self.report.append(
                            _(
                                "survey, row %(row)s: group '%(name)s' has no label; the section is "
                                "titled with its name."
                            )
                            % {"row": row, "name": name}
                        )
                    relevant = kept.pop("relevant", "")
                    if relevant:
                        error = _check(relevant, seen, limit=500)
                        if error:
                            kept["relevant"] = relevant
                            self.kept("survey", row, "relevant", error)
                        else:
                            current["relevant"] = relevant
                    self._report_columns(row, kept)
                    if kept:
                        current["xlsform"]["columns"] = kept
                    stack.append(("", name))
                else:
                    assert current is not None
                    groups = current["xlsform"].setdefault("groups", {})
                    key = name if name and name not in groups else f"{name}@{row}"
                    if any(title.values()):
                        for code, text in title.items():
                            if text:
                                kept[f"label::{LANGUAGE_LABELS[code]}"] = text
                    groups[key] = {"name": name, "type": raw_type, "columns": kept}
                    self.report.append(
                        _(
                            "survey, row %(row)s: %(kind)s '%(name)s' inside '%(parent)s' is kept for the "
                            "export; online its questions are shown in section '%(section)s' and its "
                            "conditions and repeats are not applied."
                        )
                        % {
                            "row": row,
                            "kind": detail,
                            "name": name,
                            "parent": stack[-1][1],
                            "section": current["code"],
                        }
                    )
                    stack.append((key, name))
                continue
            if kind == "end":
                if stack:
                    stack.pop()
                if not stack:
                    current = None
                continue
            if (
                current is None
                and not self.becomes_question(cells, lists)
                and (loose is None or not sections or sections[-1] is not loose)
            ):
                pending.append({key: self.rewrite(value) for key, value in cells.items()})
                self.report.append(
                    _(
                        "survey, row %(row)s: '%(name)s' (%(type)s) is kept for the export; the online "
                        "checklist does not show it."
                    )
                    % {"row": row, "name": name, "type": raw_type}
                )
                continue
            if current is None:
                if loose is None or sections[-1] is not loose:
                    loose = new_section(f"general_{len(sections) + 1}")
                    loose["xlsform"]["loose"] = True
                target = loose
            else:
                target = current
            path = [key for key, _name in stack[1:]]
            question = (
                self.question(row, cells, kind, detail, lists, seen)
                if self.becomes_question(cells, lists)
                else None
            )
            if question is None:
                kept_row = {key: self.rewrite(value) for key, value in cells.items()}
                target["xlsform"].setdefault("rows", []).append(
                    {"at": len(target["questions"]), "groups": path, "columns": kept_row}
                )
                self.report.append(
                    _(
                        "survey, row %(row)s: '%(name)s' (%(type)s) is kept for the export; the online "
                        "checklist does not show it."
                    )
                    % {"row": row, "name": name, "type": raw_type}
                )
                continue
            if path:
                question["xlsform"]["groups"] = path
            if not question["xlsform"]:
                del question["xlsform"]
            target["questions"].append(question)
            seen.add(question["name"])
        if pending and sections:
            sections[-1]["xlsform"]["after"] = list(pending)
        elif pending:  # a form of nothing the checklist shows: one loose section holds it
            section = new_section("general_1")
            section["xlsform"] = {
                "loose": True,
                "rows": [{"at": 0, "groups": [], "columns": c} for c in section["xlsform"]["before"]],
            }
        for section in sections:
            if not section["xlsform"]:
                del section["xlsform"]
        return [s for s in sections if s["questions"] or (s.get("xlsform") or {}).get("rows")]

    def _report_columns(self, row: int, kept: dict[str, str]) -> None:
        reasons = {
            "choice_filter": _("the online checklist shows every choice"),
            "default": _("the online checklist does not fill in defaults"),
            "calculation": _("the online checklist does not calculate"),
            "read_only": _("the online checklist does not make questions read-only"),
            "trigger": _("the online checklist does not recalculate on triggers"),
            "repeat_count": _("the online checklist does not fix the number of repeats"),
        }
        for column in kept:
            if column in reasons:
                self.kept("survey", row, column, reasons[column])

    def question(
        self,
        row: int,
        cells: dict[str, str],
        kind: str,
        detail: str,
        lists: dict[str, list[dict[str, Any]]],
        seen: set[str],
    ) -> dict[str, Any] | None:
        """The row as a Dozor question, or None when it is a type the online checklist does not ask."""
        kept: dict[str, str] = {}
        choices: list[dict[str, Any]] = []
        duplicates = False
        qtype: str
        if kind == "select":
            list_name, select_kind, or_other = detail.split("|")
            options = lists.get(list_name)
            if select_kind not in ("select one", "select all that apply") or not options:
                return None
            if or_other:
                self.dropped(
                    "survey",
                    row,
                    "type",
                    _("'or_other' of %(name)s: the other-text question is not added")
                    % {"name": cells.get("name")},
                )
            if select_kind == "select one" and _plain_yes_no(options):
                qtype = QuestionType.YES_NO
            else:
                qtype = (
                    QuestionType.SELECT_ONE if select_kind == "select one" else QuestionType.SELECT_MULTIPLE
                )
                for option in options:
                    choice = {k: v for k, v in option.items() if k != "row"}
                    if "xlsform" in choice:
                        choice["xlsform"] = {
                            "columns": {k: self.rewrite(v) for k, v in choice["xlsform"]["columns"].items()}
                        }
                    choices.append(choice)
                names = [c["name"] for c in choices]
                if len(set(names)) != len(names):
                    duplicates = self.duplicates_allowed
                    if not duplicates:  # pyxform only warned: keep the first choice of each name
                        unique: dict[str, dict[str, Any]] = {}
                        for choice in choices:
                            unique.setdefault(choice["name"], choice)
                        choices = list(unique.values())
                        self.dropped(
                            "choices",
                            row,
                            "name",
                            _("repeated choice names of list %(list)s") % {"list": list_name},
                        )
        else:
            qtype = XLSFORM_TO_TYPE.get(detail, "")
            if not qtype:
                return None
        original = cells.get("name", "")
        name = self.renamed.get(original, original)
        label = self.texts(cells, "label", kept)
        hint = self.texts(cells, "hint", kept)
        message = self.texts(cells, "constraint_message", kept)
        required_text = cells.get("required", "")
        required = required_text.lower() in _YES
        if required_text and not required and required_text.lower() not in _NO:
            kept["required"] = self.rewrite(required_text)
            self.kept(
                "survey",
                row,
                "required",
                _("the online checklist requires only yes or no, not an expression"),
            )
        question: dict[str, Any] = {
            "name": name,
            "type": qtype,
            "label": label,
            "hint": hint,
            "required": required,
            "relevant": "",
            "constraint": "",
            "constraint_message": message,
            "choices": choices,
            "provisions": [],
            "xlsform": {},
        }
        for key in ("relevant", "constraint"):
            expression = self.rewrite(cells.get(key, ""))
            if not expression:
                continue
            error = _check(
                expression, seen, allow_dot=key == "constraint", limit=500 if key == "relevant" else 200
            )
            if (
                not error
                and key == "constraint"
                and qtype not in (QuestionType.INTEGER, QuestionType.DECIMAL)
            ):
                error = _("only number questions are checked online")
            if error:
                kept[key] = expression
                self.kept("survey", row, key, error)
            else:
                question[key] = expression
        if kept.get("constraint"):
            for code, text in message.items():
                if text:
                    kept[f"constraint_message::{LANGUAGE_LABELS[code]}"] = text
            question["constraint_message"] = {lang: "" for lang in LANGUAGE_CODES}
        elif question["constraint"] and not any(message.values()):
            question["constraint_message"] = {lang: _("The value is not allowed.") for lang in LANGUAGE_CODES}
        for key, value in cells.items():
            base, _language = _split_column(key)
            if base not in _OWN_COLUMNS:
                kept[key] = self.rewrite(value)
        if qtype == QuestionType.PHOTO and kept.get("parameters") == "max-pixels=1600":
            del kept["parameters"]  # what Dozor's own export writes for every photo
        self._report_columns(row, kept)
        if duplicates:
            question["xlsform"]["allow_choice_duplicates"] = True
        if kept:
            question["xlsform"]["columns"] = kept
        return question


def _check(expression: str, seen: set[str], *, allow_dot: bool = False, limit: int = 500) -> str:
    """Why the online checklist cannot evaluate the expression ('' when it can)."""
    if len(expression) > limit:
        return _("longer than %(limit)s characters") % {"limit": limit}
    try:
        expressions.check(expression, allowed_names=set(seen), allow_dot=allow_dot)
    except expressions.ExpressionError as exc:
        return _("the online checklist cannot evaluate it: %(error)s") % {"error": exc}
    return ""


def _plain_yes_no(options: list[dict[str, Any]]) -> bool:
    """A yes/no list Dozor's own yes/no question can stand for: names yes and no, labels that say
    just that (custom labels such as 'Yes, always' keep the list as a choice question)."""
    if sorted(o["name"] for o in options) != ["no", "yes"]:
        return False
    words = {"yes", "no", "да", "нет", "иә", "жоқ", "ия", "иа"}
    return all(
        not o.get("xlsform")
        and all(not t or t.strip().lower().rstrip(".!") in words for t in o["label"].values())
        for o in options
    )


def _type_of(raw_type: str) -> tuple[str, str]:
    """('begin'|'end', 'group'|'repeat'|'loop'), ('select', 'list|kind|or_other'), ('question', type)."""
    text = re.sub(r"\s+", " ", raw_type.strip().lower())
    match = _BEGIN_END.match(text)
    if match:
        what = match.group(2).replace("_", " ")
        what = {"lgroup": "repeat", "looped group": "repeat"}.get(what, what)
        return match.group(1), what
    from pyxform.aliases import select as select_aliases

    for prefix in sorted(select_aliases, key=len, reverse=True):
        if text == prefix or text.startswith(prefix + " "):
            rest = raw_type.strip()[len(prefix) :].strip()
            or_other = ""
            for suffix in (" or_other", " or specify other"):
                if rest.lower().endswith(suffix):
                    rest, or_other = rest[: -len(suffix)].strip(), "yes"
            return "select", f"{rest.split(' ')[0] if rest else ''}|{select_aliases[prefix]}|{or_other}"
    word = _TYPE_ALIASES.get(text, text)
    return "question", word


def _report_order(line: str) -> tuple[int, int]:
    match = re.match(r"(survey|choices)\D*?(\d+)", line)
    if not match:
        return (0, 0)
    return (1 if match.group(1) == "survey" else 2, int(match.group(2)))


def parse_xlsform(data: bytes, *, filename: str = "") -> ParsedForm:
    """Read an XLSForm through pyxform into a spec (decision 0028).

    A file pyxform refuses is refused with pyxform's reason; anything pyxform accepts imports: what
    the online checklist cannot use is kept for the export and each such row and column is listed
    in the report. The form's identity is its ``form_id``, else its title, else the file's name."""
    try:
        check_size(data, settings.DOZOR_MAX_IMPORT_BYTES)
        if not data.startswith(b"\xd0\xcf\x11\xe0"):  # .xls (OLE2) is not a ZIP archive
            open_zip(data).close()
    except UploadError as exc:
        raise XLSFormError([str(exc)]) from exc
    except Exception as exc:
        raise XLSFormError([_("The file is not a readable XLSX workbook.")]) from exc
    book = _read_book(data)
    if not book.survey:
        raise XLSFormError([_("The workbook has no 'survey' sheet with rows: it is not an XLSForm.")])
    importer = _Importer(book)
    _pyxform_check(book)
    sections = importer.parse()
    spec_errors = validate_spec(sections)
    if spec_errors:
        raise XLSFormError(spec_errors)
    # Row by row, in the order of the sheets (lines without a row, such as languages, first).
    report = sorted(importer.report, key=_report_order)
    report.append(_("Questions are not linked to provisions yet: link them in the editor before publishing."))
    title_kept: dict[str, str] = {}
    title = importer.texts(
        {
            ("label" + k[len("form_title") :]): v
            for k, v in importer.settings.items()
            if k.startswith("form_title")
        },
        "label",
        title_kept,
    )
    if not any(title.values()) and title_kept:
        title[importer.default or "en"] = next(iter(title_kept.values()))
    form_id, identity = _form_identity(importer.settings.get("form_id", ""), title, filename)
    form_id = form_id.removeprefix("dozor_") or "imported_form"
    if not NAME_RE.match(form_id):
        form_id = "form_" + form_id
    if not any(title.values()):
        title[importer.default or "en"] = form_id
    return ParsedForm(form_id=form_id[:60], title=title, sections=sections, report=report, identity=identity)
