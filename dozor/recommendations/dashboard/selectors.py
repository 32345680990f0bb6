"""Selectors of the recommendations dashboard: implementation rates by authority, region, type of
place, theme and year; the overdue list; repeated recommendations; reprisal statistics.

Definitions (the figures the NPM publishes, e.g. "about 40% implemented" in the annual report):

- **Counted** recommendations: every recommendation the user may see, except those whose status
  counts as *withdrawn* (``Status.Outcome.WITHDRAWN``, "no longer relevant"): a recommendation
  that lost its object is neither a success nor a failure of the authority.
- **Implementation rate** = recommendations whose status counts as *implemented* / counted, in
  percent. Partially implemented ones are **not** added (not even by half): their share
  (partial / counted) is shown next to it, so that "40% implemented, 15% partially" reads as the
  annual report does. Open, in progress, no response, not implemented and rejected count in the
  denominator only. With nothing counted the rate is undefined (shown as a dash), not 0%.
- **Overdue**: a deadline before today and a status that does not close the follow-up.
- **Repeated**: the recommendation is linked as a repeat of an earlier one (``repeat_of``).
- The year of a recommendation is the year it was issued. The year filter applies to every
  figure except the breakdown by year (which shows the trend and offers the years to choose from);
  the authority filter (the authority answerable, with the bodies under it) applies to all.

Every figure goes through ``recommendations_visible_to(user)``: coordinators, council members and
monitors see all; a liaison sees the figures of its own authority's recommendations (what its
portal shows, nothing more); trainers and anonymous users nothing. Reprisal statistics go through
``reprisal_cases_visible_to`` (never liaisons) and contain counts only, no identities.

Queries: a fixed number independent of the data size (eleven): the small reference tables once
each (statuses, authorities twice, regions, types of place, themes), two aggregate queries
(``values().annotate(Count(filter=...))``) whose groups are summed in Python into the five
breakdowns and the totals - authority x region x type of place over the filtered set, theme x year
over the set without the year filter - one for the overdue list, one for the latest repeats and
one for the reprisal statistics. Two scans instead of one per breakdown: on 300,000
recommendations each scan is most of the time (docs/benchmarks.md); the covering index of
migration 0002 makes them index-only on PostgreSQL.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import AnyUser, authorities_visible_to
from dozor.core.charts import Bar, Chart, Segment
from dozor.core.models import Authority, Region
from dozor.facilities.models import FacilityType
from dozor.recommendations.access import recommendations_visible_to, reprisal_cases_visible_to
from dozor.recommendations.models import Recommendation, ReprisalCase, Status
from dozor.standards.models import Theme

OVERDUE_SHOWN = 50
REPEATS_SHOWN = 20
# A status id that never exists: keeps ``status_id__in`` valid when the pack defines no status of
# an outcome (an empty list would make Django drop the whole aggregate).
NO_STATUS = [-1]


@dataclass
class Row:
    """One line of a breakdown (or the totals)."""

    key: Any
    label: str
    total: int = 0
    implemented: int = 0
    partial: int = 0
    withdrawn: int = 0
    overdue: int = 0
    repeated: int = 0
    sort_key: Any = None

    @property
    def counted(self) -> int:
        return self.total - self.withdrawn

    @property
    def rate(self) -> float | None:
        """Share implemented, in percent of the counted recommendations (None when none)."""
        return 100.0 * self.implemented / self.counted if self.counted else None

    @property
    def partial_rate(self) -> float | None:
        return 100.0 * self.partial / self.counted if self.counted else None

    def add(self, other: Row) -> None:
        for name in ("total", "implemented", "partial", "withdrawn", "overdue", "repeated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Breakdown:
    key: str
    title: str
    rows: list[Row]


@dataclass
class ReprisalStats:
    total: int = 0
    by_state: list[tuple[str, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_year: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Dashboard:
    year: int | None
    authority: Authority | None
    totals: Row
    breakdowns: list[Breakdown]
    overdue: list[Recommendation]
    repeats: list[Recommendation]
    years: list[int]
    authorities: list[Authority]
    reprisals: ReprisalStats | None

    @property
    def overdue_count(self) -> int:
        return self.totals.overdue

    def breakdown(self, key: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.key == key)


@dataclass(frozen=True)
class Outcomes:
    implemented: list[int]
    partial: list[int]
    withdrawn: list[int]
    following: list[int]  # statuses that do not close the follow-up

    @classmethod
    def load(cls) -> Outcomes:
        statuses = list(Status.objects.only("pk", "outcome", "closed"))

        def ids(test: Callable[[Status], bool]) -> list[int]:
            return [s.pk for s in statuses if test(s)] or NO_STATUS

        return cls(
            implemented=ids(lambda s: s.outcome == Status.Outcome.IMPLEMENTED),
            partial=ids(lambda s: s.outcome == Status.Outcome.PARTIAL),
            withdrawn=ids(lambda s: s.outcome == Status.Outcome.WITHDRAWN),
            following=ids(lambda s: not s.closed),
        )


def outcome_counts(
    outcomes: Outcomes, today: datetime.date, *, status_field: str = "status_id"
) -> dict[str, Count]:
    """The counts of the dashboard and the annual report; ``status_field`` names the status to
    count by (an annotation such as the annual report's status at its cut-off)."""

    def status_in(ids: Any) -> Q:
        return Q(**{f"{status_field}__in": ids})

    return {
        "total": Count("id"),
        "implemented": Count("id", filter=status_in(outcomes.implemented)),
        "partial": Count("id", filter=status_in(outcomes.partial)),
        "withdrawn": Count("id", filter=status_in(outcomes.withdrawn)),
        "overdue": Count("id", filter=Q(deadline__lt=today) & status_in(outcomes.following)),
        "repeated": Count("id", filter=Q(repeat_of__isnull=False)),
    }


COUNT_NAMES = ("total", "implemented", "partial", "withdrawn", "overdue", "repeated")


def _grouped(queryset: QuerySet[Any], counts: dict[str, Count], *keys: str) -> list[dict[str, Any]]:
    """One aggregate query: the counts per combination of ``keys`` (fields or annotations)."""
    return list(queryset.order_by().values(*keys).annotate(**counts))


def roll_up(
    groups: Iterable[dict[str, Any]],
    key: str,
    label: Callable[[Any], tuple[str, Any]],
    keep: Callable[[dict[str, Any]], bool] = lambda values: True,
) -> list[Row]:
    """Sum the grouped counts by one of their keys into sorted rows."""
    rows: dict[Any, Row] = {}
    for values in groups:
        if not keep(values):
            continue
        value = values[key]
        row = rows.get(value)
        if row is None:
            text, sort_key = label(value)
            row = rows[value] = Row(key=value, label=text, sort_key=sort_key)
        row.add(Row(key=value, label="", **{n: values[n] for n in COUNT_NAMES}))
    return sorted(rows.values(), key=lambda row: row.sort_key)


def labeller(objects: Iterable[Any], missing: str) -> Callable[[Any], tuple[str, Any]]:
    """Label and sort key of a reference row by id; None (no such link) sorts last."""
    by_id = {obj.pk: obj for obj in objects}

    def label(pk: Any) -> tuple[str, Any]:
        obj = by_id.get(pk)
        if obj is None:
            return missing, (1, 0, "")
        return str(getattr(obj, "short", None) or obj.name), (0, obj.sort_order, obj.code)

    return label


def _subtree_ids(authorities: list[Authority], root: Authority) -> list[int]:
    return [a.pk for a in authorities if a.path.startswith(root.path)]


def visible_authorities(user: AnyUser) -> list[Authority]:
    return list(authorities_visible_to(user).order_by("sort_order", "code"))


def dashboard_build(
    user: AnyUser,
    *,
    year: int | None = None,
    authority: Authority | None = None,
    today: datetime.date | None = None,
    authorities: list[Authority] | None = None,
) -> Dashboard:
    """The whole dashboard for ``user``; ``authority`` must be one of ``visible_authorities``
    (which the caller may pass in as ``authorities`` when it already has them)."""
    today = today or timezone.localdate()
    outcomes = Outcomes.load()
    counts = outcome_counts(outcomes, today)
    if authorities is None:
        authorities = visible_authorities(user)
    every_authority = list(Authority.objects.all())
    base = recommendations_visible_to(user)
    if authority is not None:
        base = base.filter(authority_id__in=_subtree_ids(every_authority, authority))
    scoped = base.filter(issued_on__year=year) if year is not None else base

    # Two scans of the recommendations cover the five breakdowns (a covering index makes them
    # index-only on PostgreSQL, migration 0002): places (authority, region, type of place) over
    # the filtered set; theme x year over the set without the year filter, so that the trend by
    # year keeps every year and the theme breakdown picks the chosen year in Python.
    places = _grouped(scoped, counts, "authority_id", "facility__region_id", "facility__type_id")
    times = _grouped(base.annotate(year=ExtractYear("issued_on")), counts, "theme_id", "year")

    def in_year(values: dict[str, Any]) -> bool:
        return year is None or values["year"] == year

    by_year = roll_up(times, "year", lambda value: (str(value), value))
    totals = Row(key=None, label=_("All"))
    for row in by_year:
        if year is None or row.key == year:
            totals.add(row)
    regions = Region.objects.only("pk", "code", "sort_order", "name_kk", "name_ru", "name_en")
    kinds = FacilityType.objects.only("pk", "code", "sort_order", "name_kk", "name_ru", "name_en")
    no_place = _("Not tied to a place")
    breakdowns = [
        Breakdown(
            "authority",
            _("By authority"),
            roll_up(places, "authority_id", labeller(every_authority, _("Government or Parliament"))),
        ),
        Breakdown(
            "region", _("By region"), roll_up(places, "facility__region_id", labeller(regions, no_place))
        ),
        Breakdown(
            "facility_type",
            _("By type of place"),
            roll_up(places, "facility__type_id", labeller(kinds, no_place)),
        ),
        Breakdown(
            "theme", _("By theme"), roll_up(times, "theme_id", labeller(Theme.objects.all(), "—"), in_year)
        ),
        Breakdown("year", _("By year of issue"), by_year),
    ]

    lists = scoped.select_related("authority", "facility", "status", "theme").defer(
        "search_text", "facility__notes"
    )
    late = lists.filter(deadline__lt=today, status_id__in=outcomes.following)
    if year is not None:
        # A deadline is never before the date of issue (services._validate), so the year's overdue
        # recommendations have deadlines from 1 January on: without this bound PostgreSQL walks
        # the deadline index from the oldest deadline of all years (0.5 s at 300,000 instead of 15 ms).
        late = late.filter(deadline__gte=datetime.date(year, 1, 1))
    overdue = list(late.order_by("deadline", "id")[:OVERDUE_SHOWN])
    repeats = list(
        lists.filter(repeat_of__isnull=False)
        .select_related("repeat_of")
        .defer("repeat_of__search_text")
        .order_by("-issued_on", "-id")[:REPEATS_SHOWN]
    )
    return Dashboard(
        year=year,
        authority=authority,
        totals=totals,
        breakdowns=breakdowns,
        overdue=overdue,
        repeats=repeats,
        years=sorted((row.key for row in by_year if row.key is not None), reverse=True),
        authorities=authorities,
        reprisals=reprisal_statistics(user),
    )


def reprisal_statistics(user: AnyUser) -> ReprisalStats | None:
    """Counts of the reprisal cases the user may see, by state, kind and year raised (one query).
    None for users who may see no reprisal case at all (liaisons, council members, trainers)."""
    visible = reprisal_cases_visible_to(user)
    if visible.query.is_empty():
        return None
    grouped = (
        ReprisalCase.objects.filter(pk__in=visible.values("pk"))
        .order_by()
        .annotate(year=ExtractYear("raised_on"))
        .values("state", "kind", "year")
        .annotate(n=Count("id"))
    )
    states: dict[str, int] = dict.fromkeys(ReprisalCase.State.values, 0)
    kinds: dict[str, int] = dict.fromkeys(ReprisalCase.Kind.values, 0)
    years: dict[int, int] = {}
    for values in grouped:
        states[values["state"]] = states.get(values["state"], 0) + values["n"]
        kinds[values["kind"]] = kinds.get(values["kind"], 0) + values["n"]
        years[values["year"]] = years.get(values["year"], 0) + values["n"]
    state_labels = dict(ReprisalCase.State.choices)
    kind_labels = dict(ReprisalCase.Kind.choices)
    return ReprisalStats(
        total=sum(states.values()),
        by_state=[(str(state_labels.get(k, k)), n) for k, n in states.items()],
        by_kind=[(str(kind_labels.get(k, k)), n) for k, n in kinds.items()],
        by_year=sorted(years.items()),
    )


# --- charts ---------------------------------------------------------------------------------------

IMPLEMENTED_COLOUR = "#2e7d32"
PARTIAL_COLOUR = "#f0b429"
TRACK_COLOUR = "#e8ecf1"


def _rate_text(rate: float | None, digits: int) -> str:
    return "—" if rate is None else f"{floatformat(rate, digits)}%"


def chart_for(rows: list[Row], key: str = "") -> Chart:
    """Per row the implemented share and, after it, the partially implemented share, on a 0-100%
    scale; ``key`` ties the chart to its heading (``chart-<key>``) and table (``table-<key>``)."""
    bars = [
        Bar(
            label=row.label,
            segments=[
                Segment(
                    row.rate or 0.0,
                    IMPLEMENTED_COLOUR,
                    f"{_('Implemented')}: {_rate_text(row.rate, 1)}",
                ),
                Segment(
                    row.partial_rate or 0.0,
                    PARTIAL_COLOUR,
                    f"{_('Partially implemented')}: {_rate_text(row.partial_rate, 1)}",
                ),
            ],
            note=_rate_text(row.rate, 0),
        )
        for row in rows
    ]
    return Chart(
        title="",
        bars=bars,
        full=100,
        track=TRACK_COLOUR,
        labelled_by=f"chart-{key}" if key else "",
        described_by=f"table-{key}" if key else "",
    )
