"""The catalogues follow docs/glossary.md for the key terms."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[3]

# (msgctxt, msgid) -> (Russian, Kazakh), as in docs/glossary.md
KEY_TERMS = {
    ("seats at an event", "Places"): ("Места", "Орындар"),
    ("seats at an event", "places"): ("число мест", "орын саны"),
    (None, "Places"): ("Учреждения", "Мекемелер"),
    (None, "visit"): ("посещение", "бару"),
    (None, "Visit report"): ("Отчёт о посещении", "Бару туралы баяндама"),
    (None, "Report"): ("Отчёт", "Баяндама"),
    (None, "recommendation"): ("рекомендация", "ұсыным"),
    (None, "Redaction"): ("Обезличивание", "Иесіздендіру"),
    (None, "Visiting group"): ("Группа посещения", "Бару тобы"),
    (None, "Checklist"): ("Чек-лист", "Чек-парақ"),
}


def entries(lang: str) -> dict[tuple[str | None, str], polib.POEntry]:
    po = polib.pofile(str(ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"))
    return {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}


@pytest.mark.parametrize("lang,index", [("ru", 0), ("kk", 1)])
def test_the_key_terms_follow_the_glossary(lang: str, index: int) -> None:
    found = entries(lang)
    wrong = {
        key: (found[key].msgstr if key in found else None, expected[index])
        for key, expected in KEY_TERMS.items()
        if key not in found or found[key].msgstr != expected[index]
    }
    assert wrong == {}


def test_kazakh_calls_a_visit_report_baiandama_never_esep() -> None:
    # "есептелген / есептеледі" (counted) is another word and may stay.
    mixed = [
        e.msgid
        for e in entries("kk").values()
        if "report" in e.msgid.lower()
        and "import report" not in e.msgid.lower()
        and any(
            word.startswith("есеп") and not word.startswith("есептел")
            for word in re.findall(r"\w+", " ".join([e.msgstr, *e.msgstr_plural.values()]).lower())
        )
    ]
    assert mixed == []


def test_the_glossary_lists_the_terms() -> None:
    text = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").lower()
    for term in ("seat", "place of deprivation of liberty", "reprisal", "баяндама", "орын", "место"):
        assert term in text
