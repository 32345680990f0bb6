"""Word forms: the stems stored and queried (dozor.search.text)."""

from __future__ import annotations

import pytest

from dozor.search.text import index_terms, kazakh_stem, query_groups, word_stems


@pytest.mark.parametrize(
    ("inflected", "stem"),
    [
        ("түрмелерде", "түрме"),  # prisons-in (plural + locative)
        ("түрменің", "түрме"),  # prison's
        ("түрмесінде", "түрме"),  # in its prison (possessive + locative)
        ("мекемелерінде", "мекеме"),  # in their institutions
        ("камералардан", "камера"),  # from the cells
        ("тергеу", "тергеу"),  # no ending: unchanged
    ],
)
def test_it_strips_kazakh_endings(inflected: str, stem: str) -> None:
    assert kazakh_stem(inflected) == stem


def test_it_keeps_a_stem_of_three_letters() -> None:
    assert kazakh_stem("үйде") == "үйде"  # "үй" + "де" would leave two letters


def test_russian_forms_share_a_stem() -> None:
    assert set(word_stems("тюрьмы")) & set(word_stems("тюрьма"))
    assert set(word_stems("изоляторах")) & set(word_stems("изолятор"))


def test_english_forms_share_a_stem() -> None:
    assert word_stems("prisons") == word_stems("prison")


def test_numbers_match_whole_with_one_number_sign() -> None:
    assert index_terms("Колония № 2") == index_terms("колония №2") == index_terms("Колония No. 2")
    assert query_groups("№ 2") == [(("nr2",), False)]


def test_one_letter_words_are_left_out_of_a_query() -> None:
    assert [g for g, _p in query_groups("тюрьмы в изоляторе")] == [("тюрьм",), ("изолятор",)]
