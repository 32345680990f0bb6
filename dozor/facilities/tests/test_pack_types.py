"""The Kazakhstan pack's facility types as of 2026 (issue 18): the types that were missing, the
foreigners' centre as a special institution of the internal affairs bodies, disciplinary military
units retired; every new or changed type names its source, and a source without a date is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dozor.core.packs import PackError, pack_dir
from dozor.core.yamlio import yaml_load
from dozor.facilities.models import FacilityType
from dozor.packs import pack_load, pack_read

pytestmark = pytest.mark.django_db

NEW_TYPES = {
    "POLICE_HOLDING": "MVD-POLICE",
    "COURT_CELLS": "MVD-POLICE",
    "ESCORT_TRANSPORT": "MVD",
    "PENAL_MEDICAL": "KUIS",
    "FORENSIC_PSYCH": "MJ",
    "SPECIAL_EDU_OPEN": "MP",
    "BORDER_TRANSIT": "KNB-BORDER",
    "PRIVATE_INSTITUTION": "AKIMATS",
}


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kz"
    shutil.copytree(pack_dir("kz"), target)
    return target


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_it_ships_the_missing_types_with_their_default_authority():
    for code, authority in NEW_TYPES.items():
        facility_type = FacilityType.objects.select_related("authority").get(code=code)
        assert facility_type.authority.code == authority, code
        assert facility_type.name_kk and facility_type.name_ru and facility_type.name_en
        assert not facility_type.retired


def test_disciplinary_military_units_are_retired_and_guardhouses_remain():
    assert FacilityType.objects.get(code="MIL_DISCIPLINARY").retired
    assert not FacilityType.objects.get(code="MIL_GUARDHOUSE").retired


def test_the_foreigners_centre_is_a_special_institution_of_the_internal_affairs_bodies():
    centre = FacilityType.objects.get(code="FOREIGNERS_CENTRE")  # the code stays: places refer to it
    assert "special institution of the internal affairs bodies" in centre.name_en.lower()
    assert "органов внутренних дел" in centre.name_ru
    assert centre.authority.code == "MVD-POLICE"


def test_every_new_or_changed_type_names_a_dated_source():
    data = yaml_load((pack_dir("kz") / "facility_types.yaml").read_text(encoding="utf-8"))
    by_code = {t["code"]: t for t in data["facility_types"]}
    for code in [*NEW_TYPES, "MIL_DISCIPLINARY", "MIL_GUARDHOUSE", "FOREIGNERS_CENTRE"]:
        sources = by_code[code].get("sources")
        assert sources, code
        for source in sources:
            assert source["url"].startswith("http") and source["checked"], code


def test_it_refuses_a_facility_type_source_without_a_date(pack_copy: Path):
    def undate(data: dict) -> None:  # type: ignore[type-arg]
        for item in data["facility_types"]:
            if item["code"] == "POLICE_HOLDING":
                item["sources"][0].pop("checked")

    edit(pack_copy / "facility_types.yaml", undate)
    with pytest.raises(PackError) as caught:
        pack_read(pack_copy)
    assert any("facility_types.yaml" in e and "checked" in e for e in caught.value.errors)


def test_retiring_a_type_is_loaded_and_can_be_undone(pack_copy: Path):
    def unretire(data: dict) -> None:  # type: ignore[type-arg]
        for item in data["facility_types"]:
            item.pop("retired", None)

    edit(pack_copy / "facility_types.yaml", unretire)
    pack_load(code="kz", directory=pack_copy)
    assert not FacilityType.objects.filter(retired=True).exists()
