"""What a report's audiences receive: the approved version for the authority, stored on the report,
and the documents (HTML, PDF, DOCX) drawn from an approved text only (issue 16,
docs/decisions/0020-release-gate.md).

The release workflow (screening, redaction, four eyes) lives in the publishing app, above visits
and above recommendations. Dependencies point down, so publishing *stores* the approved authority
text on the report (``Report.authority_release``) when it approves a release and removes it when
the release is reopened; sending (``dozor.visits.reports.services.mark_sent``) and the liaison
portal (``dozor.recommendations.portal``) read it from here, never from the report's data:

    {"texts": {lang: {"release": id, "sections": {key: text}, "approved_at": iso, "approved_by": id,
                      "report_approved_at": iso}},
     "sent": {"lang": lang, "release": id, "sent_on": iso, "also": {lang: id}}}

``lang`` is the first language the report was sent in; ``also`` the other languages sent with it
(each its own approved release): the authority reads any of them.

The documents toolkit below (section text -> blocks -> PDF/DOCX) is shared with the public portal's
documents (``dozor.publishing.documents``): both show a released text and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dozor.core.documents import CONTENT_TYPES as CONTENT_TYPES
from dozor.core.documents import FORMATS as FORMATS
from dozor.core.documents import a4_document, docx_bytes, letterhead, page_counter_css, render_pdf
from dozor.core.i18n import pick
from dozor.core.models import CountryPack
from dozor.visits.models import Report, ReportSection

CACHE_SECONDS = 24 * 3600

# --- the stored approved text ---------------------------------------------------------------------


def approved_texts(report: Report) -> dict[str, dict[str, Any]]:
    """The approved versions for the authority by language (read from the database: publishing
    writes them with an UPDATE, possibly after ``report`` was loaded)."""
    stored = Report.objects.filter(pk=report.pk).values_list("authority_release", flat=True).first()
    texts = (stored or {}).get("texts") if isinstance(stored, dict) else None
    return {lang: entry for lang, entry in (texts or {}).items() if isinstance(entry, dict)}


def approved_languages(report: Report) -> list[str]:
    return sorted(approved_texts(report))


def _sent_map(report: Report) -> dict[str, int]:
    """The languages the report was sent in, the first first, with the release sent in each."""
    stored = report.authority_release if isinstance(report.authority_release, dict) else {}
    sent = stored.get("sent")
    if not isinstance(sent, dict) or not sent.get("lang"):
        return {}
    languages = {str(sent["lang"]): sent.get("release")}
    also = sent.get("also")
    if isinstance(also, dict):
        languages.update({str(k): v for k, v in also.items() if k not in languages})
    texts = stored.get("texts") or {}
    return {
        lang: int(release)
        for lang, release in languages.items()
        if isinstance(texts.get(lang), dict) and texts[lang].get("release") == release and release is not None
    }


def sent_languages(report: Report) -> list[str]:
    """The languages the authority received the report in (the first one first)."""
    return list(_sent_map(report))


def sent_release(report: Report, lang: str | None = None) -> dict[str, Any] | None:
    """What was sent to the authority in ``lang`` (default: the first language it was sent in):
    {"lang", "release", "sent_on", "sections", ...}, or None for a report not sent through the
    release gate or not sent in that language."""
    sent_map = _sent_map(report)
    if not sent_map:
        return None
    lang = lang if lang in sent_map else None if lang else next(iter(sent_map))
    if lang is None:
        return None
    stored = report.authority_release
    entry = stored["texts"][lang]
    return {**entry, "lang": lang, "release": sent_map[lang], "sent_on": stored["sent"].get("sent_on")}


def sent_release_id(report: Report) -> int | None:
    sent = sent_release(report)
    return int(sent["release"]) if sent else None


def sent_release_ids(report: Report) -> set[int]:
    """Every release the authority received (one per language sent)."""
    return set(_sent_map(report).values())


def store_approved(
    *, report_id: int, lang: str, release_id: int, sections: Mapping[str, str], approved_by: int
) -> None:
    """Written by publishing, inside its transaction, when a release for the authority is approved.
    The report's own approval time is kept with it: a report approved again later (after going
    back to draft) cannot be sent with a version approved from its older text."""
    locked = Report.objects.select_for_update().get(pk=report_id)
    stored = dict(locked.authority_release or {})
    texts = dict(stored.get("texts") or {})
    texts[lang] = {
        "release": release_id,
        "sections": dict(sections),
        "approved_at": timezone.now().isoformat(),
        "approved_by": approved_by,
        "report_approved_at": locked.approved_at.isoformat() if locked.approved_at else None,
    }
    stored["texts"] = texts
    Report.objects.filter(pk=report_id).update(authority_release=stored)


def clear_approved(*, report_id: int, lang: str, release_id: int) -> None:
    """Written by publishing when an approved release for the authority goes back to redaction.
    The text that was sent is never removed (it is the record of what the authority received)."""
    locked = Report.objects.select_for_update().get(pk=report_id)
    stored = dict(locked.authority_release or {})
    texts = dict(stored.get("texts") or {})
    entry = texts.get(lang)
    if (
        not isinstance(entry, dict)
        or entry.get("release") != release_id
        or release_id in sent_release_ids(locked)
    ):
        return
    del texts[lang]
    stored["texts"] = texts
    Report.objects.filter(pk=report_id).update(authority_release=stored)


# --- documents from a released text ---------------------------------------------------------------

# "- [Serious] Title (block 2): what was found [1] [2]": a finding, as ReportContent.as_text writes it.
_ITEM = re.compile(r"^[-•]\s+(?P<text>.+)$")
_NUMBERED = re.compile(r"^(?P<number>\d{1,3})\.\s+(?P<text>.+)$")
_LABEL = re.compile(r"^\[(?P<label>[^\]\d…][^\]]*)\]\s+(?P<text>.+)$")
# "[1] Mandela Rules, rule 24 — Health care": a note (a standard cited). A finding's markers point
# to these notes; a marker whose note is not in the text is not shown.
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


def ordered_sections(texts: Mapping[str, str]) -> list[tuple[str, str]]:
    """(key, text) in the report's order, without empty sections."""
    keys = list(ReportSection.Key.values) + sorted(k for k in texts if k not in ReportSection.Key.values)
    return [(key, texts[key].strip()) for key in keys if texts.get(key, "").strip()]


@dataclass
class TextSection:
    number: int
    key: str
    title: str
    blocks: list[Block]


@dataclass
class TextDocument:
    lang: str
    npm_name: str
    title: str
    facts: list[tuple[str, str]]
    notice: str
    sections: list[TextSection]

    @property
    def notes(self) -> list[int]:
        return note_numbers(section.blocks for section in self.sections)

    def key(self, fmt: str) -> str:
        payload = json.dumps([fmt, asdict(self)], ensure_ascii=False, sort_keys=True)
        return "released:text-document:" + hashlib.sha256(payload.encode()).hexdigest()


def _dates(start: Any, end: Any) -> str:
    if end is None or end == start:
        return f"{start:%d.%m.%Y}"
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"


def text_sections(texts: Mapping[str, str]) -> list[TextSection]:
    labels = dict(ReportSection.Key.choices)
    return [
        TextSection(number=n, key=key, title=str(labels.get(key, key)), blocks=blocks(text))
        for n, (key, text) in enumerate(ordered_sections(texts), 1)
    ]


def authority_notice() -> str:
    return _(
        "Version for the authority, approved by two members of the NPM. Details that could identify "
        "a person, and exact locations, have been removed; “[…]” marks text that was removed."
    )


def authority_document(report: Report, sent: Mapping[str, Any]) -> TextDocument:
    """The document the authority received: facts about the visit and the approved text only."""
    lang = str(sent.get("lang") or "ru")
    visit = report.visit
    facility = visit.facility
    with translation.override(lang):
        pack = CountryPack.objects.order_by("-loaded_at").first()
        place = pick(facility, "name", lang)
        facts = [
            (_("Place"), place),
            (_("Authority"), pick(facility.authority, "name", lang) if facility.authority_id else ""),
            (_("Dates of the visit"), _dates(visit.started_on, visit.ended_on)),
            (_("Sent on"), str(sent.get("sent_on") or "")),
            (_("Outgoing reference"), report.sent_reference),
        ]
        return TextDocument(
            lang=lang,
            npm_name=pick(pack, "npm_name", lang) if pack else "",
            title=_("Report on the visit to %(place)s") % {"place": place},
            facts=[(str(label), value) for label, value in facts if value],
            notice=authority_notice(),
            sections=text_sections(sent.get("sections") or {}),
        )


def authority_filename(report: Report, lang: str, fmt: str) -> str:
    visit = report.visit
    code = slugify(visit.facility.code) or f"visit-{visit.pk}"
    return f"report-{code}-{visit.started_on:%Y-%m-%d}-{slugify(lang)}.{fmt}"


def document_html(document: TextDocument) -> str:
    with translation.override(document.lang):
        return render_to_string(
            "visits/documents/released.html",
            {"d": document, "page_counter": mark_safe(page_counter_css())},  # CSS-escaped there
        )


def document_pdf(document: TextDocument) -> bytes:
    return render_pdf(document_html(document))


def document_docx(document: TextDocument) -> bytes:
    with translation.override(document.lang):
        return _docx(document)


def _docx(document: TextDocument) -> bytes:
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


def render(*, document: TextDocument, fmt: str) -> bytes:
    """The document as ``fmt`` (pdf, docx), from the cache when the same text was rendered before.
    Raises ValueError for another format."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    key = document.key(fmt)
    data = cache.get(key)
    if isinstance(data, bytes):
        return data
    data = document_pdf(document) if fmt == "pdf" else document_docx(document)
    cache.set(key, data, CACHE_SECONDS)
    return data
