"""The redaction detectors against the labelled corpus (pii_corpus.py), and their properties.

Thresholds (docs/decisions/0008-publishing.md, "Detectors"): every IIN, phone number, e-mail address,
given name and cell-with-a-date must be proposed (a miss is published); precision may be lower where
a proposal costs the editor a click and nothing more: a special-category word that names nobody
("no HIV prevention programme") is proposed on purpose.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dozor.core import detectors
from dozor.core.detectors import Span, configured_patterns, detect, is_valid_iin, load_patterns
from dozor.publishing.tests.pii_corpus import NEGATIVES, SAMPLES, evaluate, iin_check_digit


def run(sample):
    return [(s.start, s.end, s.kind) for s in detect(sample.text, names=sample.names)]


@pytest.fixture(scope="module")
def scores():
    return evaluate(run)


def test_corpus_is_large_enough():
    assert len(SAMPLES) >= 60
    assert {s.lang for s in SAMPLES} == {"ru", "kk", "en"}
    assert len(NEGATIVES) >= 20


def test_corpus_iins_are_valid_and_the_decoys_are_not():
    for sample in SAMPLES:
        for label in sample.labels:
            if label.kind == "iin":
                number = sample.text[label.start : label.end]
                assert iin_check_digit(number[:11]) == int(number[11]), number
    for decoy in ("231200012345", "202400150017", "240315000123", "770000123456"):
        assert iin_check_digit(decoy[:11]) != int(decoy[11])


@pytest.mark.parametrize("kind", ["iin", "phone", "email", "person_name (given)", "cell_date"])
def test_recall_is_complete_where_a_miss_is_a_leak(scores, kind):
    score = scores[kind]
    assert score.labelled > 0
    assert score.recall == 1.0, score.missed


@pytest.mark.parametrize(
    ("kind", "recall", "precision"),
    [
        ("iin", 1.0, 1.0),
        ("phone", 1.0, 1.0),
        ("email", 1.0, 1.0),
        ("cell_date", 1.0, 0.9),
        ("person_name", 0.9, 0.9),  # includes names nobody gave, found by rules alone
        ("address", 0.8, 0.9),
        ("health", 0.9, 0.8),  # generic mentions are proposed too, on purpose
    ],
)
def test_precision_and_recall_per_kind(scores, kind, recall, precision):
    score = scores[kind]
    assert score.recall >= recall, score.missed
    assert score.precision >= precision, score.wrong


@pytest.mark.parametrize("sample", NEGATIVES, ids=lambda s: s.text[:40])
def test_negative_sentences_produce_nothing(sample):
    assert detect(sample.text, names=("Ахметова Жанар Серікқызы", "Ким Виктор")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Со слов Ахметовой Жанар, её перевели.", "Ахметовой Жанар"),
        ("Беседа с Ахметовой Ж.С. проведена.", "Ахметовой Ж.С."),
        ("Ж. Ахметова просила не раскрывать имя.", "Ж. Ахметова"),
        ("Ахметовтың айтуынша, бәрі дұрыс емес.", "Ахметовтың"),
        ("Ахметованың шағымы қаралды.", "Ахметованың"),
        ("Жанарға рұқсат берілмеген.", "Жанарға"),
        ("Серікқызына хат келді.", "Серікқызына"),
        ("Detainee Zhanar Akhmetova was moved.", "Zhanar Akhmetova"),
        ("АХМЕТОВА Ж.С. отказалась от беседы.", "АХМЕТОВА Ж.С."),
    ],
)
def test_given_name_in_any_case_and_with_initials(text, expected):
    spans = detect(text, names=["Ахметова Жанар Серікқызы"], other_names=False, patterns=())
    assert [s.text(text) for s in spans] == [expected]
    assert spans[0].kind == "person_name"


def test_a_given_name_is_not_found_inside_an_ordinary_word():
    text = "Жанармай бөлінбеген, жанар жағармай жоқ."
    assert detect(text, names=["Ахметова Жанар"], other_names=False, patterns=()) == []


def test_short_name_parts_match_whole_words_only():
    text = "Осуждённый Ким Виктор, а также Кимберли."
    spans = detect(text, names=["Ким Виктор"], other_names=False, patterns=())
    assert [s.text(text) for s in spans] == ["Ким Виктор"]


def test_names_nobody_gave_are_proposed_by_the_rules():
    text = "Заявительница Мария Кузнецова просила сохранить конфиденциальность."
    assert [s.text(text) for s in detect(text, patterns=())] == ["Мария Кузнецова"]
    assert detect(text, patterns=(), other_names=False) == []


def test_overlapping_finds_become_one_span_that_hides_all_of_them():
    text = "Проживает: г. Алматы, ул. Абая 10, кв. 5."
    spans = detect(text, names=["Абай Кунанбаев"], patterns=())
    assert [(s.text(text), s.kind) for s in spans] == [("г. Алматы, ул. Абая 10, кв. 5", "address")]


def test_a_cell_number_without_a_date_is_not_proposed():
    assert detect("В камере № 5 было 8 человек.") == []
    text = "В камере № 5 2 марта было 8 человек."
    assert [s.kind for s in detect(text)] == ["cell_date"]


# --- IIN properties ------------------------------------------------------------------------------

cyrillic_text = st.text(
    alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі АБВГДЕЖЗИКЛМНОПРСТУ,", max_size=40
)


@st.composite
def valid_iins(draw):
    born = draw(st.dates(min_value=__import__("datetime").date(1900, 1, 1)))
    century_sex = draw(st.sampled_from("3456" if born.year < 2000 else "56"))
    first11 = born.strftime("%y%m%d") + century_sex + draw(st.from_regex(r"\A[0-9]{4}\Z"))
    check = iin_check_digit(first11)
    if check is None:
        # No IIN is issued for these eleven digits; change the serial's last digit.
        first11 = first11[:-1] + str((int(first11[-1]) + 1) % 10)
        check = iin_check_digit(first11)
    return first11 + str(check)


@settings(max_examples=200, deadline=None)
@given(
    before=cyrillic_text, iin=valid_iins(), after=cyrillic_text, label=st.sampled_from(["", "ИИН ", "ЖСН "])
)
def test_any_valid_iin_in_cyrillic_text_is_found(before, iin, after, label):
    text = before + " " + label + iin + " " + after
    start = len(before) + 1 + len(label)
    assert is_valid_iin(iin)
    assert Span(start, start + 12, "iin") in detect(text, patterns=())


@settings(max_examples=300, deadline=None)
@given(
    before=cyrillic_text,
    first11=st.from_regex(r"\A[0-9]{11}\Z"),
    wrong=st.integers(0, 9),
    after=cyrillic_text,
    label=st.sampled_from(["", "ИИН ", "IIN "]),
)
def test_no_twelve_digit_number_with_a_wrong_check_digit_is_an_iin(before, first11, wrong, after, label):
    if iin_check_digit(first11) == wrong:
        wrong = (wrong + 1) % 10
    text = f"{before} {label}{first11}{wrong} {after}"
    assert not [s for s in detect(text, patterns=()) if s.kind == "iin"]


def test_published_examples_of_iins():
    assert is_valid_iin("061211600012")  # kz-iin-validator's README
    assert is_valid_iin("009900000008")  # airlock-pii's README (no date: only after "ИИН")
    assert detect("ИИН 009900000008", patterns=()) == [Span(4, 16, "iin")]
    assert detect("номер 009900000008", patterns=(), other_names=False) == []
    assert not is_valid_iin("０６１２１１６０００１２")  # fullwidth digits


# --- configured patterns -------------------------------------------------------------------------


def test_the_pack_patterns_are_loaded_and_used(settings):
    settings.DOZOR_REDACTION_PATTERNS = ""
    patterns = configured_patterns()
    assert patterns and all(kind in detectors.KINDS for _, kind in patterns)
    text = "Осуждённый 1985 г.р., удостоверение личности № 045612378, по кличке «Седой»."
    found = [(s.text(text), s.kind) for s in detect(text)]
    assert ("1985 г.р.", "pattern") in found
    assert ("удостоверение личности № 045612378", "pattern") in found
    assert ("по кличке «Седой»", "person_name") in found
    assert not [s for s in detect(text, patterns=()) if s.kind == "pattern"]


def test_a_patterns_file_from_the_setting(settings, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("patterns:\n  - pattern: 'отряд\\s+№\\s*\\d+'\n    description: unit\n", encoding="utf-8")
    settings.DOZOR_REDACTION_PATTERNS = str(path)
    assert configured_patterns() == [("отряд\\s+№\\s*\\d+", "pattern")]
    text = "Он из отряда № 7."
    assert detect(text) == []  # "отряда" is no "отряд\s"
    assert [s.text("Он отряд № 7.") for s in detect("Он отряд № 7.")] == ["отряд № 7"]


def test_patterns_passed_in_replace_the_configured_ones():
    text = "Личное дело ЛД-4411 хранится в спецчасти."
    assert [(s.text(text), s.kind) for s in detect(text, patterns=[(r"ЛД-\d+", "pattern")])] == [
        ("ЛД-4411", "pattern")
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("patterns: 3\n", "expected a list"),
        ("patterns:\n  - kind: pattern\n", "item 1 has no 'pattern'"),
        ("patterns:\n  - pattern: 'a'\n    kind: nonsense\n", "unknown kind"),
        ("patterns:\n  - pattern: '(a'\n", "not a regular expression"),
    ],
)
def test_a_bad_patterns_file_is_refused_with_the_item(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_patterns(path)
