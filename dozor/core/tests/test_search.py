"""Search folding (dozor.core.search) and the gazetteer loaded from the country pack."""

from __future__ import annotations

import pytest

from dozor.core.models import PlaceName, Region
from dozor.core.search import Gazetteer, gazetteer_read, search_fold, search_join, search_words


@pytest.mark.parametrize("text", ["№2", "№ 2", "N2", "n 2", "No. 2", "no.2", "Nr 2", "№-2"])
def test_it_folds_every_spelling_of_the_number_sign_to_one(text):
    assert search_fold(text) == "№2"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Усть-Каменогорск", "усть каменогорск"),
        ("  ЁЛКИ —  «Палки» ", "елки палки"),
        ("ИК-№ 2, г. Караганда", "ик №2 г караганда"),
        ("Қарағанды облысы", "қарағанды облысы"),
        ("KAR_IVS/01", "kar ivs 01"),
        ("Nurlan 2", "nurlan 2"),  # "n" starting a longer word is not a number sign
    ],
)
def test_it_folds_case_yo_punctuation_dashes_and_spaces(text, folded):
    assert search_fold(text) == folded


def test_it_folds_query_words_as_stored_text():
    assert search_words("ИК № 2  Усть-Каменогорск") == ["ик", "№2", "усть", "каменогорск"]
    assert search_words("a b c", limit=2) == ["a", "b"]
    assert search_join(["ИК №2", "", None, "ик № 2", "Öskemen"]) == "ик №2 | öskemen"


def test_it_finds_every_spelling_of_a_settlement_and_its_region():
    gazetteer = Gazetteer(
        settlements=(("өскемен", "усть каменогорск", "oskemen"),),
        regions={7: ("шығыс қазақстан облысы", "вко")},
    )
    assert gazetteer.variants(settlement="г. Усть-Каменогорск", region_id=7) == [
        "өскемен",
        "усть каменогорск",
        "oskemen",
        "шығыс қазақстан облысы",
        "вко",
    ]
    # Whole words only: "Усть" alone is not the city.
    assert gazetteer.variants(settlement="Усть", region_id=None) == []


@pytest.mark.django_db
def test_it_loads_the_gazetteer_from_the_pack():
    oskemen = PlaceName.objects.get(code="oskemen")
    assert {"Өскемен", "Усть-Каменогорск", "Oskemen", "Ust-Kamenogorsk"} <= set(oskemen.names)
    assert oskemen.region == Region.objects.get(code="EKR")
    karaganda_region = Region.objects.get(code="KGD")
    gazetteer = gazetteer_read()
    variants = gazetteer.variants(settlement="Караганда", region_id=karaganda_region.pk)
    assert {"қарағанды", "караганда", "karaganda", "карагандинская область"} <= set(variants)
    # Every first-level unit of the pack has its names in the gazetteer.
    assert set(Region.objects.values_list("pk", flat=True)) == set(gazetteer.regions)
