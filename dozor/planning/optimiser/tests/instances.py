"""Random planning instances (``dozor.planning.optimiser.solver.Instance``) for the property-based tests.

``random_instance(rng)`` draws one from a ``random.Random`` (plain Python, reproducible from a
seed); ``instances()`` is the hypothesis strategy built on it. Locked visits, when drawn, are
valid by the independent validator's rules (``dozor.planning.optimiser.tests.validator``), found by brute force.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Sequence

from hypothesis import strategies as st

from dozor.planning.optimiser.engine import PersonInfo, PlaceInfo, Rules, Window
from dozor.planning.optimiser.solver import Instance, ProposedVisit, Solution
from dozor.planning.optimiser.tests.validator import group_violations, member_violations, visit_cost

YEAR = 2027
REGIONS = ("almaty", "astana", "shymkent")
EXPERTISE = ("doctor", "psychiatrist", "child_rights", "lawyer", "social_worker")
LANGUAGES = ("kk", "ru")
PSYCHIATRIC = "monitoring_psychiatric"
# facility type -> (authority paths it may fall under, expertise requirements, competencies)
TYPES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, frozenset[str]], ...], frozenset[str]]] = {
    "sizo": (("/MVD/KUIS/", "/MVD/KUIS/DUIS-ALM/"), (), frozenset()),
    "colony": (
        ("/MVD/KUIS/", "/MVD/KUIS/DUIS-AST/"),
        (("A doctor", frozenset({"doctor", "psychiatrist"})),),
        frozenset(),
    ),
    "police": (("/MVD/", "/MVD/POLICE/"), (), frozenset()),
    "psychiatric": (
        ("/MZ/", "/MZ/ALM/"),
        (("A psychiatrist", frozenset({"psychiatrist"})),),
        frozenset({PSYCHIATRIC}),
    ),
    "children": (
        ("/MON/", "/MTSZN/"),
        (("Child rights", frozenset({"child_rights", "social_worker"})),),
        frozenset(),
    ),
}
CONFLICT_PATHS = ("/MVD/", "/MVD/KUIS/", "/MZ/", "/MON/")


def _day(period: Window, rng: random.Random) -> datetime.date:
    return period[0] + datetime.timedelta(days=rng.randint(0, (period[1] - period[0]).days))


def _period(rng: random.Random, quarter: bool) -> Window:
    if not quarter:
        return (datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31))
    q = rng.randint(0, 3)
    first = datetime.date(YEAR, 3 * q + 1, 1)
    last = datetime.date(YEAR + 1, 1, 1) if q == 3 else datetime.date(YEAR, 3 * q + 4, 1)
    return (first, last - datetime.timedelta(days=1))


def _place(pid: int, rng: random.Random, regions: Sequence[str]) -> PlaceInfo:
    type_code = rng.choice(sorted(TYPES))
    paths, expertise_any, competencies = TYPES[type_code]
    if rng.random() < 0.2 and not expertise_any:
        expertise_any = (("A doctor", frozenset({"doctor", "psychiatrist"})),)
    if rng.random() < 0.15 and not competencies:
        competencies = frozenset({PSYCHIATRIC})
    return PlaceInfo(
        id=pid,
        name=f"{type_code} {pid}",
        region=rng.choice(regions),
        type_code=type_code,
        authority_path=rng.choice(paths),
        risk=float(rng.randint(1, 100)),
        needs_woman=rng.random() < 0.25,
        expertise_any=expertise_any,
        competencies=competencies,
    )


def _person(
    pid: int, rng: random.Random, period: Window, regions: Sequence[str], place_ids: list[int]
) -> PersonInfo:
    before = period[0] - datetime.timedelta(days=rng.randint(1, 400))
    after = period[1] + datetime.timedelta(days=rng.randint(1, 400))
    # participation terms: mostly the whole period; some start or end inside it, a few have two
    r = rng.random()
    terms: tuple[Window, ...]
    if r < 0.7:
        terms = ((before, after),)
    elif r < 0.8:
        terms = ((_day(period, rng), after),)
    elif r < 0.9:
        terms = ((before, _day(period, rng)),)
    else:
        a, b = sorted((_day(period, rng), _day(period, rng)))
        terms = ((before, a), (b + datetime.timedelta(days=1), after))
    unavailable: list[Window] = []
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        start = _day(period, rng)
        unavailable.append((start, start + datetime.timedelta(days=rng.randint(0, 40))))
    competencies: list[tuple[str, datetime.date, datetime.date]] = []
    if rng.random() < 0.65:
        r = rng.random()
        if r < 0.6:
            competencies.append((PSYCHIATRIC, before, after))
        elif r < 0.8:  # expires mid-period
            competencies.append((PSYCHIATRIC, before, _day(period, rng)))
        else:  # granted mid-period
            competencies.append((PSYCHIATRIC, _day(period, rng), after))
    if rng.random() < 0.3:
        competencies.append(("monitoring_children", before, after))
    languages = {lang for lang, p in (("ru", 0.9), ("kk", 0.6)) if rng.random() < p}
    return PersonInfo(
        id=pid,
        name=f"Person {pid}",
        female=rng.random() < 0.5,
        region=rng.choice([*regions, None]),
        expertise=frozenset(rng.sample(EXPERTISE, rng.choice((0, 1, 1, 1, 2)))),
        languages=frozenset(languages),
        eligible=rng.random() < 0.9,
        terms=terms,
        competencies=tuple(competencies),
        unavailable=tuple(unavailable),
        conflict_facilities=frozenset(rng.sample(place_ids, 1)) if rng.random() < 0.15 else frozenset(),
        conflict_paths=(rng.choice(CONFLICT_PATHS),) if rng.random() < 0.15 else (),
    )


def _rules(rng: random.Random) -> Rules:
    min_size = rng.randint(2, 3)
    languages = rng.choice(
        (
            frozenset(),
            frozenset(),
            frozenset({"ru"}),
            frozenset({"ru"}),
            frozenset({"kk"}),
            frozenset(LANGUAGES),
        )
    )
    return Rules(
        min_size=min_size,
        max_size=rng.randint(max(3, min_size), 5),
        competency_scope=rng.choice(("every_member", "at_least_one")),
        languages=languages,
        visits_per_participant=rng.randint(2, 6),
        reserve_share=rng.choice((0.0, 0.1, 0.15, 0.2)),
        min_visits_per_region=rng.randint(0, 1),
        visit_days=rng.randint(1, 2),
    )


def priced_visit(
    inst: Instance,
    place_id: int,
    window: Window,
    members: Sequence[tuple[int, str]],
    *,
    locked: bool = False,
) -> ProposedVisit:
    """A visit with the cost and risk the instance gives it."""
    return ProposedVisit(
        place_id=place_id,
        window=window,
        members=tuple(members),
        cost=visit_cost(inst, place_id, members),
        risk=inst.places[place_id].risk,
        locked=locked,
    )


def solution_of(inst: Instance, visits: Sequence[ProposedVisit], *, method: str = "greedy") -> Solution:
    """A solution whose totals add up from ``visits`` (to break one rule at a time in the tests)."""
    return Solution(
        method=method,
        visits=list(visits),
        status="feasible",
        risk_covered=sum(inst.places[v.place_id].risk for v in visits),
        cost=sum(v.cost for v in visits),
    )


def find_group(
    inst: Instance,
    place: PlaceInfo,
    window: Window,
    taken: Sequence[ProposedVisit],
    rng: random.Random,
    *,
    tries: int = 300,
) -> tuple[tuple[int, str], ...] | None:
    """A valid group for ``place`` on ``window`` that clashes with none of ``taken``, by brute force."""
    rules = inst.rules
    counts: dict[int, int] = {}
    for v in taken:
        for pid, _role in v.members:
            counts[pid] = counts.get(pid, 0) + 1

    def free(pid: int) -> bool:
        if counts.get(pid, 0) + 1 > rules.visits_per_participant:
            return False
        return not any(
            pid in {m for m, _r in v.members} and v.window[0] <= window[1] and window[0] <= v.window[1]
            for v in taken
        )

    candidates = [
        p.id for p in inst.people.values() if free(p.id) and not member_violations(p, place, window, rules)
    ]
    rng.shuffle(candidates)
    n = 0
    for size in range(rules.min_size, rules.max_size + 1):
        for combo in itertools.combinations(candidates, size):
            n += 1
            if n > tries:
                return None
            members = ((combo[0], "leader"), *((pid, "member") for pid in combo[1:]))
            if not group_violations(place, members, window, rules, inst.people):
                return members
    return None


def _locked(inst: Instance, rng: random.Random, wanted: int) -> list[ProposedVisit]:
    visits: list[ProposedVisit] = []
    spent = 0
    for _ in range(30):
        if len(visits) >= wanted:
            break
        place = inst.places[rng.choice(sorted(inst.places))]
        if any(v.place_id == place.id for v in visits):
            continue
        # a coordinator's visit keeps its own dates; now and then longer than rules.visit_days
        days = inst.rules.visit_days + (1 if rng.random() < 0.2 else 0)
        last_start = (inst.period[1] - inst.period[0]).days - (days - 1)
        start = inst.period[0] + datetime.timedelta(days=rng.randint(0, last_start))
        window = (start, start + datetime.timedelta(days=days - 1))
        members = find_group(inst, place, window, visits, rng)
        if members is None:
            continue
        visit = priced_visit(inst, place.id, window, members, locked=True)
        if spent + visit.cost > inst.spendable:
            continue
        spent += visit.cost
        visits.append(visit)
    return visits


def random_instance(
    rng: random.Random,
    *,
    places: int | None = None,
    people: int | None = None,
    quarter: bool | None = None,
    locked: int | None = None,
) -> Instance:
    """A random instance: ``places`` (8..25) places in 2-3 regions, ``people`` (6..20) people, a
    year or (``quarter``) a quarter of 2027, random rules, costs and budget, 0-2 ``locked`` visits."""
    n_places = places if places is not None else rng.randint(8, 25)
    n_people = people if people is not None else rng.randint(6, 20)
    period = _period(rng, quarter if quarter is not None else rng.random() < 0.3)
    regions = REGIONS[: rng.randint(2, 3)]
    place_list = [_place(100 + i, rng, regions) for i in range(n_places)]
    place_ids = [p.id for p in place_list]
    person_list = [_person(1 + i, rng, period, regions, place_ids) for i in range(n_people)]
    fixed_cost = {p.id: rng.randint(10, 150) * 1000 for p in place_list}
    member_cost = {(pl.id, pe.id): rng.randint(5, 80) * 1000 for pl in place_list for pe in person_list}
    typical = 80_000 + 4 * 42_000
    budget = rng.choice(
        (
            rng.randint(typical // 2, 2 * typical),  # tight: one or two visits
            rng.randint(2 * typical, 6 * typical),
            rng.randint(6 * typical, n_places * typical + 6 * typical),  # large: maybe all
        )
    )
    inst = Instance(
        places={p.id: p for p in place_list},
        people={p.id: p for p in person_list},
        rules=_rules(rng),
        period=period,
        budget=budget,
        fixed_cost=fixed_cost,
        member_cost=member_cost,
    )
    wanted = locked if locked is not None else rng.choice((0, 0, 1, 2))
    if wanted:
        inst.locked = _locked(inst, rng, wanted)
    return inst


def _build(seed: int, places: int, people: int, quarter: bool, locked: int) -> Instance:
    return random_instance(random.Random(seed), places=places, people=people, quarter=quarter, locked=locked)


def instances(
    *,
    places: tuple[int, int] = (8, 25),
    people: tuple[int, int] = (6, 20),
    locked: tuple[int, int] = (0, 2),
) -> st.SearchStrategy[Instance]:
    """Hypothesis strategy of random instances (sizes shrink towards the smallest)."""
    return st.builds(
        _build,
        seed=st.integers(min_value=0, max_value=2**32 - 1),
        places=st.integers(*places),
        people=st.integers(*people),
        quarter=st.booleans(),
        locked=st.integers(*locked),
    )
