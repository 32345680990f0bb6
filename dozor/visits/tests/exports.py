"""Generators of ODK Central and KoboToolbox export files, for tests and the benchmark.

They read the XLSForm Dozor exports (not Dozor's models), so that a round trip goes through the
same file a monitor loads into ODK Central or KoboToolbox.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from dozor.methodology import expressions
from dozor.methodology.models import QuestionType, TemplateVersion
from dozor.methodology.spec import version_to_spec

TEXTS = [
    "Камерада терезе жоқ",
    "Камерада терезе жоқ (қазақша: терезесі жоқ)",
    "No window",
    'В камере нет окна, "холодно";\nвторая строка',
]
ODK_TRAILER = [
    "meta-instanceID",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
]
GEO_PARTS = ["Latitude", "Longitude", "Altitude", "Accuracy"]

Values = dict[tuple[str, int], str]


@dataclass
class Sub:
    instance_id: str
    values: Values
    template: str
    version: str
    submitter: str = "Bob"
    # ODK Central: KEY is the first version's instance ID (it stays when the submission is
    # edited), ReviewState, Edits and Status ("not decrypted"...) as lib/data/briefcase.js writes them
    key: str = ""
    review_state: str = ""
    edits: int = 0
    status: str = ""
    # KoboToolbox: the validation status uid, and an edit's meta/deprecatedID and meta/rootUuid
    validation: str = ""
    deprecated_id: str = ""
    root_uuid: str = ""

    @property
    def central_key(self) -> str:
        return self.key or self.instance_id


KOBO_VALIDATION_LABELS = {
    "validation_status_approved": "Approved",
    "validation_status_not_approved": "Not Approved",
    "validation_status_on_hold": "On Hold",
}


@dataclass
class Layout:
    """Where each question sits in the XLSForm: its group path, and whether it repeats."""

    form_id: str
    main: list[tuple[str, str, str]] = field(default_factory=list)  # (path, name, xlsform type)
    repeats: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)


def layout(xlsx: bytes) -> Layout:
    workbook = load_workbook(io.BytesIO(xlsx), read_only=True)
    survey = [list(r) for r in workbook["survey"].iter_rows(values_only=True)]
    settings = [list(r) for r in workbook["settings"].iter_rows(values_only=True)]
    workbook.close()
    form_id = str(settings[1][settings[0].index("form_id")])
    header = [str(h) for h in survey[0]]
    type_at, name_at = header.index("type"), header.index("name")
    result = Layout(form_id=form_id)
    stack: list[tuple[str, str]] = []
    for row in survey[1:]:
        kind, name = str(row[type_at] or ""), str(row[name_at] or "")
        if kind in ("begin_group", "begin_repeat"):
            stack.append((kind, name))
            if kind == "begin_repeat":
                result.repeats[name] = []
        elif kind in ("end_group", "end_repeat"):
            stack.pop()
        elif kind == "calculate" or not kind:
            continue
        else:
            path = "-".join(n for _k, n in stack) + "-" + name if stack else name
            repeat = next((n for k, n in stack if k == "begin_repeat"), None)
            target = result.repeats[repeat] if repeat else result.main
            target.append((path, name, kind))
    return result


def generate_values(version: TemplateVersion, *, seed: int = 0, units: int = 2) -> Values:
    """Answers to every relevant question of the version (canonical XLSForm text), with ``units``
    repeated units per repeat section; constraints are respected."""
    values: Values = {}
    top: dict[str, str] = {}
    counter = seed
    for section in version_to_spec(version):
        for index in range(1, units + 1) if section["repeat"] else [0]:
            context = top if index == 0 else dict(top)
            if section["relevant"] and not expressions.evaluate(
                expressions.parse(section["relevant"]), context
            ):
                continue
            for q in section["questions"]:
                counter += 1
                if q["relevant"] and not expressions.evaluate(expressions.parse(q["relevant"]), context):
                    continue
                value = _value(q, counter, context)
                context[q["name"]] = value
                values[(q["name"], index)] = value
    return values


def _value(q: dict[str, Any], counter: int, context: dict[str, str]) -> str:
    qtype = q["type"]
    names = [c["name"] for c in q["choices"]]
    if qtype == QuestionType.YES_NO:
        return "yes" if counter % 3 else "no"
    if qtype == QuestionType.SELECT_ONE:
        return names[counter % len(names)]
    if qtype == QuestionType.SELECT_MULTIPLE:
        return f"{names[counter % len(names)]} {names[(counter + 1) % len(names)]}"
    if qtype == QuestionType.TEXT:
        return TEXTS[counter % len(TEXTS)]
    if qtype == QuestionType.DATE:
        return f"2025-03-{1 + counter % 28:02d}"
    if qtype == QuestionType.GEOPOINT:
        return "43.238949 76.889709 780.5 4.2" if counter % 2 else "43.2 76.8 0 0"
    if qtype == QuestionType.PHOTO:
        return f"{q['name']}_{counter}.jpg"
    candidates = ["12", "0", "1", "3", "7", "100", "2025"] if qtype == QuestionType.INTEGER else []
    candidates += ["12.50", "0.5", "3", "100.25"] if qtype == QuestionType.DECIMAL else []
    if q["constraint"]:
        node = expressions.parse(q["constraint"])
        candidates = [c for c in candidates if expressions.evaluate(node, context, current=c)]
    return candidates[counter % len(candidates)]


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _seen_choices(subs: list[Sub], name: str) -> list[str]:
    """The values of a select-multiple question found in the submissions: what ODK Central lists
    as split columns (``selectValues``, from the data, not from the form)."""
    return sorted(
        {v for sub in subs for (n, _i), value in sub.values.items() if n == name for v in value.split()}
    )


def odk_main_csv(
    form: Layout,
    subs: list[Sub],
    *,
    split_geopoint: bool = True,
    split_select: bool = False,
    whole_select: bool = True,
) -> str:
    """ODK Central's main table as lib/data/briefcase.js writes it: SubmissionDate, the form's
    fields in order (geopoints in four columns; with ``?splitSelectMultiples=true`` a select
    multiple's column is followed by ``path/value`` columns of 0/1 for every value seen), then
    KEY and the metadata columns. ``whole_select=False`` drops the space-separated column, as a
    hand-trimmed file may. A row Central could not decrypt has only its metadata."""
    header = ["SubmissionDate", "dozor_template", "dozor_version"]
    for path, name, kind in form.main:
        if kind == "geopoint" and split_geopoint:
            header += [f"{path}-{p}" for p in GEO_PARTS]
        elif kind.startswith("select_multiple") and split_select:
            header += ([path] if whole_select else []) + [f"{path}/{v}" for v in _seen_choices(subs, name)]
        else:
            header.append(path)
    header += ODK_TRAILER
    rows = []
    for sub in subs:
        row = ["2025-03-01T10:15:00.000Z", sub.template, sub.version]
        for _path, name, kind in form.main:
            value = sub.values.get((name, 0), "")
            if kind == "geopoint" and split_geopoint:
                parts = value.split()
                row += [parts[i] if i < len(parts) else "" for i in range(4)]
            elif kind.startswith("select_multiple") and split_select:
                row += ([value] if whole_select else []) + [
                    "1" if v in value.split() else "0" for v in _seen_choices(subs, name)
                ]
            else:
                row.append(value)
        if sub.status:  # not decrypted: Central writes the metadata only
            row = [row[0]] + [""] * (len(row) - 1)
        row += [
            "" if sub.status else sub.instance_id,
            sub.central_key,
            "5",
            sub.submitter,
            "0",
            "0",
            sub.status,
            sub.review_state,
            "collect:abc",
            str(sub.edits),
            sub.version,
        ]
        rows.append(row)
    return _csv(header, rows)


def odk_repeat_csv(form: Layout, repeat: str, subs: list[Sub], *, bare: bool = False) -> str:
    fields = form.repeats[repeat]
    header = [name if bare else path for path, name, _kind in fields] + ["PARENT_KEY", "KEY"]
    rows = []
    for sub in subs:
        indices = sorted({i for (n, i) in sub.values if i and any(n == f[1] for f in fields)})
        for index in indices:
            row = [sub.values.get((name, index), "") for _path, name, _kind in fields]
            # PARENT_KEY and KEY are built on the submission's KEY (its first instance ID)
            rows.append([*row, sub.central_key, f"{sub.central_key}/{repeat}[{index}]"])
    return _csv(header, rows)


def odk_central_zip(form: Layout, subs: list[Sub], *, bare: bool = False, bom: bool = False) -> bytes:
    """The CSV.zip ODK Central produces: <form_id>.csv and <form_id>-<repeat>.csv files."""
    buffer = io.BytesIO()
    prefix = "\ufeff" if bom else ""
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{form.form_id}.csv", prefix + odk_main_csv(form, subs))
        for repeat in form.repeats:
            archive.writestr(
                f"{form.form_id}-{repeat}.csv", prefix + odk_repeat_csv(form, repeat, subs, bare=bare)
            )
    return buffer.getvalue()


def kobo_json(form: Layout, subs: list[Sub], *, wrap: bool = False, hidden_group: str = "") -> bytes:
    """KoboToolbox's JSON export: 'group/question' keys, repeats as lists of items."""
    records = []
    for number, sub in enumerate(subs, start=1):
        record: dict[str, Any] = {
            "_id": number,
            "formhub/uuid": "f00d",
            "__version__": "vabc",
            f"{hidden_group}dozor_template": sub.template,
            f"{hidden_group}dozor_version": sub.version,
            "meta/instanceID": sub.instance_id,
            "_uuid": sub.instance_id.removeprefix("uuid:"),
            "_submission_time": "2025-03-01T10:15:00",
            "_submitted_by": sub.submitter,
            "_attachments": [],
            "_geolocation": [None, None],
            "_tags": [],
            "_notes": [],
            "_validation_status": (
                {
                    "timestamp": 1740800000,
                    "uid": sub.validation,
                    "by_whom": "coordinator",
                    "label": KOBO_VALIDATION_LABELS[sub.validation],
                }
                if sub.validation
                else {}
            ),
            "_status": "submitted_via_web",
        }
        if sub.deprecated_id:
            record["meta/deprecatedID"] = sub.deprecated_id
        if sub.root_uuid:
            record["meta/rootUuid"] = sub.root_uuid
        for path, name, _kind in form.main:
            if (name, 0) in sub.values:
                record[path.replace("-", "/")] = sub.values[(name, 0)]
        for repeat, fields in form.repeats.items():
            indices = sorted({i for (n, i) in sub.values if i and any(n == f[1] for f in fields)})
            if indices:
                record[repeat] = [
                    {
                        path.replace("-", "/"): sub.values[(name, index)]
                        for path, name, _kind in fields
                        if (name, index) in sub.values
                    }
                    for index in indices
                ]
        records.append(record)
    document: Any = {"count": len(records), "results": records} if wrap else records
    return json.dumps(document, ensure_ascii=False).encode()


def kobo_csv(
    form: Layout,
    subs: list[Sub],
    *,
    delimiter: str = ";",
    bare: bool = False,
    labels: dict[str, str] | None = None,
) -> bytes:
    """KoboToolbox's flat CSV export (no repeats), as formpack writes it. With ``labels`` (question
    name -> label) the export "with labels": questions headed by their labels, while fields
    without a label (the hidden ones, metadata) keep their XML names and the validation status
    shows its label."""

    def head(path: str, name: str) -> str:
        if labels is not None:
            return labels[name]
        return name if bare else path.replace("-", "/")

    header = ["start", "end"] + [head(path, name) for path, name, _k in form.main]
    header += ["dozor_template", "dozor_version", "meta/instanceID", "_id", "_uuid", "_submission_time"]
    header += ["_validation_status", "_submitted_by", "_index"]
    rows = []
    for number, sub in enumerate(subs, start=1):
        row = ["2025-03-01T10:00:00.000+05:00", "2025-03-01T11:00:00.000+05:00"]
        row += [sub.values.get((name, 0), "") for _path, name, _kind in form.main]
        row += [sub.template, sub.version, sub.instance_id, str(number), sub.instance_id[5:]]
        status = KOBO_VALIDATION_LABELS.get(sub.validation, "") if labels is not None else sub.validation
        row += ["2025-03-01T10:15:00", status, sub.submitter, str(number)]
        rows.append(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def zip_bomb(name: str = "bomb.csv", size: int = 120 * 1024 * 1024) -> bytes:
    """A small archive that expands past the allowed size."""
    buffer = io.BytesIO()
    chunk = b"0" * (1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as member:
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()
