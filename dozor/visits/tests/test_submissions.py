"""Completed checklists from ODK Central and KoboToolbox: round trips, refusals, idempotence, access."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import Http404

from dozor.accounts.models import AuditEvent, User
from dozor.methodology.models import TemplateVersion
from dozor.methodology.xlsform import export_version
from dozor.visits.access import visit_for_user
from dozor.visits.models import Answer, Submission, Visit
from dozor.visits.selectors import submission_values, visit_submissions
from dozor.visits.services import submissions_import, team_member_add
from dozor.visits.tests import exports
from dozor.visits.tests.exports import Sub

pytestmark = pytest.mark.django_db


def values_one() -> exports.Values:
    return {
        ("visit_date", 0): "2025-03-01",
        ("holds_women", 0): "yes",
        ("women_separated", 0): "no",
        ("population", 0): "12",
        ("area", 0): "12.50",
        ("regime", 0): "strict",
        ("problems", 0): "crowding light",
        ("notes", 0): "Камерада терезе жоқ",
        ("gps", 0): "43.2 76.8 0 0",
        ("entrance_photo", 0): "1712345.jpg",
        ("cell_number", 1): "Камерада терезе жоқ (қазақша: терезесі жоқ)",
        ("cell_persons", 1): "3",
        ("cell_window", 1): "no",
        ("window_note", 1): "No window",
        ("cell_number", 2): '12A, "угловая"\nвторая строка',
        ("cell_window", 2): "yes",
        ("women_note", 0): "В камере нет окна",
    }


def values_two() -> exports.Values:
    return {
        ("visit_date", 0): "2025-03-02",
        ("holds_women", 0): "no",
        ("gps", 0): "43.238949 76.889709",
        ("notes", 0): "No window",
        ("cell_number", 1): "7",
    }


def subs(version: TemplateVersion, *extra: Sub) -> list[Sub]:
    code, number = version.template.code, str(version.number)
    return [
        Sub("uuid:0001", values_one(), code, number),
        Sub("uuid:0002", values_two(), code, number),
        *extra,
    ]


def stored(instance_id: str) -> exports.Values:
    return submission_values(
        Submission.objects.prefetch_related("answers__question").get(instance_id=instance_id)
    )


def counts() -> tuple[int, int]:
    return Submission.objects.count(), Answer.objects.count()


def run(coordinator: User, visit: Visit, data: bytes, filename: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return submissions_import(actor=coordinator, visit=visit, data=data, filename=filename, **kwargs)  # type: ignore[arg-type]


def messages(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(p) for p in result.problems)


# --- round trips --------------------------------------------------------------------------------


def test_it_round_trips_an_odk_central_zip_with_repeats(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    assert set(form.repeats) == {"cell_inspection"}
    data = exports.odk_central_zip(form, subs(visit.template_version))
    result = run(coordinator, visit, data, "dozor_tpl_small.zip")
    assert result.ok, messages(result)
    assert result.source == Submission.Source.ODK_CENTRAL
    assert result.created == ["uuid:0001", "uuid:0002"]
    assert stored("uuid:0001") == values_one()
    assert stored("uuid:0002") == values_two()
    submission = Submission.objects.get(instance_id="uuid:0001")
    assert submission.submitter_name == "Bob" and submission.submitted_at is not None
    assert submission.version == visit.template_version
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, object_id=str(visit.pk)).count() == 1


def test_it_accepts_bare_repeat_columns_and_a_byte_order_mark(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    data = exports.odk_central_zip(form, subs(visit.template_version), bare=True, bom=True)
    result = run(coordinator, visit, data, "export.zip")
    assert result.ok, messages(result)
    assert stored("uuid:0001") == values_one()


def test_it_round_trips_a_kobo_json_export(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    data = exports.kobo_json(form, subs(visit.template_version), wrap=True, hidden_group="meta_group/")
    result = run(coordinator, visit, data, "export.json")
    assert result.ok, messages(result)
    assert result.source == Submission.Source.KOBO
    assert stored("uuid:0001") == values_one()
    assert stored("uuid:0002") == values_two()


@pytest.mark.parametrize("delimiter", [";", ","])
def test_it_round_trips_a_flat_kobo_csv_export(coordinator, visit, delimiter):
    form = exports.layout(export_version(visit.template_version))
    flat = {k: v for k, v in values_one().items() if k[1] == 0}
    sub = Sub("uuid:0003", flat, "tpl_small", "3")
    result = run(coordinator, visit, exports.kobo_csv(form, [sub], delimiter=delimiter), "export.csv")
    assert result.ok, messages(result)
    assert stored("uuid:0003") == flat


def test_it_accepts_a_single_main_odk_csv_with_a_whole_geopoint_column(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    flat = {k: v for k, v in values_two().items() if k[1] == 0}
    sub = Sub("uuid:0004", flat, "tpl_small", "3")
    data = exports.odk_main_csv(form, [sub], split_geopoint=False).encode()
    result = run(coordinator, visit, data, "dozor_tpl_small.csv")
    assert result.ok, messages(result)
    assert stored("uuid:0004") == flat


def test_it_round_trips_the_shipped_sizo_checklist(coordinator, sizo_visit):
    version = sizo_visit.template_version
    assert version.template.code == "tpl_sizo"
    form = exports.layout(export_version(version))
    assert form.repeats, "the SIZO checklist inspects cells in a repeat"
    generated = [
        Sub(
            f"uuid:sizo-{n}",
            exports.generate_values(version, seed=n, units=3),
            "tpl_sizo",
            str(version.number),
        )
        for n in range(4)
    ]
    assert any(v in exports.TEXTS[:3] for s in generated for v in s.values.values())
    assert any(i == 3 for s in generated for (_n, i) in s.values)
    for data, name in (
        (exports.odk_central_zip(form, generated[:2]), "x.zip"),
        (exports.kobo_json(form, generated[2:]), "x.json"),
    ):
        result = run(coordinator, sizo_visit, data, name)
        assert result.ok, messages(result)
    for sub in generated:
        assert stored(sub.instance_id) == sub.values


def test_it_drops_answers_to_questions_that_are_not_relevant(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    values = values_two() | {("women_separated", 0): "yes", ("women_note", 0): "x"}
    result = run(
        coordinator, visit, exports.kobo_json(form, [Sub("uuid:0005", values, "tpl_small", "3")]), "x.json"
    )
    assert result.ok, messages(result)
    assert stored("uuid:0005") == values_two()


# --- refusals -----------------------------------------------------------------------------------


def refused(coordinator, visit, data: bytes, filename: str, *fragments: str):  # type: ignore[no-untyped-def]
    result = run(coordinator, visit, data, filename)
    assert not result.ok and result.created == []
    text = messages(result)
    for fragment in fragments:
        assert fragment in text, text
    assert counts() == (0, 0)
    return result


@pytest.mark.parametrize(
    ("template", "number", "fragment"),
    [
        ("tpl_sizo", "3", "filled with template tpl_sizo version 3, the visit uses tpl_small version 3"),
        ("tpl_small", "2", "filled with template tpl_small version 2, the visit uses tpl_small version 3"),
        ("", "", "does not say which Dozor template"),
    ],
)
def test_it_refuses_a_file_for_another_template_or_version(coordinator, visit, template, number, fragment):
    form = exports.layout(export_version(visit.template_version))
    wrong = [Sub(s.instance_id, s.values, template, number) for s in subs(visit.template_version)]
    result = refused(coordinator, visit, exports.odk_central_zip(form, wrong), "x.zip", fragment)
    assert len(result.problems) == 1  # one message for the file, not one per submission


def test_it_refuses_a_file_without_the_hidden_columns(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    text = exports.odk_main_csv(form, subs(visit.template_version))
    lines = text.splitlines()
    header = lines[0].replace("dozor_template", "x_template").replace("dozor_version", "x_version")
    refused(
        coordinator, visit, "\n".join([header, *lines[1:]]).encode(), "x.csv", "x_template", "does not say"
    )


def test_it_refuses_instance_ids_repeated_in_the_file(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    twice = subs(visit.template_version, Sub("uuid:0001", values_two(), "tpl_small", "3"))
    refused(
        coordinator,
        visit,
        exports.kobo_json(form, twice),
        "x.json",
        "uuid:0001, instanceID",
        "appears 2 times",
    )


def test_it_refuses_a_truncated_csv(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    text = exports.odk_main_csv(form, subs(visit.template_version))
    short = text[: text.index("uuid:0002")]  # the last row stops in the middle
    refused(coordinator, visit, short.encode(), "x.csv", "row 3 has", "truncated")


def test_it_refuses_a_csv_with_an_unterminated_quote(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    sub = Sub("uuid:0001", values_one() | {("notes", 0): exports.TEXTS[3]}, "tpl_small", "3")
    text = exports.odk_main_csv(form, [sub])
    refused(coordinator, visit, text[: text.index("вторая")].encode(), "x.csv", "unexpected end of data")


def test_it_refuses_a_zip_whose_repeat_file_is_truncated(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    sub_list = subs(visit.template_version)
    repeat = exports.odk_repeat_csv(form, "cell_inspection", sub_list)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("dozor_tpl_small.csv", exports.odk_main_csv(form, sub_list))
        archive.writestr("dozor_tpl_small-cell_inspection.csv", repeat[: repeat.index("вторая")])
    refused(
        coordinator, visit, buffer.getvalue(), "x.zip", "dozor_tpl_small-cell_inspection.csv", "truncated"
    )


def test_it_refuses_text_in_an_integer_column_naming_the_submission_and_field(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    bad = values_one() | {("population", 0): "twelve", ("cell_persons", 1): "3.5"}
    sub_list = [Sub("uuid:0009", bad, "tpl_small", "3"), *subs(visit.template_version)]
    refused(
        coordinator,
        visit,
        exports.odk_central_zip(form, sub_list),
        "x.zip",
        "uuid:0009, population: 'twelve' is not a whole number",
        "uuid:0009, cell_persons[1]: '3.5' is not a whole number",
    )


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        (("holds_women", 0), "maybe", "holds_women: 'maybe' is not an answer to a yes/no question"),
        (("regime", 0), "lenient", "regime: 'lenient' is not one of the choices"),
        (("problems", 0), "heat cold", "problems: 'cold' is not one of the choices"),
        (("population", 0), "-4", "population: '-4': The value cannot be negative"),
        (("area", 0), "1,5", "area: '1,5' is not a number"),
        (("visit_date", 0), "01.03.2025", "visit_date: '01.03.2025' is not a date"),
        (("visit_date", 0), "", "visit_date: This question is required"),
        (("women_separated", 0), "", "women_separated: This question is required"),
        (("gps", 0), "43.2", "gps: '43.2' is not a location"),
        (("gps", 0), "143.2 76.8", "gps: '143.2 76.8' is outside the range"),
        (("cell_number", 2), "", "cell_number[2]: This question is required"),
    ],
)
def test_it_reports_each_invalid_answer(coordinator, visit, key, value, fragment):
    form = exports.layout(export_version(visit.template_version))
    values = values_one() | {key: value}
    data = exports.kobo_json(form, [Sub("uuid:0010", values, "tpl_small", "3")])
    refused(coordinator, visit, data, "x.json", "uuid:0010, " + fragment)


def test_it_reports_unknown_columns_but_ignores_metadata(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    text = exports.odk_main_csv(form, subs(visit.template_version))
    result = run(
        coordinator, visit, _with_columns(text, {"general-mystery": "x", "meta-audit": "y"}), "x.csv"
    )
    assert [p.field for p in result.problems] == ["general-mystery"], messages(result)
    assert counts() == (0, 0)


def _with_columns(text: str, extra: dict[str, str]) -> bytes:
    import csv

    table = list(csv.reader(io.StringIO(text, newline="")))
    table[0] += list(extra)
    for row in table[1:]:
        row += list(extra.values())
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode()


def test_it_refuses_a_zip_bomb(coordinator, visit):
    refused(coordinator, visit, exports.zip_bomb(), "x.zip", "expands to more than is allowed")


def test_it_refuses_an_oversized_file(coordinator, visit, settings):
    settings.DOZOR_MAX_SUBMISSIONS_BYTES = 2048
    form = exports.layout(export_version(visit.template_version))
    many = [Sub(f"uuid:{n:04d}", values_one(), "tpl_small", "3") for n in range(20)]
    refused(coordinator, visit, exports.kobo_json(form, many), "x.json", "too large")


def test_it_refuses_a_file_that_is_not_utf8(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    sub = Sub("uuid:0001", values_two() | {("notes", 0): "В камере нет окна"}, "tpl_small", "3")
    text = exports.odk_main_csv(form, [sub])
    refused(coordinator, visit, text.encode("cp1251"), "x.csv", "not UTF-8")


def test_it_refuses_a_file_of_unknown_shape(coordinator, visit):
    refused(coordinator, visit, b"a,b\n1,2\n", "x.csv", "neither an ODK Central export")
    refused(coordinator, visit, b'{"detail": "x"}', "x.json", "not a KoboToolbox export")


# --- idempotence --------------------------------------------------------------------------------


def test_it_skips_submissions_already_imported(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    data = exports.odk_central_zip(form, subs(visit.template_version))
    first = run(coordinator, visit, data, "x.zip")
    before = counts()
    second = run(coordinator, visit, data, "x.zip")
    assert second.ok and second.created == [] and second.skipped_existing == first.created
    assert counts() == before
    more = subs(visit.template_version, Sub("uuid:0003", values_two(), "tpl_small", "3"))
    third = run(coordinator, visit, exports.kobo_json(form, more), "x.json")
    assert third.created == ["uuid:0003"] and third.skipped_existing == ["uuid:0001", "uuid:0002"]


def test_it_writes_nothing_on_a_dry_run(coordinator, visit):
    form = exports.layout(export_version(visit.template_version))
    result = run(
        coordinator, visit, exports.kobo_json(form, subs(visit.template_version)), "x.json", dry_run=True
    )
    assert result.ok and result.created == ["uuid:0001", "uuid:0002"] and result.dry_run
    assert counts() == (0, 0)


# --- access -------------------------------------------------------------------------------------


def test_it_hides_the_visit_from_a_monitor_not_on_the_team(coordinator, monitor, visit):
    with pytest.raises(Http404):
        visit_for_user(monitor, visit.pk, record=True)
    form = exports.layout(export_version(visit.template_version))
    with pytest.raises(PermissionDenied):
        submissions_import(
            actor=monitor, visit=visit, data=exports.kobo_json(form, subs(visit.template_version))
        )
    assert list(visit_submissions(user=monitor, visit=visit)) == []
    assert counts() == (0, 0)


def test_it_lets_a_monitor_on_the_team_import(coordinator, monitor, visit):
    team_member_add(actor=coordinator, visit=visit, user=monitor)
    visit = visit_for_user(monitor, visit.pk, record=True)
    form = exports.layout(export_version(visit.template_version))
    result = submissions_import(
        actor=monitor, visit=visit, data=exports.kobo_json(form, subs(visit.template_version))
    )
    assert result.ok and len(visit_submissions(user=monitor, visit=visit)) == 2


def test_it_refuses_recording_for_a_council_member(council, visit):
    with pytest.raises(PermissionDenied):
        visit_for_user(council, visit.pk, record=True)


# --- the command --------------------------------------------------------------------------------


def test_it_imports_from_the_command_line(coordinator, visit, tmp_path, capsys):
    form = exports.layout(export_version(visit.template_version))
    path = tmp_path / "export.zip"
    path.write_bytes(exports.odk_central_zip(form, subs(visit.template_version)))
    call_command("submissions", "import", str(path), "--visit", str(visit.pk), "--as", "alice", "--dry-run")
    assert "2 submissions imported, 0 already imported. (dry run" in capsys.readouterr().out
    assert counts() == (0, 0)
    call_command("submissions", "import", str(path), "--visit", str(visit.pk), "--as", "alice")
    assert "export.zip: 2 submissions imported" in capsys.readouterr().out
    assert Submission.objects.count() == 2


def test_it_refuses_the_command_for_a_monitor_not_on_the_team(monitor, visit, tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(b"[]")
    with pytest.raises(CommandError, match="does not exist or bob cannot see it"):
        call_command("submissions", "import", str(path), "--visit", str(visit.pk), "--as", "bob")


def test_it_reports_problems_from_the_command_line(coordinator, visit, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(b"KEY,meta-instanceID\nuuid:1,uuid:1\n")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("submissions", "import", str(path), "--visit", str(visit.pk), "--as", "alice")
    assert "does not say which Dozor template" in capsys.readouterr().err
