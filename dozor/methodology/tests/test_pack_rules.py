"""`dozor pack check`: the pack's own quality rules for checklists (issue 18) - a provision the pack
marks 'should_be_cited' must be cited by a question, and a question flagged as asking two facts is
refused. Each test breaks a copy of the real pack and asserts the failure; the real pack passes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from dozor.core.packs import PackError, pack_dir
from dozor.core.yamlio import yaml_load
from dozor.methodology.models import Question, TemplateVersion
from dozor.packs import pack_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kz"
    shutil.copytree(pack_dir("kz"), target)
    return target


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def questions(data: dict) -> list[dict]:  # type: ignore[type-arg]
    return [q for module in data["modules"] for q in module.get("questions") or []]


def test_the_real_pack_passes_the_check(capsys):
    call_command("pack", "check", "kz")
    assert "is valid" in capsys.readouterr().out


def test_it_refuses_a_provision_marked_should_be_cited_that_no_question_cites(pack_copy: Path):
    def uncite(data: dict) -> None:  # type: ignore[type-arg]
        for question in questions(data):
            question["provisions"] = [c for c in question.get("provisions") or [] if c != "MANDELA-73"]
            if not question["provisions"]:
                question["provisions"] = ["MANDELA-1"]

    edit(pack_copy / "checklists.yaml", uncite)
    with pytest.raises(PackError) as caught:
        pack_read(pack_copy)
    assert any("MANDELA-73" in e and "should_be_cited" in e for e in caught.value.errors)


def test_a_provision_not_marked_need_not_be_cited(pack_copy: Path):
    def unmark(data: dict) -> None:  # type: ignore[type-arg]
        for provision in data["provisions"]:
            provision.pop("should_be_cited", None)

    def uncite(data: dict) -> None:  # type: ignore[type-arg]
        for question in questions(data):
            question["provisions"] = [c for c in question.get("provisions") or [] if c != "MANDELA-73"] or [
                "MANDELA-1"
            ]

    edit(pack_copy / "standards.yaml", unmark)
    edit(pack_copy / "checklists.yaml", uncite)
    pack_read(pack_copy)  # no error


def test_it_refuses_should_be_cited_that_is_not_true_or_false(pack_copy: Path):
    edit(pack_copy / "standards.yaml", lambda d: d["provisions"][0].update({"should_be_cited": "yes"}))
    with pytest.raises(PackError) as caught:
        pack_read(pack_copy)
    assert any("should_be_cited" in e and "true or false" in e for e in caught.value.errors)


def test_it_refuses_a_question_flagged_as_asking_two_facts(pack_copy: Path, capsys):
    def flag(data: dict) -> None:  # type: ignore[type-arg]
        for question in questions(data):
            if question["name"] == "transport_conditions":
                question["two_facts"] = True

    edit(pack_copy / "checklists.yaml", flag)
    with pytest.raises(PackError) as caught:
        pack_read(pack_copy)
    assert any("transport_conditions" in e and "two facts" in e for e in caught.value.errors)
    with pytest.raises(CommandError):
        call_command("pack", "check", "kz", "--path", str(pack_copy))
    assert "transport_conditions" in capsys.readouterr().err


def test_no_shipped_question_is_flagged_and_the_double_barrelled_ones_are_split():
    data = yaml_load((pack_dir("kz") / "checklists.yaml").read_text(encoding="utf-8"))
    names = {q["name"] for q in questions(data)}
    assert not [q["name"] for q in questions(data) if q.get("two_facts")]
    for gone in (
        "discipline_procedure_fair",
        "searches_respectful",
        "injuries_register",
        "medicines_hospital",
    ):
        assert gone not in names
    assert {"searches_same_sex", "searches_private", "strip_searches_routine"} <= names
    assert {"injuries_recorded", "injuries_reported", "medicines_free", "hospital_transfer"} <= names
    assert {"discipline_person_heard", "discipline_written_decision", "discipline_appeal"} <= names


def test_police_custody_asks_about_48_hours_with_72_only_as_the_exception():
    version = TemplateVersion.objects.get(template__code="tpl_ivs", status=TemplateVersion.Status.PUBLISHED)
    asked = {q.name: q for q in Question.objects.filter(section__version=version)}
    assert "48" in asked["held_beyond_48h"].label_en and "24" in asked["held_beyond_48h"].label_en
    assert "held_beyond_48h" in asked["held_beyond_72h"].relevant
    assert "exceptional_ground_recorded" in asked
    assert "KZ_CPC-DETENTION" in set(asked["held_beyond_48h"].provisions.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("question", "provision"),
    [
        ("searches_private", "MANDELA-50"),
        ("strip_searches_routine", "MANDELA-51"),
        ("restraints_in_labour", "BANGKOK-24"),
        ("family_notified", "MANDELA-68"),
        ("involuntary_court_review", "CPT-8-PSYCHIATRY"),
        ("juveniles_separate", "HAVANA-29"),
        ("transport_conditions", "MANDELA-73"),
        ("institution_is_guardian", "CRPD-12"),
        ("non_refoulement_check", "CAT-3"),
    ],
)
def test_issue_18s_citations_point_at_the_right_provision(question: str, provision: str):
    found = Question.objects.filter(name=question, section__version__status=TemplateVersion.Status.PUBLISHED)
    assert found.exists(), question
    for one in found:
        assert provision in set(one.provisions.values_list("code", flat=True)), question
