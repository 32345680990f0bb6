"""Completed checklists: reading ODK Central and KoboToolbox exports, and checking answers.

Reading turns a file into ``RawSubmission`` objects (answers keyed by question name and repeat
index, as the file spelled them); ``validate`` checks one submission against the template version
and returns its answers in XLSForm's canonical text. Nothing here writes: ``dozor.visits.services``
calls these, and writes only when the whole file is free of problems.

Formats, as the servers' own export code writes them (docs/decisions/0029-real-export-files.md):

- ODK Central CSV export: the main ``<form_id>.csv`` alone, or the CSV.zip with one
  ``<form_id>-<repeat>.csv`` per repeat group (rows joined by ``PARENT_KEY``); split select
  multiples (``group-question/choice``); ``KEY`` (first version) vs ``meta-instanceID`` (an
  edit), ``ReviewState``, and ``Status`` for rows Central could not decrypt.
- KoboToolbox JSON export or API answer: a list of submissions (or ``{"results": [...]}``, one
  page of several refused); repeats are lists; ``_validation_status``, ``meta/deprecatedID``.
- KoboToolbox CSV export (``;`` or ``,``): flat, without repeats; an export made with labels is
  recognised and refused with the way out.
- A ZIP of encrypted instance folders: read by ``dozor.visits.openrosa.briefcase``.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from dozor.core.files import UploadError, check_size, open_zip
from dozor.methodology import expressions
from dozor.methodology.models import Question, QuestionType, Section, TemplateVersion

ODK_CENTRAL = "odk_central"
KOBO = "kobo"
HIDDEN = ("dozor_template", "dozor_version")
GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
# Columns/keys that ODK Central and KoboToolbox add to every export: ignored, never reported.
ODK_META = {
    "SubmissionDate",
    "KEY",
    "PARENT_KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    "instanceID",
    "instanceName",
    "deprecatedID",
    "rootUuid",
}
META_PREFIXES = ("meta-", "meta/", "_", "formhub/", "SET-OF-", "__system")
XLSFORM_METADATA = {"start", "end", "today", "deviceid", "username", "simserial", "subscriberid"}
INTEGER_RE = re.compile(r"^-?\d+$")
DECIMAL_RE = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REPEAT_INDEX_RE = re.compile(r"\[(\d+)\]$")
INSTANCE_ID_MAX = 120
MAX_UNITS = 50  # units of one repeated section filled in online (cells, rooms...)
# Review states at the source, as ODK Central (``ReviewState``) and KoboToolbox (the uid of
# ``_validation_status``) spell them. Rejected submissions are not imported; flagged ones are
# imported and keep the flag (docs/decisions/0029-real-export-files.md).
REJECTED_STATES = frozenset({"rejected", "validation_status_not_approved"})
FLAGGED_STATES = frozenset({"hasIssues", "validation_status_on_hold"})
# Kobo exports made with labels write the validation status's label instead of its uid.
KOBO_STATUS_LABELS = {
    "approved": "validation_status_approved",
    "not approved": "validation_status_not_approved",
    "on hold": "validation_status_on_hold",
}
# ODK Central's ``Status`` for rows it could not decrypt (lib/data/briefcase.js).
CENTRAL_NOT_DECRYPTED = "not decrypted"
CENTRAL_MISSING_ENCRYPTED = "missing encrypted form data"


class SubmissionFileError(Exception):
    """The file cannot be read as a whole (format, size, template); nothing is imported."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Problem:
    """One problem, with the submission (instance ID, or '' for the whole file) and field."""

    instance_id: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.instance_id, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


Key = tuple[str, int]  # (question name, repeat index: 0 outside repeats, 1..n inside)


@dataclass
class RawSubmission:
    """One submission as the file spelled it; ``label`` names it in messages when the ID is missing."""

    label: str
    instance_id: str
    values: dict[Key, str] = field(default_factory=dict)
    hidden: dict[str, str] = field(default_factory=dict)
    submitted_at: datetime.datetime | None = None
    submitter_name: str = ""
    problems: list[Problem] = field(default_factory=list)
    # Units per repeat section known to exist even if all their answers are blank (the online
    # form shows them, so their required questions must be answered); files only list answers.
    units: dict[str, int] = field(default_factory=dict)
    # The review state at the source (see REJECTED_STATES, FLAGGED_STATES); '' when none.
    review_state: str = ""
    # Instance IDs of earlier versions this one replaces, nearest first: the ``deprecatedID``
    # of an edit, then the first version's ID (ODK Central's ``KEY``, Kobo's ``meta/rootUuid``).
    replaces: tuple[str, ...] = ()

    @property
    def rejected(self) -> bool:
        return self.review_state in REJECTED_STATES

    @property
    def flagged(self) -> bool:
        return self.review_state in FLAGGED_STATES

    @property
    def name(self) -> str:
        return self.instance_id or self.label


@dataclass
class ParsedFile:
    source: str
    submissions: list[RawSubmission]
    problems: list[Problem] = field(default_factory=list)


# --- the form: what a version expects -----------------------------------------------------------


@dataclass(frozen=True)
class Field:
    question: Question
    section: Section
    relevant: expressions.Node | None
    constraint: expressions.Node | None
    choices: frozenset[str]


@dataclass(frozen=True)
class FormSection:
    section: Section
    relevant: expressions.Node | None
    fields: tuple[Field, ...]

    @property
    def repeat(self) -> bool:
        return self.section.repeat


def _parsed(source: str) -> expressions.Node | None:
    # Published versions were checked when they were published; an expression that no longer
    # parses (it cannot happen today) is treated as absent rather than refusing every submission.
    if not source.strip():
        return None
    try:
        return expressions.parse(source)
    except expressions.ExpressionError:
        return None


class Form:
    """The questions of one version, in order, with their expressions parsed once."""

    def __init__(self, version: TemplateVersion) -> None:
        self.version = version
        sections = []
        for section in version.sections.prefetch_related("questions").order_by("order", "id"):
            fields = tuple(
                Field(
                    question=q,
                    section=section,
                    relevant=_parsed(q.relevant),
                    constraint=_parsed(q.constraint),
                    choices=frozenset(
                        ("yes", "no") if q.type == QuestionType.YES_NO else (c["name"] for c in q.choices)
                    ),
                )
                for q in section.questions.all()
            )
            sections.append(FormSection(section=section, relevant=_parsed(section.relevant), fields=fields))
        self.sections = tuple(sections)
        self.fields = {f.question.name: f for s in self.sections for f in s.fields}
        self.repeats = {s.section.code: s for s in self.sections if s.repeat}

    @property
    def template_code(self) -> str:
        return self.version.template.code

    @property
    def form_id(self) -> str:
        return self.version.form_id


# --- checking one submission --------------------------------------------------------------------


def field_key(name: str, index: int) -> str:
    """How a field is named in problems: ``name`` outside repeats, ``name[2]`` inside."""
    return f"{name}[{index}]" if index else name


def _canonical(f: Field, value: str) -> tuple[str, str | None]:
    """The answer in XLSForm's canonical text, or an error message."""
    qtype = f.question.type
    if qtype == QuestionType.TEXT:
        return value, None
    value = value.strip()
    if qtype == QuestionType.YES_NO:
        if value not in f.choices:
            return value, _("'%(value)s' is not an answer to a yes/no question (yes or no).") % {
                "value": value
            }
        return value, None
    if qtype == QuestionType.SELECT_ONE:
        if value not in f.choices:
            return value, _("'%(value)s' is not one of the choices (%(choices)s).") % {
                "value": value,
                "choices": ", ".join(sorted(f.choices)),
            }
        return value, None
    if qtype == QuestionType.SELECT_MULTIPLE:
        parts = value.split()
        unknown = [p for p in parts if p not in f.choices]
        if unknown:
            return value, _("'%(value)s' is not one of the choices (%(choices)s).") % {
                "value": " ".join(unknown),
                "choices": ", ".join(sorted(f.choices)),
            }
        if len(set(parts)) != len(parts):
            return value, _("A choice is selected twice.")
        return " ".join(parts), None
    if qtype == QuestionType.INTEGER:
        if not INTEGER_RE.match(value):
            return value, _("'%(value)s' is not a whole number.") % {"value": value}
        return str(int(value)), None
    if qtype == QuestionType.DECIMAL:
        if not DECIMAL_RE.match(value):
            return value, _("'%(value)s' is not a number.") % {"value": value}
        return value, None  # decimals are kept as written (12.50 stays 12.50)
    if qtype == QuestionType.DATE:
        try:
            if not DATE_RE.match(value):
                raise ValueError(value)
            datetime.date.fromisoformat(value)
        except ValueError:
            return value, _("'%(value)s' is not a date in the form YYYY-MM-DD.") % {"value": value}
        return value, None
    if qtype == QuestionType.GEOPOINT:
        parts = value.split()
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            numbers = []
        if not 2 <= len(parts) <= 4 or len(numbers) != len(parts) or not all(map(math.isfinite, numbers)):
            return value, _(
                "'%(value)s' is not a location: give latitude and longitude, optionally altitude and accuracy."
            ) % {"value": value}
        if not (-90 <= numbers[0] <= 90 and -180 <= numbers[1] <= 180):
            return value, _("'%(value)s' is outside the range of latitude and longitude.") % {"value": value}
        return " ".join(parts), None
    if qtype == QuestionType.PHOTO:
        if any(ch in value for ch in "/\\\n\r"):
            return value, _("'%(value)s' is not a photo file name.") % {"value": value}
        return value, None
    return value, _("Unknown question type '%(type)s'.") % {"type": qtype}


def _is_relevant(node: expressions.Node | None, context: Mapping[str, str]) -> bool:
    return node is None or expressions.evaluate(node, context)


def validate(form: Form, raw: RawSubmission) -> tuple[dict[Key, str], list[Problem]]:
    """Check one submission; return its answers (canonical, only relevant ones) and its problems.

    Questions are taken in form order, as ODK Collect does: a question that is not relevant is
    dropped, and later conditions see it as unanswered.
    """
    problems = list(raw.problems)
    answers: dict[Key, str] = {}

    def problem(name: str, index: int, message: str) -> None:
        problems.append(Problem(raw.name, field_key(name, index), message))

    for (name, index), _value in raw.values.items():
        f = form.fields.get(name)
        if f is None:
            problem(name, index, _("The template has no question with this name."))
        elif f.section.repeat and index < 1:
            problem(name, index, _("The question is in a repeated section but has no repeat number."))
        elif not f.section.repeat and index != 0:
            problem(name, index, _("The question is not in a repeated section."))
    top: dict[str, str] = {}
    for section in form.sections:
        if section.repeat:
            names = {f.question.name for f in section.fields}
            indices = sorted(
                {i for (n, i) in raw.values if n in names and i > 0}
                | set(range(1, raw.units.get(section.section.code, 0) + 1))
            )
        else:
            indices = [0]
        for index in indices:
            context = top if index == 0 else dict(top)
            if not _is_relevant(section.relevant, context):
                continue
            for f in section.fields:
                name = f.question.name
                value = raw.values.get((name, index), "")
                if not _is_relevant(f.relevant, context):
                    continue
                if not value.strip():
                    if f.question.required:
                        problem(name, index, _("This question is required and has no answer."))
                    continue
                canonical, error = _canonical(f, value)
                if error:
                    problem(name, index, error)
                    continue
                if f.constraint is not None and not expressions.evaluate(
                    f.constraint, context, current=canonical
                ):
                    message = f.question.constraint_message or _("The value is not allowed.")
                    problem(name, index, f"'{canonical}': {message}")
                    continue
                context[name] = canonical
                answers[(name, index)] = canonical
    return answers, problems


def check_hidden(form: Form, raw: RawSubmission) -> Problem | None:
    """The submission must carry the template code and version it was filled with."""
    template = raw.hidden.get("dozor_template", "").strip()
    number = raw.hidden.get("dozor_version", "").strip()
    if not template or not number:
        return Problem(
            raw.name,
            "dozor_template" if not template else "dozor_version",
            _(
                "The submission does not say which Dozor template it was filled with "
                "(dozor_template and dozor_version): was the form exported from Dozor?"
            ),
        )
    if template != form.template_code or number != str(form.version.number):
        return Problem(
            raw.name,
            "dozor_template",
            _(
                "This file was filled with template %(template)s version %(number)s, "
                "the visit uses %(visit_template)s version %(visit_number)s."
            )
            % {
                "template": template,
                "number": number,
                "visit_template": form.template_code,
                "visit_number": form.version.number,
            },
        )
    return None


# --- reading files ------------------------------------------------------------------------------


def read(data: bytes, filename: str, form: Form) -> ParsedFile:
    """Read an export; raise SubmissionFileError when the file as a whole is unreadable."""
    try:
        check_size(data, settings.DOZOR_MAX_SUBMISSIONS_BYTES)
    except UploadError as exc:
        raise SubmissionFileError([str(exc)]) from exc
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or name.endswith(".zip"):
        parsed = _read_odk_zip(data, form)
    else:
        text = _decode(data)
        stripped = text.lstrip()
        if name.endswith(".json") or stripped[:1] in ("[", "{"):
            parsed = _read_kobo_json(text, form)
        else:
            parsed = _read_csv_export(text, form)
    if not parsed.submissions and not parsed.problems:
        raise SubmissionFileError([_("The file has no submissions.")])
    if len(parsed.submissions) > settings.DOZOR_MAX_IMPORT_ROWS:
        raise SubmissionFileError(
            [
                _("The file has %(rows)s rows; the limit is %(limit)s.")
                % {"rows": len(parsed.submissions), "limit": settings.DOZOR_MAX_IMPORT_ROWS}
            ]
        )
    return parsed


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionFileError(
            [_("The CSV file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.")]
        ) from exc
    if "\x00" in text:
        raise SubmissionFileError([_("The CSV file contains binary data.")])
    return text


def _csv_table(text: str, what: str, delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    """Header and rows; a damaged or truncated file (short row, open quote) is refused whole."""
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise SubmissionFileError(
            [
                _("%(file)s is damaged or truncated (%(error)s); export it again.")
                % {"file": what, "error": exc}
            ]
        ) from exc
    table = [row for row in table if row]
    if not table:
        raise SubmissionFileError([_("%(file)s is empty.") % {"file": what}])
    header = [h.strip() for h in table[0]]
    for number, row in enumerate(table[1:], start=2):
        if len(row) != len(header):
            raise SubmissionFileError(
                [
                    _(
                        "%(file)s, row %(row)s has %(cells)s cells but the header has %(columns)s: "
                        "the file is damaged or truncated; export it again."
                    )
                    % {"file": what, "row": number, "cells": len(row), "columns": len(header)}
                ]
            )
    duplicates = sorted({h for h in header if h and header.count(h) > 1})
    if duplicates:
        raise SubmissionFileError(
            [
                _("%(file)s: columns appear twice: %(columns)s.")
                % {"file": what, "columns": ", ".join(duplicates)}
            ]
        )
    return header, table[1:]


@dataclass(frozen=True)
class Target:
    """What a column holds: an answer, part of one (geopoint, one choice), a hidden field, or metadata."""

    kind: str  # "value" | "geo" | "choice" | "hidden" | "meta"
    name: str = ""
    part: str = ""


def _is_meta(column: str, separator: str) -> bool:
    last = column.split(separator)[-1]
    return (
        column in ODK_META
        or last in ODK_META
        or column.startswith(META_PREFIXES)
        or last.startswith("_")
        or column in XLSFORM_METADATA
    )


def _resolve(column: str, separator: str, form: Form, repeat: str | None) -> Target | None:
    """Map a column (``group-question``, ``group/question`` or ``question``) to what it holds.

    Question names are unique in a version, so the last path segment identifies the question;
    the section still has to match (a repeat's question cannot appear in the main table).
    """
    segments = [s for s in column.split(separator) if s]
    if not segments:
        return None
    last = segments[-1]

    def belongs(name: str) -> bool:
        f = form.fields[name]
        return f.section.code == repeat if repeat else not f.section.repeat

    if last in form.fields and belongs(last):
        return Target("value", last)
    if len(segments) >= 2 and segments[-2] in form.fields and belongs(segments[-2]):
        f = form.fields[segments[-2]]
        if f.question.type == QuestionType.GEOPOINT and last in GEO_PARTS:
            return Target("geo", segments[-2], last)
        if f.question.type == QuestionType.SELECT_MULTIPLE and last in f.choices:
            return Target("choice", segments[-2], last)
    if separator != "/" and "/" in last:
        # ODK Central's "split select multiples": ``group-question/choice`` (0 or 1) after the
        # ``group-question`` column; Central lists the values it has seen, so an unknown one is
        # kept and reported by the check of the answer.
        name, choice = last.split("/", 1)
        if (
            name in form.fields
            and belongs(name)
            and form.fields[name].question.type == QuestionType.SELECT_MULTIPLE
            and choice
        ):
            return Target("choice", name, choice)
    if last in HIDDEN and repeat is None:
        return Target("hidden", last)
    if _is_meta(column, separator) or last in form.repeats:
        return Target("meta")
    return None


@dataclass
class _Columns:
    targets: list[Target | None]
    unknown: list[str]


def _columns(header: list[str], separator: str, form: Form, repeat: str | None) -> _Columns:
    targets = [_resolve(h, separator, form, repeat) if h else Target("meta") for h in header]
    unknown = [h for h, t in zip(header, targets, strict=True) if t is None]
    return _Columns(targets, unknown)


def _row_values(targets: list[Target | None], row: list[str], index: int, raw: RawSubmission) -> None:
    """Put one row's cells into ``raw``: answers, geopoint parts joined, split choices gathered."""
    geo: dict[str, dict[str, str]] = {}
    chosen: dict[str, list[str]] = {}
    for target, cell in zip(targets, row, strict=True):
        if target is None or target.kind == "meta":
            continue
        if target.kind == "value":
            raw.values[(target.name, index)] = cell
        elif target.kind == "hidden":
            raw.hidden[target.name] = cell
        elif target.kind == "geo":
            geo.setdefault(target.name, {})[target.part] = cell.strip()
        elif target.kind == "choice":
            chosen.setdefault(target.name, [])
            if cell.strip() in ("1", "1.0", "True", "true"):
                chosen[target.name].append(target.part)
    for name, parts in geo.items():
        values = [parts.get(p, "") for p in GEO_PARTS]
        while values and not values[-1]:
            values.pop()
        raw.values.setdefault((name, index), " ".join(values))
    for name, names in chosen.items():
        # Only when the export has no whole column for the question (Central's "split" option).
        raw.values.setdefault((name, index), " ".join(names))


def _timestamp(text: str) -> datetime.datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _unknown_problems(what: str, unknown: Iterable[str]) -> list[Problem]:
    return [
        Problem(
            "",
            column,
            _("%(file)s: the column is not a question of this template nor ODK/Kobo metadata.")
            % {"file": what},
        )
        for column in unknown
    ]


def _instance_id(*candidates: str) -> str:
    for candidate in candidates:
        value = candidate.strip()
        if value:
            return value
    return ""


def _read_odk_zip(data: bytes, form: Form) -> ParsedFile:
    try:
        archive = open_zip(data)
    except UploadError as exc:
        raise SubmissionFileError([str(exc)]) from exc
    # imported here: the OpenRosa package reads its files with this module
    from dozor.visits.openrosa.briefcase import is_instances_zip, read_encrypted_instances

    if is_instances_zip(archive.namelist()):
        # instance folders (submission.xml and its .enc files, as ODK Briefcase or the phone
        # keeps them) of a form encrypted with Dozor's key: decision 0027
        archive.close()
        return read_encrypted_instances(data, form)
    if "xl/workbook.xml" in archive.namelist():
        # KoboToolbox's default export is XLS(X); its sheets name columns like the CSV export
        # but are not read, to keep one reader per format.
        archive.close()
        raise SubmissionFileError(
            [
                _(
                    "This is an Excel workbook (KoboToolbox's XLS export?). Export the data as JSON "
                    '(it keeps the repeats) or as CSV, with "XML values and headers"; from ODK '
                    "Central, download the CSV.zip."
                )
            ]
        )
    texts: dict[str, str] = {}
    try:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(".csv"):
                continue  # media/ folders of an export "with attachments"
            texts[info.filename] = _decode(archive.read(info))
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise SubmissionFileError([_("The file is not a valid ZIP archive.")]) from exc
    finally:
        archive.close()
    main: list[str] = []
    repeats: dict[str, str] = {}
    for path in texts:
        stem = path.rsplit("/", 1)[-1][: -len(".csv")]
        suffix = stem.rsplit("-", 1)[-1] if "-" in stem else ""
        if suffix in form.repeats:
            repeats[suffix] = path
        else:
            main.append(path)
    if len(main) != 1:
        raise SubmissionFileError(
            [
                _(
                    "The archive must hold one main CSV (%(form_id)s.csv) and one CSV per repeat; found %(files)s."
                )
                % {"form_id": form.form_id, "files": ", ".join(sorted(texts)) or "-"}
            ]
        )
    header, rows = _csv_table(texts[main[0]], main[0])
    parsed = _read_odk_main(header, rows, form, main[0])
    by_key = {raw.label: raw for raw in parsed.submissions}
    for code, path in sorted(repeats.items()):
        header, rows = _csv_table(texts[path], path)
        columns = _columns(header, "-", form, code)
        parsed.problems += _unknown_problems(path, columns.unknown)
        if "PARENT_KEY" not in header:
            raise SubmissionFileError([_("%(file)s has no PARENT_KEY column.") % {"file": path}])
        parent_at = header.index("PARENT_KEY")
        key_at = header.index("KEY") if "KEY" in header else None
        counters: dict[str, int] = {}
        for number, row in enumerate(rows, start=2):
            parent = by_key.get(row[parent_at].strip())
            if parent is None:
                parsed.problems.append(
                    Problem(
                        "",
                        "PARENT_KEY",
                        _(
                            "%(file)s, row %(row)s: PARENT_KEY '%(key)s' matches no submission in the main file."
                        )
                        % {"file": path, "row": number, "key": row[parent_at]},
                    )
                )
                continue
            counters[parent.label] = counters.get(parent.label, 0) + 1
            match = REPEAT_INDEX_RE.search(row[key_at].strip()) if key_at is not None else None
            index = int(match.group(1)) if match else counters[parent.label]
            names = {f.question.name for f in form.repeats[code].fields}
            if index < 1 or any((n, index) in parent.values for n in names):
                parent.problems.append(
                    Problem(
                        parent.name,
                        f"{code}[{index}]",
                        _("%(file)s, row %(row)s: the repeat number is missing or used twice.")
                        % {"file": path, "row": number},
                    )
                )
                continue
            _row_values(columns.targets, row, index, parent)
    return parsed


def _read_odk_main(header: list[str], rows: list[list[str]], form: Form, what: str) -> ParsedFile:
    """ODK Central's main table (lib/data/briefcase.js): ``KEY`` is the submission's first
    instance ID and stays when the submission is edited; ``meta-instanceID`` is the current
    version's; ``Status`` says when Central could not decrypt the row (its answers are empty)."""
    columns = _columns(header, "-", form, None)
    at = {h: i for i, h in enumerate(header)}

    def cell(row: list[str], *names: str) -> str:
        return next((row[at[n]].strip() for n in names if n in at and row[at[n]].strip()), "")

    submissions = []
    encrypted: dict[str, list[str]] = {}
    for number, row in enumerate(rows, start=2):
        key = cell(row, "KEY")
        label = key or _("row %(row)s") % {"row": number}
        status = cell(row, "Status")
        if status in (CENTRAL_NOT_DECRYPTED, CENTRAL_MISSING_ENCRYPTED):
            encrypted.setdefault(status, []).append(label)
            continue
        instance = _instance_id(cell(row, "meta-instanceID", "instanceID"), key)
        earlier = [cell(row, "meta-deprecatedID", "deprecatedID"), key]
        raw = RawSubmission(
            label=label,
            instance_id=instance,
            submitted_at=_timestamp(cell(row, "SubmissionDate")),
            submitter_name=cell(row, "SubmitterName"),
            review_state=cell(row, "ReviewState"),
            replaces=tuple(dict.fromkeys(e for e in earlier if e and e != instance)),
        )
        _row_values(columns.targets, row, 0, raw)
        submissions.append(raw)
    problems = _unknown_problems(what, columns.unknown)
    if encrypted:
        problems += _encrypted_problems(encrypted)
    return ParsedFile(ODK_CENTRAL, submissions, problems)


def _encrypted_problems(encrypted: Mapping[str, list[str]]) -> list[Problem]:
    """One message per kind of row Central could not decrypt: the form is encrypted, and the
    export must be made with its passphrase (or the encrypted submissions imported instead)."""
    problems = []
    for status, labels in encrypted.items():
        shown = ", ".join(labels[:5]) + (", ..." if len(labels) > 5 else "")
        if status == CENTRAL_MISSING_ENCRYPTED:
            message = _(
                "%(count)s submissions of this encrypted form reached ODK Central without their "
                "encrypted data (Status 'missing encrypted form data'): send them again from the "
                "phone, or import them from the phone's files (%(keys)s)."
            )
        else:
            message = _(
                "ODK Central could not decrypt %(count)s submissions (Status 'not decrypted'): the "
                "form is encrypted and the file holds no answers for them (%(keys)s). Export again "
                "from ODK Central entering the form's passphrase, so that the file is decrypted; or, "
                "if the form carries Dozor's key, import a ZIP of the encrypted submissions (the "
                "instance folders with submission.xml and its .enc files, as ODK Briefcase or the "
                "phone keeps them)."
            )
        problems.append(Problem("", "Status", message % {"count": len(labels), "keys": shown}))
    return problems


def _read_csv_export(text: str, form: Form) -> ParsedFile:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    header, rows = _csv_table(text, _("The CSV file"), delimiter)
    if {"KEY", "meta-instanceID", "SubmissionDate"} & set(header):
        return _read_odk_main(header, rows, form, _("The CSV file"))
    if not {"_uuid", "meta/instanceID", "_submission_time"} & set(header):
        raise SubmissionFileError(
            [
                _(
                    "The CSV file is neither an ODK Central export (no KEY column) nor a KoboToolbox "
                    "export (no _uuid column)."
                )
            ]
        )
    columns = _columns(header, "/", form, None)
    if _labels_export(form, columns):
        raise SubmissionFileError([_kobo_labels_message()])
    problems = _unknown_problems(_("The CSV file"), columns.unknown)
    for h, target in zip(header, columns.targets, strict=True):
        last = h.split("/")[-1]
        if target is None and last in form.fields and form.fields[last].section.repeat:
            problems.append(
                Problem("", h, _("KoboToolbox CSV exports have no repeats: import the JSON export instead."))
            )
    at = {h: i for i, h in enumerate(header)}
    submissions = []
    for number, row in enumerate(rows, start=2):

        def cell(name: str, row: list[str] = row) -> str:
            return row[at[name]] if name in at else ""

        raw = RawSubmission(
            label=_("row %(row)s") % {"row": number},
            instance_id=_kobo_instance_id(cell("meta/instanceID"), cell("_uuid")),
            submitted_at=_timestamp(cell("_submission_time")),
            submitter_name=cell("_submitted_by").strip(),
            review_state=_kobo_review_state(cell("_validation_status")),
        )
        raw.replaces = _kobo_replaces(raw.instance_id, cell)
        _row_values(columns.targets, row, 0, raw)
        submissions.append(raw)
    return ParsedFile(KOBO, submissions, problems)


def _labels_export(form: Form, columns: _Columns) -> bool:
    """A KoboToolbox export made with labels instead of XML names: its headers are the questions'
    labels (formpack keeps XML names only for fields without a label, such as the hidden ones)."""
    if not columns.unknown:
        return False
    labels = {
        " ".join(str(text).split()).casefold()
        for f in form.fields.values()
        for text in (f.question.label_kk, f.question.label_ru, f.question.label_en)
        if text
    }
    answered = any(t is not None and t.kind in ("value", "geo", "choice") for t in columns.targets)
    matching = [c for c in columns.unknown if " ".join(c.split("/")[-1].split()).casefold() in labels]
    # XML names cannot hold spaces; labels nearly always do
    spaced = any(" " in c for c in columns.unknown)
    return bool(matching) or (spaced and not answered)


def _kobo_labels_message() -> str:
    return _(
        "This KoboToolbox export was made with labels: its columns are the questions' texts, which "
        'Dozor cannot match reliably. In KoboToolbox, export again choosing "XML values and '
        'headers" as the value and header format, and import that file.'
    )


def _kobo_review_state(value: Any) -> str:
    """The uid of Kobo's validation status: the API gives ``{"uid": ..., "label": ...}`` (or
    ``{}``), a CSV export the uid, or its label when exported with labels."""
    if isinstance(value, dict):
        value = value.get("uid", "")
    text = _scalar(value).strip()
    return KOBO_STATUS_LABELS.get(text.casefold(), text)


def _kobo_replaces(instance_id: str, get: Any) -> tuple[str, ...]:
    """Earlier versions of an edited Kobo submission: ``meta/deprecatedID`` names the version the
    edit replaced; ``meta/rootUuid`` (recent KoboToolbox) the first one."""
    earlier = []
    for names in (("meta/deprecatedID", "deprecatedID"), ("meta/rootUuid", "rootUuid")):
        value = next((_scalar(get(n)).strip() for n in names if _scalar(get(n)).strip()), "")
        if value and not value.startswith("uuid:"):
            value = "uuid:" + value
        earlier.append(value)
    return tuple(dict.fromkeys(e for e in earlier if e and e != instance_id))


def _kobo_instance_id(instance_id: Any, uuid: Any) -> str:
    """``meta/instanceID`` (``uuid:...``); else ``_uuid`` with the same ``uuid:`` prefix, so that
    the JSON and CSV exports of one submission are recognised as the same submission."""
    value = _instance_id(_scalar(instance_id), _scalar(uuid))
    if value and not _scalar(instance_id).strip() and not value.startswith("uuid:"):
        value = "uuid:" + value
    return value


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return value if isinstance(value, str) else ""


def _read_kobo_json(text: str, form: Form) -> ParsedFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionFileError(
            [_("The JSON file is damaged or truncated (%(error)s); export it again.") % {"error": exc}]
        ) from exc
    records = document.get("results") if isinstance(document, dict) else document
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SubmissionFileError(
            [_("The JSON file is not a KoboToolbox export: expected a list of submissions.")]
        )
    if isinstance(document, dict):
        _check_whole_page(document, records)
    submissions = []
    for number, record in enumerate(records, start=1):
        raw = RawSubmission(
            label=_("submission %(number)s") % {"number": number},
            instance_id=_kobo_instance_id(record.get("meta/instanceID"), record.get("_uuid")),
            submitted_at=_timestamp(_scalar(record.get("_submission_time"))),
            submitter_name=_scalar(record.get("_submitted_by")).strip(),
            review_state=_kobo_review_state(record.get("_validation_status")),
        )
        raw.replaces = _kobo_replaces(raw.instance_id, record.get)
        for key, value in record.items():
            _kobo_value(form, raw, str(key), value)
        submissions.append(raw)
    return ParsedFile(KOBO, submissions)


def _check_whole_page(document: Mapping[str, Any], records: list[Any]) -> None:
    """KoboToolbox's API answers in pages (``count``, ``next``, ``previous``, ``results``): one
    page of several is refused, since importing it would silently leave the others out."""
    count = document.get("count")
    partial = bool(document.get("next")) or bool(document.get("previous"))
    if isinstance(count, int) and not isinstance(count, bool) and count > len(records):
        partial = True
    if partial:
        raise SubmissionFileError(
            [
                _(
                    "The JSON file is one page of a KoboToolbox API answer: it holds %(rows)s of "
                    "%(count)s submissions and names a next or previous page. Fetch every page and "
                    "join them into one file (or raise the page size with ?limit=), or use "
                    "KoboToolbox's export, then import again."
                )
                % {"rows": len(records), "count": count if isinstance(count, int) else "?"}
            ]
        )


def _kobo_value(form: Form, raw: RawSubmission, key: str, value: Any) -> None:
    last = key.split("/")[-1]
    if last in form.repeats and isinstance(value, list):
        section = form.repeats[last]
        names = {f.question.name for f in section.fields}
        for index, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                raw.problems.append(
                    Problem(raw.name, f"{last}[{index}]", _("A repeat item must be a set of answers."))
                )
                continue
            for item_key, item_value in item.items():
                name = str(item_key).split("/")[-1]
                if name in names:
                    raw.values[(name, index)] = _scalar(item_value)
                elif not _is_meta(str(item_key), "/"):
                    raw.problems.append(Problem(raw.name, f"{item_key}[{index}]", _unknown_field()))
        return
    target = _resolve(key, "/", form, None)
    if target is None:
        raw.problems.append(Problem(raw.name, key, _unknown_field()))
    elif target.kind == "hidden":
        raw.hidden[target.name] = _scalar(value)
    elif target.kind == "value":
        if isinstance(value, list | dict):
            raw.problems.append(Problem(raw.name, key, _("Expected a single answer.")))
        else:
            raw.values[(target.name, 0)] = _scalar(value)


def _unknown_field() -> str:
    return _("The field is not a question of this template nor ODK/Kobo metadata.")


@dataclass
class ImportResult:
    """What an import did (or, with problems or ``dry_run``, would have done): nothing is written
    unless ``problems`` is empty."""

    source: str = ""
    created: list[str] = field(default_factory=list)
    skipped_existing: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    # new version's instance ID -> the earlier version it replaced (an edit at the source); the
    # new versions are also in ``created``
    replaced: dict[str, str] = field(default_factory=dict)
    # already imported without their repeats (the main CSV alone), now completed from the CSV.zip
    completed: list[str] = field(default_factory=list)
    # imported, flagged at the source (ODK Central "has issues", Kobo "on hold")
    flagged: list[str] = field(default_factory=list)
    # left out on purpose, with the reason (rejected at the source)
    not_imported: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.problems:
            return _("Nothing imported: %(count)s problems.") % {"count": len(self.problems)}
        parts = [
            _("%(created)s submissions imported, %(skipped)s already imported.")
            % {"created": len(self.created), "skipped": len(self.skipped_existing)}
        ]
        if self.replaced:
            parts.append(
                _("%(count)s of them replace earlier versions edited at the source.")
                % {"count": len(self.replaced)}
            )
        if self.completed:
            parts.append(
                _("%(count)s imported earlier were completed with their repeat answers.")
                % {"count": len(self.completed)}
            )
        if self.flagged:
            parts.append(
                _("%(count)s are flagged at the source (has issues / on hold).")
                % {"count": len(self.flagged)}
            )
        if self.not_imported:
            parts.append(
                _("%(count)s not imported: rejected at the source.") % {"count": len(self.not_imported)}
            )
        if self.dry_run:
            parts.append(_("(dry run: nothing written)"))
        return " ".join(parts)
