"""Test data for the standards library, and a small checklist version that cites it.

Codes start with TEST so that they never clash with the Kazakhstan pack loaded for every test.
"""

from __future__ import annotations

from typing import Any

from dozor.methodology.models import ChecklistTemplate, TemplateVersion
from dozor.methodology.services import version_build
from dozor.standards.models import Instrument, Provision, Theme


def theme(code: str = "TEST_THEME", **names: str) -> Theme:
    obj, _created = Theme.objects.get_or_create(
        code=code,
        defaults={"name_en": names.get("en", "Test theme"), "name_ru": names.get("ru", "Тестовая тема")},
    )
    return obj


def instrument(code: str = "TEST_INSTR", **values: Any) -> Instrument:
    defaults = {
        "kind": Instrument.Kind.UN_STANDARD,
        "name_en": "Test Rules for Places of Detention",
        "name_ru": "Тестовые правила для мест содержания",
        "name_kk": "Ұстау орындарына арналған сынақ ережелері",
        "short_en": "Test Rules",
        "short_ru": "Тестовые правила",
        "short_kk": "Сынақ ережелері",
        "reference": "A/RES/TEST",
        "binding": False,
        **values,
    }
    obj, _created = Instrument.objects.get_or_create(code=code, defaults=defaults)
    return obj


def provision(
    code: str, *, number: str = "1", of: Instrument | None = None, about: Theme | None = None, **texts: str
) -> Provision:
    obj = Provision(
        code=code,
        instrument=of or instrument(),
        theme=about or theme(),
        number=number,
        title_en=texts.get("title_en", f"Provision {code}"),
        title_ru=texts.get("title_ru", f"Положение {code}"),
        title_kk=texts.get("title_kk", f"Ереже {code}"),
        summary_en=texts.get("summary_en", "Every detained person has a bed of their own."),
        summary_ru=texts.get("summary_ru", "Каждый задержанный имеет отдельное спальное место."),
        summary_kk=texts.get("summary_kk", "Әрбір ұсталған адамның жеке төсек орны бар."),
    )
    obj.search_text = obj.build_search_text()
    obj.save()
    return obj


def _t(en: str, ru: str = "", kk: str = "") -> dict[str, str]:
    return {"en": en, "ru": ru or f"{en} (ru)", "kk": kk or f"{en} (kk)"}


SPEC: list[dict[str, Any]] = [
    {
        "code": "general",
        "title": _t("General", "Общие сведения"),
        "theme": None,
        "questions": [
            {
                "name": "holds_women",
                "type": "yes_no",
                "label": _t("Does the place hold women?", "Содержатся ли женщины?"),
                "required": True,
                "provisions": ["TEST-1"],
            },
            {
                "name": "cell_count",
                "type": "integer",
                "label": _t("How many cells are there?"),
                "constraint": ". >= 0",
                "constraint_message": _t("Cannot be negative"),
                "provisions": ["TEST-1"],
            },
            {"name": "visit_date", "type": "date", "label": _t("Date of the visit")},
        ],
    },
    {
        "code": "women",
        "title": _t("Women"),
        "questions": [
            {
                "name": "women_separate",
                "type": "yes_no",
                "label": _t("Are women held apart from men?", "Содержатся ли женщины отдельно?"),
                "relevant": "${holds_women} = 'yes'",
                "required": True,
                "provisions": ["TEST-2"],
            },
        ],
    },
    {
        "code": "cells",
        "title": _t("Cells"),
        "repeat": True,
        "repeat_label": _t("Cell"),
        "questions": [
            {"name": "cell_area", "type": "decimal", "label": _t("Floor area (m²)"), "required": True},
            {
                "name": "cell_light",
                "type": "select_one",
                "label": _t("Natural light"),
                "choices": [
                    {"name": "good", "label": _t("Good", "Хороший")},
                    {"name": "poor", "label": _t("Poor", "Плохой")},
                ],
            },
            {
                "name": "cell_items",
                "type": "select_multiple",
                "label": _t("Furniture present"),
                "choices": [{"name": "bed", "label": _t("Bed")}, {"name": "table", "label": _t("Table")}],
            },
        ],
    },
]


def checklist(
    code: str = "tpl_test",
    *,
    status: str = TemplateVersion.Status.PUBLISHED,
    number: int = 1,
    facility_types: Any = (),
) -> TemplateVersion:
    """A template with one version built from ``SPEC`` (provisions TEST-1 and TEST-2 are created if needed)."""
    if not Provision.objects.filter(code="TEST-1").exists():
        provision("TEST-1", number="1")
    if not Provision.objects.filter(code="TEST-2").exists():
        provision("TEST-2", number="2", title_en="Separation of women")
    template, _created = ChecklistTemplate.objects.get_or_create(
        code=code,
        defaults={"name_en": "Test checklist", "name_ru": "Тестовый чек-лист", "name_kk": "Сынақ тізімі"},
    )
    template.facility_types.add(*facility_types)
    return version_build(
        template=template, sections=SPEC, number=number, status=status, source=TemplateVersion.Source.EDITOR
    )
