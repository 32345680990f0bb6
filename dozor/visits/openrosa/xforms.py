"""The XForm served to ODK Collect for one visit: the visit's checklist version exported as an
XLSForm (``dozor.methodology.xlsform.export_version``), with its settings sheet made the visit's
own, converted by pyxform.

One form per visit, so that a submission says by its form ID which visit it belongs to:
``form_id`` ``dozor_visit_<pk>``, a title with the place and the date, ``submission_url`` this
server's, and the form-encryption settings (``public_key``) when encryption is on. The XML is cached
per visit and version, keyed also by whatever changes it (title, URL, key), so an edit of the visit
or a new key shows in the form list as a new hash.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from openpyxl import load_workbook

from dozor.core.i18n import pick
from dozor.methodology.models import TemplateVersion
from dozor.methodology.xlsform import export_version, to_xform
from dozor.visits.models import Visit

FORM_ID_PREFIX = "dozor_visit_"
FORM_ID_RE = re.compile(r"^dozor_visit_([0-9]{1,12})$")
CACHE_SECONDS = 24 * 3600


def form_id_for(visit: Visit) -> str:
    return f"{FORM_ID_PREFIX}{visit.pk}"


def visit_pk_from_form_id(form_id: str) -> int | None:
    match = FORM_ID_RE.match(form_id.strip())
    return int(match.group(1)) if match else None


def encryption_settings() -> dict[str, str]:
    """The XLSForm settings that turn on form encryption (``public_key``), or none."""
    try:
        from dozor.visits.openrosa.encryption import form_settings
    except ImportError:  # form encryption not installed in this build
        return {}
    return dict(form_settings())


@dataclass(frozen=True)
class ServedForm:
    form_id: str
    title: str
    version: str
    xml: str

    @property
    def md5(self) -> str:
        return "md5:" + hashlib.md5(self.xml.encode("utf-8"), usedforsecurity=False).hexdigest()


def form_title(visit: Visit) -> str:
    """The title Collect lists: the place and the visit's date, in the NPM's default language."""
    place = pick(visit.facility, "name", settings.LANGUAGE_CODE) or visit.facility.code
    return f"{place} · {visit.started_on:%d.%m.%Y}"


def form_version(version: TemplateVersion) -> str:
    return str(version.number)


def _settings_sheet(data: bytes, values: dict[str, str]) -> bytes:
    """The workbook with its settings sheet's columns set (added when missing)."""
    book = load_workbook(io.BytesIO(data))
    sheet = book["settings"]
    header = [str(cell.value or "") for cell in sheet[1]]
    for name, value in values.items():
        if name in header:
            column = header.index(name) + 1
        else:
            header.append(name)
            column = len(header)
            sheet.cell(row=1, column=column, value=name)
        sheet.cell(row=2, column=column, value=value)
    # Saved as is: the values are this server's own (a URL, a base64 key), never user formulas.
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def served_form(visit: Visit, submission_url: str) -> ServedForm:
    """The visit's XForm (the visit must have a checklist version)."""
    version = visit.template_version
    assert version is not None
    values = {
        "form_id": form_id_for(visit),
        "form_title": form_title(visit),
        "version": form_version(version),
        "submission_url": submission_url,
        **encryption_settings(),
    }
    key_text = "\x1f".join(f"{k}={v}" for k, v in sorted(values.items()))
    digest = hashlib.sha256(key_text.encode("utf-8")).hexdigest()[:24]
    key = f"dozor:openrosa:xform:{visit.pk}:{version.pk}:{digest}"
    xml = cache.get(key)
    if not isinstance(xml, str):
        xml, _warnings = to_xform(_settings_sheet(export_version(version), values))
        cache.set(key, xml, CACHE_SECONDS)
    return ServedForm(
        form_id=values["form_id"], title=values["form_title"], version=values["version"], xml=xml
    )
