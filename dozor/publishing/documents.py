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

from typing import Any

from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dozor.core.documents import CONTENT_TYPES as CONTENT_TYPES  # named through this module
from dozor.core.documents import FORMATS as FORMATS  # by the portal's views
from dozor.core.i18n import pick
from dozor.core.models import CountryPack
from dozor.publishing.models import PublicReport
from dozor.publishing.portal.selectors import LANGUAGES, ordered_sections
from dozor.visits.models import ReportSection
from dozor.visits.reports import released

CACHE_SECONDS = 24 * 3600


# The text -> blocks -> document toolkit is shared with the version for the authority (the liaison
# portal is below publishing, so it lives in visits): named through this module as before.
Block = released.Block
blocks = released.blocks
note_numbers = released.note_numbers
PublicSection = released.TextSection
PublicDocument = released.TextDocument


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


document_html = released.document_html
document_pdf = released.document_pdf
document_docx = released.document_docx


# --- one entry point for the views ----------------------------------------------------------------


render = released.render
