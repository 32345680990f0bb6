"""Retention periods as pack data: ``packs/<pack>/retention.yaml``, read at each run of
``dozor purge`` (the purge itself: ``dozor.visits.retention``). Each rule names how many years a
kind of record is kept after which event, what holds it longer, and whether the period comes from
law or from the NPM's own decision (docs/decisions/0022-encryption-at-rest-and-retention.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

KINDS = ("interview_notes", "evidence_files", "eligibility_declarations")
AFTER = {
    "interview_notes": "report_sent",
    "evidence_files": "report_sent",
    "eligibility_declarations": "participation_end",
}
HOLDS = {"interview_notes": {"at_risk"}, "evidence_files": {"possible_ill_treatment"}}
AUDIT_OBJECT_TYPE = "core.retention"


class RetentionError(ValueError):
    """retention.yaml is missing a rule or holds a value that cannot be used."""


@dataclass(frozen=True)
class Rule:
    kind: str
    years: int
    after: str
    hold: tuple[str, ...]
    basis: str
    source: str

    def cutoff(self, today: datetime.date) -> datetime.date:
        """Events on or before this date are past the period on ``today``."""
        try:
            return today.replace(year=today.year - self.years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - self.years, day=28)


@dataclass
class KindResult:
    ids: list[int] = field(default_factory=list)
    held: int = 0


@dataclass
class PurgeReport:
    today: datetime.date
    dry_run: bool
    kinds: dict[str, KindResult] = field(default_factory=dict)

    def total(self) -> int:
        return sum(len(result.ids) for result in self.kinds.values())


def rules_file() -> Path | None:
    from django.conf import settings

    path = Path(settings.DOZOR_PACKS_DIR) / settings.DOZOR_COUNTRY_PACK / "retention.yaml"
    return path if path.exists() else None


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict[str, Any]:
    from dozor.core.yamlio import yaml_load

    data = yaml_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise RetentionError(f"{path}: expected a mapping")
    return data


def retention_rules() -> dict[str, Rule]:
    """Every purge rule of the pack, checked; RetentionError names the first problem. Without a
    retention.yaml nothing is purged (an empty mapping)."""
    path = rules_file()
    if path is None:
        return {}
    section = _load(str(path), path.stat().st_mtime).get("purge") or {}
    if not isinstance(section, dict):
        raise RetentionError("retention.yaml: purge must be a mapping of kinds")
    rules: dict[str, Rule] = {}
    for kind, raw in section.items():
        if kind not in KINDS:
            raise RetentionError(f"retention.yaml: unknown kind {kind!r} (known: {', '.join(KINDS)})")
        if not isinstance(raw, dict):
            raise RetentionError(f"retention.yaml: {kind} must be a mapping")
        years = raw.get("years")
        if isinstance(years, bool) or not isinstance(years, int) or years < 1:
            raise RetentionError(f"retention.yaml: {kind}.years must be a whole number of at least 1")
        if raw.get("after") != AFTER[kind]:
            raise RetentionError(f"retention.yaml: {kind}.after must be {AFTER[kind]}")
        hold = tuple(raw.get("hold") or ())
        unknown = sorted(set(hold) - HOLDS.get(kind, set()))
        if unknown:
            raise RetentionError(f"retention.yaml: {kind}.hold: unknown condition {', '.join(unknown)}")
        basis = raw.get("basis")
        if basis not in ("law", "policy") or not str(raw.get("source") or "").strip():
            raise RetentionError(f"retention.yaml: {kind} needs basis (law or policy) and its source")
        rules[kind] = Rule(kind, years, AFTER[kind], hold, str(basis), str(raw["source"]))
    return rules
