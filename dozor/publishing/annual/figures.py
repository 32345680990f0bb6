"""The figures of the annual consolidated report (OPCAT art. 23) for one year, in one language.

``build(year, lang)`` returns an ``AnnualReport``: sections of tables and short texts, computed by
a fixed number of aggregate queries (about twenty, whatever the size of the data: tested) and
summed in Python. Every table carries ``provenance``: the query that produced it, written as the
Django ORM expression (with the year filled in), so that anyone with access to the database can
reproduce a figure.

Definitions:

- **Visits of the year**: visits whose first day falls in the year and that were carried out (status
  in progress or completed; a visit still only planned is not an activity).
- **Ministry** of a place: the top-level ancestor of the place's operating authority (the first code
  of ``Authority.path``), e.g. KUIS -> MVD.
- **Findings of the year**: findings recorded on the visits of the year.
- **Recommendations** issued in the year (``issued_on``), with their status today; the
  implementation rate is the recommendations dashboard's (``dozor.recommendations.dashboard.selectors``): implemented
  / all except the *withdrawn* outcome, partially implemented shown apart, never added.
- **Reprisal cases** raised in the year: counts by kind and state only - no place, no person, no
  interview (art. 21: "do no harm"); counts below the pack's small-number threshold are shown as
  "fewer than N" (``dozor.core.disclosure``; docs/decisions/0025-small-numbers-and-minimisation.md).
- **Deaths and serious incidents** that occurred in the year (the register,
  ``dozor.planning.register``): counts by type of place, with the small-number rule; no place, no
  person.
- **Training**: events starting in the year; participants = registered enrolments of held events;
  certificates issued in the year.
- **Budget**: the plans of the year (annual and quarterly), their budget, the estimated cost of their
  planned visits and the expenses recorded against them.

Nothing here reads interviews, evidence, free text of findings or personal data: only counts and
names of reference rows (regions, themes, authorities, visit types) and of training events.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dozor.core import disclosure
from dozor.core.charts import Bar, Chart, Segment
from dozor.core.models import Authority, CountryPack, Region, VisitType
from dozor.planning.models import Expense, Incident, Plan, PlannedVisit
from dozor.planning.register.selectors import IN_REGISTER, year_figures
from dozor.recommendations.dashboard.selectors import (
    COUNT_NAMES,
    Outcomes,
    Row,
    labeller,
    outcome_counts,
    roll_up,
)
from dozor.recommendations.models import Recommendation, ReprisalCase, Status, StatusChange
from dozor.standards.models import Theme
from dozor.training.models import Certificate, Enrolment, Event
from dozor.visits.models import Finding, Visit

LANGUAGES = ("kk", "ru", "en")
FIRST_YEAR = 2000
CARRIED_OUT = (Visit.Status.IN_PROGRESS, Visit.Status.COMPLETED)
DASH = "—"


@dataclass
class Table:
    """One table of the report. ``rows`` hold display values (labels, ints, formatted percentages);
    the first column is the row's label. ``numeric`` lists right-aligned columns."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    provenance: str
    numeric: frozenset[int] = frozenset()
    total: list[Any] | None = None

    def row(self, label: str) -> list[Any]:
        """The row whose first cell is ``label`` (tests and the command use it)."""
        for values in self.rows:
            if values[0] == label:
                return values
        raise KeyError(label)

    def column(self, name: str) -> dict[str, Any]:
        index = self.columns.index(name)
        return {values[0]: values[index] for values in self.rows}


BAR_COLOUR = "#4a78b5"


def bar_chart(title: str, rows: list[tuple[str, int]]) -> Chart:
    """(label, value) rows as horizontal bars, the value after each bar, in the annual report's
    size (drawn as one PNG for both documents, ``dozor.publishing.annual.documents``)."""
    bars = [Bar(label, [Segment(value, BAR_COLOUR)], note=str(value)) for label, value in rows]
    return Chart(
        title=title,
        bars=bars or [Bar(_("No data"), [Segment(0, BAR_COLOUR)], note="0")],
        label_width=250,
        plot_width=380,
        row_height=22,
        bar_height=14,
        pad=12,
        font_size=10,
        label_limit=38,
        axis="#999999",
    )


@dataclass
class Section:
    key: str
    number: int
    title: str
    texts: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: Chart | None = None


@dataclass
class AnnualReport:
    year: int
    lang: str
    npm_name: str
    title: str
    generated_on: datetime.date
    sections: list[Section]
    # the figures are what the records said at the end of this day (``Cutoff``)
    cutoff: datetime.date | None = None
    small_numbers_note: str = ""  # the small-number rule (dozor.core.disclosure), stated in the documents

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def table(self, key: str) -> Table:
        return next(t for s in self.sections for t in s.tables if t.key == key)

    @property
    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]


@dataclass(frozen=True)
class Cutoff:
    """The report's cut-off: its figures count what was recorded by the end of ``day``, dated on
    or before it. A later record, or a later assessment of a recommendation (even one dated back),
    does not change a report built with the same cut-off: a year's report can be reproduced."""

    day: datetime.date

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the cut-off day, in the site's time zone."""
        return timezone.make_aware(
            datetime.datetime.combine(self.day + datetime.timedelta(days=1), datetime.time())
        )


def valid_cutoff(year: int, day: datetime.date | None) -> Cutoff:
    """The cut-off of ``year``'s report: today by default; refused (ValueError) before the year
    starts or after today."""
    today = timezone.localdate()
    day = day or today
    if day < datetime.date(year, 1, 1) or day > today:
        raise ValueError(day)
    return Cutoff(day)


def percent(part: int | Decimal | None, whole: int | Decimal | None) -> str:
    if not whole:
        return DASH
    return f"{100 * float(part or 0) / float(whole):.1f}%"


def money(value: Decimal | int | None) -> str:
    """Whole tenge with thin spaces between thousands (reads the same in kk, ru and en)."""
    if value is None:
        return DASH
    return f"{round(value):,}".replace(",", "\u202f")


def ministry_code(path: str | None) -> str | None:
    """The top-level authority's code from a materialised path ("/MVD/KUIS/" -> "MVD")."""
    if not path:
        return None
    parts = [p for p in path.split("/") if p]
    return parts[0] if parts else None


def valid_year(year: Any) -> int:
    """The year as an int, or ValueError (not a number, before 2000 or after next year)."""
    value = int(year)
    if not FIRST_YEAR <= value <= timezone.localdate().year + 1:
        raise ValueError(year)
    return value


def years_with_data() -> list[int]:
    """Years offered on the page: from the first visit or recommendation to this year, newest first."""
    visits = Visit.objects.aggregate(first=Min("started_on"), last=Max("started_on"))
    this_year = timezone.localdate().year
    first = visits["first"].year if visits["first"] else this_year
    return list(range(this_year, max(first, FIRST_YEAR) - 1, -1))


class _Labels:
    """Names of the reference rows, loaded once per report (one query per table)."""

    def __init__(self) -> None:
        self.authorities = list(Authority.objects.all())
        self.by_code = {a.code: a for a in self.authorities}
        self.by_id = {a.pk: a for a in self.authorities}
        self.regions = list(Region.objects.all())
        self.visit_types = list(VisitType.objects.all())
        self.themes = list(Theme.objects.all())

    def ministry(self, code: str | None) -> tuple[str, Any]:
        authority = self.by_code.get(code or "")
        if authority is None:
            return _("Government or Parliament"), (1, 0, "")
        return authority.short, (0, authority.sort_order, authority.code)

    def ministry_of(self, authority_id: int | None) -> str | None:
        authority = self.by_id.get(authority_id) if authority_id is not None else None
        return ministry_code(authority.path) if authority is not None else None


def _sorted_counts(counts: dict[Any, int], label: Any, *, extra: Iterable[Any] = ()) -> list[tuple[str, int]]:
    rows = []
    for key in set(counts) | set(extra):
        text, sort_key = label(key)
        rows.append((sort_key, text, counts.get(key, 0)))
    return [(text, n) for _sort, text, n in sorted(rows, key=lambda r: r[0])]


# --- sections -----------------------------------------------------------------------------------


def _activities(year: int, labels: _Labels, cut: Cutoff) -> Section:
    visits = Visit.objects.filter(
        started_on__year=year, status__in=CARRIED_OUT, started_on__lte=cut.day, created_at__lt=cut.end
    )
    grouped = list(
        visits.order_by()
        .values("visit_type_id", "facility__region_id", "facility__authority__path", "announced")
        .annotate(n=Count("id"))
    )
    places = visits.order_by().aggregate(n=Count("facility_id", distinct=True))["n"]
    base = f"Visit.objects.filter(started_on__year={year}, status__in=['in_progress', 'completed'])"
    grouped_query = (
        f"{base}.values('visit_type_id', 'facility__region_id', 'facility__authority__path', 'announced')"
        ".annotate(n=Count('id'))"
    )
    by_type: dict[Any, int] = defaultdict(int)
    by_region: dict[Any, int] = defaultdict(int)
    by_ministry: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    total = unannounced = 0
    for g in grouped:
        by_type[g["visit_type_id"]] += g["n"]
        by_region[g["facility__region_id"]] += g["n"]
        cell = by_ministry[ministry_code(g["facility__authority__path"])]
        cell[0] += g["n"]
        total += g["n"]
        if not g["announced"]:
            cell[1] += g["n"]
            unannounced += g["n"]

    type_label = labeller(labels.visit_types, DASH)
    region_label = labeller(labels.regions, DASH)
    type_rows = _sorted_counts(by_type, type_label)
    region_rows = _sorted_counts(by_region, region_label, extra=[r.pk for r in labels.regions])
    ministry_rows = sorted(
        ((labels.ministry(code), counts) for code, counts in by_ministry.items()), key=lambda r: r[0][1]
    )
    visits_col, share_col = _("Visits"), _("Share")
    tables = [
        Table(
            key="visits_by_type",
            title=_("Visits by type"),
            columns=[_("Visit type"), visits_col, share_col],
            rows=[[label, n, percent(n, total)] for label, n in type_rows],
            total=[_("Total"), total, percent(total, total)],
            numeric=frozenset({1, 2}),
            provenance=f"{base}.values('visit_type').annotate(n=Count('id'))",
        ),
        Table(
            key="visits_by_region",
            title=_("Visits by region"),
            columns=[_("Region"), visits_col, share_col],
            rows=[[label, n, percent(n, total)] for label, n in region_rows],
            total=[_("Total"), total, percent(total, total)],
            numeric=frozenset({1, 2}),
            provenance=f"{base}.values('facility__region').annotate(n=Count('id'))",
        ),
        Table(
            key="visits_by_authority",
            title=_("Visits by authority (ministry of the place)"),
            columns=[_("Authority"), visits_col, _("Unannounced"), share_col],
            rows=[[label, n, u, percent(n, total)] for (label, _sort), (n, u) in ministry_rows],
            total=[_("Total"), total, unannounced, percent(total, total)],
            numeric=frozenset({1, 2, 3}),
            provenance=(
                f"{grouped_query}, summed by the first code of facility__authority__path (the ministry)"
            ),
        ),
        Table(
            key="visits_summary",
            title=_("Visits in figures"),
            columns=[_("Figure"), _("Value")],
            rows=[
                [_("Visits carried out"), total],
                [_("Places visited"), places],
                [_("Unannounced visits"), unannounced],
                [_("Share of unannounced visits"), percent(unannounced, total)],
            ],
            numeric=frozenset({1}),
            provenance=(
                f"{base}.aggregate(n=Count('id'), places=Count('facility', distinct=True), "
                "unannounced=Count('id', filter=Q(announced=False)))"
            ),
        ),
    ]
    texts = [
        _(
            "In %(year)s the NPM carried out %(visits)s visits to %(places)s places of deprivation of "
            "liberty; %(share)s of them were unannounced."
        )
        % {"year": year, "visits": total, "places": places, "share": percent(unannounced, total)}
    ]
    chart = bar_chart(_("Visits by region"), region_rows)
    return Section("activities", 1, _("Activities"), texts=texts, tables=tables, chart=chart)


SEVERITIES = [
    Finding.Severity.CRITICAL,
    Finding.Severity.SERIOUS,
    Finding.Severity.MODERATE,
    Finding.Severity.POSITIVE,
]


def _findings(year: int, labels: _Labels, cut: Cutoff) -> Section:
    base = f"Finding.objects.filter(visit__started_on__year={year}, visit__status__in=['in_progress', 'completed'])"
    grouped = list(
        Finding.objects.filter(
            visit__started_on__year=year,
            visit__status__in=CARRIED_OUT,
            visit__started_on__lte=cut.day,
            created_at__lt=cut.end,
        )
        .order_by()
        .values("theme_id", "severity", "visit__facility__authority__path")
        .annotate(n=Count("id"), urgent=Count("id", filter=Q(possible_ill_treatment=True)))
    )
    by_theme: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_ministry: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for g in grouped:
        for target in (
            by_theme[g["theme_id"]],
            by_ministry[ministry_code(g["visit__facility__authority__path"])],
            totals,
        ):
            target[g["severity"]] += g["n"]
            target["total"] += g["n"]
            target["urgent"] += g["urgent"]
    columns = [str(s.label) for s in SEVERITIES] + [_("Possible ill-treatment"), _("Total")]

    def cells(counts: dict[str, int]) -> list[int]:
        return [counts.get(s.value, 0) for s in SEVERITIES] + [counts["urgent"], counts["total"]]

    theme_label = labeller(labels.themes, DASH)
    theme_rows = sorted(((theme_label(pk), counts) for pk, counts in by_theme.items()), key=lambda r: r[0][1])
    ministry_rows = sorted(
        ((labels.ministry(code), counts) for code, counts in by_ministry.items()), key=lambda r: r[0][1]
    )
    numeric = frozenset(range(1, len(columns) + 1))
    tables = [
        Table(
            key="findings_by_theme",
            title=_("Findings by theme and severity"),
            columns=[_("Theme"), *columns],
            rows=[[label, *cells(counts)] for (label, _sort), counts in theme_rows],
            total=[_("Total"), *cells(totals)],
            numeric=numeric,
            provenance=(
                f"{base}.values('theme', 'severity').annotate(n=Count('id'), "
                "urgent=Count('id', filter=Q(possible_ill_treatment=True)))"
            ),
        ),
        Table(
            key="findings_by_authority",
            title=_("Findings by authority (ministry of the place) and severity"),
            columns=[_("Authority"), *columns],
            rows=[[label, *cells(counts)] for (label, _sort), counts in ministry_rows],
            total=[_("Total"), *cells(totals)],
            numeric=numeric,
            provenance=(
                f"{base}.values('visit__facility__authority__path', 'severity').annotate(n=Count('id')), "
                "summed by the first code of the path (the ministry)"
            ),
        ),
    ]
    texts = [
        _(
            "The visit groups recorded %(findings)s findings, %(critical)s of them critical; "
            "%(urgent)s pointed to possible torture or ill-treatment."
        )
        % {
            "findings": totals["total"],
            "critical": totals.get(Finding.Severity.CRITICAL.value, 0),
            "urgent": totals["urgent"],
        }
    ]
    return Section("findings", 2, _("Key findings"), texts=texts, tables=tables)


def _status_at(cut: Cutoff) -> Coalesce:
    """A recommendation's status at the cut-off: its latest assessment dated and recorded by then,
    else the status every recommendation starts with (the history is never rewritten)."""
    latest = (
        StatusChange.objects.filter(
            recommendation=OuterRef("pk"), changed_on__lte=cut.day, created_at__lt=cut.end
        )
        .order_by("-changed_on", "-id")
        .values("status_id")[:1]
    )
    initial = Status.objects.filter(initial=True).order_by("pk").values("pk")[:1]
    assessed = Exists(StatusChange.objects.filter(recommendation=OuterRef("pk")))
    # a recommendation never assessed (records made before the history, or by a data import)
    # has its stored status; one assessed only after the cut-off had the initial status then
    before = Case(When(assessed, then=Subquery(initial)), default=F("status_id"))
    return Coalesce(Subquery(latest), before, output_field=BigIntegerField())


def _recommendations(year: int, labels: _Labels, cut: Cutoff) -> Section:
    # The dashboard's definitions (dozor.recommendations.dashboard.selectors): one aggregate query
    # with its counts, over each recommendation's status at the cut-off rather than today's.
    outcomes = Outcomes.load()
    counts = outcome_counts(outcomes, cut.day, status_field="status_at")
    grouped = list(
        Recommendation.objects.filter(issued_on__year=year, issued_on__lte=cut.day, created_at__lt=cut.end)
        .annotate(status_at=_status_at(cut))
        .order_by()
        .values("authority_id", "theme_id")
        .annotate(**counts)
    )
    for g in grouped:
        g["ministry"] = labels.ministry_of(g["authority_id"])
    by_ministry = roll_up(grouped, "ministry", labels.ministry)
    by_theme = roll_up(grouped, "theme_id", labeller(labels.themes, DASH))
    totals = Row(key=None, label=_("Total"))
    for row in by_theme:
        totals.add(row)
    base = (
        f"Recommendation.objects.filter(issued_on__year={year}, issued_on__lte='{cut.day}')"
        f".annotate(status_at=<latest StatusChange dated and recorded by {cut.day}>)"
    )
    count_text = (
        "total=Count('id'), implemented=Count('id', filter=Q(status__outcome='implemented')), "
        "partial=Count('id', filter=Q(status__outcome='partial')), "
        "withdrawn=Count('id', filter=Q(status__outcome='withdrawn'))"
    )
    columns = [
        _("Issued"),
        _("Counted"),
        _("Implemented"),
        _("Partially"),
        _("Implementation rate"),
        _("Partially implemented"),
    ]

    def cells(row: Row) -> list[Any]:
        return [
            row.total,
            row.counted,
            row.implemented,
            row.partial,
            percent(row.implemented, row.counted),
            percent(row.partial, row.counted),
        ]

    numeric = frozenset(range(1, 7))
    tables = [
        Table(
            key="recommendations_by_authority",
            title=_("Recommendations issued and implemented, by authority"),
            columns=[_("Authority"), *columns],
            rows=[[row.label, *cells(row)] for row in by_ministry],
            total=[totals.label, *cells(totals)],
            numeric=numeric,
            provenance=(
                f"{base}.values('authority').annotate({count_text}), summed by the authority's ministry"
            ),
        ),
        Table(
            key="recommendations_by_theme",
            title=_("Recommendations issued and implemented, by theme"),
            columns=[_("Theme"), *columns],
            rows=[[row.label, *cells(row)] for row in by_theme],
            total=[totals.label, *cells(totals)],
            numeric=numeric,
            provenance=f"{base}.values('theme').annotate({count_text})",
        ),
    ]
    texts = [
        _(
            "In %(year)s the NPM issued %(issued)s recommendations. Today %(rate)s of them are "
            "implemented and %(partial)s partially implemented (recommendations no longer relevant "
            "are not counted)."
        )
        % {
            "year": year,
            "issued": totals.total,
            "rate": percent(totals.implemented, totals.counted),
            "partial": percent(totals.partial, totals.counted),
        }
    ]
    assert set(COUNT_NAMES) <= set(counts)  # the dashboard's counts are the ones rolled up here
    return Section("recommendations", 3, _("Recommendations and their implementation"), texts, tables)


def _reprisals(year: int, cut: Cutoff) -> Section:
    grouped = list(
        ReprisalCase.objects.filter(raised_on__year=year, raised_on__lte=cut.day)
        .order_by()
        .values("kind", "state")
        .annotate(n=Count("id"))
    )
    kinds: dict[str, int] = dict.fromkeys(ReprisalCase.Kind.values, 0)
    states: dict[str, int] = dict.fromkeys(ReprisalCase.State.values, 0)
    for g in grouped:
        kinds[g["kind"]] = kinds.get(g["kind"], 0) + g["n"]
        states[g["state"]] = states.get(g["state"], 0) + g["n"]
    total = sum(kinds.values())
    # Each case is about a person: small counts are suppressed (dozor.core.disclosure, decision 0025).
    kind_cells, kind_total = disclosure.protect(list(kinds.values()), total)
    state_cells, state_total = disclosure.protect(list(states.values()), total)
    assert kind_total is not None and state_total is not None
    # The total is hidden in both tables if either table needs it hidden (they show the same total).
    shown_total: int | str = (
        kind_total.display() if kind_total.suppressed or not state_total.suppressed else state_total.display()
    )
    kind_labels, state_labels = dict(ReprisalCase.Kind.choices), dict(ReprisalCase.State.choices)
    base = f"ReprisalCase.objects.filter(raised_on__year={year})"
    cases = _("Cases")
    tables = [
        Table(
            key="reprisals_by_kind",
            title=_("Reprisal cases by kind"),
            columns=[_("Kind"), cases],
            rows=[[str(kind_labels.get(k, k)), c.display()] for k, c in zip(kinds, kind_cells, strict=True)],
            total=[_("Total"), shown_total],
            numeric=frozenset({1}),
            provenance=f"{base}.values('kind').annotate(n=Count('id'))",
        ),
        Table(
            key="reprisals_by_state",
            title=_("Reprisal cases by state"),
            columns=[_("State"), cases],
            rows=[
                [str(state_labels.get(s, s)), c.display()] for s, c in zip(states, state_cells, strict=True)
            ],
            total=[_("Total"), shown_total],
            numeric=frozenset({1}),
            provenance=f"{base}.values('state').annotate(n=Count('id'))",
        ),
    ]
    texts = [
        _(
            "%(cases)s cases of possible reprisals against persons who spoke to the NPM were recorded "
            "in %(year)s. Figures only: no place or person is named, so that no one can be identified."
        )
        % {"cases": shown_total, "year": year}
    ]
    return Section("reprisals", 4, _("Reprisals"), texts, tables)


def _deaths(year: int, cut: Cutoff) -> Section:
    """The register of deaths and serious incidents in custody (dozor.planning.register): counts by
    type of place, and what is known of the State's response and the NPM's follow-up. Counts of
    people below the small-number threshold are shown as "fewer than N", as everywhere."""
    entries = Incident.objects.filter(IN_REGISTER, occurred_on__lte=cut.day, created_at__lt=cut.end)
    figures = year_figures(entries, year)

    def column(values: list[int], total: int) -> tuple[list[int | str], int | str]:
        cells, total_cell = disclosure.protect(values, total)
        assert total_cell is not None
        return [c.display() for c in cells], total_cell.display()

    death_rows = [r for r in figures.by_type if r.deaths]
    serious_rows = [r for r in figures.by_type if r.serious]
    deaths, deaths_total = column([r.deaths for r in death_rows], figures.deaths)
    serious, serious_total = column([r.serious for r in serious_rows], figures.serious)
    base = f"Incident.objects.filter(Q(kind='death') | Q(serious=True), occurred_on__year={year})"
    place_type = _("Type of place")
    tables = [
        Table(
            key="deaths_by_type",
            title=_("Deaths in custody by type of place"),
            columns=[place_type, _("Deaths")],
            rows=[[r.name, c] for r, c in zip(death_rows, deaths, strict=True)],
            total=[_("Total"), deaths_total],
            numeric=frozenset({1}),
            provenance=f"{base}.filter(kind='death').values('facility__type').annotate(n=Count('id'))",
        ),
        Table(
            key="serious_incidents_by_type",
            title=_("Serious incidents by type of place"),
            columns=[place_type, _("Incidents")],
            rows=[[r.name, c] for r, c in zip(serious_rows, serious, strict=True)],
            total=[_("Total"), serious_total],
            numeric=frozenset({1}),
            provenance=f"{base}.exclude(kind='death').values('facility__type').annotate(n=Count('id'))",
        ),
    ]
    known = figures.deaths + figures.serious
    response, response_total = column(
        [figures.relatives_informed, figures.investigated, figures.followed_up], known
    )
    texts = [
        _(
            "%(deaths)s deaths and %(serious)s serious incidents in places of detention became known "
            "to the NPM in %(year)s. Of these %(total)s, the relatives are known to have been "
            "informed in %(relatives)s, an investigation was opened in %(investigated)s and the NPM "
            "took action in %(followed)s."
        )
        % {
            "deaths": deaths_total,
            "serious": serious_total,
            "year": year,
            "total": response_total,
            "relatives": response[0],
            "investigated": response[1],
            "followed": response[2],
        }
    ]
    return Section("deaths", 5, _("Deaths and serious incidents in custody"), texts, tables)


def _training(year: int) -> Section:
    registered = Q(enrolments__status=Enrolment.Status.REGISTERED)
    events = list(
        Event.objects.filter(starts_on__year=year)
        .order_by("starts_on", "id")
        .annotate(participants=Count("enrolments", filter=registered))
        .values(
            "id", "status", "title_kk", "title_ru", "title_en", "city", "starts_on", "ends_on", "participants"
        )
    )
    held = [e for e in events if e["status"] == Event.Status.HELD]
    people = Enrolment.objects.filter(
        event__starts_on__year=year, event__status=Event.Status.HELD, status=Enrolment.Status.REGISTERED
    ).aggregate(enrolments=Count("id"), persons=Count("person", distinct=True))
    certificates = Certificate.objects.filter(issued_on__year=year).aggregate(
        issued=Count("id"), revoked=Count("id", filter=Q(revoked_on__isnull=False))
    )
    lang = translation.get_language() or "ru"
    suffix = lang[:2] if lang[:2] in LANGUAGES else "ru"

    def title(e: dict[str, Any]) -> str:
        return str(e[f"title_{suffix}"] or e["title_ru"] or e["title_en"] or e["title_kk"])

    statuses = dict(Event.Status.choices)
    status_counts = {s: sum(1 for e in events if e["status"] == s) for s in Event.Status.values}
    event_base = f"Event.objects.filter(starts_on__year={year})"
    tables = [
        Table(
            key="training_summary",
            title=_("Training delivered"),
            columns=[_("Figure"), _("Value")],
            rows=[
                *[[str(statuses[s]), n] for s, n in status_counts.items()],
                [_("Participations in held events"), people["enrolments"]],
                [_("Persons trained"), people["persons"]],
                [_("Certificates issued"), certificates["issued"]],
                [_("Certificates revoked since"), certificates["revoked"]],
            ],
            numeric=frozenset({1}),
            provenance=(
                f"{event_base}.values('status').annotate(n=Count('id')); "
                f"Enrolment.objects.filter(event__starts_on__year={year}, event__status='held', "
                "status='registered').aggregate(enrolments=Count('id'), persons=Count('person', distinct=True)); "
                f"Certificate.objects.filter(issued_on__year={year}).aggregate(issued=Count('id'), "
                "revoked=Count('id', filter=Q(revoked_on__isnull=False)))"
            ),
        ),
        Table(
            key="training_events",
            title=_("Training events held"),
            columns=[_("Event"), _("City"), _("Dates"), _("Participants")],
            rows=[
                [title(e), e["city"], f"{e['starts_on']:%d.%m}–{e['ends_on']:%d.%m.%Y}", e["participants"]]
                for e in held
            ],
            total=[_("Total"), "", "", sum(e["participants"] for e in held)],
            numeric=frozenset({3}),
            provenance=(
                f"{event_base}.filter(status='held').annotate(participants=Count('enrolments', "
                "filter=Q(enrolments__status='registered')))"
            ),
        ),
    ]
    texts = [
        _("The NPM held %(events)s training events in %(year)s for %(persons)s persons.")
        % {"events": len(held), "year": year, "persons": people["persons"]}
    ]
    return Section("training", 6, _("Training delivered"), texts, tables)


def _budget(year: int) -> Section:
    plans = list(
        Plan.objects.filter(year=year).order_by("quarter", "id").values("id", "title", "quarter", "budget")
    )
    estimated = {
        g["plan_id"]: g
        for g in PlannedVisit.objects.filter(plan__year=year)
        .order_by()
        .values("plan_id")
        .annotate(visits=Count("id"), estimated=Sum("estimated_cost"))
    }
    spent_by: dict[Any, Decimal] = defaultdict(Decimal)
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for g in (
        Expense.objects.filter(planned_visit__plan__year=year)
        .order_by()
        .values("planned_visit__plan_id", "category")
        .annotate(total=Sum("amount"))
    ):
        spent_by[g["planned_visit__plan_id"]] += g["total"]
        by_category[g["category"]] += g["total"]
    spent_total = sum(spent_by.values(), Decimal(0))
    annual = next((p for p in plans if p["quarter"] is None), None)
    # The year's budget: the annual plan's; without one, the quarterly plans' together.
    year_budget = annual["budget"] if annual else sum((p["budget"] for p in plans), Decimal(0))

    def period(p: Any) -> str:
        return _("Year") if p["quarter"] is None else _("Quarter %(n)s") % {"n": p["quarter"]}

    categories = dict(Expense.Category.choices)
    expense_base = f"Expense.objects.filter(planned_visit__plan__year={year})"
    tables = [
        Table(
            key="budget_plans",
            title=_("Budget of the visit plans and expenses (KZT)"),
            columns=[_("Plan"), _("Period"), _("Budget"), _("Estimated cost"), _("Spent"), _("Share spent")],
            rows=[
                [
                    p["title"],
                    period(p),
                    money(p["budget"]),
                    money(estimated.get(p["id"], {}).get("estimated")),
                    money(spent_by.get(p["id"], Decimal(0))),
                    percent(spent_by.get(p["id"], Decimal(0)), p["budget"]),
                ]
                for p in plans
            ],
            total=[
                _("Total"),
                "",
                money(year_budget),
                "",
                money(spent_total),
                percent(spent_total, year_budget),
            ],
            numeric=frozenset({2, 3, 4, 5}),
            provenance=(
                f"Plan.objects.filter(year={year}).values('title', 'quarter', 'budget'); "
                f"PlannedVisit.objects.filter(plan__year={year}).values('plan').annotate(estimated=Sum('estimated_cost')); "
                f"{expense_base}.values('planned_visit__plan').annotate(total=Sum('amount'))"
            ),
        ),
        Table(
            key="budget_categories",
            title=_("Expenses by category (KZT)"),
            columns=[_("Category"), _("Spent"), _("Share")],
            rows=[
                [str(categories.get(c, c)), money(by_category[c]), percent(by_category[c], spent_total)]
                for c in Expense.Category.values
                if c in by_category
            ],
            total=[_("Total"), money(spent_total), percent(spent_total, spent_total)],
            numeric=frozenset({1, 2}),
            provenance=f"{expense_base}.values('category').annotate(total=Sum('amount'))",
        ),
    ]
    texts = [
        _("Visits of the %(year)s plans cost %(spent)s KZT, %(share)s of the budget of %(budget)s KZT.")
        % {
            "year": year,
            "spent": money(spent_total),
            "share": percent(spent_total, year_budget),
            "budget": money(year_budget),
        }
    ]
    return Section("budget", 7, _("Budget used"), texts, tables)


def build(year: int, lang: str, *, cutoff: datetime.date | None = None) -> AnnualReport:
    """The annual report of ``year`` in ``lang`` (kk, ru, en) as recorded at the end of ``cutoff``
    (default: today). Raises ValueError for a bad year, language or cut-off."""
    year = valid_year(year)
    cut = valid_cutoff(year, cutoff)
    if lang not in LANGUAGES:
        raise ValueError(lang)
    with translation.override(lang):
        pack = CountryPack.objects.order_by("-loaded_at").first()
        labels = _Labels()
        sections = [
            _activities(year, labels, cut),
            _findings(year, labels, cut),
            _recommendations(year, labels, cut),
            _reprisals(year, cut),
            _deaths(year, cut),
            _training(year),
            _budget(year),
        ]
        return AnnualReport(
            year=year,
            lang=lang,
            npm_name=pack.npm_name if pack else "",
            title=_("Annual report of the National Preventive Mechanism for %(year)s") % {"year": year},
            generated_on=timezone.localdate(),
            sections=sections,
            small_numbers_note=disclosure.rule_text(),
            cutoff=cut.day,
        )
