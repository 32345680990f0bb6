"""The documents toolkit: what every PDF and DOCX of Dozor shares, so that a visit report, its
public version, the annual report and the training documents look alike.

PDF: HTML rendered by WeasyPrint. Templates include ``core/documents/a4.html`` (A4 page, margins,
the translated "Page X of Y" counter, DejaVu Sans, letterhead, table of contents, tables) and
``core/documents/letterhead.html``; they get the counter from ``page_counter_css()``.

DOCX: python-docx. ``a4_document`` starts a document (fonts, styles, A4, margins, page counter in
the footer), ``letterhead``, ``docx_toc`` and ``docx_table`` fill it, ``docx_bytes`` saves it.

Fonts: DejaVu Sans, which has Cyrillic and the Kazakh letters (ә ғ қ ң ө ұ ү һ і). Nothing here
checks access or knows about reports: the apps build their documents from these pieces.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

FORMATS = ("pdf", "docx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FONT = "DejaVu Sans"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Word's language tags for the proofing tools and hyphenation.
WORD_LANGUAGES = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}


# --- page numbers ---------------------------------------------------------------------------------


def _page_label() -> Iterator[str]:
    """The translated "Page X of Y" in pieces: "N" for the page number, "T" for the number of
    pages, and the text between them (whatever order the translation puts them in)."""
    marker = "\x00"
    label = _("Page %(number)s of %(total)s") % {
        "number": f"{marker}N{marker}",
        "total": f"{marker}T{marker}",
    }
    return (chunk for chunk in label.split(marker) if chunk)


def css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot close the string or the style element."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;-–—()%/'" else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


def page_counter_css() -> str:
    """The translated "Page X of Y" as CSS content: strings around counter(page)/counter(pages)."""
    counters = {"N": "counter(page)", "T": "counter(pages)"}
    return " ".join(counters.get(chunk) or css_string(chunk) for chunk in _page_label())


# --- PDF ------------------------------------------------------------------------------------------


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: loading Pango is slow and only needed here

    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)


# --- DOCX -----------------------------------------------------------------------------------------


def set_run_fonts(element: Any, lang: str) -> None:
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
    set_run_fonts(rpr, lang)
    for style in document.styles:
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
            style.font.name = FONT
            set_run_fonts(style.element.get_or_add_rPr(), lang)
    document.styles["Normal"].font.size = Pt(10)
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 10.5)):
        style = document.styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x11, 0x11, 0x11)
    document.core_properties.language = WORD_LANGUAGES[lang]


def _field_char(paragraph: Any, kind: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    run._r.append(element)


def _field_instruction(paragraph: Any, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)


def docx_field(paragraph: Any, instruction: str, shown: str = "1") -> None:
    """A complex Word field (PAGE, NUMPAGES...) with the result ``shown`` until the reader's word
    processor updates it (Word and LibreOffice update page fields when they lay out the page)."""
    _field_char(paragraph, "begin")
    _field_instruction(paragraph, instruction)
    _field_char(paragraph, "separate")
    paragraph.add_run(shown)
    _field_char(paragraph, "end")


def page_footer(paragraph: Any) -> None:
    """The translated "Page X of Y" with PAGE and NUMPAGES fields."""
    fields = {"N": "PAGE", "T": "NUMPAGES"}
    for chunk in _page_label():
        if chunk in fields:
            docx_field(paragraph, fields[chunk])
        else:
            paragraph.add_run(chunk)


def docx_toc(document: Any, entries: Iterable[tuple[int, str]]) -> None:
    """A TOC field whose current result is the list of headings (without page numbers), so the
    contents read right before anyone updates fields; Word and LibreOffice replace it on update."""
    from docx.shared import Cm

    rows = list(entries)
    for i, (level, text) in enumerate(rows):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        paragraph.paragraph_format.space_after = 0
        if i == 0:
            _field_char(paragraph, "begin")
            _field_instruction(paragraph, 'TOC \\o "1-2" \\h \\z \\u')
            _field_char(paragraph, "separate")
        paragraph.add_run(text)
        if i == len(rows) - 1:
            _field_char(paragraph, "end")


def docx_table(
    document: Any,
    header: list[str] | None,
    rows: Iterable[tuple[object, ...]],
    numeric: frozenset[int] | set[int] = frozenset(),
) -> None:
    """A grid table (bold header, numbers right-aligned in the ``numeric`` columns) and a blank
    paragraph after it."""
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


def a4_document(lang: str) -> Any:
    """A new DOCX in ``lang``: the fonts with Kazakh letters, A4 with 1.8 cm margins and the page
    counter in the footer."""
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


def docx_bytes(document: Any) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
