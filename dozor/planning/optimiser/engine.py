"""The planning problem as plain data, and the visiting-group rules over it.

Everything here is free of the database, so that the optimiser, the greedy baseline and the
property-based tests work on the same small, fast values. ``dozor/planning/optimiser/instance.py`` builds these
values from the database in a bounded number of queries.

A group obeys the rules (pack data, ``PlanningRules``) when:
- it has between ``min_size`` and ``max_size`` members and exactly one leader;
- every member is an eligible NPM participant whose term covers the visit's days, is available on
  them, holds no conflict of interest with the place or its authority (or a parent authority), and
  holds the training competencies the facility type requires on the visit's days (every member, or
  at least one member, by ``competency_scope``);
- for each expertise requirement of the facility type, a member has one of its expertise;
- a woman is in the group when the place holds a population category that requires one;
- for each required language, a member speaks it;
- no member is on another visit on overlapping days, and nobody exceeds their yearly visit count.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

Window = tuple[datetime.date, datetime.date]  # first and last day, inclusive


def overlaps(a: Window, b: Window) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def covers(outer: Window, inner: Window) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


@dataclass(frozen=True)
class Rules:
    min_size: int = 3
    max_size: int = 5
    competency_scope: str = "every_member"  # or "at_least_one"
    languages: frozenset[str] = frozenset()
    visits_per_participant: int = 12
    reserve_share: float = 0.15
    min_visits_per_region: int = 1
    visit_days: int = 1


@dataclass(frozen=True)
class PersonInfo:
    id: int
    name: str
    female: bool
    region: str | None
    expertise: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    eligible: bool = True  # declarations answered, none excluding
    terms: tuple[Window, ...] = ()  # active participation terms
    competencies: tuple[tuple[str, datetime.date, datetime.date], ...] = ()  # (code, first, last day)
    unavailable: tuple[Window, ...] = ()
    conflict_facilities: frozenset[int] = frozenset()
    conflict_paths: tuple[str, ...] = ()  # authority paths ("/MVD/KUIS/") the person must not visit

    def participates(self, window: Window) -> bool:
        return any(covers(term, window) for term in self.terms)

    def holds(self, code: str, window: Window) -> bool:
        return any(
            c == code and first <= window[0] and window[1] <= last for c, first, last in self.competencies
        )

    def available(self, window: Window) -> bool:
        return not any(overlaps(window, off) for off in self.unavailable)

    def conflicted(self, place: PlaceInfo) -> bool:
        if place.id in self.conflict_facilities:
            return True
        return any(place.authority_path.startswith(path) for path in self.conflict_paths)


@dataclass(frozen=True)
class PlaceInfo:
    id: int
    name: str
    region: str
    type_code: str
    authority_path: str
    risk: float = 0.0
    needs_woman: bool = False
    expertise_any: tuple[tuple[str, frozenset[str]], ...] = ()  # (requirement name, any of these codes)
    competencies: frozenset[str] = frozenset()
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Member:
    person: PersonInfo
    role: str = "member"  # leader, member, expert, interpreter


@dataclass
class Busy:
    """Who is already on which visit (other planned visits), to refuse double booking."""

    windows: dict[int, list[tuple[Window, str]]] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)

    def add(self, person_id: int, window: Window, label: str) -> None:
        self.windows.setdefault(person_id, []).append((window, label))
        self.counts[person_id] = self.counts.get(person_id, 0) + 1

    def clash(self, person_id: int, window: Window) -> str | None:
        for other, label in self.windows.get(person_id, []):
            if overlaps(other, window):
                return label
        return None


def person_problems(person: PersonInfo, place: PlaceInfo, window: Window, rules: Rules) -> list[str]:
    """Why ``person`` may not be in the group visiting ``place`` on ``window`` (empty = may)."""
    problems: list[str] = []
    if not person.eligible:
        problems.append(
            _("%(name)s is not eligible to take part (eligibility declarations)") % {"name": person.name}
        )
    if not person.participates(window):
        problems.append(_("%(name)s is not an active NPM participant on these dates") % {"name": person.name})
    if not person.available(window):
        problems.append(_("%(name)s is unavailable on these dates") % {"name": person.name})
    if person.conflicted(place):
        problems.append(
            _("%(name)s has a conflict of interest with %(place)s")
            % {"name": person.name, "place": place.name}
        )
    if rules.competency_scope == "every_member":
        for code in sorted(place.competencies):
            if not person.holds(code, window):
                problems.append(
                    _("%(name)s does not hold the training competency '%(competency)s' on these dates")
                    % {"name": person.name, "competency": code}
                )
    return problems


def group_problems(
    place: PlaceInfo,
    members: Sequence[Member],
    window: Window,
    rules: Rules,
    busy: Busy | None = None,
) -> list[str]:
    """Every rule the group breaks, as translated sentences; an empty list means it obeys them all."""
    problems: list[str] = []
    people = [m.person for m in members]
    if len({p.id for p in people}) != len(people):
        problems.append(_("a person is in the group twice"))
    if not rules.min_size <= len(people) <= rules.max_size:
        problems.append(
            _("a visiting group has %(min)s to %(max)s members; this one has %(n)s")
            % {"min": rules.min_size, "max": rules.max_size, "n": len(people)}
        )
    leaders = sum(1 for m in members if m.role == "leader")
    if leaders != 1:
        problems.append(_("a visiting group has exactly one leader; this one has %(n)s") % {"n": leaders})
    for person in people:
        problems.extend(person_problems(person, place, window, rules))
    if rules.competency_scope == "at_least_one":
        for code in sorted(place.competencies):
            if not any(p.holds(code, window) for p in people):
                problems.append(
                    _(
                        "nobody in the group holds the training competency '%(competency)s' required for this place"
                    )
                    % {"competency": code}
                )
    for name, codes in place.expertise_any:
        if not any(p.expertise & codes for p in people):
            problems.append(_("the group needs: %(requirement)s") % {"requirement": name})
    if place.needs_woman and not any(p.female for p in people):
        problems.append(_("the place holds women: the group needs a woman"))
    for language in sorted(rules.languages):
        if not any(language in p.languages for p in people):
            problems.append(
                _("nobody in the group speaks the language '%(language)s'") % {"language": language}
            )
    if busy is not None:
        for person in people:
            label = busy.clash(person.id, window)
            if label:
                problems.append(
                    _("%(name)s is already on another visit on these dates (%(other)s)")
                    % {"name": person.name, "other": label}
                )
            if busy.counts.get(person.id, 0) + 1 > rules.visits_per_participant:
                problems.append(
                    _("%(name)s would have more than %(n)s visits in the year")
                    % {"name": person.name, "n": rules.visits_per_participant}
                )
    return problems


def may_join(person: PersonInfo, place: PlaceInfo, period: Window, rules: Rules) -> bool:
    """Whether the person could be in a group for ``place`` on *some* day of ``period``: eligible,
    not in conflict, a participant for part of it, and holding the competencies for part of it.
    Used to narrow candidates; the exact day is checked by ``group_problems``."""
    if not person.eligible or person.conflicted(place):
        return False
    if not any(overlaps(term, period) for term in person.terms):
        return False
    if rules.competency_scope == "every_member":
        for code in place.competencies:
            if not any(
                c == code and overlaps((first, last), period) for c, first, last in person.competencies
            ):
                return False
    return True


def missing_requirements(place: PlaceInfo, people: Iterable[PersonInfo], rules: Rules) -> list[str]:
    """Requirements of ``place`` that no one among ``people`` can meet (to explain infeasibility)."""
    people = list(people)
    missing: list[str] = []
    if len(people) < rules.min_size:
        missing.append(
            _("only %(n)s eligible participants may visit it (at least %(min)s are needed)")
            % {"n": len(people), "min": rules.min_size}
        )
    for name, codes in place.expertise_any:
        if not any(p.expertise & codes for p in people):
            missing.append(_("no eligible participant meets: %(requirement)s") % {"requirement": name})
    if place.needs_woman and not any(p.female for p in people):
        missing.append(_("no eligible woman participant"))
    for language in sorted(rules.languages):
        if not any(language in p.languages for p in people):
            missing.append(_("no eligible participant speaks '%(language)s'") % {"language": language})
    if rules.competency_scope == "at_least_one":
        for code in sorted(place.competencies):
            if not any(any(c == code for c, _f, _l in p.competencies) for p in people):
                missing.append(_("no eligible participant holds '%(competency)s'") % {"competency": code})
    return missing
