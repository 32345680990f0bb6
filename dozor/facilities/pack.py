"""The ``facility_types`` section of a country pack."""

from __future__ import annotations

from django.utils.translation import gettext as _

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
    authorities = context.codes.get("authorities", set())
    categories = context.codes.get("population_categories", set())
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        check.reference(index, item, "authority", authorities)
        check.reference(index, item, "population_categories", categories, required=False)
        check.number(index, item, "weight", 1, 5, integer=True)
        check.number(index, item, "visit_frequency_years", 1, 10, integer=True)
        if "retired" in item and not isinstance(item["retired"], bool):
            check.error(index, item.get("code"), _("field 'retired' must be true or false"))
        for position, source in enumerate(item.get("sources") or []):
            before = len(check.errors)
            check.source(index, source)
            for n in range(before, len(check.errors)):
                check.errors[n] += " " + _("(source %(n)s)") % {"n": position + 1}


def _load(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.core.models import Authority, PopulationCategory
    from dozor.facilities.models import FacilityType

    authorities = {a.code: a for a in Authority.objects.all()}
    categories = {c.code: c for c in PopulationCategory.objects.all()}
    result = SectionResult()
    for order, item in enumerate(items):
        values = {
            "sort_order": order,
            "authority": authorities[item["authority"]],
            "weight": item["weight"],
            "visit_frequency_years": item["visit_frequency_years"],
            "retired": bool(item.get("retired", False)),
            **translated_fields(item, "name"),
        }
        facility_type = upsert_by_code(FacilityType, item["code"], values, result)
        wanted = {categories[code].pk for code in item.get("population_categories") or []}
        current = set(facility_type.population_categories.values_list("pk", flat=True))
        if wanted != current:
            facility_type.population_categories.set(wanted)
    return result


def sections() -> list[PackSection]:
    """This app's sections of a country pack (composed with the others in dozor/packs.py)."""
    return [
        PackSection("facility_types", "facility_types.yaml", 60, _validate, _load),
    ]
