"""Small-number suppression (dozor/core/disclosure.py; docs/decisions/0025-small-numbers-and-minimisation.md):
the threshold is pack data, small counts are hidden, zero is shown, and a hidden count cannot be
worked out from a shown total and the other counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from dozor.core import disclosure


@pytest.fixture
def pack_with_threshold(tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    """A temporary pack folder whose disclosure.yaml sets the threshold (the argument)."""

    def make(value: object) -> Path:
        pack = tmp_path / "xx"
        pack.mkdir(exist_ok=True)
        (pack / "disclosure.yaml").write_text(f"small_numbers:\n  threshold: {value}\n", encoding="utf-8")
        settings.DOZOR_PACKS_DIR = tmp_path
        settings.DOZOR_COUNTRY_PACK = "xx"
        return pack

    return make


def test_the_shipped_pack_sets_five() -> None:
    assert disclosure.small_number_threshold() == 5


def test_the_threshold_is_read_from_the_pack(pack_with_threshold) -> None:  # type: ignore[no-untyped-def]
    pack_with_threshold(10)
    assert disclosure.small_number_threshold() == 10
    assert disclosure.is_small(9) and not disclosure.is_small(10)
    assert disclosure.shown(7) == "fewer than 10"
    assert "below 10" in disclosure.rule_text()


@pytest.mark.parametrize("value", ["0", "-1", "true", "'five'", "2.5"])
def test_a_bad_threshold_is_refused(pack_with_threshold, value: str) -> None:  # type: ignore[no-untyped-def]
    pack_with_threshold(value)
    with pytest.raises(ValueError, match="threshold"):
        disclosure.small_number_threshold()


def test_without_a_rules_file_the_default_applies(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_PACKS_DIR = tmp_path
    assert disclosure.small_number_threshold() == disclosure.DEFAULT_THRESHOLD == 5


def test_zero_and_large_counts_are_shown_small_ones_are_not() -> None:
    assert [disclosure.shown(n) for n in (0, 1, 4, 5, 120)] == [0, "fewer than 5", "fewer than 5", 5, 120]
    assert disclosure.shown(None) is None


def test_one_hidden_count_hides_the_smallest_other_one() -> None:
    cells, total = disclosure.protect([97, 12, 3, 0], 112, threshold=5)
    assert [c.display() for c in cells] == [97, "not shown", "fewer than 5", 0]
    assert total is not None and total.display() == 112
    assert [c.machine() for c in cells] == [97, None, None, 0]
    assert cells[1].secondary and not cells[2].secondary


def test_a_lone_small_count_hides_the_total() -> None:
    cells, total = disclosure.protect([0, 3, 0], 3, threshold=5)
    assert [c.display() for c in cells] == [0, "fewer than 5", 0]
    assert total is not None and total.suppressed


def test_two_small_counts_need_no_second_suppression() -> None:
    cells, total = disclosure.protect([40, 2, 3], 45, threshold=5)
    assert [c.display() for c in cells] == [40, "fewer than 5", "fewer than 5"]
    assert total is not None and total.display() == 45


def test_the_words_are_translated() -> None:
    # The phrase goes through gettext in the active language (translations: locale/ru, locale/kk).
    with translation.override("en"):
        assert disclosure.fewer_than(5) == "fewer than 5"
        assert disclosure.rule_text(5).startswith("Counts of people below 5 are not shown")


def worked_out(cells: list[disclosure.Cell], total: int, threshold: int) -> bool:
    """Independently of ``protect``: could a reader who knows the rule, the shown cells and the total
    work out one hidden cell exactly? Each hidden cell's possible values ("fewer than N": 1..N-1;
    "not shown": N..total) are combined by enumerating the sums the other hidden cells can reach."""
    rest = total - sum(c.value for c in cells if c.value is not None)
    ranges = [
        range(threshold, total + 1) if c.secondary else range(1, threshold) for c in cells if c.suppressed
    ]
    for i, own in enumerate(ranges):
        sums = {0}
        for j, other in enumerate(ranges):
            if j != i:
                sums = {a + b for a in sums for b in other if a + b <= rest}
        possible = [v for v in own if rest - v in sums]
        if len(possible) == 1:
            return True
    return False


@pytest.mark.parametrize(
    ("counts", "total"),
    [([1, 1, 40], 42), ([4, 4, 40], 48), ([1, 5], 6), ([1, 0, 7, 5], 13)],
)
def test_a_total_that_would_give_a_hidden_count_away_is_hidden(counts: list[int], total: int) -> None:
    cells, total_cell = disclosure.protect(counts, total, threshold=5)
    assert total_cell is not None and total_cell.suppressed
    assert not any(c.value is not None and 0 < c.value < 5 for c in cells)


def test_a_total_that_gives_nothing_away_is_shown() -> None:
    cells, total_cell = disclosure.protect([2, 3, 40], 45, threshold=5)
    assert total_cell is not None and total_cell.value == 45
    assert not worked_out(cells, 45, 5)


@settings(max_examples=300, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6),
    threshold=st.integers(min_value=1, max_value=12),
    with_total=st.booleans(),
)
def test_no_small_count_is_shown_and_none_can_be_worked_out(
    counts: list[int], threshold: int, with_total: bool
) -> None:
    total = sum(counts) if with_total else None
    cells, total_cell = disclosure.protect(counts, total, threshold=threshold)
    shown = [c.value for c in cells if c.value is not None]
    assert not any(0 < n < threshold for n in shown)
    assert all(c.value == n for c, n in zip(cells, counts, strict=True) if not c.suppressed)
    assert all(c.value == 0 for c, n in zip(cells, counts, strict=True) if n == 0)  # zero stays zero
    if total_cell is not None and not total_cell.suppressed:
        assert not 0 < total_cell.value < threshold  # type: ignore[operator]
        hidden = [n for c, n in zip(cells, counts, strict=True) if c.suppressed]
        # total minus the shown counts gives only the sum of the hidden ones: never a single small count
        assert len(hidden) != 1
        assert not worked_out(cells, total_cell.value, threshold)  # type: ignore[arg-type]
    for cell in cells:
        text = str(cell)
        assert text.isdigit() or text in {f"fewer than {threshold}", "not shown"}


def test_machine_files_get_an_empty_value_and_a_flag() -> None:
    cells, _total = disclosure.protect([0, 3, 1234], threshold=5)
    rows = [disclosure.machine_fields("population", cell) for cell in cells]
    assert rows == [
        {"population": 0, "population_suppressed": False},
        {"population": None, "population_suppressed": True},
        {"population": None, "population_suppressed": True},  # secondary: a total elsewhere would give 3 away
    ]
    with translation.override("ru"):
        assert disclosure.machine_fields("n", disclosure.Cell(1234, 5)) == {"n": 1234, "n_suppressed": False}
