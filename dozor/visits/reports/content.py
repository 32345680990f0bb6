"""The visit report as data: what the report page, its versions and its documents (PDF, DOCX) show.

``build`` reads a report's editable sections and the visit's data (team, phases, occupancy,
findings by theme with the standards they cite, positive practice, consented quotes) in one
language, with a fixed number of queries. Nothing here checks access: callers decide who may see
the report. Two rules about confidential material hold here for every caller:

- interviews appear only as counts by category, and as quotes only when a quotable excerpt was
  written and the person's consent to quote it is in force (``visits.Consent``): for the document's
  audience (``audience``: ``authority`` or ``public``) outside the NPM, for either audience in the
  internal version; quotes are attributed by category, never by name, code or identity
  (docs/decisions/0006-visit-reports.md, 0020-release-gate.md);
- the description of a finding marked sensitive never leaves the NPM: a version that is not
  internal says only that it is withheld;
- the list of evidence (file names and hashes) appears only in the internal version.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dozor.core import disclosure
from dozor.core.i18n import pick
from dozor.core.models import CountryPack
from dozor.facilities.models import Occupancy
from dozor.standards.models import Provision
from dozor.visits.interviews.consent import quotable
from dozor.visits.models import (
    Consent,
    Evidence,
    Finding,
    Interview,
    OccupancyCount,
    Phase,
    Report,
    ReportSection,
    Submission,
    TeamMember,
)

LANGUAGES = ("kk", "ru", "en")
AUDIENCES = ("authority", "public")
WITHHELD = gettext_lazy("The description of this finding is withheld to protect the people concerned.")
QUOTES_HEADING = gettext_lazy("Quotes from interviews")
HISTORY_POINTS = 12  # occupancy records shown in the chart


@dataclass
class Reference:
    number: int
    label: str  # "Nelson Mandela Rules, 13"
    title: str
    source: str  # official reference of the instrument


@dataclass
class FindingItem:
    pk: int
    title: str
    severity: str
    severity_label: str
    location: str
    description: str
    sources: list[str]
    references: list[int]  # numbers into ReportContent.references
    urgent: bool


@dataclass
class ThemeGroup:
    theme: str
    findings: list[FindingItem]


@dataclass
class OccupancyRow:
    category: str
    capacity: int | None
    population: int | str  # a str only in outward versions: "fewer than 5" (dozor.core.disclosure)


@dataclass
class HistoryPoint:
    date: datetime.date
    capacity: int
    population: int
    from_visit: bool


@dataclass
class Quote:
    text: str
    attribution: str


@dataclass
class Heading:
    key: str
    number: int
    title: str


@dataclass
class ReportContent:
    lang: str
    internal: bool
    npm_name: str
    title: str
    facility: str
    facility_code: str
    address: str
    authority: str
    region: str
    visit_type: str
    dates: str
    announced: bool
    status: str
    status_label: str
    team: list[tuple[str, str]]
    texts: dict[str, str]  # editable sections by key
    methodology_facts: list[tuple[str, str]]
    phases: list[tuple[str, str, str]]  # phase, time, note
    themes: list[ThemeGroup]
    positive: list[FindingItem]
    occupancy: list[OccupancyRow]
    history: list[HistoryPoint]
    quotes: list[Quote]
    evidence: list[tuple[str, str, str]]  # internal only: file name, description, SHA-256
    references: list[Reference]
    recommendations: list[dict[str, str]] = field(default_factory=list)  # {"text", "meta"}
    headings: list[Heading] = field(default_factory=list)
    small_numbers_note: str = ""  # outward versions: the small-number rule under the occupancy annex

    @property
    def finding_count(self) -> int:
        return sum(len(g.findings) for g in self.themes) + len(self.positive)

    def heading(self, key: str) -> Heading:
        return next(h for h in self.headings if h.key == key)

    def as_text(self, *, quotes: bool = False) -> dict[str, str]:
        """Plain text per section: what versions store and what the diff compares. ``quotes``
        adds the quotes (as this build allows them) at the end of the findings: what a release
        to an audience is made from."""
        out: dict[str, str] = {}
        for heading in self.headings:
            lines = [self.texts.get(heading.key, "").strip()]
            if heading.key == "findings":
                for group in self.themes:
                    lines.append(f"## {group.theme}")
                    lines += [_finding_text(item) for item in group.findings]
                if quotes and self.quotes:
                    with translation.override(self.lang):
                        lines.append(f"## {QUOTES_HEADING}")
                    lines += [f"«{' '.join(q.text.split())}» — {q.attribution}" for q in self.quotes]
            elif heading.key == "positive":
                lines += [_finding_text(item) for item in self.positive]
            elif heading.key == "recommendations":
                lines += [f"{n}. {r['text']} ({r['meta']})" for n, r in enumerate(self.recommendations, 1)]
            elif heading.key == "annexes":
                lines += [f"{row.category}: {row.population}/{row.capacity or '-'}" for row in self.occupancy]
                if self.occupancy and self.small_numbers_note:
                    lines.append(self.small_numbers_note)
            out[heading.key] = "\n".join(line for line in lines if line)
        return out


def _finding_text(item: FindingItem) -> str:
    refs = "".join(f" [{n}]" for n in item.references)
    place = f" ({item.location})" if item.location else ""
    return f"- [{item.severity_label}] {item.title}{place}: {item.description}{refs}"


def _person(user: object) -> str:
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or getattr(user, "username", ""))


def _npm_name() -> str:
    pack = CountryPack.objects.order_by("-loaded_at").first()
    return pack.npm_name if pack is not None else ""


def _dates(start: datetime.date, end: datetime.date | None) -> str:
    if end is None or end == start:
        return f"{start:%d.%m.%Y}"
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"


def _time(phase: Phase) -> str:
    start = timezone.localtime(phase.started_at)  # the NPM's time zone, not the server's
    if phase.ended_at is None:
        return f"{start:%d.%m.%Y %H:%M}"
    return f"{start:%d.%m.%Y %H:%M}–{timezone.localtime(phase.ended_at):%H:%M}"


def issued_recommendations(report: Report) -> list[dict[str, str]]:
    """The recommendations issued from the report (stored on it by the recommendations app), each
    as ``{"text": ..., "meta": ...}`` in the active language, falling back as ``pick`` does."""
    # Read from the database, not the instance: the list is written by another app's UPDATE,
    # possibly after this report was loaded.
    stored = Report.objects.filter(pk=report.pk).values_list("issued_recommendations", flat=True).first()
    return [
        {"text": pick(_Item(item), "text"), "meta": pick(_Item(item), "meta")}
        for item in stored or []
        if isinstance(item, dict)
    ]


class _Item:
    """Attribute access to a stored item, for ``pick``."""

    def __init__(self, item: dict[str, str]) -> None:
        self._item = item

    def __getattr__(self, name: str) -> str:
        return self._item.get(name, "")


def build(
    report: Report, *, lang: str, internal: bool = True, evidence: bool = True, audience: str = "public"
) -> ReportContent:
    """The report in ``lang`` (kk, ru or en). ``internal`` marks the internal version (banner) and,
    with ``evidence`` (False for readers who may not see evidence, e.g. council members), adds the
    confidential annex listing the evidence. A build that is not internal is made for an
    ``audience`` (``authority`` or ``public``): its quotes are those consented for that audience,
    and the descriptions of sensitive findings are withheld."""
    lang = lang if lang in LANGUAGES else "ru"
    if audience not in AUDIENCES:
        raise ValueError(audience)
    with translation.override(lang):
        return _build(report, lang, internal, evidence=internal and evidence, audience=audience)


def _build(report: Report, lang: str, internal: bool, *, evidence: bool, audience: str) -> ReportContent:
    visit = report.visit
    facility = visit.facility
    sections = {s.key: s.body for s in ReportSection.objects.filter(report=report)}
    team = [
        (_person(m.user), str(m.get_role_display()))
        for m in TeamMember.objects.filter(visit=visit).select_related("user").order_by("role", "id")
    ]
    phases = [
        (str(p.get_kind_display()), _time(p), p.note)
        for p in Phase.objects.filter(visit=visit).order_by("started_at", "id")
    ]
    findings = list(
        Finding.objects.filter(visit=visit)
        .select_related("theme")
        .prefetch_related(
            Prefetch("provisions", queryset=Provision.objects.select_related("instrument").order_by("code"))
        )
        .order_by("theme__sort_order", "theme__code", "severity", "id")
    )
    references: dict[int, Reference] = {}
    sources = dict(Finding.Source.choices)
    severity_rank = {code: i for i, (code, _label) in enumerate(Finding.Severity.choices)}

    def item(finding: Finding) -> FindingItem:
        numbers = []
        for provision in finding.provisions.all():
            if provision.pk not in references:
                references[provision.pk] = Reference(
                    number=len(references) + 1,
                    label=f"{provision.instrument.short or provision.instrument.name}, {provision.number_display}",
                    title=provision.title,
                    source=provision.instrument.reference,
                )
            numbers.append(references[provision.pk].number)
        return FindingItem(
            pk=finding.pk,
            title=finding.title,
            severity=finding.severity,
            severity_label=str(finding.get_severity_display()),
            location=finding.location,
            description=finding.description if internal or not finding.sensitive else str(WITHHELD),
            sources=[str(sources.get(code, code)) for code in finding.sources],
            references=numbers,
            urgent=finding.possible_ill_treatment,
        )

    themes: list[ThemeGroup] = []
    positive: list[FindingItem] = []
    for finding in sorted(
        findings, key=lambda f: (f.theme.sort_order, f.theme.code, severity_rank[f.severity], f.pk)
    ):
        if finding.severity == Finding.Severity.POSITIVE:
            continue
        name = finding.theme.name
        if not themes or themes[-1].theme != name:
            themes.append(ThemeGroup(theme=name, findings=[]))
        themes[-1].findings.append(item(finding))
    positive = [item(f) for f in findings if f.severity == Finding.Severity.POSITIVE]

    categories = dict(OccupancyCount.Category.choices)
    counts = list(OccupancyCount.objects.filter(visit=visit).order_by("id"))
    occupancy = [
        OccupancyRow(category=str(categories[c.category]), capacity=c.capacity, population=c.population)
        for c in counts
    ]
    history = [
        HistoryPoint(
            date=o.date,
            capacity=o.capacity,
            population=o.population,
            from_visit=o.source == Occupancy.Source.VISIT,
        )
        for o in Occupancy.objects.filter(
            facility=facility, date__lte=visit.ended_on or visit.started_on
        ).order_by("-date")[:HISTORY_POINTS]
    ][::-1]
    if not internal:
        # Small-number suppression (docs/decisions/0025-small-numbers-and-minimisation.md).
        threshold = disclosure.small_number_threshold()
        # The place's total on the day of the visit is in the history: protect the categories
        # against it, leave out of the history any total that is itself small, and the visit's
        # own total when a hidden category could be worked out from it.
        total = sum(c.population for c in counts)
        cells, total_cell = disclosure.protect([c.population for c in counts], total, threshold=threshold)
        for row, cell in zip(occupancy, cells, strict=True):
            row.population = cell.display()
        hide_total = total_cell is not None and total_cell.suppressed
        history = [
            p
            for p in history
            if not disclosure.is_small(p.population, threshold)
            and not (hide_total and p.from_visit and p.population == total)
        ]

    interviews = list(
        Interview.objects.filter(visit=visit)
        .only("category", "excerpt")
        .prefetch_related(Prefetch("consents", queryset=Consent.objects.order_by("id")))
        .order_by("id")
    )
    interview_categories = dict(Interview.Category.choices)
    by_category = Counter(i.category for i in interviews)
    if internal:
        quoted = {i.pk for audience_ in AUDIENCES for i in quotable(interviews, audience_)}
        chosen = [i for i in interviews if i.pk in quoted]
    else:
        chosen = quotable(interviews, audience)
    quotes = [
        Quote(text=i.excerpt.strip(), attribution=str(interview_categories[i.category])) for i in chosen
    ]
    evidence_list = (
        [
            (e.original_name, e.description, e.sha256)
            for e in Evidence.objects.filter(visit=visit).order_by("uploaded_at", "id")
        ]
        if evidence
        else []
    )

    interviewed_by = sorted(by_category.items(), key=lambda kv: list(interview_categories).index(kv[0]))
    interviewed: list[str] = [str(n) for _code, n in interviewed_by]
    interviewed_total = str(len(interviews))
    if not internal:
        # "children: 1" next to a finding about a child names the child: small counts of the people
        # interviewed are suppressed in outward versions like any count of people (decision 0025)
        cells, total_cell = disclosure.protect([n for _code, n in interviewed_by], len(interviews))
        interviewed = [str(cell.display()) for cell in cells]
        interviewed_total = str(total_cell.display()) if total_cell is not None else interviewed_total
    facts: list[tuple[str, str]] = [
        (_("Dates of the visit"), _dates(visit.started_on, visit.ended_on)),
        (_("Announced in advance"), _("yes") if visit.announced else _("no")),
        (_("Members of the group"), str(len(team))),
        (_("Private interviews"), interviewed_total),
    ]
    facts += [
        (f"— {interview_categories[code]}", shown)
        for (code, _n), shown in zip(interviewed_by, interviewed, strict=True)
    ]
    facts.append(
        (_("Checklists completed"), str(visit.submissions.filter(status=Submission.Status.FINAL).count()))
    )

    content = ReportContent(
        lang=lang,
        internal=internal,
        npm_name=_npm_name(),
        title=_("Report on the visit to %(place)s") % {"place": facility.name},
        facility=facility.name,
        facility_code=facility.code,
        address=facility.address,
        authority=facility.authority.name if facility.authority_id else "",
        region=facility.region.name,
        visit_type=visit.visit_type.name,
        dates=_dates(visit.started_on, visit.ended_on),
        announced=visit.announced,
        status=report.status,
        status_label=str(report.get_status_display()),
        team=team,
        texts=sections,
        methodology_facts=facts,
        phases=phases,
        themes=themes,
        positive=positive,
        occupancy=occupancy,
        history=history,
        quotes=quotes,
        evidence=evidence_list,
        references=sorted(references.values(), key=lambda r: r.number),
        recommendations=issued_recommendations(report),
        small_numbers_note="" if internal else disclosure.rule_text(),
    )
    labels = dict(ReportSection.Key.choices)
    content.headings = [
        Heading(key=key, number=n, title=str(labels[key]))
        for n, key in enumerate(ReportSection.Key.values, 1)
    ]
    return content
