"""The ``expertise`` and ``eligibility_rules`` sections of a country pack."""

from __future__ import annotations

from dozor.core.packs import (
    Checker,
    Item,
    PackContext,
    PackSection,
    SectionResult,
    loader_named,
    translated_fields,
    upsert_by_code,
    validate_named,
)


def _validate_rules(items: list[Item], context: PackContext, check: Checker) -> None:
    for index, item in enumerate(items):
        check.translated(index, item, "question")
        check.translated(index, item, "reason")
        check.choice(index, item, "kind", ["exclusion"])
        check.text(index, item, "source")


def _load_rules(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.people.models import EligibilityRule

    result = SectionResult()
    codes = []
    for order, item in enumerate(items):
        values = {
            "sort_order": order,
            "source": str(item["source"])[:300],
            "is_active": True,
            **translated_fields(item, "reason", "name"),
            **translated_fields(item, "question"),
        }
        upsert_by_code(EligibilityRule, item["code"], values, result)
        codes.append(item["code"])
    # A rule dropped from the pack stays in the database (declarations refer to it) but stops applying.
    result.updated += (
        EligibilityRule.objects.exclude(code__in=codes).filter(is_active=True).update(is_active=False)
    )
    return result


def sections() -> list[PackSection]:
    """This app's sections of a country pack (composed with the others in dozor/packs.py)."""
    return [
        PackSection("expertise", "expertise.yaml", 70, validate_named, loader_named("people.Expertise")),
        PackSection("eligibility_rules", "eligibility.yaml", 80, _validate_rules, _load_rules),
    ]
