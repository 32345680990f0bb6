"""The visit report as documents: PDF (WeasyPrint, from ``visits/documents/report.html``) and DOCX
(python-docx), in Kazakh, Russian or English.

Both are drawn from the same ``ReportContent`` (``dozor.visits.reports.content.build``), so they show the
same sections in the same order, and the confidentiality rules of ``build`` hold for both: quotes
only with consent, attributed by category; the annex of evidence only in the internal version.
The internal version carries a "confidential" banner on every page.

Fonts: DejaVu Sans, which has Cyrillic and the Kazakh letters (ә ғ қ ң ө ұ ү һ і). Nothing here
checks access: callers (the view, the ``report`` command) decide who may render what; they audit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dozor.accounts.audit import audit_record
from dozor.accounts.models import AuditEvent, User
from dozor.visits.models import Report
from dozor.visits.reports.content import LANGUAGES, FindingItem, HistoryPoint, ReportContent, build

FORMATS = ("pdf", "docx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FONT = "DejaVu Sans"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Word's language tags for the proofing tools and hyphenation.
WORD_LANGUAGES = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}


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


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot close the string or the style element."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;-–—()%/'" else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


def page_counter_css() -> str:
    """The translated "Page X of Y" as CSS content: strings around counter(page)/counter(pages)."""
    marker = "\x00"
    label = _("Page %(number)s of %(total)s") % {
        "number": f"{marker}N{marker}",
        "total": f"{marker}T{marker}",
    }
    parts: list[str] = []
    for chunk in label.split(marker):
        if chunk == "N":
            parts.append("counter(page)")
        elif chunk == "T":
            parts.append("counter(pages)")
        elif chunk:
            parts.append(_css_string(chunk))
    return " ".join(parts)


# --- the occupancy chart ------------------------------------------------------------------------

CHART_W, CHART_H = 640, 260
PAD_L, PAD_R, PAD_T, PAD_B = 48, 16, 28, 44
POPULATION_COLOUR = "#4a78b5"
VISIT_COLOUR = "#c0392b"
CAPACITY_COLOUR = "#222222"


@dataclass
class _Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: int
    from_visit: bool


@dataclass
class _Geometry:
    bars: list[_Bar]
    capacity: list[tuple[float, float]]  # line through the capacity of each point
    ticks: list[tuple[float, int]]  # y, value
    top: int


def _nice_step(value: int, ticks: int = 4) -> int:
    """The smallest round step (1, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) whose ``ticks`` steps reach ``value``."""
    magnitude = 1
    while True:
        for factor in (1, 2, 2.5, 3, 4, 5, 6, 8):
            step = int(factor * magnitude)
            if step and step == factor * magnitude and step * ticks >= value:
                return step
        magnitude *= 10


def _geometry(history: list[HistoryPoint]) -> _Geometry:
    step = _nice_step(max([max(p.capacity, p.population) for p in history] + [1]))
    top = step * 4
    plot_w = CHART_W - PAD_L - PAD_R
    plot_h = CHART_H - PAD_T - PAD_B
    slot = plot_w / max(len(history), 1)
    bar_w = min(slot * 0.6, 48)

    def y_of(value: int) -> float:
        return PAD_T + plot_h * (1 - value / top)

    bars: list[_Bar] = []
    capacity: list[tuple[float, float]] = []
    for i, point in enumerate(history):
        centre = PAD_L + slot * (i + 0.5)
        y = y_of(point.population)
        bars.append(
            _Bar(
                x=centre - bar_w / 2,
                y=y,
                w=bar_w,
                h=PAD_T + plot_h - y,
                label=f"{point.date:%m.%Y}",
                value=point.population,
                from_visit=point.from_visit,
            )
        )
        capacity.append((centre, y_of(point.capacity)))
    if len(capacity) == 1:  # one point: a short level line across its slot
        (x, y) = capacity[0]
        capacity = [(x - slot * 0.45, y), (x + slot * 0.45, y)]
    ticks = [(y_of(step * k), step * k) for k in range(5)]
    return _Geometry(bars=bars, capacity=capacity, ticks=ticks, top=top)


def _value_inside(bar: _Bar) -> bool:
    """Write the population inside the foot of the bar, in white, when the bar is tall enough (clear
    of the capacity line, which usually crosses near the top); above it otherwise."""
    return bar.h >= 16


def _svg_value(bar: _Bar) -> str:
    x = bar.x + bar.w / 2
    if _value_inside(bar):
        return f'<text x="{x:.1f}" y="{bar.y + bar.h - 4:.1f}" text-anchor="middle" fill="white">{bar.value}</text>'
    return f'<text x="{x:.1f}" y="{bar.y - 3:.1f}" text-anchor="middle">{bar.value}</text>'


def occupancy_svg(history: list[HistoryPoint]) -> str:
    """Population (bars; counted during a visit in red) against capacity (line), as inline SVG."""
    if not history:
        return ""
    g = _geometry(history)
    from django.utils.html import escape

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{CHART_H}" '
        f'viewBox="0 0 {CHART_W} {CHART_H}" font-family="DejaVu Sans" font-size="10">'
    ]
    for y, value in g.ticks:
        parts.append(
            f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{CHART_W - PAD_R}" y2="{y:.1f}" stroke="#ddd" stroke-width="0.5"/>'
            f'<text x="{PAD_L - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#555">{value}</text>'
        )
    for bar in g.bars:
        colour = VISIT_COLOUR if bar.from_visit else POPULATION_COLOUR
        parts.append(
            f'<rect x="{bar.x:.1f}" y="{bar.y:.1f}" width="{bar.w:.1f}" height="{bar.h:.1f}" fill="{colour}"/>'
            + _svg_value(bar)
            + f'<text x="{bar.x + bar.w / 2:.1f}" y="{CHART_H - PAD_B + 14}" text-anchor="middle" '
            f'fill="#555">{escape(bar.label)}</text>'
        )
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in g.capacity)
    parts.append(f'<polyline points="{points}" fill="none" stroke="{CAPACITY_COLOUR}" stroke-width="2"/>')
    legend_y = CHART_H - 10
    parts.append(
        f'<rect x="{PAD_L}" y="{legend_y - 8}" width="10" height="10" fill="{POPULATION_COLOUR}"/>'
        f'<text x="{PAD_L + 14}" y="{legend_y + 1}">{escape(_("Population"))}</text>'
        f'<rect x="{PAD_L + 130}" y="{legend_y - 8}" width="10" height="10" fill="{VISIT_COLOUR}"/>'
        f'<text x="{PAD_L + 144}" y="{legend_y + 1}">{escape(_("Counted during a visit"))}</text>'
        f'<line x1="{PAD_L + 330}" y1="{legend_y - 3}" x2="{PAD_L + 350}" y2="{legend_y - 3}" '
        f'stroke="{CAPACITY_COLOUR}" stroke-width="2"/>'
        f'<text x="{PAD_L + 354}" y="{legend_y + 1}">{escape(_("Capacity"))}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def occupancy_png(history: list[HistoryPoint], scale: int = 2) -> bytes:
    """The same chart as a PNG (for DOCX), drawn with Pillow in DejaVu Sans."""
    from PIL import Image, ImageDraw, ImageFont

    g = _geometry(history)
    image = Image.new("RGB", (CHART_W * scale, CHART_H * scale), "white")
    draw = ImageDraw.Draw(image)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 10 * scale)
    except OSError:  # fonts not installed: Pillow's own font (Latin and digits only)
        font = ImageFont.load_default(10 * scale)

    def s(v: float) -> float:
        return v * scale

    for y, value in g.ticks:
        draw.line([(s(PAD_L), s(y)), (s(CHART_W - PAD_R), s(y))], fill="#dddddd", width=1)
        draw.text((s(PAD_L - 4), s(y)), str(value), fill="#555555", font=font, anchor="rm")
    for bar in g.bars:
        colour = VISIT_COLOUR if bar.from_visit else POPULATION_COLOUR
        draw.rectangle([s(bar.x), s(bar.y), s(bar.x + bar.w), s(bar.y + bar.h)], fill=colour)
        if _value_inside(bar):
            draw.text(
                (s(bar.x + bar.w / 2), s(bar.y + 12)), str(bar.value), fill="white", font=font, anchor="ms"
            )
        else:
            draw.text(
                (s(bar.x + bar.w / 2), s(bar.y - 3)), str(bar.value), fill="black", font=font, anchor="ms"
            )
        draw.text(
            (s(bar.x + bar.w / 2), s(CHART_H - PAD_B + 14)), bar.label, fill="#555555", font=font, anchor="ms"
        )
    draw.line([(s(x), s(y)) for x, y in g.capacity], fill=CAPACITY_COLOUR, width=2 * scale)
    legend_y = CHART_H - 10
    draw.rectangle([s(PAD_L), s(legend_y - 8), s(PAD_L + 10), s(legend_y + 2)], fill=POPULATION_COLOUR)
    draw.text((s(PAD_L + 14), s(legend_y + 1)), _("Population"), fill="black", font=font, anchor="ls")
    draw.rectangle([s(PAD_L + 130), s(legend_y - 8), s(PAD_L + 140), s(legend_y + 2)], fill=VISIT_COLOUR)
    draw.text(
        (s(PAD_L + 144), s(legend_y + 1)), _("Counted during a visit"), fill="black", font=font, anchor="ls"
    )
    draw.line(
        [(s(PAD_L + 330), s(legend_y - 3)), (s(PAD_L + 350), s(legend_y - 3))],
        fill=CAPACITY_COLOUR,
        width=2 * scale,
    )
    draw.text((s(PAD_L + 354), s(legend_y + 1)), _("Capacity"), fill="black", font=font, anchor="ls")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


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
                "chart": mark_safe(occupancy_svg(content.history)),  # built above, values escaped
                "confidential": confidential_label(),
                "page_counter": mark_safe(page_counter_css()),  # CSS-escaped above
            },
        )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: loading Pango is slow and only needed here

    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def report_pdf(report: Report, lang: str, internal: bool = True, evidence: bool = True) -> bytes:
    return render_pdf(report_html(build(report, lang=lang, internal=internal, evidence=evidence)))


# --- DOCX ---------------------------------------------------------------------------------------


def _set_run_fonts(element: Any, lang: str) -> None:
    """DejaVu Sans for every script slot of a run-properties element, and the language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fonts = element.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        element.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    language = element.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        element.append(language)
    language.set(qn("w:val"), WORD_LANGUAGES[lang])


def style_document(document: Any, lang: str) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    # Document defaults (every style inherits them), then the styles that name their own font.
    styles_root = document.styles.element
    defaults = styles_root.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles_root.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    _set_run_fonts(rpr, lang)
    for style in document.styles:
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
            style.font.name = FONT
            _set_run_fonts(style.element.get_or_add_rPr(), lang)
    document.styles["Normal"].font.size = Pt(10)
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 10.5)):
        style = document.styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x11, 0x11, 0x11)
    document.core_properties.language = WORD_LANGUAGES[lang]


def _field(paragraph: Any, instruction: str, shown: str = "1") -> None:
    """A complex Word field (PAGE, NUMPAGES...) with the result ``shown`` until the reader's word
    processor updates it (Word and LibreOffice update page fields when they lay out the page)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str) -> Any:
        run = paragraph.add_run()
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        run._r.append(fld)
        return run

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    char("separate")
    paragraph.add_run(shown)
    char("end")


def page_footer(paragraph: Any) -> None:
    marker = "\x00"
    label = _("Page %(number)s of %(total)s") % {
        "number": f"{marker}N{marker}",
        "total": f"{marker}T{marker}",
    }
    for chunk in label.split(marker):
        if chunk == "N":
            _field(paragraph, "PAGE")
        elif chunk == "T":
            _field(paragraph, "NUMPAGES")
        elif chunk:
            paragraph.add_run(chunk)


def docx_toc(document: Any, entries: Iterable[tuple[int, str]]) -> None:
    """A TOC field whose current result is the list of headings (without page numbers), so the
    contents read right before anyone updates fields; Word and LibreOffice replace it on update."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    def fld(paragraph: Any, kind: str) -> None:
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    rows = list(entries)
    for i, (level, text) in enumerate(rows):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        paragraph.paragraph_format.space_after = 0
        if i == 0:
            fld(paragraph, "begin")
            run = paragraph.add_run()
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = ' TOC \\o "1-2" \\h \\z \\u '
            run._r.append(instr)
            fld(paragraph, "separate")
        paragraph.add_run(text)
        if i == len(rows) - 1:
            fld(paragraph, "end")


def docx_table(
    document: Any,
    header: list[str] | None,
    rows: Iterable[tuple[object, ...]],
    numeric: frozenset[int] | set[int] = frozenset(),
) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    rows = list(rows)
    columns = len(header) if header else len(rows[0]) if rows else 1
    table = document.add_table(rows=1 if header else 0, cols=columns)
    table.style = "Table Grid"
    if header:
        for i, (cell, text) in enumerate(zip(table.rows[0].cells, header, strict=True)):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
            if i in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in rows:
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, row, strict=True)):
            cell.text = "" if value is None else str(value)
            if i in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph()


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


def a4_document(lang: str) -> Any:
    """A new DOCX in ``lang``: the fonts with Kazakh letters, A4 with 1.8 cm margins and the page
    counter in the footer (shared by the visit report, the public version and the annual report)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    document = Document()
    style_document(document, lang)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_footer(footer)
    return document


def letterhead(document: Any, npm_name: str, title: str) -> None:
    """The NPM's name centred above a rule, then the document's title."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    npm = head.add_run(npm_name)
    npm.bold = True
    npm.font.size = Pt(12)
    bottom_border(document.add_paragraph())
    document.add_paragraph(title, style="Title")


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
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


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


def bottom_border(paragraph: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "1"), ("w:color", "333333")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


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
