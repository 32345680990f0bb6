"""What is indexed, how each kind of record becomes an entry, and who may see it.

One ``Source`` per kind: the queryset that loads its records for indexing (related rows loaded
with them, so a rebuild costs a fixed number of queries per batch), the function that turns one
record into an ``EntryData``, and the owning app's access helper that says which records a user
may open. Search never decides access itself: the results are the index rows whose record is in
``visible(user)``, in the same query, so nothing invisible is found *or counted*.

Left out on purpose: interviews, evidence, reprisal cases and protected persons (confidential),
and findings' descriptions (encrypted at rest: a plain-text index would undo that; a finding is
found by its title, place, theme and location). Unannounced visits' findings and reports are
indexed but invisible until the access helpers show them (``secret_visits_q``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from dozor.accounts.access import AnyUser
from dozor.core.i18n import pick
from dozor.core.search import Gazetteer
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility
from dozor.recommendations.access import letters_visible_to, recommendations_visible_to, responses_visible_to
from dozor.recommendations.models import Letter, Recommendation, Response
from dozor.search.models import Kind
from dozor.standards.access import provisions_visible_to
from dozor.standards.models import Provision
from dozor.training.access import materials_visible_to
from dozor.training.models import Material
from dozor.visits.access import findings_visible_to, reports_visible_to
from dozor.visits.models import Finding, Report

LANGUAGES = ("kk", "ru", "en")
SHOWN_BODY = 1500  # characters of a body kept for the results page (the whole text is indexed)


@dataclass
class EntryData:
    url: str
    texts: dict[str, dict[str, str]]
    words: list[str] = field(default_factory=list)  # everything searchable, shown or not
    region_id: int | None = None
    authority_id: int | None = None
    year: int | None = None


@dataclass(frozen=True)
class Source:
    kind: str
    model: type[Model]
    queryset: Callable[[], QuerySet[Any]]
    build: Callable[[Any, Gazetteer], EntryData]
    visible: Callable[[AnyUser], QuerySet[Any]]


def _per_language(make: Callable[[str], tuple[str, str]]) -> dict[str, dict[str, str]]:
    texts = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            title, body = make(lang)
        texts[lang] = {"title": title[:300], "body": body[:SHOWN_BODY]}
    return texts


def _names(obj: Any, prefix: str = "name") -> list[str]:
    return [getattr(obj, f"{prefix}_{lang}", "") for lang in LANGUAGES]


def _place_words(facility: Facility | None, gazetteer: Gazetteer) -> list[str]:
    """A record's place as words: its names in every language and every spelling of its city and
    region (the gazetteer), so "Өскемен" finds a report on a place in Ust-Kamenogorsk."""
    if facility is None:
        return []
    variants = gazetteer.variants(settlement=facility.settlement, region_id=facility.region_id)
    return [*_names(facility), facility.code, facility.settlement, *variants]


def _place(facility: Facility, gazetteer: Gazetteer) -> EntryData:
    def make(lang: str) -> tuple[str, str]:
        body = " · ".join(
            p
            for p in (
                pick(facility.type, "name", lang),
                facility.settlement,
                facility.address,
                pick(facility.region, "name", lang),
                pick(facility.authority, "short", lang),
            )
            if p
        )
        return pick(facility, "name", lang) or facility.code, body

    return EntryData(
        url=reverse("facilities:detail", args=[facility.pk]),
        texts=_per_language(make),
        words=[
            facility.search_text,
            facility.address,
            *_names(facility.type),
            *_names(facility.authority),
            *_names(facility.authority, "short"),
        ],
        region_id=facility.region_id,
        authority_id=facility.authority_id,
    )


def _standard(provision: Provision, gazetteer: Gazetteer) -> EntryData:
    instrument = provision.instrument

    def make(lang: str) -> tuple[str, str]:
        head = (
            f"{pick(instrument, 'short', lang) or pick(instrument, 'name', lang)} {provision.number_display}"
        )
        title = pick(provision, "title", lang)
        return (f"{head}: {title}" if title else head), pick(provision, "summary", lang)

    return EntryData(
        url=reverse("standards:provision_detail", args=[provision.code]),
        texts=_per_language(make),
        words=[
            provision.search_text,
            *_names(instrument),
            *_names(instrument, "short"),
            *_names(provision.theme),
        ],
    )


def _finding(finding: Finding, gazetteer: Gazetteer) -> EntryData:
    visit = finding.visit
    facility = visit.facility

    def make(lang: str) -> tuple[str, str]:
        body = " · ".join(
            p
            for p in (
                pick(facility, "name", lang),
                pick(finding.theme, "name", lang),
                finding.location,
                f"{visit.started_on:%d.%m.%Y}",
            )
            if p
        )
        return finding.title, body

    return EntryData(
        url=reverse("visits:finding_detail", args=[finding.pk]),
        texts=_per_language(make),
        words=[finding.title, finding.location, *_names(finding.theme), *_place_words(facility, gazetteer)],
        region_id=facility.region_id,
        authority_id=facility.authority_id,
        year=visit.started_on.year,
    )


def _report(report: Report, gazetteer: Gazetteer) -> EntryData:
    visit = report.visit
    facility = visit.facility
    sections = [s.body for s in report.sections.all() if s.body]

    def make(lang: str) -> tuple[str, str]:
        title = gettext("Visit report: %(place)s, %(date)s") % {
            "place": pick(facility, "name", lang) or facility.code,
            "date": f"{visit.started_on:%d.%m.%Y}",
        }
        return title, "\n".join(sections)

    return EntryData(
        url=reverse("visits:report_detail", args=[report.pk]),
        texts=_per_language(make),
        words=[*sections, report.sent_to, report.sent_reference, *_place_words(facility, gazetteer)],
        region_id=facility.region_id,
        authority_id=facility.authority_id,
        year=visit.started_on.year,
    )


def _recommendation(rec: Recommendation, gazetteer: Gazetteer) -> EntryData:
    def make(lang: str) -> tuple[str, str]:
        text = pick(rec, "text", lang)
        title = gettext("Recommendation %(number)s") % {"number": rec.pk}
        return title, text

    return EntryData(
        url=reverse("recommendations:detail", args=[rec.pk]),
        texts=_per_language(make),
        words=[
            *_names(rec, "text"),
            rec.source_reference,
            *_names(rec.theme),
            *_place_words(rec.facility, gazetteer),
            *(_names(rec.authority) + _names(rec.authority, "short") if rec.authority else []),
        ],
        region_id=rec.facility.region_id if rec.facility else None,
        authority_id=rec.authority_id or (rec.facility.authority_id if rec.facility else None),
        year=rec.issued_on.year,
    )


def _response(response: Response, gazetteer: Gazetteer) -> EntryData:
    rec = response.recommendation

    def make(lang: str) -> tuple[str, str]:
        title = gettext("Response of %(authority)s to recommendation %(number)s") % {
            "authority": pick(response.authority, "short", lang) or pick(response.authority, "name", lang),
            "number": rec.pk,
        }
        return title, "\n".join(p for p in (response.text, response.action_plan) if p)

    return EntryData(
        url=reverse("recommendations:response_detail", args=[response.pk]),
        texts=_per_language(make),
        words=[
            response.text,
            response.action_plan,
            *_names(response.authority),
            *_names(response.authority, "short"),
            *_place_words(rec.facility, gazetteer),
        ],
        region_id=rec.facility.region_id if rec.facility else None,
        authority_id=response.authority_id,
        year=response.submitted_at.year if response.submitted_at else None,
    )


def _letter(letter: Letter, gazetteer: Gazetteer) -> EntryData:
    def make(lang: str) -> tuple[str, str]:
        return f"{letter.number} · {letter.subject}", letter.summary

    authority = letter.authority
    return EntryData(
        url=reverse("recommendations:letter_detail", args=[letter.pk]),
        texts=_per_language(make),
        words=[
            letter.number,
            letter.subject,
            letter.summary,
            *_place_words(letter.facility, gazetteer),
            *(_names(authority) + _names(authority, "short") if authority else []),
        ],
        region_id=letter.facility.region_id if letter.facility else None,
        authority_id=letter.authority_id or (letter.facility.authority_id if letter.facility else None),
        year=letter.registered_on.year,
    )


def _material(material: Material, gazetteer: Gazetteer) -> EntryData:
    session = material.session
    event = session.event

    def make(lang: str) -> tuple[str, str]:
        body = " · ".join(
            p for p in (pick(event, "title", lang), pick(session, "topic", lang), event.city) if p
        )
        return material.title, body

    return EntryData(
        url=reverse("training:material", args=[material.pk]),
        texts=_per_language(make),
        words=[material.title, *_names(session, "topic"), *_names(event, "title"), event.city],
        year=session.starts_at.year,
    )


SOURCES: tuple[Source, ...] = (
    Source(
        Kind.PLACE,
        Facility,
        lambda: Facility.objects.select_related("type", "region", "authority"),
        _place,
        facilities_visible_to,
    ),
    Source(
        Kind.STANDARD,
        Provision,
        lambda: Provision.objects.select_related("instrument", "theme"),
        _standard,
        provisions_visible_to,
    ),
    Source(
        Kind.FINDING,
        Finding,
        lambda: Finding.objects.select_related("visit__facility", "theme").defer("description"),
        _finding,
        findings_visible_to,
    ),
    Source(
        Kind.REPORT,
        Report,
        lambda: Report.objects.select_related("visit__facility").prefetch_related("sections"),
        _report,
        reports_visible_to,
    ),
    Source(
        Kind.RECOMMENDATION,
        Recommendation,
        lambda: Recommendation.objects.select_related("facility", "authority", "theme"),
        _recommendation,
        recommendations_visible_to,
    ),
    Source(
        Kind.RESPONSE,
        Response,
        lambda: Response.objects.select_related("authority", "recommendation__facility"),
        _response,
        responses_visible_to,
    ),
    Source(
        Kind.LETTER,
        Letter,
        lambda: Letter.objects.select_related("authority", "facility"),
        _letter,
        letters_visible_to,
    ),
    Source(
        Kind.MATERIAL,
        Material,
        lambda: Material.objects.select_related("session__event"),
        _material,
        materials_visible_to,
    ),
)
BY_KIND: dict[str, Source] = {s.kind: s for s in SOURCES}
BY_MODEL: dict[type[Model], Source] = {s.model: s for s in SOURCES}


def kinds() -> Iterable[str]:
    return BY_KIND.keys()
