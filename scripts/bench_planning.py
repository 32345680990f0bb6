"""make bench (planning): the optimiser on `dozor generate --scale kz10` (see docs/benchmarks.md).

Creates a throw-away SQLite database (or uses DATABASE_URL if set), loads the Kazakhstan pack,
generates kz10 data (3,600 places, 600 participants), then for each budget builds the planning
problem of next year's plan and reports: the time to build it, the greedy baseline ("highest risk
first, cheapest group"), and the CP-SAT optimiser with a 60 s limit on 2 workers, stopping once
a plan is within 2% of the proven bound - its risk
covered, the proven bound (fractional-knapsack relaxation, valid for every plan obeying the rules),
the gap, the time, and the risk covered above the greedy baseline at the same budget. Every plan
is checked with the independent validator of the tests before it is reported.

Usage: python scripts/bench_planning.py [--budget N ...] [--time-limit S]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_BUDGETS = [150_000_000, 300_000_000]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, action="append")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--scale", default="kz10")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["DOZOR_VAR_DIR"] = tempfile.mkdtemp(prefix="dozor-bench-planning-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from dozor.planning.models import Plan
    from dozor.planning.optimiser.proposals import build_instance
    from dozor.planning.optimiser.solver import greedy, solve
    from dozor.planning.optimiser.tests.validator import validate

    call_command("migrate", verbosity=0)
    call_command("pack", "load", "kz", verbosity=0)
    call_command("generate", "--scale", args.scale, "--no-progress", verbosity=0)
    year = timezone.localdate().year + 1
    print(
        f"planning benchmark: scale {args.scale}, plan year {year}, time limit {args.time_limit:.0f} s, 2 workers"
    )
    print(
        "| budget (KZT) | build | greedy: visits / risk / time | CP-SAT: visits / risk / time | bound | gap | over greedy |"
    )
    print("|---|---|---|---|---|---|---|")
    for budget in args.budget or DEFAULT_BUDGETS:
        plan = Plan(year=year, title=str(year), budget=budget)
        started = time.perf_counter()
        inst = build_instance(plan, budget=budget)
        build = time.perf_counter() - started
        base = greedy(inst)
        best = solve(inst, time_limit=args.time_limit, workers=2, target_gap=0.02)
        for name, solution, coverage in (("greedy", base, False), ("cp_sat", best, True)):
            problems = validate(inst, solution, check_coverage=coverage)
            if problems:
                print(f"INVALID {name} plan: {problems[:5]}")
                return 1
        gain = (best.risk_covered / base.risk_covered - 1) * 100 if base.risk_covered else 0.0
        print(
            f"| {budget:,} | {build:.1f} s | {len(base.visits)} / {base.risk_covered:,.0f} / {base.seconds:.1f} s "
            f"| {len(best.visits)} / {best.risk_covered:,.0f} / {best.seconds:.1f} s | {best.bound:,.0f} "
            f"| {100 * (best.gap or 0):.2f}% | +{gain:.1f}% |"
        )
        print("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in best.phases.items()))
        print(
            f"  places no group can visit: {len(best.unplaceable)} of {len(inst.places)}; people: {len(inst.people)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
