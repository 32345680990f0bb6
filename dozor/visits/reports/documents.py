"""The visit report as documents: PDF (WeasyPrint, from ``visits/documents/report.html``) and DOCX
(python-docx), in Kazakh, Russian or English, built with the documents toolkit
(``dozor.core.documents``: A4, fonts, letterhead, tables, contents, page numbers) and the charts
toolkit (``dozor.core.charts``).

Both are drawn from the same ``ReportContent`` (``dozor.visits.reports.content.build``), so they show the
same sections in the same order, and the confidentiality rules of ``build`` hold for both: quotes
only with consent, attributed by category; the annex of evidence only in the internal version.
The internal version carries a "confidential" banner on every page.

Nothing here checks access: callers (the view, the ``report`` command) decide who may render what;
they audit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dozor.accounts.audit import audit_record
from dozor.accounts.models import AuditEvent, User
from dozor.core.charts import Column, ColumnChart, LegendItem
from dozor.core.documents import CONTENT_TYPES as CONTENT_TYPES  # named through this module by
from dozor.core.documents import FORMATS as FORMATS  # the view, the portal and the command
from dozor.core.documents import (
    a4_document,
    docx_bytes,
    docx_table,
    docx_toc,
    letterhead,
    page_counter_css,
    render_pdf,
)
from dozor.visits.models import Report
from dozor.visits.reports.content import LANGUAGES, FindingItem, HistoryPoint, ReportContent, build

# --- shared -------------------------------------------------------------------------------------


@dataclass
class Section:
    number: int
    key: str
    title: str
    paragraphs: list[str]


def _paragraphs(text: str) -> list[str]:
    """Section text as written in the editor: paragraphs separated by blank lines."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


def _sections(content: ReportContent) -> list[Section]:
    return [
        Section(
            number=h.number, key=h.key, title=h.title, paragraphs=_paragraphs(content.texts.get(h.key, ""))
        )
        for h in content.headings
    ]


@dataclass
class ThemeBlock:
    number: str
    title: str
    anchor: str
    items: list[tuple[str, FindingItem]]


@dataclass
class Layout:
    """Numbers of the sub-headings and items, shared by the PDF and the DOCX."""

    themes: list[ThemeBlock]
    positive: list[tuple[str, FindingItem]]
    quotes_number: str
    annex: dict[str, str]  # occupancy, history, evidence -> "7.1" ...


def _layout(content: ReportContent) -> Layout:
    numbers = {h.key: h.number for h in content.headings}
    f = numbers.get("findings", 0)
    themes = [
        ThemeBlock(
            number=f"{f}.{t}",
            title=group.theme,
            anchor=f"sec-findings-{t}",
            items=[(f"{f}.{t}.{i}", item) for i, item in enumerate(group.findings, 1)],
        )
        for t, group in enumerate(content.themes, 1)
    ]
    p = numbers.get("positive", 0)
    annex: dict[str, str] = {}
    a = numbers.get("annexes", 0)
    parts = ["occupancy"] if content.occupancy else []
    parts.append("history")
    if content.internal and content.evidence:
        parts.append("evidence")
    for n, part in enumerate(parts, 1):
        annex[part] = f"{a}.{n}"
    return Layout(
        themes=themes,
        positive=[(f"{p}.{i}", item) for i, item in enumerate(content.positive, 1)],
        quotes_number=f"{f}.{len(themes) + 1}",
        annex=annex,
    )


def confidential_label() -> str:
    return _("CONFIDENTIAL – internal version, not for distribution")


def filename(report: Report, fmt: str, lang: str) -> str:
    """An ASCII file name: facility code, first day of the visit, language."""
    visit = report.visit
    code = slugify(visit.facility.code) or f"visit-{visit.pk}"
    return f"report-{code}-{visit.started_on:%Y-%m-%d}-{slugify(lang)}.{fmt}"


def _refs(item: FindingItem) -> str:
    return "".join(f" [{n}]" for n in item.references)


# --- the occupancy chart ------------------------------------------------------------------------

POPULATION_COLOUR = "#4a78b5"
VISIT_COLOUR = "#c0392b"
CAPACITY_COLOUR = "#222222"


def occupancy_chart(history: list[HistoryPoint]) -> ColumnChart:
    """Population (columns; counted during a visit in red) against capacity (line)."""
    return ColumnChart(
        columns=[
            Column(f"{p.date:%m.%Y}", p.population, VISIT_COLOUR if p.from_visit else POPULATION_COLOUR)
            for p in history
        ],
        line=[p.capacity for p in history],
        line_colour=CAPACITY_COLOUR,
        legend=[
            LegendItem(_("Population"), POPULATION_COLOUR, 0),
            LegendItem(_("Counted during a visit"), VISIT_COLOUR, 130),
            LegendItem(_("Capacity"), CAPACITY_COLOUR, 330, line=True),
        ],
    )


def occupancy_svg(history: list[HistoryPoint]) -> str:
    """The occupancy chart as inline SVG ("" without history)."""
    return occupancy_chart(history).svg()


def occupancy_png(history: list[HistoryPoint]) -> bytes:
    """The same chart as a PNG (for DOCX)."""
    return occupancy_chart(history).png()


# --- PDF ----------------------------------------------------------------------------------------


def report_html(content: ReportContent) -> str:
    """The report as HTML for WeasyPrint (print CSS: running banner, page counters, TOC)."""
    with translation.override(content.lang):
        return render_to_string(
            "visits/documents/report.html",
            {
                "c": content,
                "lang": content.lang,
                "sections": _sections(content),
                "layout": _layout(content),
                "chart": occupancy_svg(content.history),  # safe: every value escaped by core.charts.Svg
                "confidential": confidential_label(),
                "page_counter": mark_safe(page_counter_css()),  # CSS-escaped there
            },
        )


def report_pdf(report: Report, lang: str, internal: bool = True, evidence: bool = True) -> bytes:
    return render_pdf(report_html(build(report, lang=lang, internal=internal, evidence=evidence)))


# --- DOCX ---------------------------------------------------------------------------------------


def _finding(document: Any, item: FindingItem, number: str) -> None:
    document.add_heading(f"{number} {item.title}", level=3)
    facts = [item.severity_label]
    if item.urgent:
        facts.append(_("Possible torture or ill-treatment"))
    if item.location:
        facts.append(item.location)
    meta = document.add_paragraph()
    meta.add_run(" · ".join(facts)).italic = True
    for paragraph in _paragraphs(item.description) or [""]:
        document.add_paragraph(paragraph)
    if item.sources or item.references:
        line = document.add_paragraph()
        if item.sources:
            line.add_run(_("Sources") + ": ").bold = True
            line.add_run(", ".join(item.sources))
        if item.references:
            line.add_run((" " if item.sources else "") + _("Standards") + ":").bold = True
            line.add_run(_refs(item))


def report_docx_from(content: ReportContent) -> bytes:
    with translation.override(content.lang):
        return _docx(content)


def _docx(content: ReportContent) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import RGBColor

    document = a4_document(content.lang)
    if content.internal:
        banner = document.sections[0].header.paragraphs[0]
        banner.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = banner.add_run(confidential_label())
        run.bold = True
        run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
    letterhead(document, content.npm_name, content.title)
    for label, value in _letterhead_facts(content):
        line = document.add_paragraph()
        line.paragraph_format.space_after = 0
        line.add_run(f"{label}: ").bold = True
        line.add_run(value)
    document.add_paragraph()

    sections = _sections(content)
    layout = _layout(content)
    document.add_heading(_("Contents"), level=1)
    docx_toc(document, _toc_entries(content, sections, layout))

    for sec in sections:
        if sec is sections[0] or sec.key == "annexes":
            document.add_page_break()
        document.add_heading(f"{sec.number}. {sec.title}", level=1)
        for paragraph in sec.paragraphs:
            document.add_paragraph(paragraph)
        if sec.key == "methodology":
            docx_table(document, None, content.methodology_facts, numeric={1})
            if content.phases:
                docx_table(document, [_("Phase of the visit"), _("Time"), _("Note")], content.phases)
            if content.team:
                docx_table(document, [_("Team"), _("Role")], content.team)
        elif sec.key == "findings":
            for theme in layout.themes:
                document.add_heading(f"{theme.number} {theme.title}", level=2)
                for number, item in theme.items:
                    _finding(document, item, number)
            if content.quotes:
                document.add_heading(f"{layout.quotes_number} {_('Quotes from interviews')}", level=2)
                for quote in content.quotes:
                    p = document.add_paragraph(style="Quote")
                    p.add_run(f"«{quote.text}»")
                    p.add_run(f" — {quote.attribution}").italic = True
        elif sec.key == "positive":
            for number, item in layout.positive:
                _finding(document, item, number)
        elif sec.key == "recommendations":
            for rec_item in content.recommendations:
                p = document.add_paragraph(style="List Number")
                p.add_run(rec_item["text"])
                p.add_run(f" ({rec_item['meta']})").italic = True
        elif sec.key == "annexes":
            _docx_annexes(document, content, layout)
    if content.references:
        document.add_heading(_("Standards cited"), level=1)
        for ref in content.references:
            p = document.add_paragraph()
            p.add_run(f"[{ref.number}] ").bold = True
            p.add_run(ref.label)
            if ref.title:
                p.add_run(f" — {ref.title}")
            if ref.source:
                p.add_run(f" ({ref.source})").italic = True
    return docx_bytes(document)


def _docx_annexes(document: Any, content: ReportContent, layout: Layout) -> None:
    from docx.shared import Cm

    if content.occupancy:
        document.add_heading(f"{layout.annex['occupancy']} {_('Occupancy on the day of the visit')}", level=2)
        docx_table(
            document,
            [_("Category"), _("Capacity"), _("Population")],
            [
                (row.category, row.capacity if row.capacity is not None else "—", row.population)
                for row in content.occupancy
            ],
            numeric={1, 2},
        )
        if content.small_numbers_note:  # the small-number rule (dozor.core.disclosure), outward versions
            document.add_paragraph(content.small_numbers_note)
    document.add_heading(f"{layout.annex['history']} {_('Capacity and population over time')}", level=2)
    if content.history:
        document.add_picture(io.BytesIO(occupancy_png(content.history)), width=Cm(16))
        docx_table(
            document,
            [_("Date"), _("Capacity"), _("Population")],
            [(f"{p.date:%d.%m.%Y}", p.capacity, p.population) for p in content.history],
            numeric={1, 2},
        )
    else:
        document.add_paragraph(_("No occupancy records yet."))
    if "evidence" in layout.annex:
        document.add_heading(f"{layout.annex['evidence']} {_('Evidence (internal annex)')}", level=2)
        docx_table(document, [_("File name"), _("Description"), _("SHA-256")], content.evidence)


def _letterhead_facts(content: ReportContent) -> list[tuple[str, str]]:
    facts = [
        (_("Place"), content.facility),
        (_("Address"), content.address),
        (_("Region"), content.region),
        (_("Authority"), content.authority),
        (_("Visit type"), content.visit_type),
        (_("Dates"), content.dates),
        (_("Status"), content.status_label),
    ]
    return [(label, value) for label, value in facts if value]


def _toc_entries(content: ReportContent, sections: list[Section], layout: Layout) -> list[tuple[int, str]]:
    entries: list[tuple[int, str]] = []
    for sec in sections:
        entries.append((1, f"{sec.number}. {sec.title}"))
        if sec.key == "findings":
            entries += [(2, f"{theme.number} {theme.title}") for theme in layout.themes]
    if content.references:
        entries.append((1, _("Standards cited")))
    return entries


def report_docx(report: Report, lang: str, internal: bool = True, evidence: bool = True) -> bytes:
    return report_docx_from(build(report, lang=lang, internal=internal, evidence=evidence))


# --- one entry point for the view and the command --------------------------------------------


def report_render(
    *, report: Report, fmt: str, lang: str, internal: bool = True, evidence: bool = True
) -> bytes:
    """The report as ``fmt`` (pdf, docx) in ``lang`` (kk, ru, en). Raises ValueError otherwise."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if lang not in LANGUAGES:
        raise ValueError(lang)
    if fmt == "pdf":
        return report_pdf(report, lang, internal=internal, evidence=evidence)
    return report_docx(report, lang, internal=internal, evidence=evidence)


def report_export(
    *,
    actor: User | None,
    report: Report,
    fmt: str,
    lang: str,
    internal: bool = True,
    evidence: bool = True,
    via: str = "web",
    ip_address: str | None = None,
) -> bytes:
    """Render the report (``report_render``) and record the export in the audit log: the internal
    version carries consented quotes and the list of evidence. ``actor`` is None for the console."""
    data = report_render(report=report, fmt=fmt, lang=lang, internal=internal, evidence=evidence)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=report,
        changes={
            "format": fmt,
            "lang": lang,
            "version": "internal" if internal else "public",
            "evidence_annex": internal and evidence,
            "via": via,
            "bytes": len(data),
        },
        ip_address=ip_address,
    )
    return data
