"""Date arithmetic shared by the apps (dozor.core.dates)."""

from __future__ import annotations

import datetime

import pytest

from dozor.core.dates import add_years

D = datetime.date


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (D(2025, 3, 31), 3, D(2028, 3, 31)),
        (D(2024, 2, 29), 1, D(2025, 2, 28)),  # no 29 February in 2025
        (D(2024, 2, 29), 4, D(2028, 2, 29)),
        (D(2024, 2, 29), -1, D(2023, 2, 28)),
        (D(2026, 12, 31), 0, D(2026, 12, 31)),
        (D(2026, 6, 15), -5, D(2021, 6, 15)),
    ],
)
def test_it_adds_calendar_years(day: D, years: int, expected: D) -> None:
    assert add_years(day, years) == expected
