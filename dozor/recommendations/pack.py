"""The recommendations section of a country pack (recommendations.yaml): status values. The whole
pack is validated before anything is written (dozor.core.packs).

The holiday calendar that working-day deadlines are counted on sits in the same file but is core's
section (``dozor.core.workdays``): the calendar is shared, not the recommendations' own.
"""

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

OUTCOMES = ("implemented", "partial", "open", "not_implemented", "withdrawn")


def _validate_statuses(items: list[Item], context: PackContext, check: Checker) -> None:
    initial = 0
    for index, item in enumerate(items):
        check.text(index, item, "code")
        check.translated(index, item, "name")
        check.choice(index, item, "outcome", OUTCOMES)
        initial += bool(item.get("initial"))
    check.codes(items)
    if items and initial != 1:
        check.error(None, None, _("exactly one status must be marked initial"))


def _load_statuses(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.recommendations.models import Status

    result = SectionResult()
    for order, item in enumerate(items):
        values = {
            "sort_order": order,
            "outcome": item["outcome"],
            "closed": bool(item.get("closed", False)),
            "initial": bool(item.get("initial", False)),
            **translated_fields(item, "name"),
        }
        upsert_by_code(Status, item["code"], values, result)
    return result


def sections() -> list[PackSection]:
    """This app's sections of a country pack (composed with the others in dozor/packs.py)."""
    return [
        PackSection(
            "recommendation_statuses",
            "recommendations.yaml",
            130,
            _validate_statuses,
            _load_statuses,
            "statuses",
        ),
    ]
