"""Disclosure rules for everything that leaves the NPM (issue 16): the country pack's
``disclosure.yaml`` (``DOZOR_PACKS_DIR``/``DOZOR_COUNTRY_PACK``), read when a document is produced.

Small-number suppression: a count of people below the threshold (and above zero) is never shown
in an outward table, chart, annex or open-data file; it is shown as "fewer than N" (or left empty
in a machine-readable file, with the rule stated). Zero is shown: it identifies nobody.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

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
