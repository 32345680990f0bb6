from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dozor.core.packs import PackError, pack_dir
from dozor.core.yamlio import yaml_load
from dozor.facilities.models import FacilityType
from dozor.methodology.models import ChecklistTemplate, Question, TemplateVersion
from dozor.packs import pack_load
from dozor.standards.models import Instrument, Provision, Theme

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


def test_it_ships_the_standards_library():
    assert Theme.objects.count() == 7
    codes = set(Instrument.objects.values_list("code", flat=True))
    assert {
        "OPCAT",
        "CAT",
        "MANDELA",
        "BANGKOK",
        "BEIJING",
        "HAVANA",
        "CPT",
        "KZ_PEC",
        "KZ_COMMISSIONER",
    } <= codes
    mandela_44 = Provision.objects.get(code="MANDELA-44")
    assert mandela_44.summary_kk and mandela_44.summary_ru and mandela_44.summary_en
    assert "22" in mandela_44.summary_en  # solitary confinement: 22 hours or more a day


def test_it_ships_one_published_template_per_facility_type():
    for facility_type in FacilityType.objects.all():
        templates = ChecklistTemplate.objects.filter(facility_types=facility_type)
        assert templates.count() == 1, facility_type.code
        published = templates.get().versions.filter(status=TemplateVersion.Status.PUBLISHED)
        assert published.count() == 1, facility_type.code


def test_every_shipped_question_cites_a_provision_and_every_theme_is_covered():
    for template in ChecklistTemplate.objects.all():
        version = template.versions.get(status=TemplateVersion.Status.PUBLISHED)
        questions = Question.objects.filter(section__version=version)
        assert questions.exists()
        assert not questions.filter(provisions__isnull=True).exists(), template.code
        themes = set(version.sections.values_list("theme__code", flat=True))
        assert set(Theme.objects.values_list("code", flat=True)) <= themes, template.code


def test_reloading_an_unchanged_pack_creates_no_versions():
    before = TemplateVersion.objects.count()
    report = pack_load(code="kz")
    assert report.results["checklist_templates"].created == 0
    assert report.results["checklist_templates"].updated == 0
    assert TemplateVersion.objects.count() == before


def test_a_changed_pack_template_becomes_a_new_version_and_the_old_one_is_kept(pack_copy: Path):
    template = ChecklistTemplate.objects.get(code="tpl_sizo")
    old = template.versions.get(status=TemplateVersion.Status.PUBLISHED)
    old_labels = list(Question.objects.filter(section__version=old).values_list("label_en", flat=True))

    def change(data):  # type: ignore[no-untyped-def]
        data["modules"][0]["questions"][0]["label"]["en"] = "Date of the visit (changed)"

    edit(pack_copy / "checklists.yaml", change)
    pack_load(code="kz", directory=pack_copy)
    old.refresh_from_db()
    assert old.status == TemplateVersion.Status.RETIRED
    assert (
        list(Question.objects.filter(section__version=old).values_list("label_en", flat=True)) == old_labels
    )
    new = template.versions.get(status=TemplateVersion.Status.PUBLISHED)
    assert new.number == old.number + 1
    assert Question.objects.filter(section__version=new, label_en="Date of the visit (changed)").exists()


def test_it_refuses_a_checklist_citing_an_unknown_provision(pack_copy: Path):
    edit(
        pack_copy / "checklists.yaml",
        lambda d: d["modules"][0]["questions"][0].update({"provisions": ["NOPE-1"]}),
    )
    with pytest.raises(PackError) as caught:
        pack_load(code="kz", directory=pack_copy)
    assert any("unknown provisions NOPE-1" in e for e in caught.value.errors)


def test_it_refuses_an_unknown_question_type_and_a_condition_on_a_later_question(pack_copy: Path):
    def change(data):  # type: ignore[no-untyped-def]
        data["modules"][0]["questions"][0]["type"] = "hologram"
        data["modules"][0]["questions"][1]["relevant"] = "${no_such_question} = 'yes'"

    edit(pack_copy / "checklists.yaml", change)
    with pytest.raises(PackError) as caught:
        pack_load(code="kz", directory=pack_copy)
    text = "\n".join(caught.value.errors)
    assert "unknown question type 'hologram'" in text
    assert "no_such_question" in text
