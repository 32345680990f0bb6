"""Propose a visit plan: choose places and form their visiting groups so as to cover the most risk
within the budget, obeying every group rule - with OR-Tools CP-SAT, and a greedy baseline
("highest risk first, cheapest group") to compare with.

The problem is plain data (``Instance``), built from the database by ``dozor.planning.optimiser.proposals``.

Model (``solve``): a yes/no variable per place (visit it) and per (place, candidate person) pair
(that person is in its group). Candidates are the participants who may join the place's group at
some time of the plan (eligible, no conflict of interest, a participant and holding the required
competencies for part of the period): those of the place's region, plus - when the region's own
cannot meet a requirement - the cheapest from other regions who can. Constraints: group size,
each expertise requirement, a woman where needed, each language, competencies (at least one
member, when the rules say so), each person's yearly visit count, the spendable budget (the budget
less the reserve, less the locked visits' cost), and the minimum number of visits per region.
Objective: the sum of the chosen places' risk scores. The greedy solution is given to CP-SAT as a
hint, so the optimiser never proposes less than the baseline.

Dates are then given visit by visit (``_schedule``): the first working day, from a spread start
point, on which every member is a participant, available, competent and not on another visit. A
group with no such day is replaced by another group for the place that has one; regions are then
brought back to their minimum, so every proposal obeys every rule.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from ortools.sat.python import cp_model

from dozor.planning.optimiser.engine import (
    PersonInfo,
    PlaceInfo,
    Rules,
    Window,
    may_join,
    missing_requirements,
)

ROLE_LEADER = "leader"
ROLE_MEMBER = "member"
EXTRA_CANDIDATES = 6  # people from other regions added per missing requirement


class Infeasible(Exception):
    """The rules cannot all be met; ``reasons`` says which (translated sentences)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class ProposedVisit:
    place_id: int
    window: Window
    members: tuple[tuple[int, str], ...]  # (person id, role); exactly one "leader"
    cost: int  # tenge: the place's fixed cost + each member's cost
    risk: float
    locked: bool = False  # a coordinator's visit kept as it is


@dataclass
class Instance:
    places: dict[int, PlaceInfo]
    people: dict[int, PersonInfo]
    rules: Rules
    period: Window  # the plan's first and last day
    budget: int  # the plan's whole budget, tenge; the reserve share is kept back from it
    fixed_cost: dict[int, int]  # place id -> cost of the visit whoever goes (car)
    member_cost: dict[tuple[int, int], int]  # (place id, person id) -> that person's cost there
    locked: list[ProposedVisit] = field(default_factory=list)

    @property
    def spendable(self) -> int:
        """What proposals may spend in all, locked visits included."""
        return int(self.budget * (1 - self.rules.reserve_share))


@dataclass
class Solution:
    method: str  # "cp_sat" or "greedy"
    visits: list[ProposedVisit]  # locked ones included
    status: str  # "optimal", "feasible"
    risk_covered: float
    cost: int
    bound: float | None = None  # proven upper bound on risk covered (CP-SAT)
    gap: float | None = None  # (bound - risk covered) / bound
    seconds: float = 0.0
    unplaceable: dict[int, list[str]] = field(default_factory=dict)  # place id -> why no group can go
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step (for benchmarks)


# --- candidates --------------------------------------------------------------------------------


@dataclass
class _Prepared:
    candidates: dict[int, list[int]]  # place id -> person ids who may be in its group
    capacity: dict[int, int]  # person id -> visits still allowed this period
    unplaceable: dict[int, list[str]]
    budget_left: int  # spendable less the locked visits


def _requirements(place: PlaceInfo, rules: Rules) -> list[tuple[str, object]]:
    """What a group for ``place`` must contain besides its size: each a (kind, value) pair."""
    needs: list[tuple[str, object]] = [("expertise", codes) for _name, codes in place.expertise_any]
    if place.needs_woman:
        needs.append(("woman", True))
    needs.extend(("language", language) for language in sorted(rules.languages))
    if rules.competency_scope == "at_least_one":
        needs.extend(("competency", code) for code in sorted(place.competencies))
    return needs


def _meets(person: PersonInfo, need: tuple[str, object], window: Window | None = None) -> bool:
    kind, value = need
    if kind == "expertise":
        assert isinstance(value, frozenset)
        return bool(person.expertise & value)
    if kind == "woman":
        return person.female
    if kind == "language":
        return value in person.languages
    assert isinstance(value, str)
    if window is None:
        return any(code == value for code, _first, _last in person.competencies)
    return person.holds(value, window)


def _prepare(inst: Instance) -> _Prepared:
    rules = inst.rules
    locked_places = {v.place_id for v in inst.locked}
    capacity = {pid: rules.visits_per_participant for pid in inst.people}
    for visit in inst.locked:
        for pid, _role in visit.members:
            if pid in capacity:
                capacity[pid] -= 1
    budget_left = inst.spendable - sum(v.cost for v in inst.locked)
    by_region: dict[str | None, list[PersonInfo]] = defaultdict(list)
    for person in sorted(inst.people.values(), key=lambda p: p.id):
        if capacity[person.id] > 0:
            by_region[person.region].append(person)
    candidates: dict[int, list[int]] = {}
    unplaceable: dict[int, list[str]] = {}
    for place in sorted(inst.places.values(), key=lambda p: p.id):
        if place.id in locked_places:
            continue
        chosen = [p for p in by_region.get(place.region, []) if may_join(p, place, inst.period, rules)]
        missing = missing_requirements(place, chosen, rules)
        if missing:
            others = [
                p
                for region, people in by_region.items()
                if region != place.region
                for p in people
                if may_join(p, place, inst.period, rules)
            ]
            others.sort(key=lambda p: (inst.member_cost.get((place.id, p.id), 0), p.id))
            chosen.extend(_helpers_for(place, chosen, others, rules))
            missing = missing_requirements(place, chosen, rules)
        if missing:
            unplaceable[place.id] = missing
            continue
        candidates[place.id] = [p.id for p in chosen]
    return _Prepared(candidates, capacity, unplaceable, budget_left)


def _helpers_for(
    place: PlaceInfo, chosen: list[PersonInfo], others: list[PersonInfo], rules: Rules
) -> list[PersonInfo]:
    """The cheapest people from other regions for each need the local ones cannot meet."""
    picked: list[PersonInfo] = []
    have = {p.id for p in chosen}
    for need in _requirements(place, rules):
        if any(_meets(p, need) for p in chosen + picked):
            continue
        for person in [p for p in others if p.id not in have and _meets(p, need)][:EXTRA_CANDIDATES]:
            picked.append(person)
            have.add(person.id)
    short = rules.min_size - len(chosen) - len(picked)
    if short > 0:
        for person in [p for p in others if p.id not in have][: short + EXTRA_CANDIDATES]:
            picked.append(person)
            have.add(person.id)
    return picked


# --- dates -------------------------------------------------------------------------------------


class _Calendar:
    """Working days of the period, and who is booked when."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        first, last = inst.period
        span = inst.rules.visit_days - 1
        self.windows: list[Window] = []
        day = first
        while day + datetime.timedelta(days=span) <= last:
            if day.weekday() < 5:
                self.windows.append((day, day + datetime.timedelta(days=span)))
            day += datetime.timedelta(days=1)
        self.booked: dict[int, list[Window]] = defaultdict(list)
        self.count: dict[int, int] = defaultdict(int)
        for visit in inst.locked:
            self.book([pid for pid, _role in visit.members], visit.window)

    def book(self, person_ids: Iterable[int], window: Window) -> None:
        for pid in person_ids:
            self.booked[pid].append(window)
            self.count[pid] += 1

    def unbook(self, person_ids: Iterable[int], window: Window) -> None:
        for pid in person_ids:
            self.booked[pid].remove(window)
            self.count[pid] -= 1

    def fits(self, person: PersonInfo, place: PlaceInfo, window: Window) -> bool:
        if self.count[person.id] >= self.inst.rules.visits_per_participant:
            return False
        if any(w[0] <= window[1] and window[0] <= w[1] for w in self.booked[person.id]):
            return False
        if not person.participates(window) or not person.available(window):
            return False
        if self.inst.rules.competency_scope == "every_member":
            return all(person.holds(code, window) for code in place.competencies)
        return True

    def start_for(self, place_id: int) -> int:
        """A spread first day to try, so that visits do not all fall in January."""
        return (place_id * 7919) % len(self.windows) if self.windows else 0

    def find(self, place: PlaceInfo, members: list[PersonInfo]) -> Window | None:
        n = len(self.windows)
        start = self.start_for(place.id)
        needs = [need for need in _requirements(place, self.inst.rules) if need[0] == "competency"]
        for k in range(n):
            window = self.windows[(start + k) % n]
            if all(self.fits(p, place, window) for p in members) and all(
                any(_meets(p, need, window) for p in members) for need in needs
            ):
                return window
        return None


def _with_roles(members: list[PersonInfo]) -> tuple[tuple[int, str], ...]:
    """The leader is the member with the most competencies (the most trained), then the lowest id."""
    leader = max(members, key=lambda p: (len({c for c, _f, _l in p.competencies}), -p.id))
    return tuple(
        (p.id, ROLE_LEADER if p.id == leader.id else ROLE_MEMBER) for p in sorted(members, key=lambda p: p.id)
    )


def _cost(inst: Instance, place_id: int, person_ids: Iterable[int]) -> int:
    return inst.fixed_cost.get(place_id, 0) + sum(
        inst.member_cost.get((place_id, pid), 0) for pid in person_ids
    )


def _form_group(
    inst: Instance, place: PlaceInfo, free: list[PersonInfo], window: Window | None
) -> list[PersonInfo] | None:
    """A group from ``free`` (in order of preference) meeting every need of ``place``: first whoever
    meets the most unmet needs (earliest in ``free`` on ties), then the next ones up to the minimum.
    With ``window``, competencies are judged on it; without, on holding them at all."""
    rules = inst.rules
    group: list[PersonInfo] = []
    unmet = _requirements(place, rules)
    while unmet:
        best = None
        best_count = 0
        for person in free:
            if person in group:
                continue
            count = sum(1 for need in unmet if _meets(person, need, window))
            if count > best_count:
                best, best_count = person, count
        if best is None:
            return None
        group.append(best)
        unmet = [need for need in unmet if not _meets(best, need, window)]
    for person in free:
        if len(group) >= rules.min_size:
            break
        if person not in group:
            group.append(person)
    if not rules.min_size <= len(group) <= rules.max_size:
        return None
    return group


def _by_cost(inst: Instance, place_id: int, people: Iterable[PersonInfo]) -> list[PersonInfo]:
    """Cheapest first; equal costs in an order that differs from place to place (a fixed hash),
    so that the same few people are not everyone's first choice."""
    return sorted(
        people,
        key=lambda p: (
            inst.member_cost.get((place_id, p.id), 0),
            (p.id * 2654435761 + place_id * 40503) % 4294967296,
        ),
    )


# --- greedy baseline ---------------------------------------------------------------------------


def greedy(inst: Instance, *, prepared: _Prepared | None = None) -> Solution:
    """Highest risk first, cheapest group: the baseline a coordinator would follow by hand."""
    started = time.perf_counter()
    prep = prepared or _prepare(inst)
    order = sorted(prep.candidates, key=lambda pid: (-inst.places[pid].risk, pid))
    return _greedy_run(inst, prep, order, "greedy", started)


def _ratio_greedy(inst: Instance, prep: _Prepared) -> Solution:
    """Most risk per tenge first: a better start for CP-SAT than the baseline."""
    least = {pid: max(1, _least_cost(inst, pid, ids)) for pid, ids in prep.candidates.items()}
    order = sorted(prep.candidates, key=lambda pid: (-inst.places[pid].risk / least[pid], pid))
    return _greedy_run(inst, prep, order, "greedy", time.perf_counter())


def _greedy_run(inst: Instance, prep: _Prepared, order: list[int], method: str, started: float) -> Solution:
    calendar = _Calendar(inst)
    visits = list(inst.locked)
    left = prep.budget_left
    for place_id in order:
        visit = _greedy_visit(inst, place_id, prep.candidates[place_id], calendar, left)
        if visit is not None:
            visits.append(visit)
            left -= visit.cost
    return _solution(method, inst, visits, "feasible", started, prep)


def _greedy_visit(
    inst: Instance, place_id: int, candidate_ids: list[int], calendar: _Calendar, left: int, tries: int = 6
) -> ProposedVisit | None:
    place = inst.places[place_id]
    pool = [inst.people[pid] for pid in candidate_ids]
    if not calendar.windows:
        return None
    n = len(calendar.windows)
    start = calendar.start_for(place_id)
    for attempt in range(tries):
        window = calendar.windows[(start + attempt * max(1, n // tries)) % n]
        free = _by_cost(inst, place_id, (p for p in pool if calendar.fits(p, place, window)))
        group = _form_group(inst, place, free, window)
        if group is None:
            continue
        cost = _cost(inst, place_id, (p.id for p in group))
        if cost > left:
            return None
        calendar.book((p.id for p in group), window)
        return ProposedVisit(place_id, window, _with_roles(group), cost, place.risk)
    return None


def _solution(
    method: str, inst: Instance, visits: list[ProposedVisit], status: str, started: float, prep: _Prepared
) -> Solution:
    return Solution(
        method=method,
        visits=visits,
        status=status,
        risk_covered=sum(v.risk for v in visits),
        cost=sum(v.cost for v in visits),
        seconds=time.perf_counter() - started,
        unplaceable=dict(prep.unplaceable),
    )


# --- CP-SAT ------------------------------------------------------------------------------------

SCALE = 100  # risk points are given to CP-SAT as integers, in hundredths


def _check_budget(inst: Instance, prep: _Prepared) -> None:
    rules = inst.rules
    if inst.budget <= 0:
        raise Infeasible([_("The budget must be more than zero.")])
    if prep.budget_left < 0:
        raise Infeasible(
            [
                _(
                    "The visits kept as they are already cost %(cost)s, more than the %(spendable)s that may be spent."
                )
                % {"cost": sum(v.cost for v in inst.locked), "spendable": inst.spendable}
            ]
        )
    # the cheapest possible minimum coverage of every region must fit into the budget
    need = _region_needs(inst, prep)
    cheapest_total = 0
    for region, count in need.items():
        costs = sorted(
            inst.fixed_cost.get(pid, 0)
            + sum(sorted(inst.member_cost.get((pid, q), 0) for q in prep.candidates[pid])[: rules.min_size])
            for pid in prep.candidates
            if inst.places[pid].region == region
        )
        cheapest_total += sum(costs[:count])
    if cheapest_total > prep.budget_left:
        raise Infeasible(
            [
                _(
                    "The budget cannot cover the minimum of %(n)s visit(s) per region: even the cheapest "
                    "such visits cost %(cost)s, and %(left)s may be spent."
                )
                % {"n": rules.min_visits_per_region, "cost": cheapest_total, "left": prep.budget_left}
            ]
        )


def nothing_placeable(inst: Instance, solution: Solution) -> list[str]:
    """Why a plan with no visits at all was proposed: no place can be visited under the group rules
    (the first few places and their reasons); empty if the plan has visits or nothing is unplaceable."""
    if any(not v.locked for v in solution.visits) or not solution.unplaceable:
        return []
    reasons = [_("No place can be visited under the group rules.")]
    for place_id, why in list(solution.unplaceable.items())[:5]:
        reasons.append(f"{inst.places[place_id].name}: {'; '.join(why)}")
    return reasons


def _region_needs(inst: Instance, prep: _Prepared) -> dict[str, int]:
    """How many more visits each region needs to reach the minimum (only regions with places that
    can be visited; a region whose places no group can visit is reported, not required)."""
    rules = inst.rules
    locked_in: dict[str, int] = defaultdict(int)
    for visit in inst.locked:
        locked_in[inst.places[visit.place_id].region] += 1
    placeable: dict[str, int] = defaultdict(int)
    for pid in prep.candidates:
        placeable[inst.places[pid].region] += 1
    return {
        region: min(count, rules.min_visits_per_region - locked_in[region])
        for region, count in placeable.items()
        if rules.min_visits_per_region - locked_in[region] > 0
    }


GROUPS_PER_PLACE = 3  # candidate groups generated per place


def _columns(inst: Instance, prep: _Prepared, seeds: list[Solution]) -> dict[int, list[tuple[int, ...]]]:
    """Candidate groups per place: the groups the greedy runs chose, the cheapest, then
    alternatives that avoid the people already used (to spread the load) - each a valid group but
    for its date."""
    columns: dict[int, list[tuple[int, ...]]] = {}
    seeded: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for seed in seeds:
        for visit in seed.visits:
            if not visit.locked:
                seeded[visit.place_id].append(tuple(sorted(pid for pid, _r in visit.members)))
    for place_id, candidate_ids in prep.candidates.items():
        place = inst.places[place_id]
        pool = _by_cost(inst, place_id, (inst.people[pid] for pid in candidate_ids))
        groups: list[tuple[int, ...]] = []
        for seeded_group in seeded.get(place_id, []):
            if seeded_group not in groups:
                groups.append(seeded_group)
        used: set[int] = set()
        for _attempt in range(GROUPS_PER_PLACE):
            preferred = sorted(pool, key=lambda p: p.id in used)  # stable: cost order within each half
            group = _form_group(inst, place, preferred, None)
            if group is None:
                break
            key = tuple(sorted(p.id for p in group))
            if key not in groups:
                groups.append(key)
            used.update(key)
        if groups:
            columns[place_id] = groups
    return columns


def _least_cost(inst: Instance, place_id: int, candidate_ids: list[int]) -> int:
    """No group for the place costs less: its fixed cost plus, for the need whose cheapest able
    candidate is dearest, that candidate and the ``min_size - 1`` cheapest others."""
    place = inst.places[place_id]
    costs = sorted((inst.member_cost.get((place_id, pid), 0), pid) for pid in candidate_ids)
    size = inst.rules.min_size
    best = sum(cost for cost, _pid in costs[:size])
    for need in _requirements(place, inst.rules):
        able = [(cost, pid) for cost, pid in costs if _meets(inst.people[pid], need)]
        if not able:
            continue
        first = able[0]
        others = [cost for cost, pid in costs if pid != first[1]][: size - 1]
        best = max(best, first[0] + sum(others))
    return inst.fixed_cost.get(place_id, 0) + best


def relaxation_bound(inst: Instance, prep: _Prepared | None = None) -> float:
    """An upper bound on the risk any plan obeying the rules can cover: the linear relaxation with
    two constraints - the spendable budget, each place costing no less than its least possible
    group (``_least_cost``), and the participants' visit count, each visit taking at least
    ``min_size`` of the yearly visits of the people who may take part at all. Dropping every other
    rule only raises the optimum, so the bound holds for every plan, not only the optimiser's.

    The two-constraint LP is solved through its Lagrangian dual over the count constraint
    (a convex function of one multiplier, minimised by ternary search)."""
    prep = prep or _prepare(inst)
    items = [(inst.places[pid].risk, _least_cost(inst, pid, ids)) for pid, ids in prep.candidates.items()]
    items = [(risk, cost) for risk, cost in items if risk > 0]
    budget = float(max(prep.budget_left, 0))
    first, last = inst.period
    able = [  # everyone who could be in some group (a superset, so the bound stays valid)
        p for p in inst.people.values() if p.eligible and any(t[0] <= last and first <= t[1] for t in p.terms)
    ]
    slots = sum(max(prep.capacity.get(p.id, 0), 0) for p in able) // max(inst.rules.min_size, 1)
    locked = sum(v.risk for v in inst.locked)

    def knapsack(penalty: float) -> float:
        left, total = budget, 0.0
        gains = [(risk - penalty, cost) for risk, cost in items if risk > penalty]
        for gain, cost in sorted(
            gains, key=lambda item: -item[0] / item[1] if item[1] > 0 else -float("inf")
        ):
            if cost <= left:
                total += gain
                left -= cost
            else:
                total += gain * left / cost
                break
        return total

    def dual(penalty: float) -> float:
        return penalty * slots + knapsack(penalty)

    low, high = 0.0, max((risk for risk, _cost in items), default=0.0)
    for _step in range(80):
        one, two = low + (high - low) / 3, high - (high - low) / 3
        if dual(one) <= dual(two):
            high = two
        else:
            low = one
    return locked + min(dual(0.0), dual((low + high) / 2))


class _StopNearBound(cp_model.CpSolverSolutionCallback):
    """Stops the search once a plan is within ``target_gap`` of the proven (relaxation) bound."""

    def __init__(self, target: float) -> None:
        super().__init__()
        self.target = target
        self.reached_at: float | None = None
        self.started = time.perf_counter()

    def on_solution_callback(self) -> None:
        if self.objective_value / SCALE >= self.target:
            self.reached_at = time.perf_counter() - self.started
            self.stop_search()


def solve(
    inst: Instance, *, time_limit: float = 60, workers: int = 2, gap: float = 0.005, target_gap: float = 0.01
) -> Solution:
    """The plan covering the most risk, with CP-SAT; raises Infeasible with the reasons.

    The search stops at the time limit, when CP-SAT proves its choice optimal (within ``gap`` of
    its own bound), or as soon as a plan is within ``target_gap`` of the proven bound.

    CP-SAT chooses, for each place, none or one of its candidate groups (``_columns``). The
    reported ``bound`` is ``relaxation_bound`` - valid for every plan obeying the rules, not only
    for these candidate groups - so ``gap`` is an honest distance from the best possible plan."""
    started = time.perf_counter()
    prep = _prepare(inst)
    _check_budget(inst, prep)
    t_prep = time.perf_counter()
    baseline = greedy(inst, prepared=prep)
    ratio = _ratio_greedy(inst, prep)
    start = ratio if ratio.risk_covered >= baseline.risk_covered else baseline
    t_greedy = time.perf_counter()
    columns = _columns(inst, prep, [baseline, ratio])
    t_columns = time.perf_counter()
    model = cp_model.CpModel()
    z: dict[tuple[int, int], cp_model.IntVar] = {}
    by_person: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    by_region: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    spend = []
    gain = []
    for place_id, groups in columns.items():
        place = inst.places[place_id]
        options = []
        for index, group in enumerate(groups):
            var = model.new_bool_var(f"z{place_id}_{index}")
            z[place_id, index] = var
            options.append(var)
            for pid in group:
                by_person[pid].append(var)
            spend.append(_cost(inst, place_id, group) * var)
            gain.append(round(place.risk * SCALE) * var)
            by_region[place.region].append(var)
        model.add_at_most_one(options)
    for pid, uses in by_person.items():
        model.add(sum(uses) <= prep.capacity[pid])
    model.add(sum(spend) <= prep.budget_left)
    for region, count in _region_needs(inst, prep).items():
        model.add(sum(by_region[region]) >= count)
    model.maximize(sum(gain))
    hinted = {v.place_id: tuple(sorted(pid for pid, _r in v.members)) for v in start.visits if not v.locked}
    for (place_id, index), var in z.items():
        model.add_hint(var, hinted.get(place_id) == columns[place_id][index])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - started))
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.relative_gap_limit = gap
    locked_risk = sum(v.risk for v in inst.locked)
    stopper = _StopNearBound((1 - target_gap) * relaxation_bound(inst, prep) - locked_risk)
    status = solver.solve(model, stopper)
    t_solve = time.perf_counter()
    fallback = next((s for s in (start, baseline) if _covers_regions(inst, prep, s)), None)
    if status == cp_model.INFEASIBLE and fallback is None:
        raise Infeasible(_explain(inst, prep))
    visits: list[ProposedVisit] | None = None
    changed = True
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        picked = [
            (place_id, columns[place_id][index]) for (place_id, index), var in z.items() if solver.value(var)
        ]
        try:
            visits, changed = _schedule(inst, prep, picked)
        except Infeasible:
            if fallback is None:
                raise
    if visits is None:  # no CP-SAT plan in time (or none with dates): the better greedy plan
        if fallback is None:
            raise Infeasible([_("No plan was found within the time limit; allow more time.")])
        visits = list(fallback.visits)
    result = _solution("cp_sat", inst, visits, "feasible", started, prep)
    if result.risk_covered < baseline.risk_covered and _covers_regions(inst, prep, baseline):
        result = _solution("cp_sat", inst, baseline.visits, "feasible", started, prep)
        changed = True
    result.bound = max(relaxation_bound(inst, prep), result.risk_covered)
    result.gap = (result.bound - result.risk_covered) / result.bound if result.bound > 0 else 0.0
    if status == cp_model.OPTIMAL and not changed and result.gap <= 1e-9:
        result.status = "optimal"  # proven: no plan obeying the rules covers more risk
    result.seconds = time.perf_counter() - started
    result.phases = {
        "prepare": t_prep - started,
        "greedy": t_greedy - t_prep,
        "columns": t_columns - t_greedy,
        "cp_sat": t_solve - t_columns,
        "dates": time.perf_counter() - t_solve,
    }
    return result


def _schedule(
    inst: Instance, prep: _Prepared, picked: list[tuple[int, tuple[int, ...]]]
) -> tuple[list[ProposedVisit], bool]:
    """Give the chosen groups their days (highest risk first). A group with no common free day is
    replaced by another group for the same place that has one, within what the budget allows; then
    every region is brought back to its minimum of visits, and money left by dropped visits is
    spent highest risk first. Returns the visits and whether CP-SAT's choice had to change."""
    calendar = _Calendar(inst)
    visits = list(inst.locked)
    left = prep.budget_left
    changed = False
    picked = sorted(picked, key=lambda item: (-inst.places[item[0]].risk, item[0]))
    still_to_pay = sum(_cost(inst, place_id, group) for place_id, group in picked)
    for place_id, group in picked:
        place = inst.places[place_id]
        cost = _cost(inst, place_id, group)
        still_to_pay -= cost
        members = [inst.people[pid] for pid in group]
        window = calendar.find(place, members)
        if window is not None and cost <= left:
            calendar.book(group, window)
            visits.append(ProposedVisit(place_id, window, _with_roles(members), cost, place.risk))
            left -= cost
            continue
        changed = True
        visit = _greedy_visit(inst, place_id, prep.candidates[place_id], calendar, left - still_to_pay)
        if visit is not None:
            visits.append(visit)
            left -= visit.cost
    if not changed:
        return visits, False
    left = _repair_coverage(inst, prep, calendar, visits, left)
    done = {v.place_id for v in visits}
    for place_id in sorted(prep.candidates, key=lambda pid: (-inst.places[pid].risk, pid)):
        if place_id not in done:
            visit = _greedy_visit(inst, place_id, prep.candidates[place_id], calendar, left)
            if visit is not None:
                visits.append(visit)
                left -= visit.cost
    return visits, True


def _repair_coverage(
    inst: Instance, prep: _Prepared, calendar: _Calendar, visits: list[ProposedVisit], left: int
) -> int:
    """Add visits to regions below their minimum, freeing money from the least valuable visits of
    regions above it when needed; raise Infeasible when no dates can be found."""
    needs = _region_needs(inst, prep)

    def count(region: str) -> int:
        return sum(1 for v in visits if not v.locked and inst.places[v.place_id].region == region)

    for region, need in sorted(needs.items()):
        while count(region) < need:
            done = {v.place_id for v in visits}
            options = sorted(
                (pid for pid in prep.candidates if inst.places[pid].region == region and pid not in done),
                key=lambda pid: (-inst.places[pid].risk, pid),
            )
            added = None
            for place_id in options:
                added = _greedy_visit(inst, place_id, prep.candidates[place_id], calendar, left)
                if added is not None:
                    break
            if added is not None:
                visits.append(added)
                left -= added.cost
                continue
            spare = [
                v
                for v in visits
                if not v.locked
                and inst.places[v.place_id].region != region
                and count(inst.places[v.place_id].region) > needs.get(inst.places[v.place_id].region, 0)
            ]
            if not spare or not options:
                raise Infeasible(
                    [
                        _("No days could be found for the minimum of %(n)s visit(s) in region %(region)s.")
                        % {"n": need, "region": region}
                    ]
                )
            worst = min(spare, key=lambda v: (v.risk / max(v.cost, 1), v.place_id))
            visits.remove(worst)
            calendar.unbook([pid for pid, _role in worst.members], worst.window)
            left += worst.cost
    return left


def _covers_regions(inst: Instance, prep: _Prepared, solution: Solution) -> bool:
    counts: dict[str, int] = defaultdict(int)
    for visit in solution.visits:
        if not visit.locked:
            counts[inst.places[visit.place_id].region] += 1
    return all(counts[region] >= need for region, need in _region_needs(inst, prep).items())


def _explain(inst: Instance, prep: _Prepared) -> list[str]:
    """Why CP-SAT found no plan: the rules that cannot be met together."""
    reasons: list[str] = []
    rules = inst.rules
    for region, need in sorted(_region_needs(inst, prep).items()):
        places = [pid for pid in prep.candidates if inst.places[pid].region == region]
        people = {pid for place_id in places for pid in prep.candidates[place_id]}
        slots = sum(prep.capacity[pid] for pid in people)
        if slots < need * rules.min_size:
            reasons.append(
                _(
                    "Region %(region)s needs %(n)s visit(s) but its participants can make only %(slots)s "
                    "visit-days in all (visits per participant: %(cap)s)."
                )
                % {"region": region, "n": need, "slots": slots, "cap": rules.visits_per_participant}
            )
    if not reasons:
        reasons.append(
            _(
                "The minimum of %(n)s visit(s) per region, the group rules and the budget cannot all be met "
                "together; lower the minimum or raise the budget."
            )
            % {"n": rules.min_visits_per_region}
        )
    return reasons
