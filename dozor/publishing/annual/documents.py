"""The annual report (``dozor.publishing.annual.figures``) as documents: PDF (WeasyPrint, from
``publishing/annual/report.html``) for publication and DOCX (python-docx) for editing, in kk/ru/en.

Both show the same sections, tables and chart; under every table a small note gives the query that
produced it. The chart of visits by region is one PNG drawn with Pillow in DejaVu Sans (Cyrillic and
the Kazakh letters), used by both formats. Fonts, styles, the table of contents and page counters
come from the visit report's documents (``dozor.visits.reports.documents``) so that both kinds of report look
alike. Nothing here checks access: the view and the command do.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dozor.publishing.annual.figures import LANGUAGES, AnnualReport, Chart, Table, build, valid_year
from dozor.visits.reports.documents import (
    CONTENT_TYPES,
    FONT_DIR,
    a4_document,
    docx_table,
    docx_toc,
    letterhead,
    page_counter_css,
    render_pdf,
)

FORMATS = ("pdf", "docx")
__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "annual_docx",
    "annual_html",
    "annual_pdf",
    "annual_render",
    "filename",
]

BAR_COLOUR = "#4a78b5"
ROW_H, LABEL_W, PLOT_W, PAD = 22, 250, 380, 12


def filename(year: int, fmt: str, lang: str) -> str:
    return f"annual-report-{year}-{lang}.{fmt}"


def chart_png(chart: Chart, scale: int = 2) -> bytes:
    """A horizontal bar chart (one bar per label, the value after the bar) as a PNG."""
    from PIL import Image, ImageDraw, ImageFont

    bars = chart.bars or [(_("No data"), 0)]
    width, height = LABEL_W + PLOT_W + 60, PAD * 2 + ROW_H * len(bars)
    image = Image.new("RGB", (width * scale, height * scale), "white")
    draw = ImageDraw.Draw(image)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 10 * scale)
    except OSError:  # fonts not installed: Pillow's own font (Latin and digits only)
        font = ImageFont.load_default(10 * scale)
    top = max((value for _label, value in bars), default=0) or 1
    x0 = LABEL_W * scale
    draw.line([(x0, PAD * scale), (x0, (height - PAD) * scale)], fill="#999999", width=scale)
    for index, (label, value) in enumerate(bars):
        y = (PAD + index * ROW_H) * scale
        middle = y + ROW_H * scale // 2
        text = label if len(label) <= 38 else label[:37] + "…"
        draw.text((x0 - 6 * scale, middle), text, fill="#222222", font=font, anchor="rm")
        length = round(PLOT_W * scale * value / top)
        if length:
            draw.rectangle([x0, y + 4 * scale, x0 + length, y + (ROW_H - 4) * scale], fill=BAR_COLOUR)
        draw.text((x0 + length + 4 * scale, middle), str(value), fill="#222222", font=font, anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _query_note(table: Table) -> str:
    return _("Query: %(query)s") % {"query": table.provenance}


# --- PDF ----------------------------------------------------------------------------------------


def annual_html(report: AnnualReport) -> str:
    with translation.override(report.lang):
        charts = {
            s.key: "data:image/png;base64," + base64.b64encode(chart_png(s.chart)).decode("ascii")
            for s in report.sections
            if s.chart is not None
        }
        return render_to_string(
            "publishing/annual/report.html",
            {
                "r": report,
                "lang": report.lang,
                "charts": charts,
                "page_counter": mark_safe(page_counter_css()),  # CSS-escaped there
            },
        )


def annual_pdf(report: AnnualReport) -> bytes:
    return render_pdf(annual_html(report))


# --- DOCX ---------------------------------------------------------------------------------------


def _docx_table(document: Any, table: Table) -> None:
    from docx.shared import Pt, RGBColor

    document.add_heading(table.title, level=2)
    rows = [tuple(r) for r in table.rows]
    if table.total is not None:
        rows.append(tuple(table.total))
    if not table.rows:
        document.add_paragraph(_("Nothing recorded in the year."))
    else:
        docx_table(document, table.columns, rows, numeric=table.numeric)
        if table.total is not None:
            last = document.tables[-1].rows[-1]
            for cell in last.cells:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    note = document.add_paragraph()
    run = note.add_run(_query_note(table))
    run.font.size = Pt(7)
    run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def annual_docx(report: AnnualReport) -> bytes:
    with translation.override(report.lang):
        return _docx(report)


def _docx(report: AnnualReport) -> bytes:
    from docx.shared import Cm

    document = a4_document(report.lang)
    letterhead(document, report.npm_name, report.title)
    line = document.add_paragraph()
    line.add_run(f"{_('Prepared from the data on')}: ").bold = True
    line.add_run(f"{report.generated_on:%d.%m.%Y}")

    document.add_heading(_("Contents"), level=1)
    entries: list[tuple[int, str]] = []
    for sec in report.sections:
        entries.append((1, f"{sec.number}. {sec.title}"))
        entries += [(2, t.title) for t in sec.tables]
    docx_toc(document, entries)

    for sec in report.sections:
        if sec is report.sections[0]:
            document.add_page_break()
        document.add_heading(f"{sec.number}. {sec.title}", level=1)
        for text in sec.texts:
            document.add_paragraph(text)
        if sec.chart is not None:
            document.add_heading(sec.chart.title, level=2)
            document.add_picture(io.BytesIO(chart_png(sec.chart)), width=Cm(16))
        for table in sec.tables:
            _docx_table(document, table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- one entry point for the view and the command --------------------------------------------


def annual_render(*, year: int, fmt: str, lang: str) -> bytes:
    """The annual report of ``year`` as ``fmt`` (pdf, docx) in ``lang``. ValueError otherwise."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if lang not in LANGUAGES:
        raise ValueError(lang)
    report = build(valid_year(year), lang)
    return annual_pdf(report) if fmt == "pdf" else annual_docx(report)
