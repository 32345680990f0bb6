"""Arithmetic on calendar dates shared by the apps (plain ``datetime.date``: no time zones)."""

from __future__ import annotations

import calendar
import datetime


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later (earlier when negative); 28 February when the day is a
    29 February and the target year has none. Validity periods and visiting intervals use it."""
    year = day.year + years
    return datetime.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))
