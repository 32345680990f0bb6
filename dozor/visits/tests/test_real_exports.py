"""Export files as ODK Central and KoboToolbox really write them (issue 17, decision 0029): split
select multiples, review states, edits, the root CSV completed by the CSV.zip, API pages, rows
Central could not decrypt, Kobo exports with labels, and the size limit.

Layouts follow the servers' code (ODK Central's lib/data/briefcase.js, kobotoolbox/formpack);
``samples/`` holds files taken from their tests (see samples/README.md)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from dozor.methodology.models import ChecklistTemplate, TemplateVersion
from dozor.methodology.services import version_build
from dozor.methodology.xlsform import export_version
from dozor.visits.conftest import q, t
from dozor.visits.models import Answer, Submission, Visit
from dozor.visits.submissions import Form, SubmissionFileError, read
from dozor.visits.tests import exports
from dozor.visits.tests.exports import Sub
from dozor.visits.tests.test_submissions import counts, messages, run, stored, subs, values_one, values_two

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"


def layout(visit: Visit) -> exports.Layout:
    return exports.layout(export_version(visit.template_version))


def final_count() -> int:
    return Submission.objects.filter(status=Submission.Status.FINAL).count()


# --- split select multiples (ODK Central ?splitSelectMultiples=true) ------------------------------


def _sample_version(code: str, sections: list[dict[str, object]]) -> TemplateVersion:
    template = ChecklistTemplate.objects.create(code=code, name_en=code, name_ru=code)
    return version_build(
        template=template, sections=sections, number=1, status=TemplateVersion.Status.PUBLISHED, source="pack"
    )


def test_it_reads_centrals_own_split_select_multiple_export(db):
    """The file ODK Central's test suite expects for its selectMultiple form, read as it is."""
    choices = [{"name": c, "label": t(c)} for c in "ab"]
    version = _sample_version(
        "select_multiple_sample",
        [
            {
                "code": "g1",
                "title": t("G1"),
                "questions": [
                    q("q1", "select_multiple", choices=choices),
                    q("q2", "select_multiple", choices=[{"name": c, "label": t(c)} for c in "mxyz"]),
                ],
            }
        ],
    )
    data = (SAMPLES / "central-split-select-multiples.csv").read_bytes()
    parsed = read(data, "selectMultiple.csv", Form(version))
    assert parsed.problems == []
    values = {raw.instance_id: raw.values for raw in parsed.submissions}
    assert values == {
        "two": {("q1", 0): "b", ("q2", 0): "m x"},
        "one": {("q1", 0): "a b", ("q2", 0): "x y z"},
    }
    # the split columns alone (the space-separated ones removed) give the same answers
    table = list(csv.reader(io.StringIO(data.decode())))
    keep = [i for i, h in enumerate(table[0]) if h not in ("q1", "g1-q2")]
    trimmed = io.StringIO()
    csv.writer(trimmed).writerows([[row[i] for i in keep] for row in table])
    parsed = read(trimmed.getvalue().encode(), "selectMultiple.csv", Form(version))
    assert {raw.instance_id: raw.values for raw in parsed.submissions} == values


@pytest.mark.parametrize("whole_select", [True, False])
def test_it_imports_a_split_select_multiple_export(coordinator, visit, whole_select):
    form = layout(visit)
    data = exports.odk_main_csv(
        form, subs(visit.template_version), split_select=True, whole_select=whole_select
    )
    assert "general-problems/crowding" in data.splitlines()[0]
    result = run(coordinator, visit, data.encode(), "dozor_tpl_small.csv")
    assert result.ok, messages(result)
    assert stored("uuid:0001")[("problems", 0)] == "crowding light"


def test_it_reports_an_unknown_choice_in_a_split_column(coordinator, visit):
    form = layout(visit)
    bad = Sub("uuid:0009", values_two() | {("problems", 0): "heat"}, "tpl_small", "3")
    data = exports.odk_main_csv(form, [bad], split_select=True, whole_select=False)
    data = data.replace("general-problems/heat", "general-problems/cold")
    result = run(coordinator, visit, data.encode(), "x.csv")
    assert "uuid:0009, problems: 'cold' is not one of the choices" in messages(result)
    assert counts() == (0, 0)


# --- review states ------------------------------------------------------------------------------


def test_it_leaves_out_submissions_rejected_in_central_and_flags_those_with_issues(coordinator, visit):
    form = layout(visit)
    rows = [
        Sub("uuid:0001", values_one(), "tpl_small", "3", review_state="hasIssues"),
        Sub("uuid:0002", values_two(), "tpl_small", "3", review_state="rejected"),
        Sub("uuid:0003", values_two(), "tpl_small", "3", review_state="approved"),
    ]
    result = run(coordinator, visit, exports.odk_central_zip(form, rows), "x.zip")
    assert result.ok, messages(result)
    assert result.created == ["uuid:0001", "uuid:0003"]
    assert [(p.instance_id, p.field) for p in result.not_imported] == [("uuid:0002", "ReviewState")]
    assert "rejected in ODK Central (rejected)" in str(result.not_imported[0])
    assert "1 not imported: rejected at the source" in result.summary
    assert result.flagged == ["uuid:0001"]
    assert not Submission.objects.filter(instance_id="uuid:0002").exists()
    assert Submission.objects.get(instance_id="uuid:0001").review_state == "hasIssues"
    assert Submission.objects.get(instance_id="uuid:0003").review_state == "approved"
    # the issue is resolved in Central and the export imported again: the flag follows
    rows[0].review_state = "approved"
    again = run(coordinator, visit, exports.odk_central_zip(form, rows), "x.zip")
    assert again.ok and again.created == [] and again.flagged == []
    assert Submission.objects.get(instance_id="uuid:0001").review_state == "approved"


def test_it_leaves_out_kobo_submissions_not_approved_and_flags_those_on_hold(coordinator, visit):
    form = layout(visit)
    rows = [
        Sub("uuid:0001", values_one(), "tpl_small", "3", validation="validation_status_on_hold"),
        Sub("uuid:0002", values_two(), "tpl_small", "3", validation="validation_status_not_approved"),
    ]
    result = run(coordinator, visit, exports.kobo_json(form, rows, wrap=True), "x.json")
    assert result.ok, messages(result)
    assert result.created == ["uuid:0001"] and result.flagged == ["uuid:0001"]
    assert "rejected in KoboToolbox (validation_status_not_approved)" in str(result.not_imported[0])
    assert Submission.objects.get(instance_id="uuid:0001").has_issues
    assert counts()[0] == 1


def test_it_reads_kobo_review_states_from_a_csv_exported_with_xml_values(coordinator, visit):
    form = layout(visit)
    flat = {k: v for k, v in values_two().items() if k[1] == 0}
    rows = [
        Sub("uuid:0001", flat, "tpl_small", "3", validation="validation_status_not_approved"),
        Sub("uuid:0002", flat, "tpl_small", "3", validation="validation_status_approved"),
    ]
    result = run(coordinator, visit, exports.kobo_csv(form, rows), "x.csv")
    assert result.ok, messages(result)
    assert result.created == ["uuid:0002"] and len(result.not_imported) == 1


def test_it_reads_formpacks_own_validation_statuses():
    """formpack's fixture records: the API's dict form, including its 'Not approved' label."""
    from dozor.visits.submissions import _kobo_review_state

    records = json.loads((SAMPLES / "kobo-nested-grouped-repeatable.json").read_text())
    assert [_kobo_review_state(r["_validation_status"]) for r in records] == [
        "validation_status_approved",
        "validation_status_not_approved",
    ]
    assert _kobo_review_state({}) == ""
    assert _kobo_review_state("On Hold") == "validation_status_on_hold"


# --- edits --------------------------------------------------------------------------------------


def test_an_edit_in_central_replaces_the_earlier_version_and_keeps_it(coordinator, visit):
    form = layout(visit)
    first = run(coordinator, visit, exports.odk_central_zip(form, subs(visit.template_version)), "x.zip")
    assert first.ok, messages(first)
    old = Submission.objects.get(instance_id="uuid:0001")
    old_answers = Answer.objects.filter(submission=old).count()
    edited = values_one() | {("population", 0): "14", ("cell_persons", 1): "4"}
    # Central keeps KEY (the first instance ID); meta-instanceID is the edit's; Edits counts them
    rows = [
        Sub("uuid:0001-v2", edited, "tpl_small", "3", key="uuid:0001", edits=1, review_state="edited"),
        Sub("uuid:0002", values_two(), "tpl_small", "3"),
    ]
    result = run(coordinator, visit, exports.odk_central_zip(form, rows), "x.zip")
    assert result.ok, messages(result)
    assert result.created == ["uuid:0001-v2"] and result.skipped_existing == ["uuid:0002"]
    assert result.replaced == {"uuid:0001-v2": "uuid:0001"}
    assert "1 of them replace earlier versions" in result.summary
    assert final_count() == 2  # never a second submission
    old.refresh_from_db()
    new = Submission.objects.get(instance_id="uuid:0001-v2")
    assert old.status == Submission.Status.SUPERSEDED and old.replaced_by == new
    assert Answer.objects.filter(submission=old).count() == old_answers  # history kept
    assert stored("uuid:0001-v2") == edited
    # edited again in Central: KEY still names the first version; the current one is replaced
    rows[0] = Sub("uuid:0001-v3", values_one(), "tpl_small", "3", key="uuid:0001", edits=2)
    again = run(coordinator, visit, exports.odk_central_zip(form, rows), "x.zip")
    assert again.ok, messages(again)
    assert again.replaced == {"uuid:0001-v3": "uuid:0001-v2"}
    assert final_count() == 2
    # the same file again changes nothing
    repeat = run(coordinator, visit, exports.odk_central_zip(form, rows), "x.zip")
    assert repeat.ok and repeat.created == [] and repeat.replaced == {}
    assert sorted(repeat.skipped_existing) == ["uuid:0001-v3", "uuid:0002"]


def test_an_edit_in_kobo_replaces_the_earlier_version(coordinator, visit):
    form = layout(visit)
    assert run(coordinator, visit, exports.kobo_json(form, subs(visit.template_version)), "x.json").ok
    edited = values_two() | {("notes", 0): "Окно заменили"}
    rows = [Sub("uuid:0002-v2", edited, "tpl_small", "3", deprecated_id="uuid:0002", root_uuid="uuid:0002")]
    result = run(coordinator, visit, exports.kobo_json(form, rows, wrap=True), "x.json")
    assert result.ok, messages(result)
    assert result.replaced == {"uuid:0002-v2": "uuid:0002"}
    assert final_count() == 2
    assert Submission.objects.get(instance_id="uuid:0002").status == Submission.Status.SUPERSEDED
    # edited twice in Kobo between two imports: rootUuid still leads to the version Dozor has
    rows = [
        Sub(
            "uuid:0002-v4",
            values_two(),
            "tpl_small",
            "3",
            deprecated_id="uuid:0002-v3",
            root_uuid="uuid:0002",
        )
    ]
    result = run(coordinator, visit, exports.kobo_json(form, rows), "x.json")
    assert result.replaced == {"uuid:0002-v4": "uuid:0002-v2"}, messages(result)
    assert final_count() == 2


def test_an_edit_of_a_submission_of_another_visit_is_refused(coordinator, visit, small_version):

    form = layout(visit)
    assert run(coordinator, visit, exports.kobo_json(form, subs(visit.template_version)), "x.json").ok
    other = Visit.objects.create(
        facility=visit.facility,
        visit_type=visit.visit_type,
        started_on=visit.started_on,
        template_version=small_version,
        created_by=coordinator,
    )
    rows = [Sub("uuid:0002-v2", values_two(), "tpl_small", "3", deprecated_id="uuid:0002")]
    result = run(coordinator, other, exports.kobo_json(form, rows), "x.json")
    assert (
        "uuid:0002-v2, deprecatedID: The earlier version of this edited submission was imported into another visit"
        in messages(result)
    )
    assert final_count() == 2


# --- the root CSV first, the CSV.zip later ----------------------------------------------------------


def test_the_zip_completes_the_repeats_of_submissions_imported_from_the_root_csv(coordinator, visit):
    form = layout(visit)
    rows = subs(visit.template_version)
    root = run(coordinator, visit, exports.odk_main_csv(form, rows).encode(), "dozor_tpl_small.csv")
    assert root.ok, messages(root)
    assert ("cell_number", 1) not in stored("uuid:0001")
    result = run(coordinator, visit, exports.odk_central_zip(form, rows), "dozor_tpl_small.zip")
    assert result.ok, messages(result)
    assert result.created == [] and sorted(result.completed) == ["uuid:0001", "uuid:0002"]
    assert result.skipped_existing == []
    assert "2 imported earlier were completed with their repeat answers" in result.summary
    assert stored("uuid:0001") == values_one()
    assert stored("uuid:0002") == values_two()
    # a third import finds them complete: skipped, nothing added
    before = counts()
    third = run(coordinator, visit, exports.odk_central_zip(form, rows), "dozor_tpl_small.zip")
    assert third.completed == [] and sorted(third.skipped_existing) == ["uuid:0001", "uuid:0002"]
    assert counts() == before


def test_completing_repeats_is_all_or_nothing(coordinator, visit):
    form = layout(visit)
    rows = subs(visit.template_version)
    assert run(coordinator, visit, exports.odk_main_csv(form, rows).encode(), "x.csv").ok
    before = counts()
    bad = [Sub("uuid:0001", values_one() | {("cell_persons", 1): "many"}, "tpl_small", "3"), rows[1]]
    result = run(coordinator, visit, exports.odk_central_zip(form, bad), "x.zip")
    assert "uuid:0001, cell_persons[1]: 'many' is not a whole number" in messages(result)
    assert counts() == before  # uuid:0002's repeats were not added either


def test_completing_refuses_other_answers_than_those_imported(coordinator, visit):
    form = layout(visit)
    rows = subs(visit.template_version)
    assert run(coordinator, visit, exports.odk_main_csv(form, rows).encode(), "x.csv").ok
    before = counts()
    changed = [Sub("uuid:0001", values_one() | {("population", 0): "99"}, "tpl_small", "3"), rows[1]]
    result = run(coordinator, visit, exports.odk_central_zip(form, changed), "x.zip")
    assert "uuid:0001: The submission was imported earlier with other answers" in messages(result)
    assert counts() == before


# --- files refused with the reason ----------------------------------------------------------------


def refused(coordinator, visit, data: bytes, filename: str, *fragments: str):  # type: ignore[no-untyped-def]
    result = run(coordinator, visit, data, filename)
    assert not result.ok
    for fragment in fragments:
        assert fragment in messages(result), messages(result)
    assert counts() == (0, 0)
    return result


def test_it_refuses_one_page_of_a_kobo_api_answer(coordinator, visit):
    form = layout(visit)
    document = json.loads(exports.kobo_json(form, subs(visit.template_version), wrap=True))
    document |= {
        "count": 2500,
        "next": "https://kf.kobotoolbox.org/api/v2/assets/aXyZ/data/?format=json&start=2",
    }
    refused(
        coordinator,
        visit,
        json.dumps(document).encode(),
        "data.json",
        "one page of a KoboToolbox API answer",
        "2 of 2500 submissions",
        "Fetch every page",
    )
    # the last page alone (previous set) is refused too; a whole answer in one page is accepted
    document |= {"next": None, "previous": "https://kf.kobotoolbox.org/api/v2/assets/aXyZ/data/?start=0"}
    refused(coordinator, visit, json.dumps(document).encode(), "data.json", "one page")
    document |= {"count": 2, "previous": None}
    assert run(coordinator, visit, json.dumps(document).encode(), "data.json").ok


@pytest.mark.parametrize(
    ("status", "fragment"),
    [
        (
            "not decrypted",
            "ODK Central could not decrypt 1 submissions (Status 'not decrypted'): the form is encrypted",
        ),
        ("missing encrypted form data", "reached ODK Central without their encrypted data"),
    ],
)
def test_it_explains_rows_central_could_not_decrypt(coordinator, visit, status, fragment):
    form = layout(visit)
    rows = [*subs(visit.template_version), Sub("uuid:0003", {}, "", "", status=status)]
    result = refused(coordinator, visit, exports.odk_central_zip(form, rows), "x.zip", fragment, "uuid:0003")
    assert "does not say which Dozor template" not in messages(result)
    if status == "not decrypted":
        assert "passphrase" in messages(result)


def test_it_explains_a_kobo_export_made_with_labels(coordinator, visit):
    form = layout(visit)
    labels = {f.question.name: f.question.label_en for f in Form(visit.template_version).fields.values()}
    flat = {k: v for k, v in values_two().items() if k[1] == 0}
    rows = [Sub("uuid:0001", flat, "tpl_small", "3", validation="validation_status_approved")]
    result = refused(
        coordinator,
        visit,
        exports.kobo_csv(form, rows, labels=labels),
        "x.csv",
        'choosing "XML values and headers"',
    )
    assert len(result.problems) == 1  # one clear message, not one per column


def test_it_explains_a_kobo_xls_export(coordinator, visit):
    from openpyxl import Workbook

    from dozor.core.exports import xlsx_bytes

    book = Workbook()
    book.active.append(["start", "end", "general/visit_date", "_uuid"])  # type: ignore[union-attr]
    refused(coordinator, visit, xlsx_bytes(book), "aXyZ.xlsx", "Excel workbook", "XML values and headers")


def test_it_tells_formpacks_labels_export_from_its_xml_export(db):
    version = _sample_version(
        "grouped_questions",
        [
            {
                "code": "g1",
                "title": t("Group 1"),
                "questions": [
                    {**q(name, "text"), "label": t(label)}
                    for name, label in [
                        ("q1", "Q1"),
                        ("g1q1", "G1Q1"),
                        ("g1sg1q1", "G1SG1Q1"),
                        ("g1q2", "G1Q2"),
                        ("g2q1", "G2Q1"),
                        ("qz", "QZed"),
                    ]
                ],
            }
        ],
    )
    form = Form(version)
    parsed = read((SAMPLES / "kobo-grouped-questions-xml.csv").read_bytes(), "x.csv", form)
    assert parsed.problems == []
    assert parsed.submissions[0].values[("g1sg1q1", 0)] == "respondent1's r2.5"
    assert [raw.review_state for raw in parsed.submissions] == [
        "validation_status_approved",
        "validation_status_not_approved",
    ]
    with pytest.raises(SubmissionFileError, match="XML values and headers"):
        read((SAMPLES / "kobo-grouped-questions-labels.csv").read_bytes(), "x.csv", form)


# --- the size limit -----------------------------------------------------------------------------


def test_the_limit_fits_10000_submissions_of_the_largest_template_in_every_format(settings):
    """Measured on 50 generated submissions of the largest shipped template (three units per
    repeat), as ODK Central's main CSV, its CSV.zip and Kobo's JSON, and extrapolated."""
    largest = (
        TemplateVersion.objects.filter(status=TemplateVersion.Status.PUBLISHED)
        .annotate(questions=Count("sections__questions"))
        .order_by("-questions")
        .first()
    )
    assert largest is not None
    form = exports.layout(export_version(largest))
    sample = [
        Sub(
            f"uuid:{n:08d}-0000-4000-8000-000000000000",
            exports.generate_values(largest, seed=n, units=3),
            largest.template.code,
            str(largest.number),
        )
        for n in range(50)
    ]
    sizes = {
        "central csv": len(exports.odk_main_csv(form, sample).encode()),
        "central zip": len(exports.odk_central_zip(form, sample)),
        "kobo json": len(exports.kobo_json(form, sample, wrap=True)),
    }
    for name, size in sizes.items():
        assert size * 200 * 1.2 < settings.DOZOR_MAX_SUBMISSIONS_BYTES, (name, size * 200)
    assert settings.DOZOR_MAX_SUBMISSIONS_BYTES > settings.DOZOR_MAX_IMPORT_BYTES


def test_the_submissions_limit_is_its_own(coordinator, visit, settings, tmp_path):
    settings.DOZOR_MAX_IMPORT_BYTES = 1024  # the limit for other imports does not apply
    form = layout(visit)
    data = exports.kobo_json(form, subs(visit.template_version))
    assert len(data) > 1024
    assert run(coordinator, visit, data, "x.json").ok
    settings.DOZOR_MAX_SUBMISSIONS_BYTES = 1024
    path = tmp_path / "export.json"
    path.write_bytes(data)
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="DOZOR_MAX_SUBMISSIONS_BYTES"):
        call_command("submissions", "import", str(path), "--visit", str(visit.pk), "--as", "alice")


# --- the API and the command report what was done ------------------------------------------------


def test_the_api_lists_replaced_completed_flagged_and_rejected(as_coordinator, visit):
    form = layout(visit)
    url = f"/api/v1/visits/{visit.pk}/submissions/"
    rows = subs(visit.template_version)
    root_file = io.BytesIO(exports.odk_main_csv(form, rows).encode())
    root_file.name = "export.csv"
    root = as_coordinator.post(url, {"file": root_file})
    assert root.status_code == 201, root.content
    rows = [
        rows[0],
        Sub("uuid:0002-v2", values_two(), "tpl_small", "3", key="uuid:0002", edits=1),
        Sub("uuid:0003", values_two(), "tpl_small", "3", review_state="hasIssues"),
        Sub("uuid:0004", values_two(), "tpl_small", "3", review_state="rejected"),
    ]
    upload = io.BytesIO(exports.odk_central_zip(form, rows))
    upload.name = "export.zip"
    response = as_coordinator.post(url, {"file": upload})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["replaced"] == {"uuid:0002-v2": "uuid:0002"}
    assert body["completed"] == ["uuid:0001"]
    assert body["flagged"] == ["uuid:0003"]
    assert [p["instance_id"] for p in body["not_imported"]] == ["uuid:0004"]


def test_the_command_lists_what_was_left_out(coordinator, visit, tmp_path, capsys):
    form = layout(visit)
    rows = [Sub("uuid:0004", values_two(), "tpl_small", "3", review_state="rejected")]
    path = tmp_path / "export.zip"
    path.write_bytes(exports.odk_central_zip(form, rows))
    call_command("submissions", "import", str(path), "--visit", str(visit.pk), "--as", "alice")
    out = capsys.readouterr().out
    assert "uuid:0004, ReviewState: Not imported: rejected in ODK Central (rejected)." in out
    assert "1 not imported: rejected at the source." in out
