from __future__ import annotations

import pytest

from dozor.facilities.models import FacilityType
from dozor.packs import pack_load
from dozor.training.models import Competency

pytestmark = pytest.mark.django_db


def test_it_ships_competencies_with_the_places_that_need_them():
    psychiatric = Competency.objects.get(code="monitoring_psychiatric")
    assert psychiatric.name_kk and psychiatric.name_ru and psychiatric.name_en
    assert psychiatric.valid_years == 3
    assert FacilityType.objects.get(code="PSYCH_HOSPITAL") in psychiatric.required_for.all()
    children = Competency.objects.get(code="interviewing_children")
    assert set(children.required_for.values_list("code", flat=True)) >= {"CHILDREN_HOME", "COLONY_JUVENILE"}
    assert Competency.objects.filter(code="istanbul_protocol").exists()


def test_reloading_the_pack_changes_no_competency():
    report = pack_load(code="kz")
    assert report.results["competencies"].created == 0
    assert report.results["competencies"].updated == 0
