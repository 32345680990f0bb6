"""An independent validator of proposed visit plans (``dozor.planning.optimiser.solver.Solution``).

Every hard rule is re-implemented here from the specification, on purpose without calling
``dozor.planning.optimiser.engine``'s rule functions (``group_problems``, ``person_problems``, ``may_join``,
``missing_requirements``, ``PersonInfo.holds`` ...) or anything in ``dozor.planning.optimiser.solver`` but its
dataclasses: a bug in the engine must not hide the same bug in the optimiser's plans.

``validate(inst, solution)`` returns every violation as a readable string ``"<code>: <detail>"``
(an empty list means the plan is valid); ``codes(violations)`` gives the set of codes, which the
tests compare. Codes, by rule:

1. ``window`` - a visit's window lies outside the period or has the wrong number of days;
2. ``unknown_place``, ``duplicate_place``, ``locked`` - a place visited twice, a locked visit
   missing or changed, or a visit marked locked that is not one of the instance's;
3. ``size``, ``duplicate_person``, ``leader``, ``role``, ``unknown_person`` - the group's shape;
4. ``eligible``, ``term``, ``unavailable``, ``conflict`` - a member may not go;
5. ``competency`` - a training competency not held for the whole window;
6. ``expertise``, ``woman``, ``language`` - the group lacks a requirement of the place or rules;
7. ``overlap``, ``count`` - a person double-booked or over their yearly visit count;
8. ``cost``, ``risk``, ``budget``, ``total_cost``, ``total_risk`` - the money and the objective;
9. ``coverage``, ``unplaceable`` - regional coverage (only with ``check_coverage=True``) and a place
   said to be unplaceable yet visited;
10. ``bound``, ``gap``, ``method``, ``status`` - the CP-SAT solution's proven bound and gap.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence

from dozor.planning.optimiser.engine import PersonInfo, PlaceInfo, Rules
from dozor.planning.optimiser.solver import Instance, ProposedVisit, Solution

EPS = 1e-6
ROLES = frozenset({"leader", "member", "expert", "interpreter"})
METHODS = frozenset({"cp_sat", "greedy"})
STATUSES = frozenset({"optimal", "feasible"})

Span = tuple[datetime.date, datetime.date]


# --- date helpers (inclusive windows), written out here rather than taken from the engine --------


def _overlap(a: Span, b: Span) -> bool:
    return not (a[1] < b[0] or b[1] < a[0])


def _within(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _label(visit: ProposedVisit) -> str:
    start, end = visit.window
    locked = ", locked" if visit.locked else ""
    return f"visit to place {visit.place_id} on {start.isoformat()}..{end.isoformat()}{locked}"


def _members_key(members: Iterable[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
    return tuple(sorted(members))


# --- rules on one person and one group -------------------------------------------------------------


def member_violations(person: PersonInfo, place: PlaceInfo, window: Span, rules: Rules) -> list[str]:
    """Rule 4, and rule 5 for ``every_member``: why ``person`` may not visit ``place`` on ``window``."""
    out: list[str] = []
    who = f"person {person.id} ({person.name})"
    if person.eligible is not True:
        out.append(f"eligible: {who} is not eligible")
    if not any(_within(window, term) for term in person.terms):
        out.append(f"term: no participation term of {who} covers {window[0]}..{window[1]}")
    for off in person.unavailable:
        if _overlap(window, off):
            out.append(f"unavailable: {who} is unavailable on {off[0]}..{off[1]}")
    if place.id in person.conflict_facilities:
        out.append(f"conflict: {who} has a conflict of interest with place {place.id}")
    for path in person.conflict_paths:
        if place.authority_path.startswith(path):
            out.append(
                f"conflict: {who} has a conflict of interest with authority {path} "
                f"(place {place.id} is under {place.authority_path})"
            )
    if rules.competency_scope == "every_member":
        for code in sorted(place.competencies):
            if not _holds(person, code, window):
                out.append(f"competency: {who} does not hold '{code}' for the whole window")
    return out


def _holds(person: PersonInfo, code: str, window: Span) -> bool:
    for held, first, last in person.competencies:
        if held == code and first <= window[0] and window[1] <= last:
            return True
    return False


def group_violations(
    place: PlaceInfo,
    members: Sequence[tuple[int, str]],
    window: Span,
    rules: Rules,
    people: dict[int, PersonInfo],
) -> list[str]:
    """Rules 3 to 6 for one visiting group (members as ``(person id, role)``)."""
    out: list[str] = []
    ids = [pid for pid, _role in members]
    if len(set(ids)) != len(ids):
        out.append(f"duplicate_person: someone is in the group twice ({sorted(ids)})")
    if not rules.min_size <= len(ids) <= rules.max_size:
        out.append(f"size: the group has {len(ids)} members, not {rules.min_size}..{rules.max_size}")
    leaders = [pid for pid, role in members if role == "leader"]
    if len(leaders) != 1:
        out.append(f"leader: the group has {len(leaders)} leaders, not exactly one")
    for pid, role in members:
        if role not in ROLES:
            out.append(f"role: person {pid} has the unknown role {role!r}")
    known: list[PersonInfo] = []
    for pid in dict.fromkeys(ids):
        person = people.get(pid)
        if person is None:
            out.append(f"unknown_person: person {pid} is not in the instance")
            continue
        if person.id != pid:
            out.append(f"unknown_person: people[{pid}] has the id {person.id}")
        known.append(person)
        out.extend(member_violations(person, place, window, rules))
    if rules.competency_scope == "at_least_one":
        for code in sorted(place.competencies):
            if not any(_holds(p, code, window) for p in known):
                out.append(f"competency: nobody in the group holds '{code}' for the whole window")
    elif rules.competency_scope != "every_member":
        out.append(f"competency: unknown competency scope {rules.competency_scope!r}")
    for name, codes_ in place.expertise_any:
        if not any(p.expertise & codes_ for p in known):
            out.append(f"expertise: nobody in the group meets '{name}' (any of {sorted(codes_)})")
    if place.needs_woman and not any(p.female is True for p in known):
        out.append("woman: the place needs a woman in the group; there is none")
    for language in sorted(rules.languages):
        if not any(language in p.languages for p in known):
            out.append(f"language: nobody in the group speaks '{language}'")
    return out


def visit_cost(inst: Instance, place_id: int, members: Iterable[tuple[int, str]]) -> int:
    """Rule 8: the place's fixed cost plus each member's cost there (KeyError if not priced)."""
    return inst.fixed_cost[place_id] + sum(inst.member_cost[(place_id, pid)] for pid, _role in members)


# --- the whole plan ---------------------------------------------------------------------------------


def validate(
    inst: Instance, s: Solution, *, check_coverage: bool = False, strict_optimal: bool = False
) -> list[str]:
    """Every hard rule ``s`` breaks for ``inst``, as readable ``"code: detail"`` strings.

    ``check_coverage``: also rule 9 (regional coverage; for CP-SAT, not the greedy baseline).
    ``strict_optimal``: also require that a solution with status "optimal" covers its bound (the
    optimiser reports "optimal" over its candidate groups, with a bound over all plans)."""
    out: list[str] = []
    rules = inst.rules
    one_day = datetime.timedelta(days=1)

    if s.method not in METHODS:
        out.append(f"method: unknown method {s.method!r}")
    if s.status not in STATUSES:
        out.append(f"status: unknown status {s.status!r}")

    # rule 2: locked visits are all there, unchanged; nothing else claims to be locked
    locked_keys = {(v.place_id, v.window, _members_key(v.members), v.cost): v for v in inst.locked}
    found_locked: set[tuple[object, ...]] = set()
    for v in s.visits:
        key = (v.place_id, v.window, _members_key(v.members), v.cost)
        if key in locked_keys:
            if not v.locked:
                out.append(f"locked: {_label(v)} is one of the locked visits but is not marked locked")
            if key in found_locked:
                out.append(f"locked: {_label(v)} appears twice")
            found_locked.add(key)
        elif v.locked:
            out.append(f"locked: {_label(v)} is marked locked but is not among the locked visits as given")
    for key, v in locked_keys.items():
        if key not in found_locked:
            out.append(f"locked: the locked {_label(v)} is missing or changed")

    seen_places: set[int] = set()
    busy: dict[int, list[tuple[Span, ProposedVisit]]] = defaultdict(list)
    total_cost = 0
    total_risk = 0.0
    for v in s.visits:
        label = _label(v)
        window = v.window
        place = inst.places.get(v.place_id)
        if place is None:
            out.append(f"unknown_place: {label}: place {v.place_id} is not in the instance")
        elif place.id != v.place_id:
            out.append(f"unknown_place: {label}: places[{v.place_id}] has the id {place.id}")
        if v.place_id in seen_places:
            out.append(f"duplicate_place: {label}: place {v.place_id} is visited more than once")
        seen_places.add(v.place_id)

        # rule 1 (a locked visit's window is taken as given, but must still be a window)
        if window[1] < window[0]:
            out.append(f"window: {label}: the window ends before it starts")
        if not v.locked:
            if not _within(window, inst.period):
                out.append(f"window: {label}: outside the period {inst.period[0]}..{inst.period[1]}")
            if window[1] - window[0] != (rules.visit_days - 1) * one_day:
                days = (window[1] - window[0]).days + 1
                out.append(f"window: {label}: lasts {days} days, not {rules.visit_days}")

        # rules 3-6
        if place is not None:
            for msg in group_violations(place, v.members, window, rules, inst.people):
                code, detail = msg.split(": ", 1)
                out.append(f"{code}: {label}: {detail}")

        # rule 8, per visit
        if not v.locked:
            try:
                expected = visit_cost(inst, v.place_id, v.members)
            except KeyError as missing:
                out.append(f"cost: {label}: no cost for {missing}")
            else:
                if v.cost != expected:
                    out.append(f"cost: {label}: costs {v.cost}, the instance's costs add up to {expected}")
        if v.cost < 0:
            out.append(f"cost: {label}: negative cost {v.cost}")
        if place is not None and abs(v.risk - place.risk) > EPS:
            out.append(f"risk: {label}: risk {v.risk}, the place's risk is {place.risk}")
        total_cost += v.cost
        total_risk += place.risk if place is not None else v.risk

        for pid in dict.fromkeys(pid for pid, _role in v.members):
            busy[pid].append((window, v))

    # rule 7
    for pid, visits in sorted(busy.items()):
        for i, (w1, v1) in enumerate(visits):
            for w2, v2 in visits[i + 1 :]:
                if _overlap(w1, w2):
                    out.append(f"overlap: person {pid} is on both {_label(v1)} and {_label(v2)}")
        if len(visits) > rules.visits_per_participant:
            out.append(
                f"count: person {pid} is on {len(visits)} visits, more than {rules.visits_per_participant}"
            )

    # rule 8, totals
    if total_cost > inst.spendable:
        out.append(f"budget: the visits cost {total_cost}, more than the spendable {inst.spendable}")
    if s.cost != total_cost:
        out.append(f"total_cost: the solution says {s.cost}, its visits cost {total_cost}")
    if abs(s.risk_covered - total_risk) > EPS:
        out.append(
            f"total_risk: the solution says {s.risk_covered}, its places' risk adds up to {total_risk}"
        )

    # a place said to be unplaceable cannot be visited
    for pid in sorted(set(s.unplaceable) & seen_places):
        out.append(f"unplaceable: place {pid} is said to be unplaceable but is visited")
    for pid, reasons in sorted(s.unplaceable.items()):
        if pid not in inst.places:
            out.append(f"unplaceable: place {pid} is not in the instance")
        if not reasons:
            out.append(f"unplaceable: place {pid} is unplaceable without a reason")

    # rule 9
    if check_coverage:
        out.extend(coverage_violations(inst, s))

    # rule 10
    out.extend(bound_violations(s, strict_optimal=strict_optimal))
    return out


def region_visits(inst: Instance, visits: Iterable[ProposedVisit]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for v in visits:
        place = inst.places.get(v.place_id)
        if place is not None:
            counts[place.region] += 1
    return counts


def coverage_violations(inst: Instance, s: Solution, *, excuse_unplaceable: bool = True) -> list[str]:
    """Rule 9 (checkable form): each region with at least ``min_visits_per_region`` places has that
    many visits, unless (``excuse_unplaceable``) every place of the region is listed unplaceable."""
    need = inst.rules.min_visits_per_region
    if need <= 0:
        return []
    by_region: dict[str, list[int]] = defaultdict(list)
    for place in inst.places.values():
        by_region[place.region].append(place.id)
    visited = region_visits(inst, s.visits)
    out: list[str] = []
    for region, ids in sorted(by_region.items()):
        if len(ids) < need or visited[region] >= need:
            continue
        if excuse_unplaceable and all(pid in s.unplaceable for pid in ids):
            continue
        out.append(
            f"coverage: region {region} has {visited[region]} visits, fewer than {need}, "
            f"and not all of its places are unplaceable"
        )
    return out


def bound_violations(s: Solution, *, strict_optimal: bool = False) -> list[str]:
    """Rule 10: CP-SAT reports a proven bound no lower than what it covers, and the matching gap."""
    out: list[str] = []
    if s.method == "cp_sat" and s.bound is None:
        out.append("bound: the CP-SAT solution has no bound")
    if s.bound is not None:
        if s.bound + EPS < s.risk_covered:
            out.append(f"bound: the bound {s.bound} is below the risk covered {s.risk_covered}")
        if s.bound > EPS:
            expected = (s.bound - s.risk_covered) / s.bound
            if s.gap is None or abs(s.gap - expected) > EPS:
                out.append(f"gap: the gap is {s.gap}, (bound - risk) / bound is {expected}")
        if (
            strict_optimal
            and s.status == "optimal"
            and s.bound - s.risk_covered > EPS * max(1.0, abs(s.bound))
        ):
            out.append(f"bound: status optimal but the bound {s.bound} exceeds the risk {s.risk_covered}")
    return out


def codes(violations: Iterable[str]) -> set[str]:
    """The codes (``"size"``, ``"leader"`` ...) of ``validate``'s violations."""
    return {v.split(":", 1)[0] for v in violations}
