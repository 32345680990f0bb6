"""Repeat detection by text similarity (dozor.recommendations.similarity)."""

from __future__ import annotations

import pytest

from dozor.recommendations.similarity import SIMILARITY_THRESHOLD, similar_recommendations, similarity
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation

REPEATS = [
    (
        "Ensure every newly admitted person is examined by a doctor within 24 hours.",
        "Every person admitted must be examined by a doctor within 24 hours of arrival.",
    ),
    (
        "Обеспечить осмотр каждого вновь поступившего лица врачом в течение 24 часов.",
        "Каждое поступившее лицо должно быть осмотрено врачом в течение 24 часов с момента прибытия.",
    ),
    (
        "Обеспечить ежедневную прогулку на свежем воздухе продолжительностью не менее одного часа.",
        "Обеспечить прогулки на свежем воздухе не менее одного часа ежедневно.",
    ),
    ("Repair the ventilation in the cells of block 2.", "Fix the ventilation of the cells in block 2!"),
    (
        "Provide detainees with drinking water at all times.",
        "Ensure that detainees have access to drinking water at any time.",
    ),
]

UNRELATED = [
    (
        "Ensure every newly admitted person is examined by a doctor within 24 hours.",
        "Ensure every detainee has access to a lawyer within 3 hours of arrest.",
    ),
    (
        "Ensure every newly admitted person is examined by a doctor within 24 hours.",
        "Install video surveillance in the interrogation rooms.",
    ),
    (
        "Обеспечить осмотр каждого вновь поступившего лица врачом в течение 24 часов.",
        "Обеспечить доступ к адвокату в течение 3 часов после задержания.",
    ),
    ("Repair the ventilation in the cells of block 2.", "Repair the roof of the kitchen."),
    (
        "Обеспечить доступ к питьевой воде в любое время.",
        "Обеспечить доступ к телефону для связи с родственниками.",
    ),
]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("first", "second"), REPEATS)
def test_it_recognises_a_reworded_repeat(first: str, second: str):
    assert similarity(first, second) >= SIMILARITY_THRESHOLD


@pytest.mark.parametrize(("first", "second"), UNRELATED)
def test_it_does_not_flag_unrelated_recommendations(first: str, second: str):
    assert similarity(first, second) < SIMILARITY_THRESHOLD


def test_it_compares_each_language_and_ignores_case_and_punctuation():
    both = "Обеспечить прогулки на свежем воздухе. | Ensure outdoor exercise every day."
    assert similarity("ОБЕСПЕЧИТЬ ПРОГУЛКИ НА СВЕЖЕМ ВОЗДУХЕ!!!", both) > 0.9
    assert similarity("", both) == 0.0


def test_candidates_are_the_same_place_or_authority_best_first(coordinator):
    place, other_kuis_place, hospital = kuis_place(), kuis_place(), health_place()
    same_place = recommendation(coordinator, facility=place)
    same_authority = recommendation(
        coordinator,
        facility=other_kuis_place,
        text="Every person admitted must be examined by a doctor within 24 hours of arrival.",
    )
    recommendation(coordinator, facility=hospital)  # same text, another authority: not a candidate
    unrelated = recommendation(coordinator, facility=place, text="Repair the roof of the kitchen.")
    found = similar_recommendations(
        "Ensure each newly admitted person is examined by a doctor within 24 hours",
        facility=place,
        authority=place.authority,
    )
    assert [rec for rec, _score in found] == [same_place, same_authority]
    assert found[0][1] >= found[1][1]
    assert unrelated not in [rec for rec, _score in found]
    assert similar_recommendations("x", facility=place, exclude=same_place, limit=1) == []
    excluded = similar_recommendations(same_place.text, facility=place, exclude=same_place)
    assert same_place not in [rec for rec, _score in excluded]


def test_it_reads_candidates_in_one_query_and_loads_only_the_best(coordinator, django_assert_num_queries):
    place = kuis_place()
    for i in range(12):
        recommendation(coordinator, facility=place, text=f"Repair cell {i} and its window in block {i}.")
    with django_assert_num_queries(2):
        found = similar_recommendations("Repair cell 3 and its window in block 3", facility=place, limit=3)
    assert len(found) == 3 and found[0][0].text.startswith("Repair cell 3 ")


def test_without_place_or_authority_there_is_nothing_to_compare(coordinator, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert similar_recommendations("Repair the roof") == []
