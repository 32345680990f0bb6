"""The optimiser's plans obey every hard rule, checked by an independent validator.

- The validator itself can fail: hand-made plans that each break one rule are reported, with the
  right code, and a valid plan is not.
- Property-based, on random instances: the greedy baseline's plan is valid; CP-SAT either proves
  the rules cannot all be met (with reasons) or proposes a valid plan, covering every region, at
  least as good as the greedy plan, under its proven bound.

No database: the instances are plain data.
"""

from __future__ import annotations

import dataclasses
import datetime
import random

import pytest
from hypothesis import HealthCheck, given, settings

from dozor.planning.optimiser.engine import PersonInfo, PlaceInfo, Rules
from dozor.planning.optimiser.solver import Infeasible, Instance, ProposedVisit, Solution, greedy, solve
from dozor.planning.optimiser.tests.instances import (
    find_group,
    instances,
    priced_visit,
    random_instance,
    solution_of,
)
from dozor.planning.optimiser.tests.validator import EPS, codes, coverage_violations, validate

D = datetime.date
PSY = "monitoring_psychiatric"
ALWAYS = (D(2026, 1, 1), D(2029, 12, 31))
FULL_PSY = ((PSY, *ALWAYS),)


# --- a tiny hand-made instance ----------------------------------------------------------------------


def person(pid: int, name: str, **kwargs: object) -> PersonInfo:
    defaults: dict[str, object] = {
        "female": False,
        "region": "almaty",
        "languages": frozenset({"ru"}),
        "terms": (ALWAYS,),
        "competencies": FULL_PSY,
    }
    defaults.update(kwargs)
    return PersonInfo(id=pid, name=name, **defaults)  # type: ignore[arg-type]


PEOPLE = [
    person(1, "Aigerim", female=True, expertise=frozenset({"doctor"}), languages=frozenset({"kk", "ru"})),
    person(2, "Bolat", expertise=frozenset({"lawyer"}), competencies=((PSY, D(2026, 1, 1), D(2027, 6, 30)),)),
    person(3, "Dana", female=True, expertise=frozenset({"psychiatrist"})),
    person(
        4,
        "Erlan",
        expertise=frozenset({"social_worker"}),
        languages=frozenset({"kk"}),
        conflict_paths=("/MVD/",),
    ),
    person(5, "Farida", female=True, languages=frozenset({"kk", "ru"}), eligible=False),
    person(6, "Gani", languages=frozenset({"kk"}), unavailable=((D(2027, 3, 1), D(2027, 3, 10)),)),
    person(7, "Kanat", languages=frozenset({"kk", "ru"})),
    person(8, "Lena", female=True, terms=((D(2026, 1, 1), D(2027, 6, 30)),)),
    person(
        9,
        "Marat",
        expertise=frozenset({"doctor"}),
        languages=frozenset({"kk"}),
        conflict_facilities=frozenset({102}),
    ),
    person(10, "Saule", female=True, expertise=frozenset({"doctor"}), languages=frozenset({"kk", "ru"})),
]
PLACES = [
    PlaceInfo(
        100,
        "Colony",
        "almaty",
        "colony",
        "/MVD/KUIS/",
        risk=50.0,
        needs_woman=True,
        expertise_any=(("A doctor", frozenset({"doctor", "psychiatrist"})),),
    ),
    PlaceInfo(
        101, "Psychiatric hospital", "almaty", "psychiatric", "/MZ/", risk=30.0, competencies=frozenset({PSY})
    ),
    PlaceInfo(102, "Police station", "astana", "police", "/MVD/POLICE/", risk=20.0),
    PlaceInfo(
        103,
        "Children's home",
        "astana",
        "children",
        "/MON/",
        risk=10.0,
        expertise_any=(("Child rights", frozenset({"child_rights", "social_worker"})),),
    ),
]
RULES = Rules(
    min_size=3,
    max_size=4,
    competency_scope="every_member",
    languages=frozenset({"kk"}),
    visits_per_participant=2,
    reserve_share=0.1,
    min_visits_per_region=1,
    visit_days=2,
)


def tiny(**changes: object) -> Instance:
    inst = Instance(
        places={p.id: p for p in PLACES},
        people={p.id: p for p in PEOPLE},
        rules=RULES,
        period=(D(2027, 1, 1), D(2027, 12, 31)),
        budget=2_000_000,
        fixed_cost={p.id: 50_000 for p in PLACES},
        member_cost={(pl.id, pe.id): 10_000 * pe.id for pl in PLACES for pe in PEOPLE},
    )
    return dataclasses.replace(inst, **changes)  # type: ignore[arg-type]


def days(first: datetime.date, n: int = 2) -> tuple[datetime.date, datetime.date]:
    return (first, first + datetime.timedelta(days=n - 1))


def group(*ids: int, leader: int | None = None) -> tuple[tuple[int, str], ...]:
    lead = ids[0] if leader is None else leader
    return tuple((pid, "leader" if pid == lead else "member") for pid in ids)


def base_visits(inst: Instance) -> dict[str, ProposedVisit]:
    return {
        "A": priced_visit(inst, 101, days(D(2027, 3, 15)), group(1, 2, 3)),
        "B": priced_visit(inst, 102, days(D(2027, 4, 1)), group(7, 6, 8)),
        "C": priced_visit(inst, 103, days(D(2027, 5, 10)), (*group(4, 7), (1, "expert"))),
    }


def check(inst: Instance, visits: list[ProposedVisit], **kwargs: bool) -> set[str]:
    return codes(validate(inst, solution_of(inst, visits), **kwargs))


def with_visit(name: str, visit: ProposedVisit, inst: Instance | None = None) -> list[ProposedVisit]:
    visits = base_visits(inst or tiny())
    visits[name] = visit
    return list(visits.values())


# --- the validator itself ---------------------------------------------------------------------------


def test_the_hand_made_plan_is_valid() -> None:
    inst = tiny()
    assert validate(inst, solution_of(inst, list(base_visits(inst).values())), check_coverage=True) == []


@pytest.mark.parametrize(
    ("name", "place", "first", "members", "expected"),
    [
        ("A", 101, D(2027, 3, 15), group(1, 3), "size"),  # 2 members, at least 3 needed
        ("A", 101, D(2027, 3, 15), group(1, 2, 3, 10, 6), "size"),  # 5, at most 4
        ("A", 101, D(2027, 3, 15), ((1, "member"), (2, "member"), (3, "member")), "leader"),
        ("A", 101, D(2027, 3, 15), ((1, "leader"), (2, "leader"), (3, "member")), "leader"),
        ("A", 101, D(2027, 3, 15), ((1, "leader"), (2, "observer"), (3, "member")), "role"),
        ("A", 101, D(2027, 3, 15), ((1, "leader"), (2, "member"), (2, "expert")), "duplicate_person"),
        ("D", 100, D(2027, 6, 1), group(10, 4, 8), "conflict"),  # Erlan: /MVD/ is a prefix of /MVD/KUIS/
        ("B", 102, D(2027, 4, 1), group(7, 6, 9), "conflict"),  # Marat: the police station itself
        ("A", 101, D(2027, 6, 30), group(1, 2, 3), "competency"),  # Bolat's grant ends on the 1st day
        ("D", 100, D(2027, 8, 1), group(9, 2, 6), "woman"),
        ("B", 102, D(2027, 4, 1), group(3, 2, 8), "language"),  # nobody speaks kk
        ("C", 103, D(2027, 5, 10), group(7, 1, 10), "expertise"),  # no child rights
        ("B", 102, D(2027, 3, 9), group(7, 6, 8), "unavailable"),  # Gani is away until 10 March
        ("B", 102, D(2027, 4, 1), group(7, 6, 5), "eligible"),  # Farida
        ("B", 102, D(2027, 6, 30), group(7, 6, 8), "term"),  # Lena's term ends on the 1st day
        ("D", 100, D(2027, 3, 16), group(9, 2, 8), "overlap"),  # Bolat: 15-16 and 16-17 March
        ("D", 100, D(2027, 8, 1), group(7, 10, 9), "count"),  # Kanat's third visit, at most 2
    ],
)
def test_one_broken_rule_is_reported(
    name: str, place: int, first: datetime.date, members: tuple[tuple[int, str], ...], expected: str
) -> None:
    inst = tiny()
    violations = validate(
        inst, solution_of(inst, with_visit(name, priced_visit(inst, place, days(first), members)))
    )
    assert codes(violations) == {expected}, violations


def test_competency_of_at_least_one_member_suffices_when_the_rules_say_so() -> None:
    inst = tiny(rules=dataclasses.replace(RULES, competency_scope="at_least_one"))
    late = priced_visit(inst, 101, days(D(2027, 6, 30)), group(1, 2, 3))
    assert check(inst, with_visit("A", late, inst)) == set()
    nobody = dataclasses.replace(
        inst,
        people={
            **inst.people,
            **{pid: dataclasses.replace(inst.people[pid], competencies=()) for pid in (1, 3)},
        },
    )
    assert check(nobody, with_visit("A", late, nobody)) == {"competency"}


def test_over_budget() -> None:
    inst = tiny()
    visits = list(base_visits(inst).values())
    total = sum(v.cost for v in visits)
    assert check(inst, visits) == set()
    assert check(tiny(budget=total), visits) == {"budget"}  # the reserve share is kept back
    exact = tiny(budget=-(-total * 10 // 9) + 1)
    assert exact.spendable >= total
    assert check(exact, visits) == set()


def test_wrong_cost_and_risk_and_totals() -> None:
    inst = tiny()
    a = base_visits(inst)["A"]
    assert check(inst, with_visit("A", dataclasses.replace(a, cost=a.cost + 1))) == {"cost"}
    assert check(inst, with_visit("A", dataclasses.replace(a, risk=a.risk + 1))) == {"risk"}
    good = solution_of(inst, list(base_visits(inst).values()))
    assert codes(validate(inst, dataclasses.replace(good, cost=good.cost + 1))) == {"total_cost"}
    assert codes(validate(inst, dataclasses.replace(good, risk_covered=good.risk_covered - 1))) == {
        "total_risk"
    }


def test_windows() -> None:
    inst = tiny()
    assert check(inst, with_visit("A", priced_visit(inst, 101, days(D(2027, 3, 15), 1), group(1, 2, 3)))) == {
        "window"
    }
    outside = priced_visit(inst, 102, days(D(2027, 12, 31)), group(7, 6, 10))
    assert check(inst, with_visit("B", outside)) == {"window"}


def test_a_place_is_visited_once() -> None:
    inst = tiny()
    twice = [
        priced_visit(inst, 100, days(D(2027, 6, 1)), group(10, 9, 6)),
        priced_visit(inst, 100, days(D(2027, 9, 1)), group(10, 9, 6)),
    ]
    assert check(inst, twice) == {"duplicate_place"}


def test_locked_visits_are_kept_as_given() -> None:
    plain = tiny()
    three_days = priced_visit(plain, 100, days(D(2027, 6, 1), 3), group(10, 9, 6), locked=True)
    inst = tiny(locked=[three_days])
    base = list(base_visits(inst).values())
    assert check(inst, [*base, three_days]) == set()  # its own length, taken as given
    assert check(inst, base) == {"locked"}  # dropped
    changed = dataclasses.replace(three_days, members=group(10, 9, 2))
    assert check(inst, [*base, changed]) == {"locked"}
    unmarked = dataclasses.replace(three_days, locked=False)
    assert "locked" in check(inst, [*base, unmarked])
    # reordering the members is no change
    assert check(inst, [*base, dataclasses.replace(three_days, members=three_days.members[::-1])]) == set()


def test_regional_coverage() -> None:
    inst = tiny()
    visits = base_visits(inst)
    no_almaty = [visits["B"], visits["C"]]
    assert check(inst, no_almaty) == set()  # only when asked
    assert check(inst, no_almaty, check_coverage=True) == {"coverage"}
    excused = dataclasses.replace(solution_of(inst, no_almaty), unplaceable={100: ["why"], 101: ["why"]})
    assert validate(inst, excused, check_coverage=True) == []
    half = dataclasses.replace(solution_of(inst, no_almaty), unplaceable={100: ["why"]})
    assert codes(validate(inst, half, check_coverage=True)) == {"coverage"}
    lying = dataclasses.replace(solution_of(inst, list(visits.values())), unplaceable={101: ["why"]})
    assert codes(validate(inst, lying)) == {"unplaceable"}


def test_bound_and_gap() -> None:
    inst = tiny()
    good = dataclasses.replace(
        solution_of(inst, list(base_visits(inst).values()), method="cp_sat"), status="optimal"
    )
    risk = good.risk_covered
    assert codes(validate(inst, dataclasses.replace(good, bound=risk, gap=0.0))) == set()
    assert codes(validate(inst, good)) == {"bound"}  # none
    assert codes(validate(inst, dataclasses.replace(good, bound=risk - 1, gap=0.0))) == {"bound", "gap"}
    feasible = dataclasses.replace(good, status="feasible", bound=2 * risk)
    assert codes(validate(inst, dataclasses.replace(feasible, gap=0.5))) == set()
    assert codes(validate(inst, dataclasses.replace(feasible, gap=0.4))) == {"gap"}
    claimed = dataclasses.replace(feasible, status="optimal", gap=0.5)
    assert codes(validate(inst, claimed)) == set()
    assert codes(validate(inst, claimed, strict_optimal=True)) == {"bound"}


# --- the random instances ---------------------------------------------------------------------------

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(inst=instances())
def test_random_instances_and_their_locked_visits_are_valid(inst: Instance) -> None:
    assert validate(inst, solution_of(inst, inst.locked)) == []
    assert {(p, q) for p in inst.places for q in inst.people} <= set(inst.member_cost)


def test_random_instances_are_reproducible_and_often_allow_a_group() -> None:
    assert random_instance(random.Random(7)) == random_instance(random.Random(7))
    rng = random.Random(1)
    found = 0
    for _ in range(20):
        inst = random_instance(rng)
        place = inst.places[rng.choice(sorted(inst.places))]
        start = inst.period[0] + datetime.timedelta(days=20)
        if find_group(inst, place, days(start, inst.rules.visit_days), [], rng) is not None:
            found += 1
    assert found >= 5


# --- the optimiser on random instances --------------------------------------------------------------


def covers_every_region(inst: Instance, s: Solution) -> bool:
    """Whether ``s`` meets the regional minimum outright (no place excused as unplaceable)."""
    return not coverage_violations(inst, s, excuse_unplaceable=False)


def greedy_problems(inst: Instance) -> list[str]:
    plan = greedy(inst)
    problems = validate(inst, plan)
    if plan.method != "greedy":
        problems.append(f"method: greedy says {plan.method!r}")
    return problems


def cp_sat_problems(inst: Instance) -> list[str]:
    """Everything wrong with CP-SAT's answer on ``inst``, compared with the greedy baseline's."""
    baseline = greedy(inst)
    problems = [f"greedy {p}" for p in validate(inst, baseline)]
    baseline_covers = covers_every_region(inst, baseline)
    try:
        plan = solve(inst, time_limit=5, workers=1)
    except Infeasible as exc:
        if not exc.reasons or not all(isinstance(r, str) and r.strip() for r in exc.reasons):
            problems.append(f"infeasible: without readable reasons ({exc.reasons!r})")
        if baseline_covers:  # the greedy plan obeys every rule and covers every region
            problems.append(
                f"infeasible: said infeasible ({exc.reasons}), yet the greedy plan covers every region"
            )
        return problems
    problems.extend(validate(inst, plan, check_coverage=True))
    if plan.method != "cp_sat":
        problems.append(f"method: solve says {plan.method!r}")
    # "place id -> why no group can go": not a place that the other method does visit
    for name, one, other in (("CP-SAT", plan, baseline), ("greedy", baseline, plan)):
        for pid in sorted({v.place_id for v in other.visits} & set(one.unplaceable)):
            problems.append(
                f"unplaceable: {name} says no group can visit place {pid} ({one.unplaceable[pid]}), yet one does"
            )
    if baseline_covers:  # the greedy plan is then one of the plans CP-SAT chooses among
        if plan.risk_covered < baseline.risk_covered - EPS:
            problems.append(f"worse: CP-SAT covers {plan.risk_covered}, greedy {baseline.risk_covered}")
        if plan.bound is not None and baseline.risk_covered > plan.bound + EPS:
            problems.append(f"bound: CP-SAT's bound {plan.bound} is below greedy's {baseline.risk_covered}")
    return problems


@FAST
@given(inst=instances())
def test_greedy_plans_are_valid(inst: Instance) -> None:
    assert greedy_problems(inst) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(places=(8, 18), people=(6, 16)))
def test_cp_sat_plans_are_valid_and_no_worse_than_greedy(inst: Instance) -> None:
    assert cp_sat_problems(inst) == []


# 0..149, and seeds where a plan once lost a region's only visit (dropped for want of a free day)
SEEDS = [*range(150), 175, 222, 292, 384, 516]


def test_cp_sat_and_greedy_on_fixed_seeds() -> None:
    """The same checks on a fixed set of instances, so that a rare failure shows on every run."""
    failures = {}
    for seed in SEEDS:
        inst = random_instance(random.Random(seed))
        problems = greedy_problems(inst) + cp_sat_problems(inst)
        if problems:
            failures[seed] = problems
    assert not failures, "\n".join(f"random_instance(Random({k})): {v}" for k, v in failures.items())
