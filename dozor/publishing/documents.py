"""The public version of a visit report as documents: PDF (WeasyPrint) and DOCX (python-docx).

Both are drawn from the PUBLIC TEXT only (the internal text with the accepted redactions replaced
by their markers, ``dozor.publishing.portal.selectors.public_text``) and from facts about the visit that are public
anyway (place, region, type, dates): never from ``dozor.visits.reports.content.build``, whose findings,
team, quotes and annexes come from the internal data. The look (print CSS, DejaVu Sans for Cyrillic
and the Kazakh letters, page counters, letterhead rule, Word styles) is every document's, from the
documents toolkit (``dozor.core.documents``).

Rendering a PDF takes a second or more, so documents are cached by a hash of everything they show:
a changed text gives a new key, and the views look a version up through ``published_reports()``
before they ask for its document, so a withdrawn version is never served from the cache.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dozor.core.documents import CONTENT_TYPES as CONTENT_TYPES  # named through this module
from dozor.core.documents import FORMATS as FORMATS  # by the portal's views
from dozor.core.documents import a4_document, docx_bytes, letterhead, page_counter_css, render_pdf
from dozor.core.i18n import pick
from dozor.core.models import CountryPack
from dozor.publishing.models import PublicReport
from dozor.publishing.portal.selectors import LANGUAGES, ordered_sections
from dozor.visits.models import ReportSection

CACHE_SECONDS = 24 * 3600


# "- [Serious] Title (cell 4): what was found [1] [2]": a finding, as ReportContent.as_text writes it.
_ITEM = re.compile(r"^[-•]\s+(?P<text>.+)$")
_NUMBERED = re.compile(r"^(?P<number>\d{1,3})\.\s+(?P<text>.+)$")
_LABEL = re.compile(r"^\[(?P<label>[^\]\d…][^\]]*)\]\s+(?P<text>.+)$")
# "[1] Mandela Rules, rule 24 — Health care": a note (a standard cited), added to the public text
# by ``with_notes`` when the version is made. A finding's markers point to these notes; a marker
# whose note is not in the text (versions made before notes were added) is not shown.
_NOTE = re.compile(r"^\[(?P<number>\d{1,3})\]\s+(?P<text>.+)$")
_NOTE_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])+\s*$")
_MARKER = re.compile(r"\[(\d{1,3})\]")

Block = tuple[str, Any]


def blocks(text: str) -> list[Block]:
    """Section text as a document's blocks: ("heading", text) for a line starting "## ",
    ("list", [(label, text, refs), ...]) for consecutive "- " lines (a finding's severity, written
    "[Serious]", becomes its label; its trailing note markers "[1] [2]" become ``refs``),
    ("numbered", [(number, text), ...]) for consecutive "1. " lines (the recommendations),
    ("notes", [(number, text), ...]) for consecutive "[1] " lines, ("paragraph", text) otherwise."""
    out: list[Block] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line.strip()
        note = _NOTE.match(line)
        item = _ITEM.match(line)
        numbered = _NUMBERED.match(line)
        if line.startswith("## "):
            out.append(("heading", line[3:].strip()))
        elif note:
            _append(out, "notes", (int(note["number"]), note["text"]))
        elif item:
            markers = _NOTE_MARKERS.search(item["text"])
            refs = tuple(int(n) for n in _MARKER.findall(markers.group())) if markers else ()
            body = _NOTE_MARKERS.sub("", item["text"]).strip()
            labelled = _LABEL.match(body)
            label, rest = (labelled["label"], labelled["text"]) if labelled else ("", body)
            _append(out, "list", (label, rest, refs))
        elif numbered:
            _append(out, "numbered", (int(numbered["number"]), numbered["text"]))
        elif line:
            out.append(("paragraph", line))
    return out


def _append(out: list[Block], kind: str, entry: tuple[Any, ...]) -> None:
    if out and out[-1][0] == kind:
        out[-1][1].append(entry)
    else:
        out.append((kind, [entry]))


def note_numbers(all_blocks: Iterable[list[Block]]) -> list[int]:
    """The numbers of the notes present in a document's blocks (markers link only to these)."""
    return [
        number
        for section in all_blocks
        for kind, content in section
        if kind == "notes"
        for number, _text in content
    ]


@dataclass
class PublicSection:
    number: int
    key: str
    title: str
    blocks: list[Block]


@dataclass
class PublicDocument:
    lang: str
    npm_name: str
    title: str
    facts: list[tuple[str, str]]
    notice: str
    sections: list[PublicSection]

    @property
    def notes(self) -> list[int]:
        return note_numbers(section.blocks for section in self.sections)

    def key(self, fmt: str) -> str:
        payload = json.dumps([fmt, asdict(self)], ensure_ascii=False, sort_keys=True)
        return "publishing:public-document:" + hashlib.sha256(payload.encode()).hexdigest()


def _dates(start: Any, end: Any) -> str:
    if end is None or end == start:
        return f"{start:%d.%m.%Y}"
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"


def notice() -> str:
    return _(
        "Public version. Names, identification numbers and other details that could identify a person "
        "have been removed; “[…]” marks text that was removed."
    )


def public_document(version: PublicReport, texts: dict[str, str]) -> PublicDocument:
    """What the documents show: public facts about the visit and the public text (``texts``)."""
    lang = version.lang if version.lang in LANGUAGES else "ru"
    visit = version.report.visit
    facility = visit.facility
    with translation.override(lang):
        pack = CountryPack.objects.order_by("-loaded_at").first()
        labels = dict(ReportSection.Key.choices)
        place = pick(facility, "name", lang)
        facts = [
            (_("Place"), place),
            (_("Region"), pick(facility.region, "name", lang)),
            (_("Type of place"), pick(facility.type, "name", lang)),
            (_("Authority"), pick(facility.authority, "name", lang)),
            (_("Visit type"), pick(visit.visit_type, "name", lang)),
            (_("Dates of the visit"), _dates(visit.started_on, visit.ended_on)),
        ]
        if version.published_at:
            facts.append((_("Published on"), formats.date_format(timezone.localdate(version.published_at))))
        sections = [
            PublicSection(number=n, key=key, title=str(labels.get(key, key)), blocks=blocks(text))
            for n, (key, text) in enumerate(ordered_sections(texts), 1)
        ]
        return PublicDocument(
            lang=lang,
            npm_name=pick(pack, "npm_name", lang) if pack else "",
            title=_("Report on the visit to %(place)s") % {"place": place},
            facts=[(str(label), value) for label, value in facts if value],
            notice=notice(),
            sections=sections,
        )


def filename(version: PublicReport, fmt: str) -> str:
    """An ASCII file name: facility code, first day of the visit, language."""
    visit = version.report.visit
    code = slugify(visit.facility.code) or f"visit-{visit.pk}"
    return f"public-report-{code}-{visit.started_on:%Y-%m-%d}-{slugify(version.lang)}.{fmt}"


# --- PDF ----------------------------------------------------------------------------------------


def document_html(document: PublicDocument) -> str:
    with translation.override(document.lang):
        return render_to_string(
            "public/document.html",
            {"d": document, "page_counter": mark_safe(page_counter_css())},  # CSS-escaped there
        )


def document_pdf(document: PublicDocument) -> bytes:
    return render_pdf(document_html(document))


# --- DOCX ---------------------------------------------------------------------------------------


def document_docx(document: PublicDocument) -> bytes:
    with translation.override(document.lang):
        return _docx(document)


def _docx(document: PublicDocument) -> bytes:

    doc = a4_document(document.lang)
    doc.core_properties.title = document.title
    letterhead(doc, document.npm_name, document.title)
    for label, value in document.facts:
        line = doc.add_paragraph()
        line.paragraph_format.space_after = 0
        line.add_run(f"{label}: ").bold = True
        line.add_run(value)
    doc.add_paragraph().add_run(document.notice).italic = True
    notes = set(document.notes)
    for sec in document.sections:
        doc.add_heading(f"{sec.number}. {sec.title}", level=1)
        for kind, content in sec.blocks:
            if kind == "heading":
                doc.add_heading(content, level=2)
            elif kind == "list":
                for label, text, refs in content:
                    item = doc.add_paragraph(style="List Bullet")
                    if label:
                        item.add_run(label).bold = True
                        item.add_run(" — ")
                    item.add_run(text)
                    shown = [str(n) for n in refs if n in notes]
                    if shown:
                        item.add_run(" " + ", ".join(shown)).font.superscript = True
            elif kind == "numbered":
                for number, text in content:
                    doc.add_paragraph(f"{number}. {text}")
            elif kind == "notes":
                doc.add_heading(_("Notes"), level=2)
                for number, text in content:
                    doc.add_paragraph(f"{number}. {text}").paragraph_format.space_after = 0
            else:
                doc.add_paragraph(content)
    return docx_bytes(doc)


# --- one entry point for the views ----------------------------------------------------------------


def render(*, document: PublicDocument, fmt: str) -> bytes:
    """The public document as ``fmt`` (pdf, docx), from the cache when the same text was rendered
    before. Raises ValueError for another format."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    key = document.key(fmt)
    data = cache.get(key)
    if isinstance(data, bytes):
        return data
    data = document_pdf(document) if fmt == "pdf" else document_docx(document)
    cache.set(key, data, CACHE_SECONDS)
    return data
