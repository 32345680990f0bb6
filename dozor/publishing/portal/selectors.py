"""Reads for the public portal (no login): published reports, places, statistics, public text.

What is public is decided in one place, ``dozor.publishing.access.published_reports()``; every query
here starts from it, so a withdrawn version disappears from every page, search, feed, open data
file and document at once. Nothing here reads the internal text except through the public text
(``source`` with the accepted redactions replaced by their markers), and search runs over the
public text only: searching the internal text would tell a visitor which report names a person
even if the name itself is never shown.

Every function runs a fixed number of queries, whatever the number of reports (tests assert it).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Prefetch, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import translation

from dozor.core.i18n import LANGUAGE_CODES
from dozor.core.search import search_fold, search_join, search_words
from dozor.facilities.models import Facility
from dozor.publishing import services
from dozor.publishing.access import published_reports
from dozor.publishing.models import PublicReport, Redaction
from dozor.recommendations.models import Recommendation
from dozor.visits.models import ReportSection, Visit

LANGUAGES = LANGUAGE_CODES  # kk, ru, en: the order languages are offered in
LATEST = 10  # reports on the home page
FEED_ITEMS = 50
SNIPPET = 160  # characters of public text around a search match

_RELATED = (
    "report__visit__facility__region",
    "report__visit__facility__type",
    "report__visit__facility__authority",
    "report__visit__visit_type",
)


def published_versions(*, with_text: bool = False) -> QuerySet[PublicReport]:
    """Published public versions with what the portal shows about their visit. ``with_text`` also
    loads the internal source and the accepted redactions, for ``public_texts``."""
    qs = published_reports().select_related(*_RELATED).order_by("-published_at", "-id")
    if not with_text:
        return qs.defer("source")
    accepted = Redaction.objects.filter(state=Redaction.State.ACCEPTED).order_by("section", "start", "end")
    return qs.prefetch_related(Prefetch("redactions", queryset=accepted, to_attr="accepted_redactions"))


# --- the public text ---------------------------------------------------------------------------


def public_text(version: PublicReport) -> dict[str, str]:
    """The public text of a version loaded by ``published_versions(with_text=True)``."""
    accepted = getattr(version, "accepted_redactions", None)
    if accepted is None:
        return services.public_text(version)
    return services.apply_redactions(version.source, accepted)


def section_order() -> list[str]:
    return list(ReportSection.Key.values)


def ordered_sections(texts: Mapping[str, str]) -> list[tuple[str, str]]:
    """(key, text) in the report's order, without empty sections."""
    keys = section_order() + sorted(k for k in texts if k not in ReportSection.Key.values)
    return [(key, texts[key].strip()) for key in keys if texts.get(key, "").strip()]


# --- reports as the portal lists them ------------------------------------------------------------


@dataclass
class Entry:
    """One visit report on the portal, with its published languages."""

    report_id: int
    visit: Visit
    versions: dict[str, PublicReport] = field(default_factory=dict)
    snippet: str = ""
    link_lang: str = ""  # the language a link to it opens in: the page's if published in it

    @property
    def facility(self) -> Facility:
        return self.visit.facility

    @property
    def languages(self) -> list[str]:
        return [code for code in LANGUAGES if code in self.versions]

    @property
    def published_at(self) -> datetime.datetime:
        return max(v.published_at for v in self.versions.values() if v.published_at is not None)

    def best_language(self, wanted: str) -> str:
        return wanted if wanted in self.versions else self.languages[0]


def entries(versions: Iterable[PublicReport], *, lang: str = "ru") -> list[Entry]:
    """Versions grouped by visit report, latest publication first; links open in ``lang`` where
    the report is published in it."""
    grouped: dict[int, Entry] = {}
    for version in versions:
        entry = grouped.setdefault(
            version.report_id, Entry(report_id=version.report_id, visit=version.report.visit)
        )
        entry.versions[version.lang] = version
    for entry in grouped.values():
        entry.link_lang = entry.best_language(lang)
    return sorted(grouped.values(), key=lambda e: (e.published_at, e.report_id), reverse=True)


@dataclass(frozen=True)
class Filters:
    region: str = ""  # core.Region code
    place_type: str = ""  # facilities.FacilityType code
    year: int | None = None  # year the visit started
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.region or self.place_type or self.year or self.q)


def _filtered(qs: QuerySet[PublicReport], filters: Filters) -> QuerySet[PublicReport]:
    if filters.region:
        qs = qs.filter(report__visit__facility__region__code=filters.region)
    if filters.place_type:
        qs = qs.filter(report__visit__facility__type__code=filters.place_type)
    if filters.year:
        qs = qs.filter(report__visit__started_on__year=filters.year)
    return qs


def _snippet(text: str, at: int, length: int) -> str:
    start = max(0, at - SNIPPET // 2)
    end = min(len(text), at + length + SNIPPET // 2)
    return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")


def _place_words(facility: Facility) -> str:
    """What a search matches about a report's place, folded: its search text (code, names,
    settlement and every gazetteer spelling of settlement and region) and its region's names."""
    region = facility.region
    return search_join([facility.search_text, region.name_kk, region.name_ru, region.name_en])


def search(filters: Filters, *, lang: str) -> list[Entry]:
    """Reports matching the filters. Every word of ``q`` (folded by ``search_fold``) must be in the
    public text of one published language or in the place's names, region or settlement in any
    spelling the gazetteer knows. Two or three queries whatever the number."""
    qs = _filtered(published_versions(with_text=bool(filters.q)), filters)
    found = entries(qs, lang=lang)
    words = search_words(filters.q)
    if not words:
        return found
    matching: list[Entry] = []
    for entry in found:
        place = _place_words(entry.facility)
        hit = all(word in place for word in words)
        for code in dict.fromkeys([entry.best_language(lang), *entry.languages]):
            text = "\n".join(t for _key, t in ordered_sections(public_text(entry.versions[code])))
            folded = search_fold(text)
            in_text = [word for word in words if word in folded]
            if in_text and all(word in folded or word in place for word in words):
                # The snippet around the first word found as typed (a folded form such as "№2"
                # may not occur verbatim); none when no word does.
                raw = text.casefold()
                at, length = next(
                    ((raw.find(word), len(word)) for word in in_text if raw.find(word) >= 0), (-1, 0)
                )
                if at >= 0:
                    entry.snippet = _snippet(text, at, length)
                hit = True
                break
        if hit:
            matching.append(entry)
    return matching


def latest(*, lang: str, limit: int = LATEST) -> list[Entry]:
    """The reports published last, with all their languages (two queries)."""
    ids = list(
        published_reports()
        .values("report_id")
        .annotate(last=Max("published_at"))
        .order_by("-last", "-report_id")
        .values_list("report_id", flat=True)[:limit]
    )
    return entries(published_versions().filter(report_id__in=ids), lang=lang)


def filter_choices() -> dict[str, list[Any]]:
    """Regions, types of place and years that have published reports (nothing else is offered)."""
    base = published_reports()
    regions = (
        base.values(
            "report__visit__facility__region__code",
            "report__visit__facility__region__name_kk",
            "report__visit__facility__region__name_ru",
            "report__visit__facility__region__name_en",
            "report__visit__facility__region__sort_order",
        )
        .distinct()
        .order_by("report__visit__facility__region__sort_order", "report__visit__facility__region__code")
    )
    types = (
        base.values(
            "report__visit__facility__type__code",
            "report__visit__facility__type__name_kk",
            "report__visit__facility__type__name_ru",
            "report__visit__facility__type__name_en",
            "report__visit__facility__type__sort_order",
        )
        .distinct()
        .order_by("report__visit__facility__type__sort_order", "report__visit__facility__type__code")
    )
    years = (
        base.annotate(year=ExtractYear("report__visit__started_on"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    return {
        "regions": [_named(row, "report__visit__facility__region__") for row in regions],
        "types": [_named(row, "report__visit__facility__type__") for row in types],
        "years": list(years),
    }


@dataclass(frozen=True)
class Named:
    """A reference row (region, type, status...) as values: code and names in every language."""

    code: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        order = [lang, "ru", "kk", "en"]
        return next((self.names[code] for code in order if self.names.get(code)), self.code)

    @property
    def label(self) -> str:
        """The name in the active language (templates render in the page's language)."""
        return self.name((translation.get_language() or "ru").split("-")[0])


def _named(row: Mapping[str, Any], prefix: str) -> Named:
    return Named(
        code=row[f"{prefix}code"], names={code: row[f"{prefix}name_{code}"] or "" for code in LANGUAGES}
    )


# --- one report ----------------------------------------------------------------------------------


def report_versions(report_id: int) -> dict[str, PublicReport]:
    """The published versions of one visit report by language (empty: nothing public)."""
    return {v.lang: v for v in published_versions(with_text=True).filter(report_id=report_id)}


# --- recommendations of published reports ----------------------------------------------------------


@dataclass
class PublicRecommendation:
    recommendation: Recommendation
    number: int  # its number in the report's "Recommendations" section


def public_recommendations(
    *, facility: Facility | None = None, report_id: int | None = None
) -> list[PublicRecommendation]:
    """Recommendations issued from published reports, with their number in the report (ordered as
    the report's section lists them: by id). Their text is not given here: the public reads it in
    the report's public text, where the redactions apply."""
    qs = Recommendation.objects.filter(report_id__in=published_reports().values("report_id")).select_related(
        "status", "theme", "authority", "report__visit__facility"
    )
    if facility is not None:
        qs = qs.filter(report__visit__facility=facility)
    if report_id is not None:
        qs = qs.filter(report_id=report_id)
    rows = list(qs.order_by("report_id", "id"))
    numbers: dict[int, int] = {}
    out = []
    for rec in rows:
        assert rec.report_id is not None
        numbers[rec.report_id] = numbers.get(rec.report_id, 0) + 1
        out.append(PublicRecommendation(recommendation=rec, number=numbers[rec.report_id]))
    out.sort(
        key=lambda p: (p.recommendation.issued_on, p.recommendation.report_id or 0, p.number), reverse=True
    )
    return out


# --- places ---------------------------------------------------------------------------------------


def place(facility_id: int) -> Facility | None:
    """A place that has at least one published report; None otherwise (the portal shows only
    places the public reports are about)."""
    if not published_reports().filter(report__visit__facility_id=facility_id).exists():
        return None
    return Facility.objects.select_related("region", "type", "authority").get(pk=facility_id)


def place_entries(facility: Facility, *, lang: str) -> list[Entry]:
    return entries(published_versions().filter(report__visit__facility=facility), lang=lang)


# --- statistics -----------------------------------------------------------------------------------


@dataclass
class Statistics:
    reports: int
    versions: int
    places: int
    recommendations: int
    by_year: list[tuple[int, int]]
    by_region: list[tuple[Named, int]]
    by_type: list[tuple[Named, int]]
    by_language: list[tuple[str, int]]
    by_status: list[tuple[Named, str, int]]  # status, outcome, count
    last_published: datetime.datetime | None


def statistics() -> Statistics:
    """Counts over published reports (a report counts once, whatever its languages) and over the
    recommendations issued from them. A fixed number of aggregate queries."""
    base = published_reports()
    totals = base.aggregate(
        reports=Count("report", distinct=True),
        versions=Count("id"),
        places=Count("report__visit__facility", distinct=True),
        last=Max("published_at"),
    )
    by_year = (
        base.annotate(year=ExtractYear("report__visit__started_on"))
        .values("year")
        .annotate(n=Count("report", distinct=True))
        .order_by("-year")
    )
    region = "report__visit__facility__region__"
    by_region = (
        base.values(*(f"{region}{f}" for f in ("code", "name_kk", "name_ru", "name_en", "sort_order")))
        .annotate(n=Count("report", distinct=True))
        .order_by(f"{region}sort_order", f"{region}code")
    )
    kind = "report__visit__facility__type__"
    by_type = (
        base.values(*(f"{kind}{f}" for f in ("code", "name_kk", "name_ru", "name_en", "sort_order")))
        .annotate(n=Count("report", distinct=True))
        .order_by(f"{kind}sort_order", f"{kind}code")
    )
    by_language = dict(base.values_list("lang").annotate(n=Count("id")).order_by())
    recs = Recommendation.objects.filter(report_id__in=base.values("report_id"))
    by_status = (
        recs.values(
            "status__code",
            "status__name_kk",
            "status__name_ru",
            "status__name_en",
            "status__outcome",
            "status__sort_order",
        )
        .annotate(n=Count("id"))
        .order_by("status__sort_order", "status__code")
    )
    status_rows = [(_named(row, "status__"), row["status__outcome"], row["n"]) for row in by_status]
    return Statistics(
        reports=totals["reports"],
        versions=totals["versions"],
        places=totals["places"],
        recommendations=sum(n for _s, _o, n in status_rows),
        by_year=[(row["year"], row["n"]) for row in by_year],
        by_region=[(_named(row, region), row["n"]) for row in by_region],
        by_type=[(_named(row, kind), row["n"]) for row in by_type],
        by_language=[(code, by_language[code]) for code in LANGUAGES if code in by_language],
        by_status=status_rows,
        last_published=totals["last"],
    )
