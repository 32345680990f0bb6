"""The ``themes``, ``instruments`` and ``provisions`` sections of a country pack (standards.yaml)."""

from __future__ import annotations

from django.utils.translation import gettext as _

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

INSTRUMENT_KINDS = ["un_treaty", "un_standard", "regional", "national_law"]


def _validate_instruments(items: list[Item], context: PackContext, check: Checker) -> None:
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        check.translated(index, item, "short")
        check.choice(index, item, "kind", INSTRUMENT_KINDS)
        check.text(index, item, "reference")


def _load_instruments(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.standards.models import Instrument

    result = SectionResult()
    for order, item in enumerate(items):
        values = {
            "sort_order": order,
            "kind": item["kind"],
            "adopted": str(item.get("adopted") or "")[:20],
            "reference": str(item["reference"])[:300],
            "binding": bool(item.get("binding", False)),
            "unverified": bool(item.get("unverified", False)),
            **translated_fields(item, "name"),
            **translated_fields(item, "short"),
        }
        upsert_by_code(Instrument, item["code"], values, result)
    return result


def _validate_provisions(items: list[Item], context: PackContext, check: Checker) -> None:
    instruments = context.codes.get("instruments", set())
    themes = context.codes.get("themes", set())
    codes = context.codes.get("provisions", set())
    for index, item in enumerate(items):
        check.reference(index, item, "instrument", instruments)
        check.reference(index, item, "theme", themes)
        check.text(index, item, "number")
        check.translated(index, item, "title")
        check.translated(index, item, "summary")
        check.reference(index, item, "see_also", codes, required=False)
        if "should_be_cited" in item and not isinstance(item["should_be_cited"], bool):
            check.error(index, item.get("code"), _("field 'should_be_cited' must be true or false"))
    # Provisions the pack marks as ones a checklist question must cite; the checklists section
    # (dozor/methodology/pack.py), read after this one, refuses the pack if none does.
    context.meta["_should_be_cited"] = [
        item["code"]
        for item in items
        if item.get("should_be_cited") is True and isinstance(item.get("code"), str)
    ]


def _load_provisions(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.standards.models import Instrument, Provision, Theme

    instruments = {i.code: i for i in Instrument.objects.all()}
    themes = {t.code: t for t in Theme.objects.all()}
    result = SectionResult()
    by_code: dict[str, Provision] = {}
    for order, item in enumerate(items):
        provision = Provision(
            code=item["code"],
            number=str(item["number"]),
            **translated_fields(item, "title"),
            **translated_fields(item, "summary"),
        )
        values = {
            "instrument": instruments[item["instrument"]],
            "theme": themes[item["theme"]],
            "number": str(item["number"])[:40],
            "sort_order": order,
            "search_text": provision.build_search_text(),
            **translated_fields(item, "title"),
            **translated_fields(item, "summary"),
        }
        by_code[item["code"]] = upsert_by_code(Provision, item["code"], values, result)
    for item in items:
        wanted = {by_code[code].pk for code in item.get("see_also") or []}
        provision = by_code[item["code"]]
        current = set(provision.see_also.values_list("pk", flat=True))
        if wanted - current:
            provision.see_also.add(*(wanted - current))
    return result


def sections() -> list[PackSection]:
    """This app's sections of a country pack (composed with the others in dozor/packs.py)."""
    return [
        PackSection("themes", "standards.yaml", 90, validate_named, loader_named("standards.Theme")),
        PackSection("instruments", "standards.yaml", 91, _validate_instruments, _load_instruments),
        PackSection("provisions", "standards.yaml", 92, _validate_provisions, _load_provisions),
    ]
