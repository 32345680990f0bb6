"""The explained risk score of places and visit-frequency coverage (reads; the writes behind them,
incidents and factor weights, are in ``dozor.planning.risk.services``).

Each ``RiskFactor`` (pack data, ``packs/kz/planning.yaml``) adds up to ``weight`` points:
``points = weight * share`` with ``share`` in [0, 1]. Every factor also says, in words, why it has
the share it has, so that a coordinator can defend a plan built on the score.

| code | share |
|---|---|
| ``since_last_visit`` | years since the last visit / the type's ``visit_frequency_years`` (x ``full_at_share_of_interval``), capped at 1; never visited -> ``never_visited`` |
| ``occupancy`` | 0 below ``from_rate`` of capacity, 1 at ``full_rate``, linear in between; no data -> 0 |
| ``recommendations`` | (open + overdue x (``overdue_counts`` - 1)) / ``full_at_open``, capped; no source -> 0 |
| ``incidents`` | sum of ``kinds`` weights of incidents in the last ``window_months`` / ``full_at``, capped |
| ``vulnerable_groups`` | population categories of the place listed in ``categories`` / ``full_at``, capped |
| ``type_weight`` | the facility type's ``weight`` / ``full_at``, capped |

Scoring is done in bulk: a fixed handful of queries (factors, places, categories, completed planned
visits, incidents, plus one call per registered source) whatever the number of places, then pure
Python. The optimiser scores every active place this way.

Facts owned by apps above planning (visits, recommendations) are read from the place, where
those apps store them as they change (``Facility.last_visit_*``, ``Facility.open_recommendation*``):
planning never calls up into them. The latest visit is the later of planning's own completed
planned visits and the stored latest visit carried out; a stored visit that began after ``on``
is not counted (scoring an earlier day sees only planning's own visits).

The "last visit" is computed for a reader (``viewer``): it counts only the visits that reader may
know of (``dozor.planning.access.visit_dates_known_to``, decision 0023), so that neither the
score, its explanation nor coverage reveals a secret visit. Without a viewer (the optimiser,
internal computations) every visit counts. The number of queries does not change.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dozor.accounts.access import AnyUser
from dozor.core.dates import add_years
from dozor.core.models import PopulationCategory
from dozor.facilities.models import Facility
from dozor.planning.access import VisitDates, planned_visits_countable_for, visit_dates_known_to
from dozor.planning.models import Incident, PlannedVisit, RiskFactor

DAYS_PER_YEAR = 365.25
MAX_WEIGHT = Decimal("100")


# --- dates ---------------------------------------------------------------------------------------


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def years_between(earlier: datetime.date, later: datetime.date) -> float:
    return max(0, (later - earlier).days) / DAYS_PER_YEAR


def _param(params: Mapping[str, Any], key: str, default: float) -> float:
    try:
        return float(params.get(key, default))
    except (TypeError, ValueError):
        return default


# --- the facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Knowledge:
    """What a reader may know of visits: which planned visits count (``planned``) and until which
    day the latest visit stored on the place counts (``stored_until``; None: not at all)."""

    planned: QuerySet[PlannedVisit]
    stored_until: datetime.date | None


def _knowledge(viewer: AnyUser | None, on: datetime.date) -> _Knowledge:
    today = timezone.localdate()
    known: VisitDates = visit_dates_known_to(viewer)
    planned = planned_visits_countable_for(viewer, today)
    if known == "all":
        return _Knowledge(planned, on)
    if known == "begun":
        # Whoever sees every visit record once it has begun: the stored visit counts if it began
        # by today, whatever ``on`` is (the API lets a reader score a later day).
        return _Knowledge(planned, min(on, today))
    # The stored latest visit may be an unannounced one of another group: planning cannot tell.
    return _Knowledge(planned, None)


def _planned_last_visits(
    facility_ids: list[int], on: datetime.date, scope: QuerySet[Any] | None, knowledge: _Knowledge
) -> dict[int, datetime.date]:
    rows = (
        knowledge.planned.filter(
            facility_id__in=facility_ids if scope is None else scope,
            status=PlannedVisit.Status.DONE,
            ends_on__lte=on,
        )
        .values("facility_id")
        .annotate(last=Max("ends_on"))
        .order_by()
    )
    return {row["facility_id"]: row["last"] for row in rows}


def _with_stored_visit(
    result: dict[int, datetime.date],
    facility_id: int,
    started: datetime.date | None,
    ended: datetime.date | None,
    on: datetime.date,
    until: datetime.date | None = None,
) -> None:
    """Merge the latest visit stored on the place: counted if it began by ``on`` (and by ``until``,
    the reader's limit); a visit still in progress on ``on`` counts as ``on``."""
    if started is None or started > on or (until is not None and started > until):
        return
    day = min(ended, on) if ended is not None else on
    if facility_id not in result or day > result[facility_id]:
        result[facility_id] = day


def last_visit_dates(
    facility_ids: list[int],
    on: datetime.date,
    *,
    scope: QuerySet[Any] | None = None,
    viewer: AnyUser | None = None,
) -> dict[int, datetime.date]:
    """The latest visit ended on or before ``on`` per place: completed planned visits and the
    latest visit carried out as stored on the place (by the visits app), the latest date winning.
    Places never visited are absent. Only visits ``viewer`` may know of count (module docstring).

    ``scope``, a query of the same places' ids, spares the database a long list of parameters."""
    if not facility_ids:
        return {}
    knowledge = _knowledge(viewer, on)
    result = _planned_last_visits(facility_ids, on, scope, knowledge)
    if knowledge.stored_until is None:
        return result
    stored = Facility.objects.filter(
        pk__in=facility_ids if scope is None else scope, last_visit_started_on__isnull=False
    ).values_list("pk", "last_visit_started_on", "last_visit_ended_on")
    for facility_id, started, ended in stored:
        _with_stored_visit(result, facility_id, started, ended, on, knowledge.stored_until)
    return result


def _overdue(deadlines: list[str] | None, on: datetime.date) -> int:
    day = on.isoformat()
    return sum(1 for deadline in deadlines or [] if deadline and deadline < day)


@dataclass(frozen=True)
class _Place:
    id: int
    type_weight: int
    interval_years: int
    capacity: int | None
    population: int | None
    # stored on the place by the apps above planning (visits, recommendations)
    last_visit_started_on: datetime.date | None = None
    last_visit_ended_on: datetime.date | None = None
    open_recommendations: int = 0
    open_recommendation_deadlines: tuple[str, ...] = ()


@dataclass
class _Facts:
    on: datetime.date
    places: list[_Place]
    last_visit: dict[int, datetime.date]
    recommendations: dict[int, tuple[int, int]] | None
    incidents: dict[int, dict[str, int]]  # facility -> kind -> count in the window
    incident_window: tuple[datetime.date, datetime.date] | None
    categories: dict[int, list[str]]  # facility -> codes of the listed vulnerable groups
    category_names: dict[str, str]
    explain: bool = True
    decimal_separator: str = "."
    memo: dict[Any, str] = field(default_factory=dict)

    def text(self, key: Any, make: Callable[[], str]) -> str:
        """A translated message, looked up once per scoring run: translating the same few messages
        for thousands of places would otherwise cost more than the arithmetic."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def num(self, value: float, places: int = 1) -> str:
        return f"{value:.{places}f}".replace(".", self.decimal_separator)


# --- the score -------------------------------------------------------------------------------------


@dataclass
class FactorPart:
    """One factor's contribution to one place's score, with its explanation."""

    code: str
    name: str
    weight: float
    value_text: str
    share: float
    points: float
    description: str = ""


@dataclass
class RiskScore:
    facility_id: int
    total: float
    parts: list[FactorPart] = field(default_factory=list)

    def part(self, code: str) -> FactorPart | None:
        return next((p for p in self.parts if p.code == code), None)


def _since_last_visit(place: _Place, params: Mapping[str, Any], facts: _Facts) -> tuple[float, str]:
    interval = max(1, place.interval_years)
    last = facts.last_visit.get(place.id)
    if last is None:
        share = min(1.0, max(0.0, _param(params, "never_visited", 1.0)))
    else:
        years = years_between(last, facts.on)
        full_at = interval * max(0.01, _param(params, "full_at_share_of_interval", 1.0))
        share = min(1.0, years / full_at)
    if not facts.explain:
        return share, ""
    interval_text = facts.text(
        ("interval", interval),
        lambda: (
            ngettext("interval %(years)d year", "interval %(years)d years", interval) % {"years": interval}
        ),
    )
    if last is None:
        return share, facts.text("never", lambda: _("never visited; %(interval)s")) % {
            "interval": interval_text
        }
    template = facts.text("last", lambda: _("last visit %(years)s years ago (%(date)s); %(interval)s"))
    return share, template % {"years": facts.num(years), "date": last.isoformat(), "interval": interval_text}


def _occupancy(place: _Place, params: Mapping[str, Any], facts: _Facts) -> tuple[float, str]:
    if not place.capacity or place.population is None:
        return 0.0, facts.text("no occupancy", lambda: _("no occupancy data")) if facts.explain else ""
    rate = place.population / place.capacity
    low = _param(params, "from_rate", 0.8)
    high = _param(params, "full_rate", 1.2)
    if rate <= low:
        share = 0.0
    elif rate >= high or high <= low:
        share = 1.0
    else:
        share = (rate - low) / (high - low)
    if not facts.explain:
        return share, ""
    template = facts.text(
        "occupancy", lambda: _("occupancy %(rate)s%% (%(population)d held, capacity %(capacity)d)")
    )
    return share, template % {
        "rate": facts.num(rate * 100, 0),
        "population": place.population,
        "capacity": place.capacity,
    }


def _recommendations(place: _Place, params: Mapping[str, Any], facts: _Facts) -> tuple[float, str]:
    open_count, overdue = (facts.recommendations or {}).get(place.id, (0, 0))
    weighted = open_count + overdue * (_param(params, "overdue_counts", 2.0) - 1)
    full_at = max(0.01, _param(params, "full_at_open", 10.0))
    share = min(1.0, max(0.0, weighted / full_at))
    if not facts.explain:
        return share, ""
    template = facts.text(
        ("recommendations", open_count),
        lambda: ngettext(
            "%(open)d open recommendation, %(overdue)d of them overdue",
            "%(open)d open recommendations, %(overdue)d of them overdue",
            open_count,
        ),
    )
    return share, template % {"open": open_count, "overdue": overdue}


def _incidents(place: _Place, params: Mapping[str, Any], facts: _Facts) -> tuple[float, str]:
    kinds = params.get("kinds") or {}
    counts = facts.incidents.get(place.id, {})
    weighted = 0.0
    for kind, count in counts.items():
        try:
            weighted += float(kinds.get(kind, 0)) * count
        except (TypeError, ValueError):
            continue
    full_at = max(0.01, _param(params, "full_at", 10.0))
    share = min(1.0, weighted / full_at)
    if not facts.explain:
        return share, ""
    number = sum(counts.values())
    template = facts.text(
        ("incidents", number),
        lambda: ngettext(
            "%(count)d incident in the last %(months)d months, weighted %(weighted)s",
            "%(count)d incidents in the last %(months)d months, weighted %(weighted)s",
            number,
        ),
    )
    months = int(_param(params, "window_months", 24))
    return share, template % {"count": number, "months": months, "weighted": facts.num(weighted)}


def _vulnerable_groups(place: _Place, params: Mapping[str, Any], facts: _Facts) -> tuple[float, str]:
    codes = facts.categories.get(place.id, [])
    full_at = max(0.01, _param(params, "full_at", 3.0))
    share = min(1.0, len(codes) / full_at)
    if not facts.explain:
        return share, ""
    if not codes:
        return share, facts.text("no groups", lambda: _("no vulnerable group recorded"))
    template = facts.text(
        ("groups", len(codes)),
        lambda: ngettext(
            "%(count)d vulnerable group: %(names)s", "%(count)d vulnerable groups: %(names)s", len(codes)
        ),
    )
    names = ", ".join(facts.category_names.get(c, c) for c in codes)
    return share, template % {"count": len(codes), "names": names}


def _type_weight(place: _Place, params: Mapping[str, Any], facts: _Facts) -> tuple[float, str]:
    full_at = max(0.01, _param(params, "full_at", 5.0))
    share = min(1.0, max(0.0, place.type_weight / full_at))
    if not facts.explain:
        return share, ""
    template = facts.text("type", lambda: _("type weight %(weight)d of %(full)s"))
    return share, template % {"weight": place.type_weight, "full": facts.num(full_at, 0)}


COMPUTATIONS: dict[str, Callable[[_Place, Mapping[str, Any], _Facts], tuple[float, str]]] = {
    "since_last_visit": _since_last_visit,
    "occupancy": _occupancy,
    "recommendations": _recommendations,
    "incidents": _incidents,
    "vulnerable_groups": _vulnerable_groups,
    "type_weight": _type_weight,
}


def _load_facts(
    places: list[_Place],
    factors: list[RiskFactor],
    on: datetime.date,
    *,
    scope: QuerySet[Any] | list[int],
    explain: bool,
    viewer: AnyUser | None = None,
) -> _Facts:
    """One query per kind of fact over ``scope`` (the places' ids, as a list or a subquery)."""
    ids = [p.id for p in places]
    codes = {f.code for f in factors}
    params = {f.code: f.params or {} for f in factors}
    facts = _Facts(
        on=on,
        places=places,
        last_visit={},
        recommendations=None,
        incidents={},
        incident_window=None,
        categories={},
        category_names={},
        explain=explain,
        decimal_separator=str(get_format("DECIMAL_SEPARATOR")),
    )
    if not ids:
        return facts
    if "since_last_visit" in codes:
        knowledge = _knowledge(viewer, on)
        facts.last_visit = _planned_last_visits(
            ids, on, scope if isinstance(scope, QuerySet) else None, knowledge
        )
        for place in places if knowledge.stored_until is not None else ():
            _with_stored_visit(
                facts.last_visit,
                place.id,
                place.last_visit_started_on,
                place.last_visit_ended_on,
                on,
                knowledge.stored_until,
            )
    if "recommendations" in codes:
        facts.recommendations = {
            place.id: (place.open_recommendations, _overdue(list(place.open_recommendation_deadlines), on))
            for place in places
            if place.open_recommendations
        }
    if "incidents" in codes:
        months = int(_param(params["incidents"], "window_months", 24))
        start = months_before(on, months)
        facts.incident_window = (start, on)
        incidents: dict[int, dict[str, int]] = defaultdict(dict)
        for row in (
            Incident.objects.filter(facility_id__in=scope, occurred_on__gte=start, occurred_on__lte=on)
            .values("facility_id", "kind")
            .annotate(n=Count("id"))
            .order_by()
        ):
            incidents[row["facility_id"]][row["kind"]] = row["n"]
        facts.incidents = dict(incidents)
    if "vulnerable_groups" in codes:
        listed = [str(c) for c in params["vulnerable_groups"].get("categories") or []]
        categories = {c.code: c for c in PopulationCategory.objects.filter(code__in=listed)}
        facts.category_names = {code: c.name for code, c in categories.items()}
        by_facility: dict[int, list[str]] = defaultdict(list)
        through = Facility.population_categories.through
        for facility_id, code in (
            through.objects.filter(facility_id__in=scope, populationcategory__code__in=listed)
            .values_list("facility_id", "populationcategory__code")
            .order_by("facility_id", "populationcategory__sort_order", "populationcategory__code")
        ):
            by_facility[facility_id].append(code)
        facts.categories = dict(by_facility)
    return facts


def score_facilities(
    facility_ids: Iterable[int] | QuerySet[Facility] | None = None,
    *,
    on: datetime.date | None = None,
    explain: bool = True,
    viewer: AnyUser | None = None,
) -> dict[int, RiskScore]:
    """The explained risk score of each place, on ``on`` (today). Places are given by id, as a
    query of facilities (cheaper than a long list of ids), or ``None``: every active place.
    Pages and the API pass the reader as ``viewer``: only the visits they may know of count.

    A bounded number of queries whatever the number of places; unknown ids are left out.
    ``explain=False`` leaves every ``value_text`` empty (faster: for the optimiser)."""
    on = on or timezone.localdate()
    factors = [f for f in RiskFactor.objects.order_by("sort_order", "code") if f.code in COMPUTATIONS]
    scope: QuerySet[Any] | list[int]
    if facility_ids is None or isinstance(facility_ids, QuerySet):
        rows = (
            Facility.objects.filter(status=Facility.Status.ACTIVE) if facility_ids is None else facility_ids
        )
        scope = rows.values("pk")
    else:
        scope = list(facility_ids)
        rows = Facility.objects.filter(pk__in=scope)
    places = [
        _Place(
            id=row["pk"],
            type_weight=row["type__weight"] or 0,
            interval_years=row["type__visit_frequency_years"] or 0,
            capacity=row["capacity"],
            population=row["population"],
            last_visit_started_on=row["last_visit_started_on"],
            last_visit_ended_on=row["last_visit_ended_on"],
            open_recommendations=row["open_recommendations"],
            open_recommendation_deadlines=tuple(row["open_recommendation_deadlines"] or ()),
        )
        for row in rows.values(
            "pk",
            "type__weight",
            "type__visit_frequency_years",
            "capacity",
            "population",
            "last_visit_started_on",
            "last_visit_ended_on",
            "open_recommendations",
            "open_recommendation_deadlines",
        ).order_by()
    ]
    facts = _load_facts(places, factors, on, scope=scope, explain=explain, viewer=viewer)
    terms = [
        (f.code, COMPUTATIONS[f.code], f.params or {}, float(f.weight), f.name, f.description)
        for f in factors
    ]
    scores: dict[int, RiskScore] = {}
    for place in places:
        parts = []
        for code, compute, params, weight, name, description in terms:
            share, text = compute(place, params, facts)
            share = min(1.0, max(0.0, share))
            parts.append(
                FactorPart(
                    code=code,
                    name=name,
                    weight=weight,
                    value_text=text,
                    share=share,
                    points=round(weight * share, 2),
                    description=description,
                )
            )
        scores[place.id] = RiskScore(
            facility_id=place.id, total=round(sum(p.points for p in parts), 2), parts=parts
        )
    return scores


def risk_totals(
    facility_ids: Iterable[int] | QuerySet[Facility] | None = None, *, on: datetime.date | None = None
) -> dict[int, float]:
    """Just the totals of ``score_facilities`` (what the optimiser needs), without explanations."""
    return {pk: score.total for pk, score in score_facilities(facility_ids, on=on, explain=False).items()}


# --- coverage against the visit-frequency rule ---------------------------------------------------


class CoverageStatus(models.TextChoices):
    OVERDUE = "overdue", gettext_lazy("Overdue")
    NEVER = "never", gettext_lazy("Never visited")
    DUE_THIS_YEAR = "due", gettext_lazy("Due this year")
    OK = "ok", gettext_lazy("Up to date")


@dataclass
class CoverageRow:
    facility_id: int
    region_id: int
    interval_years: int
    last_visit: datetime.date | None
    due_on: datetime.date | None  # None: never visited, due now
    years_since: float | None
    status: str


def coverage_rows(
    facilities: QuerySet[Facility], *, on: datetime.date | None = None, viewer: AnyUser | None = None
) -> list[CoverageRow]:
    """For each active place of ``facilities``: its last visit (of those ``viewer`` may know of),
    when the next one is due by its type's visit frequency, and whether it is overdue (due date
    passed), never visited, due by the end of ``on``'s year, or fine. Two queries plus one per
    last-visit source."""
    on = on or timezone.localdate()
    active = facilities.filter(status=Facility.Status.ACTIVE)
    rows = list(active.values("pk", "region_id", "type__visit_frequency_years").order_by())
    last = last_visit_dates([r["pk"] for r in rows], on, scope=active.values("pk"), viewer=viewer)
    year_end = datetime.date(on.year, 12, 31)
    result = []
    for row in rows:
        interval = max(1, row["type__visit_frequency_years"] or 0)
        visited = last.get(row["pk"])
        if visited is None:
            due, years, status = None, None, CoverageStatus.NEVER
        else:
            due = add_years(visited, interval)
            years = years_between(visited, on)
            if due < on:
                status = CoverageStatus.OVERDUE
            elif due <= year_end:
                status = CoverageStatus.DUE_THIS_YEAR
            else:
                status = CoverageStatus.OK
        result.append(
            CoverageRow(
                facility_id=row["pk"],
                region_id=row["region_id"],
                interval_years=interval,
                last_visit=visited,
                due_on=due,
                years_since=years,
                status=status,
            )
        )
    return result
