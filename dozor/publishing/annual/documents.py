"""The annual report (``dozor.publishing.annual.figures``) as documents: PDF (WeasyPrint, from
``publishing/annual/report.html``) for publication and DOCX (python-docx) for editing, in kk/ru/en.

Both show the same sections, tables and chart; under every table a small note gives the query that
produced it. The chart of visits by region is one PNG (``dozor.core.charts``: Pillow, DejaVu Sans for
Cyrillic and the Kazakh letters), used by both formats. Fonts, styles, the letterhead, the table of
contents and page counters come from the documents toolkit (``dozor.core.documents``) so that every
report looks alike. Nothing here checks access: the view and the command do.
"""

from __future__ import annotations

import base64
import datetime
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dozor.core.documents import CONTENT_TYPES as CONTENT_TYPES  # named through this module by
from dozor.core.documents import FORMATS as FORMATS  # the view and the command
from dozor.core.documents import (
    a4_document,
    docx_bytes,
    docx_table,
    docx_toc,
    letterhead,
    page_counter_css,
    render_pdf,
)
from dozor.publishing.annual.figures import LANGUAGES, AnnualReport, Table, build, valid_year


def filename(year: int, fmt: str, lang: str) -> str:
    return f"annual-report-{year}-{lang}.{fmt}"


def _query_note(table: Table) -> str:
    return _("Query: %(query)s") % {"query": table.provenance}


# --- PDF ----------------------------------------------------------------------------------------


def annual_html(report: AnnualReport) -> str:
    with translation.override(report.lang):
        charts = {
            s.key: "data:image/png;base64," + base64.b64encode(s.chart.png()).decode("ascii")
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
    if report.cutoff is not None:
        cut = document.add_paragraph()
        cut.add_run(f"{_('Figures as recorded at the end of')}: ").bold = True
        cut.add_run(f"{report.cutoff:%d.%m.%Y}")
    if report.small_numbers_note:
        document.add_paragraph(report.small_numbers_note)

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
            document.add_picture(io.BytesIO(sec.chart.png()), width=Cm(16))
        for table in sec.tables:
            _docx_table(document, table)
    return docx_bytes(document)


# --- one entry point for the view and the command --------------------------------------------


def annual_render(*, year: int, fmt: str, lang: str, cutoff: datetime.date | None = None) -> bytes:
    """The annual report of ``year`` as ``fmt`` (pdf, docx) in ``lang`` as recorded at the end of
    ``cutoff`` (default today). ValueError otherwise."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if lang not in LANGUAGES:
        raise ValueError(lang)
    report = build(valid_year(year), lang, cutoff=cutoff)
    return annual_pdf(report) if fmt == "pdf" else annual_docx(report)
