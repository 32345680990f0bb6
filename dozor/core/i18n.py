"""Helpers for text stored in the three working languages (kk, ru, en)."""

from __future__ import annotations

from typing import Any

from django.utils import translation

LANGUAGE_CODES = ("kk", "ru", "en")


def pick(obj: Any, field: str, language: str | None = None) -> str:
    """Return ``obj.<field>_<lang>`` for the active language, falling back to ru, kk, en."""
    lang = (language or translation.get_language() or "ru").split("-")[0]
    order = [lang] + [code for code in ("ru", "kk", "en") if code != lang]
    for code in order:
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return str(value)
    return ""
