"""Working days on the country pack's calendar: deadlines of letters and reminders.

A day is a **working day** when it is Monday to Friday and not a public holiday or a day off moved
from a weekend holiday (Labour Code of Kazakhstan, art. 85) - or when it is a weekend day the
Government made a working day (``Holiday.Kind.WORKING_DAY``). The special days are ``Holiday`` rows
expanded from the country pack's rules by ``holiday_days`` and loaded by core's ``holidays`` pack
section (``dozor.core.packs``, from ``packs/<code>/recommendations.yaml``). Days outside the years
the pack lists count as ordinary weekdays and weekends.

Counting rule (the usual one for answering deadlines): the day a letter is registered is not
counted; "answer within 10 working days" ends on the 10th working day after it.

- ``add_working_days(start, n)``: for ``n >= 1`` the n-th working day after ``start``; for ``n == 0``
  ``start`` itself when it is a working day, otherwise the next working day (a deadline never
  falls on a day off).
- ``working_days_between(a, b)``: the number of working days in ``(a, b]``, negative when ``b < a``;
  so ``working_days_between(start, add_working_days(start, n)) == n`` for every ``n >= 1``.

``calendar()`` reads the calendar with one query; the module-level helpers take an already built
``Calendar`` (``cal=``) so that loops over many dates do not query again.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from dozor.core.packs import Checker, Item, PackContext, SectionResult, translated_fields

ONE_DAY = datetime.timedelta(days=1)
SATURDAY = 5
# a guard against endless loops on an absurd calendar (every day a holiday)
MAX_SCAN_DAYS = 366 * 20


@dataclass(frozen=True)
class Calendar:
    """The special days of the calendar: days off on weekdays and working weekend days."""

    days_off: frozenset[datetime.date] = field(default_factory=frozenset)
    working_days: frozenset[datetime.date] = field(default_factory=frozenset)

    @classmethod
    def from_days(cls, days: Iterable[tuple[datetime.date, str]]) -> Calendar:
        """Build from ``(date, kind)`` pairs, kinds as ``Holiday.Kind`` values."""
        off: set[datetime.date] = set()
        working: set[datetime.date] = set()
        for day, kind in days:
            (working if kind == "working_day" else off).add(day)
        return cls(days_off=frozenset(off), working_days=frozenset(working))

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < SATURDAY and day not in self.days_off

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """``day`` itself when it is a working day, else the first working day after it."""
        for _step in range(MAX_SCAN_DAYS):
            if self.is_working_day(day):
                return day
            day += ONE_DAY
        raise ValueError("no working day in twenty years: the holiday calendar is wrong")

    def add_working_days(self, start: datetime.date, n: int) -> datetime.date:
        if n < 0:
            raise ValueError("the number of working days cannot be negative")
        if n == 0:
            return self.next_working_day(start)
        day = start
        for _count in range(n):
            day = self.next_working_day(day + ONE_DAY)
        return day

    def working_days_between(self, a: datetime.date, b: datetime.date) -> int:
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        day = a + ONE_DAY
        while day <= b:
            count += self.is_working_day(day)
            day += ONE_DAY
        return count


def calendar() -> Calendar:
    """The calendar as the database holds it (one query on a few hundred rows)."""
    from dozor.core.models import Holiday

    return Calendar.from_days(Holiday.objects.values_list("date", "kind"))


def is_working_day(day: datetime.date, *, cal: Calendar | None = None) -> bool:
    return (cal if cal is not None else calendar()).is_working_day(day)


def add_working_days(start: datetime.date, n: int, *, cal: Calendar | None = None) -> datetime.date:
    """The n-th working day after ``start`` (``start`` not counted); ``n == 0``: ``start`` if it is a
    working day, else the next working day."""
    return (cal if cal is not None else calendar()).add_working_days(start, n)


def working_days_between(a: datetime.date, b: datetime.date, *, cal: Calendar | None = None) -> int:
    """Working days in ``(a, b]``; negative when ``b`` is before ``a``."""
    return (cal if cal is not None else calendar()).working_days_between(a, b)


# --- the country pack's holidays -----------------------------------------------------------------
#
# Holidays come as yearly rules (``holiday_rules``: month/day, optionally valid ``from``/``until`` a
# year, as when the 2026 Constitution moved Constitution Day) expanded for ``holiday_years``, plus
# dated ``movable_holidays`` (e.g. Kurban Ait). A non-religious holiday that falls on a Saturday or
# Sunday moves the day off to the next working day (Labour Code of Kazakhstan, art. 85); religious
# holidays (``religious: true``) do not move. They sit in ``recommendations.yaml`` beside the
# recommendation statuses, the file they were first written in.

HOLIDAYS_FILE = "recommendations.yaml"


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
            if not int(rule.get("from", year)) <= year <= int(rule.get("until", year)):
                continue
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


def validate_holidays(items: list[Item], context: PackContext, check: Checker) -> None:
    raw = context.files.get(HOLIDAYS_FILE) or {}
    for index, item in enumerate(items):
        check.translated(index, item, "name")
        try:
            datetime.date(2024, int(item.get("month", 0)), int(item.get("day", 0)))  # 2024: leap year
        except (TypeError, ValueError):
            check.error(index, None, _("month and day must form a date"))
        raw_bounds = [item.get(key) for key in ("from", "until") if item.get(key) is not None]
        bounds = [
            y for y in raw_bounds if isinstance(y, int) and not isinstance(y, bool) and 1990 <= y <= 2100
        ]
        if len(bounds) != len(raw_bounds):
            check.error(index, None, _("'from' and 'until' must be years"))
        elif len(bounds) == 2 and bounds[0] > bounds[1]:
            check.error(index, None, _("'from' must not be later than 'until'"))
    for index, item in enumerate(raw.get("movable_holidays") or []):
        if _date(item.get("date")) is None:
            check.error(index, None, _("movable holiday without a valid date"))
    years = raw.get("holiday_years") or []
    if not isinstance(years, list) or not all(isinstance(y, int) and 1990 <= y <= 2100 for y in years):
        check.error(None, None, _("holiday_years must be a list of years"))


def load_holidays(items: list[Item], context: PackContext) -> SectionResult:
    from dozor.core.models import Holiday

    raw = context.files.get(HOLIDAYS_FILE) or {}
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
