"""dozor plan optimise --year YYYY [--budget N] [--time-limit S] [--json] [--save --as USERNAME]."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.accounts.models import User
from dozor.planning.models import Plan
from dozor.planning.optimiser.proposals import _summary, build_instance, proposal_create, run
from dozor.planning.optimiser.solver import Infeasible


class Command(BaseCommand):
    help = (
        "Visit planning. 'optimise' proposes the year's visits with the CP-SAT optimiser and prints "
        "the summary (visits, cost, risk covered, bound, gap, and the greedy baseline's risk covered). "
        "Nothing is written unless --save is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        opt = actions.add_parser("optimise", help="propose the year's visits and print the summary")
        opt.add_argument("--year", type=int, required=True, metavar="YYYY")
        opt.add_argument("--budget", metavar="N", help="budget in the pack's currency (default: the plan's)")
        opt.add_argument("--time-limit", type=float, default=60.0, metavar="S", help="seconds (default 60)")
        opt.add_argument("--method", choices=["cp_sat", "greedy"], default="cp_sat")
        opt.add_argument("--workers", type=int, default=2, help="solver threads (default 2)")
        opt.add_argument(
            "--target-gap",
            type=float,
            default=0.01,
            metavar="G",
            help="stop once within this share of the proven bound (default 0.01 = 1%%)",
        )
        opt.add_argument("--json", action="store_true", help="print the summary as JSON")
        opt.add_argument("--save", action="store_true", help="store the proposal on the year's plan")
        opt.add_argument("--as", dest="username", metavar="USERNAME", help="the coordinator saving it")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError("--year must be between 2000 and 2100")
        plan = Plan.objects.filter(year=year, quarter__isnull=True).first()
        budget = _budget(options["budget"], plan)
        if not 1 <= options["time_limit"] <= 3600:
            raise CommandError("--time-limit must be between 1 and 3600 seconds")
        if not 0 <= options["target_gap"] < 1:
            raise CommandError("--target-gap must be at least 0 and below 1")
        if options["save"]:
            self._save(plan, budget, options)
            return
        if plan is None:
            plan = Plan(year=year, title=str(year), budget=budget)
        try:
            inst = build_instance(plan, budget=int(budget))
            solution, baseline = run(
                inst,
                method=options["method"],
                time_limit=options["time_limit"],
                workers=options["workers"],
                target_gap=options["target_gap"],
            )
        except (Infeasible, ValidationError) as exc:
            reasons = exc.reasons if isinstance(exc, Infeasible) else exc.messages
            raise CommandError("no plan: " + "; ".join(str(r) for r in reasons)) from exc
        summary = _summary(inst, solution, baseline)
        summary = {"year": year, "plan": plan.pk, "method": options["method"], **summary}
        self._print(summary, as_json=options["json"])

    def _save(self, plan: Plan | None, budget: Decimal, options: dict[str, Any]) -> None:
        if plan is None:
            raise CommandError("there is no annual plan for this year: create it first (web page or API)")
        user = User.objects.filter(username=options["username"] or "", is_active=True).first()
        if user is None:
            raise CommandError("--save needs --as USERNAME of an active coordinator")
        try:
            proposal = proposal_create(
                actor=user,
                plan=plan,
                method=options["method"],
                budget=budget,
                time_limit=options["time_limit"],
            )
        except PermissionDenied as exc:
            raise CommandError(f"{user.username} may not plan visits") from exc
        except ValidationError as exc:
            raise CommandError("no plan: " + "; ".join(exc.messages)) from exc
        self._print(
            {"year": plan.year, "plan": plan.pk, "proposal": proposal.pk, **proposal.summary},
            as_json=options["json"],
        )

    def _print(self, summary: dict[str, Any], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        greedy = summary.get("greedy_risk_covered") or 0
        gain = (summary["risk_covered"] / greedy - 1) * 100 if greedy else 0.0
        lines = [
            f"year {summary['year']}: {summary['visits']} visits proposed ({summary['status']})",
            f"cost {summary['cost']:,} of {summary['spendable']:,} spendable (budget {summary['budget']:,})",
            f"risk covered {summary['risk_covered']:,.2f}; bound {summary['bound']}; gap {summary['gap']}",
            f"greedy baseline: {summary['greedy_visits']} visits, risk covered {greedy:,.2f} ({gain:+.1f}%)",
            f"places no group can visit: {summary['unplaceable']}; time {summary['seconds']} s",
        ]
        if summary.get("proposal"):
            lines.append(f"saved as proposal {summary['proposal']}")
        self.stdout.write("\n".join(lines))


def _budget(value: str | None, plan: Plan | None) -> Decimal:
    if value is None:
        if plan is None:
            raise CommandError("there is no annual plan for this year: give --budget")
        return plan.budget
    try:
        amount = Decimal(value.replace(" ", "").replace(",", ""))
    except InvalidOperation as exc:
        raise CommandError("--budget must be a number") from exc
    if amount <= 0:
        raise CommandError("--budget must be more than zero")
    return amount
