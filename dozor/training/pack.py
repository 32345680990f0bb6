"""The ``competencies`` section of a country pack (competencies.yaml)."""

from __future__ import annotations

from dozor.core.packs import (
    Checker,
    Item,
    PackContext,
    PackSection,
    SectionResult,
    translated_fields,
    upsert_by_code,
)


def _validate(items: list[Item], context: PackContext, check: Checker) -> None:
    types = context.codes.get("facility_types", set())
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        check.translated(index, item, "description")
        check.number(index, item, "valid_years", 1, 20, integer=True)
        check.reference(index, item, "required_for", types, required=False)


def _load(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.facilities.models import FacilityType
    from dozor.training.models import Competency

    types = {t.code: t.pk for t in FacilityType.objects.all()}
    result = SectionResult()
    for order, item in enumerate(items):
        values = {
            "sort_order": order,
            "valid_years": item["valid_years"],
            **translated_fields(item, "name"),
            **translated_fields(item, "description"),
        }
        competency = upsert_by_code(Competency, item["code"], values, result)
        wanted = {types[code] for code in item.get("required_for") or []}
        if set(competency.required_for.values_list("pk", flat=True)) != wanted:
            competency.required_for.set(wanted)
    return result


def sections() -> list[PackSection]:
    """This app's sections of a country pack (composed with the others in dozor/packs.py)."""
    return [
        PackSection("competencies", "competencies.yaml", 110, _validate, _load),
    ]
