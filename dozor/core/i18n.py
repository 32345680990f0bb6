"""Helpers for text stored in the three working languages (kk, ru, en)."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation

LANGUAGE_CODES = ("kk", "ru", "en")

# Notes for the pack's maintainers ("[unverified]", "[verify]", "[unverified: check ...]") stay in
# the pack files but are not shown in the interface.
_MAINTAINER_NOTE = re.compile(r"\s*\[(?:unverified|verify)\b[^\]]*\]", re.IGNORECASE)


def hide_maintainer_notes(text: str) -> str:
    return _MAINTAINER_NOTE.sub("", text).strip() if "[" in text else text


def pick(obj: Any, field: str, language: str | None = None) -> str:
    """Return ``obj.<field>_<lang>`` for the active language, falling back to ru, kk, en."""
    lang = (language or translation.get_language() or "ru").split("-")[0]
    order = [lang] + [code for code in ("ru", "kk", "en") if code != lang]
    for code in order:
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return hide_maintainer_notes(str(value))
    return ""
