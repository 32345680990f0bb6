"""Working days on the Kazakhstan calendar (dozor.core.workdays): property tests on the pack's
own holidays, plus known cases and the database loader."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from dozor.core import workdays
from dozor.core.models import Holiday
from dozor.core.workdays import Calendar, holiday_days
from dozor.core.yamlio import yaml_load

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)


def pack_calendar() -> tuple[Calendar, set[D]]:
    """The kz pack's calendar built straight from the YAML (no database: hypothesis runs many
    examples), plus two Saturdays made working days (decrees move such days every year)."""
    raw = yaml_load(Path(settings.DOZOR_PACKS_DIR, "kz", "recommendations.yaml").read_text("utf-8"))
    days = holiday_days(raw["holiday_rules"], raw["holiday_years"], raw.get("movable_holidays") or [])
    working = {D(2026, 1, 3), D(2027, 3, 20)}
    pairs = [(day.date, day.kind) for day in days] + [(day, "working_day") for day in working]
    off = {day.date for day in days}
    return Calendar.from_days(pairs), off


CAL, OFF = pack_calendar()
WORKING_WEEKEND = {d for d in CAL.working_days if d.weekday() >= 5}
dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31))
counts = st.integers(min_value=0, max_value=60)


def working_in(a: D, b: D) -> int:
    """Reference count of working days in (a, b], written independently of the module."""
    return sum(CAL.is_working_day(a + ONE_DAY * i) for i in range(1, (b - a).days + 1))


@given(start=dates, n=counts)
def test_it_always_lands_on_a_working_day(start: D, n: int) -> None:
    result = CAL.add_working_days(start, n)
    assert CAL.is_working_day(result)
    assert result >= start
    if result.weekday() >= 5:
        assert result in WORKING_WEEKEND
    if result in OFF:
        assert result in CAL.working_days


@given(start=dates, n=st.integers(min_value=1, max_value=60))
def test_it_counts_exactly_n_working_days_after_the_start(start: D, n: int) -> None:
    result = CAL.add_working_days(start, n)
    assert working_in(start, result) == n
    assert CAL.working_days_between(start, result) == n
    assert CAL.working_days_between(result, start) == -n
    # and no earlier day would do: the day before the result has one working day fewer
    assert working_in(start, result - ONE_DAY) == n - 1


@given(start=dates, n=st.integers(min_value=0, max_value=59))
def test_it_is_monotonic_in_n(start: D, n: int) -> None:
    """Strictly from n = 1 on; n = 0 on a day off gives the same day as n = 1 (the next working day)."""
    earlier, later = CAL.add_working_days(start, n), CAL.add_working_days(start, n + 1)
    assert earlier <= later
    if n >= 1 or CAL.is_working_day(start):
        assert earlier < later


@given(start=dates)
def test_zero_days_is_the_start_or_the_next_working_day(start: D) -> None:
    result = CAL.add_working_days(start, 0)
    if CAL.is_working_day(start):
        assert result == start
    else:
        assert working_in(start, result) == 1
        assert result == CAL.add_working_days(start, 1)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 21-23 March: Nauryz (Sat, Sun, Mon); the days off of the 21st and 22nd move to Tue 24 and Wed 25
        (D(2026, 3, 20), 1, D(2026, 3, 26)),
        (D(2026, 3, 20), 0, D(2026, 3, 20)),
        (D(2026, 3, 21), 0, D(2026, 3, 26)),
        # an ordinary Friday: the next working day is the Monday
        (D(2026, 2, 13), 1, D(2026, 2, 16)),
        (D(2026, 2, 13), 5, D(2026, 2, 20)),
        # New Year 2027: Fri 1 and Sat 2 January; the Saturday's day off moves to Mon 4; Thu 7 Christmas
        (D(2026, 12, 31), 1, D(2027, 1, 5)),
        (D(2026, 12, 31), 2, D(2027, 1, 6)),
        (D(2026, 12, 31), 3, D(2027, 1, 8)),
        # a Saturday made a working day counts
        (D(2026, 1, 2), 1, D(2026, 1, 3)),
        # Kurban Ait 2025 (Fri 6 June): religious, the day off is not moved
        (D(2025, 6, 5), 1, D(2025, 6, 9)),
    ],
)
def test_known_dates(start: D, n: int, expected: D) -> None:
    assert CAL.add_working_days(start, n) == expected


def test_it_refuses_a_negative_number_of_days() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2026, 3, 20), -1)


def test_it_counts_plain_weekdays_outside_the_pack_years() -> None:
    assert CAL.add_working_days(D(2031, 1, 3), 1) == D(2031, 1, 6)  # 2031-01-03 is a Friday
    assert CAL.working_days_between(D(2031, 1, 3), D(2031, 1, 10)) == 5


@pytest.mark.django_db
def test_it_reads_the_loaded_pack_from_the_database(django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        cal = workdays.calendar()
    assert cal.days_off == frozenset(OFF)
    assert workdays.add_working_days(D(2026, 3, 20), 1) == D(2026, 3, 26)
    assert not workdays.is_working_day(D(2026, 3, 24))
    assert workdays.working_days_between(D(2026, 3, 20), D(2026, 3, 31)) == 4


@pytest.mark.django_db
def test_it_honours_a_working_saturday_from_the_database() -> None:
    saturday = D(2026, 2, 14)
    assert not workdays.is_working_day(saturday)
    Holiday.objects.create(date=saturday, kind=Holiday.Kind.WORKING_DAY, name_en="Working Saturday")
    assert workdays.is_working_day(saturday)
    assert workdays.add_working_days(D(2026, 2, 13), 1) == saturday


# The weekdays off in 2026-2028 under the law as the 2026 Constitution left it (Constitution Day
# moved from 30 August to 15 March: 30 August no longer a holiday from 2026, 15 March observed from
# 2027), computed by hand from the holidays law and Labour Code art. 85, with no Government
# transfer decree (none was found for these years: packs/kz/SOURCES.md).
WEEKDAYS_OFF = {
    2026: [
        "01-01",
        "01-02",
        "01-07",
        "03-09",
        "03-23",
        "03-24",
        "03-25",
        "05-01",
        "05-07",
        "05-11",
        "05-27",
        "07-06",
        "10-26",
        "12-16",
    ],
    2027: [
        "01-01",
        "01-04",
        "01-07",
        "03-08",
        "03-15",
        "03-22",
        "03-23",
        "03-24",
        "05-03",
        "05-07",
        "05-10",
        "07-06",
        "10-25",
        "12-16",
    ],
    2028: [
        "01-03",
        "01-04",
        "01-07",
        "03-08",
        "03-15",
        "03-21",
        "03-22",
        "03-23",
        "05-01",
        "05-05",
        "05-08",
        "05-09",
        "07-06",
        "10-25",
        "12-18",
    ],
}


@pytest.mark.parametrize("year", sorted(WEEKDAYS_OFF))
def test_the_weekdays_off_follow_the_2026_constitution(year):
    raw = yaml_load(Path(settings.DOZOR_PACKS_DIR, "kz", "recommendations.yaml").read_text("utf-8"))
    days = holiday_days(raw["holiday_rules"], raw["holiday_years"], raw.get("movable_holidays") or [])
    off = sorted(d.date.strftime("%m-%d") for d in days if d.date.year == year and d.date.weekday() < 5)
    assert off == WEEKDAYS_OFF[year]


def test_monday_31_august_2026_is_a_working_day():
    assert CAL.is_working_day(D(2026, 8, 31))
    assert not CAL.is_working_day(D(2027, 3, 15))


def test_a_holiday_rule_applies_only_in_its_years():
    rule = {
        "code": "x",
        "month": 3,
        "day": 15,
        "from": 2027,
        "until": 2027,
        "name": {"en": "X", "ru": "X", "kk": "X"},
    }
    days = holiday_days([rule], [2026, 2027, 2028], [])
    assert [d.date for d in days] == [D(2027, 3, 15)]
