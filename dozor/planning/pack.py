"""The planning sections of a country pack (planning.yaml): risk factors, visiting-group rules,
expertise requirements, cost rates and fares. The whole file is validated before anything is
written (dozor.core.packs), so a wrong code or a negative rate changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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

RISK_FACTOR_CODES = (
    "since_last_visit",
    "occupancy",
    "recommendations",
    "incidents",
    "vulnerable_groups",
    "type_weight",
)
COST_KINDS = ("per_diem", "accommodation", "travel_km", "local_km", "compensation", "interpreter", "expert")


def _validate_factors(items: list[Item], context: PackContext, check: Checker) -> None:
    for index, item in enumerate(items):
        check.choice(index, item, "code", RISK_FACTOR_CODES)
        check.translated(index, item, "name")
        check.translated(index, item, "description")
        check.number(index, item, "weight", 0, 100)
        if not isinstance(item.get("params", {}), dict):
            check.error(index, item.get("code"), _("params must be a mapping"))


def _load_factors(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.planning.models import RiskFactor

    result = SectionResult()
    for order, item in enumerate(items):
        values = {
            "sort_order": order,
            "weight": Decimal(str(item["weight"])),
            "params": item.get("params") or {},
            **translated_fields(item, "name"),
            **translated_fields(item, "description"),
        }
        upsert_by_code(RiskFactor, item["code"], values, result)
    RiskFactor.objects.exclude(code__in=[i["code"] for i in items]).delete()
    return result


def _validate_rules(items: list[Item], context: PackContext, check: Checker) -> None:
    if len(items) != 1:
        check.error(None, None, _("exactly one rule set is expected"))
    for index, item in enumerate(items):
        check.number(index, item, "min_group_size", 1, 20, integer=True)
        check.number(index, item, "max_group_size", 1, 20, integer=True)
        low, high = item.get("min_group_size"), item.get("max_group_size")
        if isinstance(low, int) and isinstance(high, int) and high < low:
            check.error(index, item.get("code"), _("max_group_size is below min_group_size"))
        check.choice(index, item, "competency_scope", ("every_member", "at_least_one"))
        check.reference(
            index, item, "woman_for_categories", context.codes.get("population_categories", set())
        )
        check.reference(index, item, "languages", context.codes.get("languages", set()))
        check.number(index, item, "visits_per_participant", 1, 366, integer=True)
        check.number(index, item, "reserve_share", 0, 0.9)
        check.number(index, item, "min_visits_per_region", 0, 100, integer=True)
        check.number(index, item, "visit_days", 1, 30, integer=True)
        check.text(index, item, "currency")


def _load_rules(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.core.models import Language, PopulationCategory
    from dozor.planning.models import PlanningRules

    result = SectionResult()
    item = items[0]
    values: dict[str, Any] = {
        "min_group_size": item["min_group_size"],
        "max_group_size": item["max_group_size"],
        "competency_scope": item["competency_scope"],
        "visits_per_participant": item["visits_per_participant"],
        "reserve_share": Decimal(str(item["reserve_share"])),
        "min_visits_per_region": item["min_visits_per_region"],
        "visit_days": item["visit_days"],
        "currency": item["currency"],
        "source": item.get("source", ""),
    }
    rules = PlanningRules.objects.order_by("pk").first()
    if rules is None:
        rules = PlanningRules.objects.create(**values)
        result.created += 1
    elif any(getattr(rules, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(rules, key, value)
        rules.save()
        result.updated += 1
    else:
        result.unchanged += 1
    rules.woman_for_categories.set(
        PopulationCategory.objects.filter(code__in=item.get("woman_for_categories") or [])
    )
    rules.languages.set(Language.objects.filter(code__in=item.get("languages") or []))
    return result


def _validate_expertise(items: list[Item], context: PackContext, check: Checker) -> None:
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        check.reference(index, item, "facility_types", context.codes.get("facility_types", set()))
        check.reference(index, item, "expertise", context.codes.get("expertise", set()))


def _load_expertise(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.facilities.models import FacilityType
    from dozor.people.models import Expertise
    from dozor.planning.models import ExpertiseRequirement

    result = SectionResult()
    for item in items:
        requirement = upsert_by_code(
            ExpertiseRequirement, item["code"], translated_fields(item, "name"), result
        )
        requirement.facility_types.set(FacilityType.objects.filter(code__in=item["facility_types"]))
        requirement.expertise.set(Expertise.objects.filter(code__in=item["expertise"]))
    ExpertiseRequirement.objects.exclude(code__in=[i["code"] for i in items]).delete()
    return result


def _validate_rates(items: list[Item], context: PackContext, check: Checker) -> None:
    regions = context.codes.get("regions", set())
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(items):
        check.choice(index, item, "kind", COST_KINDS)
        check.reference(index, item, "region", regions, required=False)
        check.number(index, item, "amount", 0, 10_000_000)
        key = (str(item.get("kind")), str(item.get("region") or ""))
        if key in seen:
            check.error(index, item.get("code"), _("the same kind and region are given twice"))
        seen.add(key)
    for kind in COST_KINDS:
        if (kind, "") not in seen:
            check.error(None, None, _("no default rate (without region) for '%(kind)s'") % {"kind": kind})


def _load_rates(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.core.models import Region
    from dozor.planning.models import CostRate

    regions = {r.code: r for r in Region.objects.all()}
    result = SectionResult()
    keep: list[int] = []
    for item in items:
        region = regions.get(item.get("region") or "")
        amount = Decimal(str(item["amount"]))
        rate = CostRate.objects.filter(kind=item["kind"], region=region).first()
        if rate is None:
            rate = CostRate.objects.create(
                kind=item["kind"], region=region, amount=amount, source=item.get("source", "")
            )
            result.created += 1
        elif rate.amount != amount or rate.source != item.get("source", ""):
            rate.amount, rate.source = amount, item.get("source", "")
            rate.save()
            result.updated += 1
        else:
            result.unchanged += 1
        keep.append(rate.pk)
    CostRate.objects.exclude(pk__in=keep).delete()
    return result


def _validate_fares(items: list[Item], context: PackContext, check: Checker) -> None:
    regions = context.codes.get("regions", set())
    for index, item in enumerate(items):
        check.reference(index, item, "from", regions)
        check.reference(index, item, "to", regions)
        check.number(index, item, "amount", 0, 10_000_000)


def _load_fares(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.core.models import Region
    from dozor.planning.models import Fare

    regions = {r.code: r for r in Region.objects.all()}
    result = SectionResult()
    keep: list[int] = []
    for item in items:
        fare, created = Fare.objects.update_or_create(
            origin=regions[item["from"]],
            destination=regions[item["to"]],
            defaults={"amount": Decimal(str(item["amount"])), "source": item.get("source", "")},
        )
        if created:
            result.created += 1
        else:
            result.unchanged += 1
        keep.append(fare.pk)
    Fare.objects.exclude(pk__in=keep).delete()
    return result


def sections() -> list[PackSection]:
    """This app's sections of a country pack (composed with the others in dozor/packs.py)."""
    return [
        PackSection("risk_factors", "planning.yaml", 120, _validate_factors, _load_factors),
        PackSection("planning_rules", "planning.yaml", 121, _validate_rules, _load_rules, "rules"),
        PackSection("expertise_requirements", "planning.yaml", 122, _validate_expertise, _load_expertise),
        PackSection("cost_rates", "planning.yaml", 123, _validate_rates, _load_rates),
        PackSection("fares", "planning.yaml", 124, _validate_fares, _load_fares),
    ]
