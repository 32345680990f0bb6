"""Disclosure rules for everything that leaves the NPM (issue 16): the country pack's
``disclosure.yaml`` (``DOZOR_PACKS_DIR``/``DOZOR_COUNTRY_PACK``), read when a document is produced.

Small-number suppression: a count of people below the threshold (and above zero) is never shown
in an outward table, chart, annex or open-data file; it is shown as "fewer than N" (or left empty
in a machine-readable file, with a flag and the rule stated). Zero is shown: it identifies nobody.
Which counts are counts of people, and why counts of the NPM's own work are not suppressed:
docs/decisions/0025-small-numbers-and-minimisation.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

DEFAULT_THRESHOLD = 5


def rules_file() -> Path | None:
    from django.conf import settings

    path = Path(settings.DOZOR_PACKS_DIR) / settings.DOZOR_COUNTRY_PACK / "disclosure.yaml"
    return path if path.exists() else None


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict[str, Any]:
    from dozor.core.yamlio import yaml_load

    data = yaml_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


def rules() -> dict[str, Any]:
    path = rules_file()
    if path is None:
        return {}
    return _load(str(path), path.stat().st_mtime)


def small_number_threshold() -> int:
    """Counts below this (and above zero) are suppressed in outward documents."""
    section = rules().get("small_numbers") or {}
    value = section.get("threshold", DEFAULT_THRESHOLD) if isinstance(section, dict) else DEFAULT_THRESHOLD
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("disclosure.yaml: small_numbers.threshold must be a whole number of at least 1")
    return value


def is_small(count: int | None, threshold: int | None = None) -> bool:
    """True for a count that would single people out (1 .. threshold-1)."""
    if count is None:
        return False
    limit = small_number_threshold() if threshold is None else threshold
    return 0 < count < limit


# --- suppression ------------------------------------------------------------------------------
#
# One helper for every outward table: ``protect`` decides which cells are hidden, ``Cell`` says how
# a hidden cell is shown (documents: "fewer than 5"; machine files: empty value and a flag).
#
# Differencing: a table that shows a total and every category but one lets a reader work out the
# hidden one (total minus the others). ``protect`` therefore hides a second cell (the smallest
# shown non-zero count: "secondary" suppression) whenever exactly one cell is hidden; when there is
# no such cell (only zeros besides it), it hides the total instead. If the hidden cells could still
# be worked out exactly from the total (two small cells summing to 2, or to 8 with a threshold of
# 5; a small and a secondary cell summing to threshold+1), the total is hidden too. Zero is never
# hidden: it identifies nobody and hiding it would not protect the other cells.

SUPPRESSED_FLAG = "suppressed"  # the documented marker of open data (docs/open-data.md)


@dataclass(frozen=True)
class Cell:
    """One count of people as an outward document shows it.

    ``value`` is the exact count when shown and None when hidden; ``secondary`` marks a cell hidden
    only so that a small one next to it cannot be worked out (it is not itself small)."""

    value: int | None
    threshold: int
    secondary: bool = False

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def display(self) -> int | str:
        """For a document: the count, or a translated phrase (in the active language)."""
        if self.value is not None:
            return self.value
        if self.secondary:
            return str(_("not shown"))
        return fewer_than(self.threshold)

    def machine(self) -> int | None:
        """For a machine-readable file: the count as an int (never a locale-formatted text) or None
        (an empty CSV cell, JSON null), with ``SUPPRESSED_FLAG`` in the row's flag column."""
        return self.value

    def __str__(self) -> str:
        return str(self.display())


def fewer_than(threshold: int | None = None) -> str:
    limit = small_number_threshold() if threshold is None else threshold
    return _("fewer than %(threshold)s") % {"threshold": limit}


def shown(count: int | None, threshold: int | None = None) -> int | str | None:
    """A single count for a document: itself, or "fewer than N" when it would single people out.
    For a count that stands alone (no total or sibling next to it); tables use ``protect``."""
    if count is None:
        return None
    limit = small_number_threshold() if threshold is None else threshold
    return fewer_than(limit) if is_small(count, limit) else count


def protect(
    counts: Sequence[int], total: int | None = None, *, threshold: int | None = None
) -> tuple[list[Cell], Cell | None]:
    """The cells of one table row or column of counts of people, and its total (None if the table
    shows none; pass the total the table shows even when it equals ``sum(counts)``).

    Small cells (1 .. threshold-1) are hidden; if exactly one cell is hidden, the smallest other
    non-zero cell is hidden too (or, if there is none, the total); a small total is hidden, and so
    is a total from which a hidden cell could still be worked out exactly (``_pinned``)."""
    limit = small_number_threshold() if threshold is None else threshold
    hidden = {i for i, n in enumerate(counts) if is_small(n, limit)}
    secondary: set[int] = set()
    hide_total = total is not None and is_small(total, limit)
    if len(hidden) == 1 and (total is not None or len(counts) > 1):
        others = [(n, i) for i, n in enumerate(counts) if i not in hidden and n > 0]
        if others:
            secondary.add(min(others)[1])
        else:
            hide_total = total is not None
    if total is not None and not hide_total and _pinned(counts, hidden, secondary, total, limit):
        hide_total = True
    cells = [
        Cell(None if i in hidden or i in secondary else n, limit, secondary=i in secondary)
        for i, n in enumerate(counts)
    ]
    total_cell = None
    if total is not None:
        total_cell = Cell(
            None if hide_total else total, limit, secondary=hide_total and not is_small(total, limit)
        )
    return cells, total_cell


def _pinned(counts: Sequence[int], hidden: set[int], secondary: set[int], total: int, limit: int) -> bool:
    """True when a reader who sees the total and the shown cells could work out a hidden cell
    exactly: the hidden cells sum to ``total - shown``; a small one lies in 1..limit-1 and a
    secondary one ("not shown") in limit..total. E.g. 1 and 5 hidden with a total of 6: the small
    one can only be 1. Then the total is hidden as well."""
    rest = total - sum(n for i, n in enumerate(counts) if i not in hidden and i not in secondary)
    bounds = [(1, limit - 1) for _i in hidden] + [(limit, total) for _i in secondary]
    low, high = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
    # a cell is pinned when the values it can take, given that the others stay within their
    # bounds, narrow to one
    return any(max(lo, rest - (high - hi)) == min(hi, rest - (low - lo)) for lo, hi in bounds)


def machine_fields(name: str, cell: Cell) -> dict[str, int | bool | None]:
    """The two columns a machine-readable file (CSV, JSON) gives a count of people: ``name``, the
    count as a plain number (JSON number; CSV digits, never a locale-formatted "1 234" or "1,5"), or
    empty (CSV) / null (JSON) when hidden; and ``<name>_suppressed``, true when hidden. A zero is a
    real zero: ``0`` with the flag false (docs/open-data.md)."""
    return {name: cell.machine(), f"{name}_{SUPPRESSED_FLAG}": cell.suppressed}


def rule_text(threshold: int | None = None) -> str:
    """The sentence every outward document with counts of people carries (active language)."""
    limit = small_number_threshold() if threshold is None else threshold
    return _(
        "Counts of people below %(threshold)s are not shown (“fewer than %(threshold)s”), to protect the "
        "people concerned; where a hidden count could be worked out from the others, one more count or "
        "the total is not shown either."
    ) % {"threshold": limit}


# --- location precision ---------------------------------------------------------------------------

DEFAULT_LOCATION_REPLACEMENT = "[…]"


@dataclass(frozen=True)
class LocationRule:
    """A pattern that finds a location more exact than an outward document may carry (a cell or
    room number) and the marker that replaces it; what the pattern leaves (the block) stays."""

    pattern: re.Pattern[str]
    replacement: str


def location_rules() -> list[LocationRule]:
    """``location_precision.rules`` of the pack (each: ``pattern``, a Python regular expression
    matched case-insensitively, and an optional ``replacement``). Raises ValueError, naming the
    rule, for a rule that is not a mapping, lacks a pattern, does not compile or has a marker
    longer than 60 characters."""
    section = rules().get("location_precision") or {}
    if not isinstance(section, dict):
        raise ValueError("disclosure.yaml: location_precision must be a mapping")
    found: list[LocationRule] = []
    for number, rule in enumerate(section.get("rules") or [], 1):
        if not isinstance(rule, dict) or not isinstance(rule.get("pattern"), str) or not rule["pattern"]:
            raise ValueError(f"disclosure.yaml: location_precision rule {number} needs a pattern")
        replacement = rule.get("replacement", DEFAULT_LOCATION_REPLACEMENT)
        if not isinstance(replacement, str) or len(replacement) > 60:
            raise ValueError(
                f"disclosure.yaml: location_precision rule {number}: replacement of at most 60 characters"
            )
        try:
            compiled = re.compile(rule["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"disclosure.yaml: location_precision rule {number}: {exc}") from exc
        found.append(LocationRule(pattern=compiled, replacement=replacement or DEFAULT_LOCATION_REPLACEMENT))
    return found


def exact_locations(text: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) of every exact location in ``text`` by the pack's rules, sorted
    and without overlaps (an earlier or longer match wins)."""
    spans = sorted(
        (
            (m.start(), m.end(), rule.replacement)
            for rule in location_rules()
            for m in rule.pattern.finditer(text)
        ),
        key=lambda s: (s[0], -s[1]),
    )
    out: list[tuple[int, int, str]] = []
    for start, end, replacement in spans:
        if end > start and (not out or start >= out[-1][1]):
            out.append((start, end, replacement))
    return out
