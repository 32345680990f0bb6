from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from dozor.core.models import Authority, CountryPack, Region
from dozor.core.packs import PackError, pack_dir
from dozor.core.yamlio import yaml_load
from dozor.facilities.models import FacilityType
from dozor.packs import pack_load, pack_read
from dozor.people.models import EligibilityRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kz"
    shutil.copytree(pack_dir("kz"), target)
    return target


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_it_loads_the_kazakhstan_pack():
    assert Region.objects.count() == 20
    assert Region.objects.filter(kind="city").count() == 3
    assert set(Region.objects.filter(kind="city").values_list("code", flat=True)) == {"AST", "ALA", "SHY"}
    kuis = Authority.objects.get(code="KUIS")
    assert kuis.parent is not None and kuis.parent.code == "MVD"
    assert kuis.path == "/MVD/KUIS/"
    assert FacilityType.objects.get(code="SIZO").authority == kuis
    assert EligibilityRule.objects.filter(is_active=True).count() >= 9
    assert CountryPack.objects.get(code="kz").default_language == "ru"


def test_it_has_every_text_in_three_languages():
    for region in Region.objects.all():
        assert region.name_kk and region.name_ru and region.name_en
        assert region.centre_kk and region.centre_ru and region.centre_en
    assert any(ch in "әғқңөұүһі" for ch in "".join(Region.objects.values_list("name_kk", flat=True)))


def test_it_is_idempotent():
    report = pack_load(code="kz")
    assert all(r.created == 0 and r.updated == 0 for r in report.results.values())
    assert Region.objects.count() == 20


def test_it_updates_changed_rows(pack_copy: Path):
    edit(pack_copy / "regions.yaml", lambda d: d["regions"][0]["name"].update({"en": "Renamed"}))
    report = pack_load(code="kz", directory=pack_copy)
    assert report.results["regions"].updated == 1
    assert Region.objects.filter(name_en="Renamed").count() == 1


def test_it_refuses_a_pack_with_a_missing_field_and_writes_nothing(pack_copy: Path):
    edit(pack_copy / "regions.yaml", lambda d: d["regions"][3].pop("lat"))
    edit(
        pack_copy / "regions.yaml", lambda d: d["regions"][0]["name"].update({"en": "Should not be written"})
    )
    with pytest.raises(PackError) as caught:
        pack_load(code="kz", directory=pack_copy)
    assert any("regions.yaml item 4" in e and "missing field 'lat'" in e for e in caught.value.errors)
    assert not Region.objects.filter(name_en="Should not be written").exists()


def test_it_reports_every_problem_with_its_place(pack_copy: Path):
    edit(pack_copy / "facility_types.yaml", lambda d: d["facility_types"][0].update({"authority": "NOPE"}))
    edit(pack_copy / "authorities.yaml", lambda d: d["authorities"][1]["name"].pop("kk"))
    edit(pack_copy / "regions.yaml", lambda d: d["regions"][1].update({"lat": 200}))
    with pytest.raises(PackError) as caught:
        pack_read(pack_copy)
    text = "\n".join(caught.value.errors)
    assert "unknown code 'NOPE' in 'authority'" in text
    assert "has no kk text" in text
    assert "must be a number from -90 to 90" in text


def test_it_refuses_duplicate_codes_and_orphan_parents(pack_copy: Path):
    def dup(d):  # type: ignore[no-untyped-def]
        d["regions"].append(dict(d["regions"][0]))

    edit(pack_copy / "regions.yaml", dup)
    edit(pack_copy / "authorities.yaml", lambda d: d["authorities"].reverse())
    with pytest.raises(PackError) as caught:
        pack_read(pack_copy)
    text = "\n".join(caught.value.errors)
    assert "the code is used twice" in text
    assert "must be listed before its children" in text


def test_it_refuses_broken_yaml_and_missing_files(pack_copy: Path):
    (pack_copy / "regions.yaml").write_text("regions: [unclosed", encoding="utf-8")
    (pack_copy / "expertise.yaml").unlink()
    with pytest.raises(PackError) as caught:
        pack_read(pack_copy)
    text = "\n".join(caught.value.errors)
    assert "regions.yaml: not valid YAML" in text
    assert "expertise.yaml: the file is missing" in text


def test_the_command_checks_loads_and_fails_loudly(pack_copy: Path, capsys):
    call_command("pack", "check", "kz")
    assert "is valid" in capsys.readouterr().out
    call_command("pack", "load", "kz", "--dry-run")
    assert "dry run" in capsys.readouterr().out
    edit(pack_copy / "visit_types.yaml", lambda d: d["visit_types"][0].pop("description"))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("pack", "load", "kz", "--path", str(pack_copy))
    assert "missing field 'description'" in capsys.readouterr().err


def test_the_dry_run_writes_nothing(pack_copy: Path):
    edit(pack_copy / "regions.yaml", lambda d: d["regions"][0]["name"].update({"en": "Dry"}))
    pack_load(code="kz", directory=pack_copy, dry_run=True)
    assert not Region.objects.filter(name_en="Dry").exists()
