"""Text of a PDF for tests, with pypdf (a Python library: no poppler-utils on the machine)."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """Every page's text, pages separated by a form feed (as pdftotext does)."""
    assert data.startswith(b"%PDF"), "not a PDF"
    reader = PdfReader(io.BytesIO(data))
    return "\f".join(page.extract_text() or "" for page in reader.pages)


def pdf_plain(data: bytes) -> str:
    """The text with every run of whitespace folded to one space: lines break where the layout
    breaks them, so phrases are compared with whitespace folded."""
    return " ".join(pdf_text(data).split())
