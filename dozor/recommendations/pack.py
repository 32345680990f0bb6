"""The recommendations sections of a country pack (recommendations.yaml): status values and the
holiday calendar that working-day deadlines are counted on. The whole file is validated before
anything is written (dozor.core.packs).

Holidays come as yearly rules (``holiday_rules``: month/day) expanded for ``holiday_years``, plus
dated ``movable_holidays`` (e.g. Kurban Ait). A non-religious holiday that falls on a Saturday or
Sunday moves the day off to the next working day (Labour Code of Kazakhstan, art. 85); religious
holidays (``religious: true``) do not move.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from dozor.core.packs import (
    Checker,
    Item,
    PackContext,
    PackSection,
    SectionResult,
    register_section,
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


@dataclass(frozen=True)
class Day:
    date: datetime.date
    kind: str
    names: dict[str, str]
    source: str


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def holiday_days(rules: list[Item], years: list[int], movable: list[Item]) -> list[Day]:
    """The calendar's special days: holidays, and the days off moved from weekend holidays."""
    holidays: dict[datetime.date, tuple[Item, bool]] = {}
    for year in years:
        for rule in rules:
            day = datetime.date(year, int(rule["month"]), int(rule["day"]))
            holidays[day] = (rule, bool(rule.get("religious")))
    for item in movable:
        moving = _date(item["date"])
        if moving is not None:
            holidays[moving] = (item, bool(item.get("religious")))
    out = [
        Day(day, "holiday", translated_fields(item, "name"), "unverified" if item.get("unverified") else "")
        for day, (item, _religious) in sorted(holidays.items())
    ]
    taken = set(holidays)
    for day, (item, religious) in sorted(holidays.items()):
        if religious or day.weekday() < 5:
            continue
        moved = day + datetime.timedelta(days=1)
        while moved.weekday() >= 5 or moved in taken:
            moved += datetime.timedelta(days=1)
        taken.add(moved)
        names = translated_fields(item, "name")
        out.append(Day(moved, "day_off", names, f"moved from {day.isoformat()} (Labour Code art. 85)"))
    return sorted(out, key=lambda d: d.date)


def _validate_holidays(items: list[Item], context: PackContext, check: Checker) -> None:
    raw = context.files.get("recommendations.yaml") or {}
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        try:
            datetime.date(2024, int(item.get("month", 0)), int(item.get("day", 0)))  # 2024: leap year
        except (TypeError, ValueError):
            check.error(index, None, _("month and day must form a date"))
    for index, item in enumerate(raw.get("movable_holidays") or []):
        if _date(item.get("date")) is None:
            check.error(index, None, _("movable holiday without a valid date"))
    years = raw.get("holiday_years") or []
    if not isinstance(years, list) or not all(isinstance(y, int) and 1990 <= y <= 2100 for y in years):
        check.error(None, None, _("holiday_years must be a list of years"))


def _load_holidays(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.recommendations.models import Holiday

    raw = context.files.get("recommendations.yaml") or {}
    days = holiday_days(items, list(raw.get("holiday_years") or []), list(raw.get("movable_holidays") or []))
    result = SectionResult()
    existing = {h.date: h for h in Holiday.objects.all()}
    keep = set()
    for day in days:
        keep.add(day.date)
        values = {"kind": day.kind, "source": day.source[:300], **day.names}
        current = existing.get(day.date)
        if current is None:
            Holiday.objects.create(date=day.date, **values)
            result.created += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.save()
            result.updated += 1
    Holiday.objects.exclude(date__in=keep).delete()
    return result


def register() -> None:
    register_section(
        PackSection(
            "recommendation_statuses",
            "recommendations.yaml",
            130,
            _validate_statuses,
            _load_statuses,
            "statuses",
        )
    )
    register_section(
        PackSection(
            "holidays", "recommendations.yaml", 131, _validate_holidays, _load_holidays, "holiday_rules"
        )
    )
