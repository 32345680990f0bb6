"""Data minimisation in the shipped checklists (issue 16 item 7, decision 0025): the admissions
register is checked with counts, never photographed whole; a photo question remains only where the
methodology needs a picture, and says that the picture is kept as encrypted evidence and never
appears in a document that leaves the NPM."""

from __future__ import annotations

import pytest

from dozor.core.packs import pack_dir
from dozor.core.yamlio import yaml_load
from dozor.methodology.models import Question, QuestionType, TemplateVersion

pytestmark = pytest.mark.django_db

REGISTER_COUNTS = {
    "register_admissions",
    "register_admissions_women",
    "register_admissions_juveniles",
    "register_admissions_foreigners",
    "register_entries_without_time",
    "register_entries_corrected",
}


def shipped_questions() -> list[dict]:  # type: ignore[type-arg]
    data = yaml_load((pack_dir("kz") / "checklists.yaml").read_text(encoding="utf-8"))
    return [q for module in data["modules"] for q in module.get("questions", [])]


def test_the_register_is_checked_with_counts_not_a_photo_of_its_page() -> None:
    questions = {q["name"]: q for q in shipped_questions()}
    assert "register_photo" not in questions
    for name in REGISTER_COUNTS:
        assert questions[name]["type"] == "integer", name
        assert questions[name]["constraint"] == ". >= 0"
        assert all(questions[name]["label"][lang] for lang in ("kk", "ru", "en"))
    # The one register photo left is asked only when an irregularity has to be proven.
    photo = questions["register_irregularity_photo"]
    assert photo["type"] == "photo"
    assert "register_entries_corrected" in photo["relevant"]


def test_every_published_photo_question_says_it_is_encrypted_evidence_never_published() -> None:
    photos = Question.objects.filter(
        type=QuestionType.PHOTO, section__version__status=TemplateVersion.Status.PUBLISHED
    )
    assert photos.exists()
    for question in photos:
        assert "encrypted" in question.hint_en and "never appears" in question.hint_en, question.name
        assert "зашифрованном" in question.hint_ru, question.name
        assert "шифрланған" in question.hint_kk, question.name
        assert question.name != "register_photo"


def test_the_published_general_module_asks_for_register_counts() -> None:
    names = set(
        Question.objects.filter(section__version__status=TemplateVersion.Status.PUBLISHED).values_list(
            "name", flat=True
        )
    )
    assert names >= REGISTER_COUNTS
    assert "register_photo" not in names
