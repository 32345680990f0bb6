"""The response form's texts follow the reader's language, not the language at import time."""

from __future__ import annotations

from django.utils import translation

from dozor.recommendations.portal.forms import ResponseForm
from dozor.recommendations.portal.services import MAX_ATTACHMENTS


def test_it_formats_the_attachments_help_in_the_readers_language() -> None:
    texts = {}
    for code in ("ru", "kk", "en"):
        with translation.override(code):
            texts[code] = str(ResponseForm().fields["attachments"].help_text)
    assert texts["en"] == f"Up to {MAX_ATTACHMENTS} files: PDF, JPEG, PNG, Word (DOCX) or Excel (XLSX)."
    assert texts["ru"].startswith("Не более ") and str(MAX_ATTACHMENTS) in texts["ru"]
    assert texts["kk"].startswith("Ең көбі ") and str(MAX_ATTACHMENTS) in texts["kk"]
