"""Working days on the country pack's calendar: deadlines of letters and reminders.

A day is a **working day** when it is Monday to Friday and not a public holiday or a day off moved
from a weekend holiday (Labour Code of Kazakhstan, art. 85) - or when it is a weekend day the
Government made a working day (``Holiday.Kind.WORKING_DAY``). The special days are ``Holiday`` rows
loaded from ``packs/<code>/recommendations.yaml`` (``dozor.recommendations.pack``). Days outside the years
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
    from dozor.recommendations.models import Holiday

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
