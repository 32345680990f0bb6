"""CSV and XLSX import/export of the registry.

Import is in two steps: ``read_table`` turns the uploaded bytes into rows (or refuses the file),
``validate_rows`` checks every row and collects every problem with its row number. Only a file
without a single problem is handed to ``services.facilities_import``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Font

from dozor.core.exports import csv_bytes, workbook, xlsx_bytes
from dozor.core.files import MAX_UNCOMPRESSED, ArchiveTooLarge, UploadError, open_zip
from dozor.core.models import Authority, PopulationCategory, Region
from dozor.facilities.models import FACILITY_FIELDS, Facility, FacilityType
from dozor.facilities.services import FacilityData, FacilityRow

COLUMNS = FACILITY_FIELDS
REQUIRED_COLUMNS = {"code", "type", "region"}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
MAX_XLSX_UNCOMPRESSED = MAX_UNCOMPRESSED


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing was written."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


def read_table(data: bytes, filename: str) -> list[dict[str, Any]]:
    """Return the data rows as dicts keyed by column name; refuse unreadable files."""
    if len(data) > settings.DOZOR_MAX_IMPORT_BYTES:
        raise ImportFileError(
            _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes.")
            % {"size": len(data), "limit": settings.DOZOR_MAX_IMPORT_BYTES}
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    name = filename.lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        header, rows = _read_xlsx(data)
    elif name.endswith(".csv") or name.endswith(".txt") or not name:
        header, rows = _read_csv(data)
    else:
        raise ImportFileError(_("Only .csv and .xlsx files can be imported."))
    header = [str(h or "").strip().lower() for h in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(columns)s. Allowed columns: %(allowed)s.")
            % {"columns": ", ".join(unknown), "allowed": ", ".join(COLUMNS)}
        )
    missing = sorted(REQUIRED_COLUMNS - set(header))
    if missing:
        raise ImportFileError(_("Missing required columns: %(columns)s.") % {"columns": ", ".join(missing)})
    duplicates = sorted({h for h in header if h and header.count(h) > 1})
    if duplicates:
        raise ImportFileError(_("Columns appear twice: %(columns)s.") % {"columns": ", ".join(duplicates)})
    result = []
    for values in rows:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        if len(values) > len(header) and any(str(v or "").strip() for v in values[len(header) :]):
            raise ImportFileError(_("A row has more cells than the header has columns."))
        result.append({h: (values[i] if i < len(values) else None) for i, h in enumerate(header) if h})
    if not result:
        raise ImportFileError(_("The file has a header but no rows."))
    if len(result) > settings.DOZOR_MAX_IMPORT_ROWS:
        raise ImportFileError(
            _("The file has %(rows)s rows; the limit is %(limit)s.")
            % {"rows": len(result), "limit": settings.DOZOR_MAX_IMPORT_ROWS}
        )
    return result


def _read_csv(data: bytes) -> tuple[list[Any], list[list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The CSV file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.")
        ) from exc
    if "\x00" in text:
        raise ImportFileError(_("The CSV file contains binary data."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        table = list(reader)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc
    if not table:
        raise ImportFileError(_("The file is empty."))
    return table[0], table[1:]


def _read_xlsx(data: bytes) -> tuple[list[Any], list[list[Any]]]:
    try:
        open_zip(data, max_uncompressed=MAX_XLSX_UNCOMPRESSED).close()
    except ArchiveTooLarge as exc:
        raise ImportFileError(_("The XLSX file expands to more than is allowed.")) from exc
    except UploadError as exc:
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    finally:
        workbook.close()
    if not rows:
        raise ImportFileError(_("The file is empty."))
    return rows[0], rows[1:]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> datetime.date | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(_text(value))


def validate_rows(raw_rows: list[dict[str, Any]]) -> tuple[list[FacilityRow], list[RowError]]:
    """Check every row against the reference data; return cleaned rows and every error found."""
    types = {t.code: t for t in FacilityType.objects.select_related("authority")}
    authorities = {a.code: a for a in Authority.objects.all()}
    regions = {r.code: r for r in Region.objects.all()}
    categories = {c.code: c for c in PopulationCategory.objects.all()}
    errors: list[RowError] = []
    cleaned: list[FacilityRow] = []
    seen_codes: dict[str, int] = {}
    for offset, raw in enumerate(raw_rows):
        row_no = offset + 2  # row 1 is the header
        row_errors: list[RowError] = []

        def bad(
            column: str, message: str, row_no: int = row_no, row_errors: list[RowError] = row_errors
        ) -> None:
            row_errors.append(RowError(row_no, column, message))

        code = _text(raw.get("code"))
        if not code:
            bad("code", _("The code is required."))
        elif not CODE_RE.match(code):
            bad("code", _("The code may use only Latin letters, digits and . _ / - (at most 40)."))
        elif code in seen_codes:
            bad(
                "code",
                _("The code %(code)s is already used in row %(row)s.")
                % {"code": code, "row": seen_codes[code]},
            )
        else:
            seen_codes[code] = row_no
        names = {f"name_{lang}": _text(raw.get(f"name_{lang}")) for lang in ("kk", "ru", "en")}
        if not any(names.values()):
            bad("name_ru", _("Give the name in at least one language."))
        for key, value in names.items():
            if len(value) > 300:
                bad(key, _("The name is longer than 300 characters."))
        type_code = _text(raw.get("type"))
        facility_type = types.get(type_code)
        if facility_type is None:
            bad("type", _("Unknown facility type code '%(code)s'.") % {"code": type_code})
        authority_code = _text(raw.get("authority"))
        authority = (
            authorities.get(authority_code)
            if authority_code
            else (facility_type.authority if facility_type else None)
        )
        if authority_code and authority is None:
            bad("authority", _("Unknown authority code '%(code)s'.") % {"code": authority_code})
        region_code = _text(raw.get("region"))
        region = regions.get(region_code)
        if region is None:
            bad("region", _("Unknown region code '%(code)s'.") % {"code": region_code})
        coords: dict[str, Decimal | None] = {}
        for key, limit in (("latitude", 90), ("longitude", 180)):
            value = _text(raw.get(key)).replace(",", ".")
            if not value:
                coords[key] = None
                continue
            try:
                number = Decimal(value)
            except InvalidOperation:
                bad(key, _("'%(value)s' is not a number.") % {"value": value})
                continue
            if not number.is_finite() or not -limit <= number <= limit:
                bad(key, _("The value must be between -%(limit)s and %(limit)s.") % {"limit": limit})
                continue
            coords[key] = number.quantize(Decimal("0.000001"))
        if len(coords) == 2 and (coords["latitude"] is None) != (coords["longitude"] is None):
            bad("longitude", _("Give both latitude and longitude, or neither."))
        capacity: int | None = None
        capacity_text = _text(raw.get("capacity"))
        if capacity_text:
            try:
                capacity = int(capacity_text)
            except ValueError:
                bad("capacity", _("'%(value)s' is not a whole number.") % {"value": capacity_text})
            else:
                if capacity < 0:
                    bad("capacity", _("Capacity cannot be negative."))
        category_codes = [c for c in re.split(r"[;,]", _text(raw.get("population_categories"))) if c.strip()]
        chosen = []
        for category_code in category_codes:
            category = categories.get(category_code.strip())
            if category is None:
                bad(
                    "population_categories",
                    _("Unknown population category '%(code)s'.") % {"code": category_code},
                )
            else:
                chosen.append(category)
        status = _text(raw.get("status")).lower() or Facility.Status.ACTIVE
        if status not in Facility.Status.values:
            bad("status", _("The status must be 'active' or 'closed'."))
        dates: dict[str, datetime.date | None] = {}
        for key in ("opened_on", "closed_on"):
            try:
                dates[key] = _date(raw.get(key))
            except ValueError:
                bad(key, _("'%(value)s' is not a date (use YYYY-MM-DD).") % {"value": _text(raw.get(key))})
                dates[key] = None
        if (
            status == Facility.Status.CLOSED
            and dates["closed_on"] is None
            and "closed_on" not in {e.column for e in row_errors}
        ):
            bad("closed_on", _("A closed place needs the date it closed."))
        if status == Facility.Status.ACTIVE and dates["closed_on"] is not None:
            bad("closed_on", _("An active place cannot have a closing date."))
        if dates["opened_on"] and dates["closed_on"] and dates["closed_on"] < dates["opened_on"]:
            bad("closed_on", _("The closing date is before the opening date."))
        errors.extend(row_errors)
        if not row_errors:
            assert facility_type is not None and authority is not None and region is not None
            cleaned.append(
                FacilityRow(
                    data=FacilityData(
                        code=code,
                        name_kk=names["name_kk"],
                        name_ru=names["name_ru"],
                        name_en=names["name_en"],
                        type=facility_type,
                        authority=authority,
                        region=region,
                        settlement=_text(raw.get("settlement"))[:200],
                        address=_text(raw.get("address"))[:400],
                        latitude=coords.get("latitude"),
                        longitude=coords.get("longitude"),
                        capacity=capacity,
                        status=status,
                        opened_on=dates["opened_on"],
                        closed_on=dates["closed_on"],
                        notes=_text(raw.get("notes")),
                    ),
                    population_categories=tuple(chosen),
                )
            )
    return cleaned, errors


def export_row(facility: Facility) -> list[Any]:
    categories = ";".join(sorted(c.code for c in facility.population_categories.all()))
    return [
        facility.code,
        facility.name_kk,
        facility.name_ru,
        facility.name_en,
        facility.type.code,
        facility.authority.code,
        facility.region.code,
        facility.settlement,
        facility.address,
        "" if facility.latitude is None else str(facility.latitude),
        "" if facility.longitude is None else str(facility.longitude),
        "" if facility.capacity is None else facility.capacity,
        categories,
        facility.status,
        facility.opened_on.isoformat() if facility.opened_on else "",
        facility.closed_on.isoformat() if facility.closed_on else "",
        facility.notes,
    ]


def export_csv(facilities: Iterable[Facility]) -> bytes:
    return csv_bytes(COLUMNS, (export_row(facility) for facility in facilities))


def export_xlsx(facilities: Iterable[Facility]) -> bytes:
    book = workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "facilities"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for facility in facilities:
        sheet.append(export_row(facility))
    return xlsx_bytes(book)
