"""Searching the registry forgives spelling: number signs, punctuation and every name of a city."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import User
from dozor.core.models import Region
from dozor.facilities.models import Facility
from dozor.facilities.selectors import FacilityFilters, facility_search
from dozor.facilities.services import facility_search_rebuild
from dozor.facilities.tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def found(user: User, q: str) -> set[str]:
    return set(facility_search(user, FacilityFilters(q=q)).values_list("code", flat=True))


def test_it_finds_the_same_places_whatever_number_sign_is_typed(coordinator: User):
    FacilityFactory(code="KGD-IK2", name_kk="ТК №2", name_ru="Учреждение ИК-№ 2", name_en="Colony No. 2")
    FacilityFactory(code="KGD-IK12", name_kk="ТК №12", name_ru="Учреждение ИК №12", name_en="Colony N12")
    FacilityFactory(
        code="KGD-SIZO", name_kk="ТИ", name_ru="Следственный изолятор 2", name_en="Remand prison 2"
    )
    results = {q: found(coordinator, q) for q in ("№2", "№ 2", "N2", "N 2", "No. 2", "ик №2")}
    assert all(codes == {"KGD-IK2"} for codes in results.values()), results


def test_it_finds_places_in_a_city_by_any_of_its_names(coordinator: User):
    east = Region.objects.get(code="EKR")
    FacilityFactory(code="EKR-1", region=east, settlement="Усть-Каменогорск", name_en="Pretrial One")
    FacilityFactory(code="EKR-2", region=east, settlement="Өскемен", name_en="Pretrial Two")
    FacilityFactory(code="KGD-1", settlement="Karaganda", name_en="Pretrial Three")
    results = {
        q: found(coordinator, q)
        for q in ("Өскемен", "Оскемен", "Усть-Каменогорск", "усть каменогорск", "Oskemen", "Ust-Kamenogorsk")
    }
    assert all(codes == {"EKR-1", "EKR-2"} for codes in results.values()), results
    assert found(coordinator, "Қарағанды") == {"KGD-1"}


def test_the_list_page_searches_with_the_folding(as_coordinator: Client):
    FacilityFactory(region=Region.objects.get(code="EKR"), settlement="Өскемен", name_en="Found Oskemen SIZO")
    page = as_coordinator.get(reverse("facilities:list"), {"q": "Усть-Каменогорск"}).content.decode()
    assert "Found Oskemen SIZO" in page


def test_it_rebuilds_search_texts_that_are_out_of_date(coordinator: User):
    place = FacilityFactory(region=Region.objects.get(code="EKR"), settlement="Өскемен")
    Facility.objects.filter(pk=place.pk).update(search_text="stale")
    assert facility_search_rebuild(dry_run=True) == 1
    place.refresh_from_db()
    assert place.search_text == "stale"
    assert facility_search_rebuild() == 1
    place.refresh_from_db()
    assert "усть каменогорск" in place.search_text and "oskemen" in place.search_text
    assert facility_search_rebuild() == 0


def test_someone_without_the_registry_finds_nothing(trainer: User):
    FacilityFactory(region=Region.objects.get(code="EKR"), settlement="Өскемен")
    assert found(trainer, "Oskemen") == set()
