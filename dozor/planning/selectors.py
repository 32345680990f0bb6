"""Reads for the planning budget: totals of estimated costs and plan-versus-actual figures.

Every read starts from ``dozor.planning.access.planned_visits_visible_to(user)``, so an unannounced
visit the user may not see never counts in a total: a council member's or a monitor's totals are
those of the visits they may see. Cancelled visits are not part of the estimated totals. The
query count is constant whatever the number of visits.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from dozor.accounts.access import AnyUser
from dozor.core.models import Authority, Region
from dozor.planning.access import own_planned_visits, planned_visits_visible_to
from dozor.planning.models import Plan, PlannedVisit, PlanningRules

ZERO = Decimal("0")


@dataclass
class TotalRow:
    """One bar of a breakdown: ``percent`` is its share of the largest row (for the bar width)."""

    key: str
    label: str
    amount: Decimal
    visits: int
    percent: int = 0


@dataclass
class BudgetTotals:
    budget: Decimal
    total: Decimal  # estimated cost of the visible, not cancelled visits
    reserve_share: Decimal
    reserve: Decimal  # kept back for follow-up and urgent visits
    remaining: Decimal  # budget - reserve - total (negative = over the plannable budget)
    visits: int
    currency: str
    by_region: list[TotalRow] = field(default_factory=list)
    by_quarter: list[TotalRow] = field(default_factory=list)
    by_authority: list[TotalRow] = field(default_factory=list)
    by_ministry: list[TotalRow] = field(default_factory=list)

    @property
    def plannable(self) -> Decimal:
        return self.budget - self.reserve

    @property
    def used_percent(self) -> int:
        return _percent(self.total, self.plannable)


def _percent(part: Decimal, whole: Decimal) -> int:
    if whole <= 0:
        return 0
    return int(min(Decimal(100), part * 100 / whole))


def _rows(amounts: dict[str, Decimal], counts: dict[str, int], labels: dict[str, str]) -> list[TotalRow]:
    rows = [
        TotalRow(key=key, label=labels.get(key, key), amount=amount, visits=counts[key])
        for key, amount in amounts.items()
    ]
    rows.sort(key=lambda r: (-r.amount, r.label))
    top = max((r.amount for r in rows), default=ZERO)
    for row in rows:
        row.percent = _percent(row.amount, top)
    return rows


def _rules() -> tuple[Decimal, str]:
    row = PlanningRules.objects.order_by("pk").values_list("reserve_share", "currency").first()
    return (row[0], row[1]) if row else (Decimal("0.15"), "KZT")


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def planned_visit_has_record(visit: PlannedVisit) -> bool:
    """Whether the visit's record was started (the visits app links it through ``record``; read
    through the reverse relation, so planning does not import visits)."""
    return visit.pk is not None and PlannedVisit.objects.filter(pk=visit.pk, record__isnull=False).exists()


def plan_visits(user: AnyUser, plan: Plan) -> QuerySet[PlannedVisit]:
    """The plan's visits the user may see."""
    return planned_visits_visible_to(user).filter(plan=plan)


def next_own_visits(user: AnyUser, today: datetime.date) -> QuerySet[PlannedVisit]:
    """The user's own planned visits (their group's) not over by ``today`` and not cancelled or
    carried out, soonest first: "My visits" cut to what is ahead. Also cut by
    ``planned_visits_visible_to``, so an unannounced visit shows only to its group and coordinators;
    whoever shows these rows records the secret ones with ``audit_secret_views``."""
    return (
        own_planned_visits(user)
        .filter(pk__in=planned_visits_visible_to(user).values("pk"))
        .filter(status=PlannedVisit.Status.PLANNED, ends_on__gte=today)
        .select_related("facility", "visit_type")
        .order_by("starts_on", "id")
    )


def budget_totals(user: AnyUser, plan: Plan) -> BudgetTotals:
    """Estimated costs of the plan's visible visits by region, quarter, authority and ministry
    (the top of the authority's tree). Five queries."""
    reserve_share, currency = _rules()
    rows = list(
        plan_visits(user, plan)
        .exclude(status=PlannedVisit.Status.CANCELLED)
        .values_list(
            "starts_on",
            "estimated_cost",
            "facility__region_id",
            "facility__authority_id",
            "facility__authority__path",
        )
    )
    by: dict[str, dict[str, Decimal]] = {
        name: defaultdict(lambda: ZERO) for name in ("region", "quarter", "authority", "ministry")
    }
    counts: dict[str, dict[str, int]] = {name: defaultdict(int) for name in by}
    for starts_on, cost, region_id, authority_id, path in rows:
        top = path.strip("/").split("/")[0] if path else ""
        for name, key in (
            ("region", str(region_id)),
            ("quarter", str(quarter_of(starts_on))),
            ("authority", str(authority_id)),
            ("ministry", top),
        ):
            by[name][key] += cost
            counts[name][key] += 1
    regions = {str(r.pk): r.name for r in Region.objects.filter(pk__in=[int(k) for k in by["region"]])}
    authorities = Authority.objects.filter(pk__in=[int(k) for k in by["authority"]])
    authority_labels = {str(a.pk): a.short for a in authorities}
    ministry_labels = {a.code: a.short for a in Authority.objects.filter(code__in=list(by["ministry"]))}
    quarter_labels = {
        str(q): _("%(year)s, quarter %(quarter)s") % {"year": plan.year, "quarter": q} for q in range(1, 5)
    }
    total = sum((cost for _s, cost, *_rest in rows), ZERO)
    reserve = (plan.budget * reserve_share).quantize(Decimal("0.01"))
    quarters = _rows(by["quarter"], counts["quarter"], quarter_labels)
    quarters.sort(key=lambda r: r.key)  # calendar order
    return BudgetTotals(
        budget=plan.budget,
        total=total,
        reserve_share=reserve_share,
        reserve=reserve,
        remaining=plan.budget - reserve - total,
        visits=len(rows),
        currency=currency,
        by_region=_rows(by["region"], counts["region"], regions),
        by_quarter=quarters,
        by_authority=_rows(by["authority"], counts["authority"], authority_labels),
        by_ministry=_rows(by["ministry"], counts["ministry"], ministry_labels),
    )


@dataclass
class ActualRow:
    label: str
    estimated: Decimal
    actual: Decimal
    visit: PlannedVisit | None = None
    region: Region | None = None

    @property
    def difference(self) -> Decimal:
        """Actual minus estimated: positive = overspent."""
        return self.actual - self.estimated


@dataclass
class PlanVsActual:
    visits: list[ActualRow]
    regions: list[ActualRow]
    total: ActualRow
    currency: str

    @property
    def planned_visits(self) -> list[PlannedVisit]:
        return [row.visit for row in self.visits if row.visit is not None]


def plan_vs_actual(user: AnyUser, plan: Plan) -> PlanVsActual:
    """Per visible visit and per region: estimated cost against the sum of its expenses. A cancelled
    visit counts nothing estimated (it is listed only when it has expenses). Three queries."""
    _share, currency = _rules()
    visits = list(
        plan_visits(user, plan)
        .select_related("facility__region", "visit_type")
        .annotate(
            actual=Coalesce(
                Sum("expenses__amount"),
                Value(ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
        .order_by("starts_on", "id")
    )
    rows: list[ActualRow] = []
    regions: dict[int, ActualRow] = {}
    for visit in visits:
        actual: Decimal = visit.actual
        cancelled = visit.status == PlannedVisit.Status.CANCELLED
        if cancelled and not actual:
            continue
        estimated = ZERO if cancelled else visit.estimated_cost
        rows.append(ActualRow(label=str(visit.facility), estimated=estimated, actual=actual, visit=visit))
        region = visit.facility.region
        if region.pk not in regions:
            regions[region.pk] = ActualRow(label=region.name, estimated=ZERO, actual=ZERO, region=region)
        regions[region.pk].estimated += estimated
        regions[region.pk].actual += actual
    region_rows = sorted(regions.values(), key=lambda r: (r.region.sort_order if r.region else 0, r.label))
    total = ActualRow(
        label="",
        estimated=sum((r.estimated for r in rows), ZERO),
        actual=sum((r.actual for r in rows), ZERO),
    )
    return PlanVsActual(visits=rows, regions=region_rows, total=total, currency=currency)
