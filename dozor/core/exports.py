"""Spreadsheet and CSV exports, safe to open: the one place Dozor writes CSV and XLSX.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets when the file is opened (CSV or formula injection,
OWASP): a place named ``=HYPERLINK("http://x","y")`` would become a live link. Every export
therefore goes through this module:

- ``csv_bytes`` writes CSV (UTF-8 with a byte-order mark, so that spreadsheets read Cyrillic and
  Kazakh letters; CRLF line ends) and prefixes such text with an apostrophe (``csv_cell``), which
  spreadsheets show as text and hide. A text that is only a number (``-43.25``) is left alone:
  a spreadsheet reads it as that number, never as a formula.
- ``workbook`` gives a plain openpyxl workbook and ``xlsx_bytes`` writes it with every text cell as
  text: a value starting with ``=`` (the only start openpyxl turns into a formula) is stored as a
  string, and every text starting with one of ``FORMULA_START`` gets Excel's "quote prefix" style,
  whatever way it was put in the sheet (so editing the cell later does not turn it into a formula
  either). The text itself is kept unchanged, so an exported XLSForm or a re-imported list reads
  back exactly. (Composed rather than subclassed: ``Workbook.save`` stays openpyxl's own.)

``dozor/core/tests/test_exports.py`` fails if code outside this module creates a ``csv.writer`` or
an openpyxl ``Workbook`` of its own.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as text and never evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file: ``header`` then ``rows``, every cell through ``csv_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    # A byte-order mark lets spreadsheet programs recognise UTF-8 Cyrillic and Kazakh letters.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def neutralise(book: Workbook) -> None:
    """Turn every formula cell of ``book`` into a text cell and mark formula-like text as text."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    cell.quotePrefix = True
                elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.quotePrefix = True


def workbook() -> Workbook:
    """A new workbook for an export (one empty sheet, ``.active``); write it with ``xlsx_bytes``."""
    return Workbook()


def xlsx_bytes(book: Workbook) -> bytes:
    """``book`` as an XLSX file, with no live formula in it (``neutralise``)."""
    neutralise(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
