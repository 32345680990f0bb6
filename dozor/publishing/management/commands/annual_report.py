"""dozor annual-report --year YYYY [--cutoff YYYY-MM-DD] --format pdf|docx --lang kk|ru|en --out FILE."""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from dozor.publishing.annual.documents import FORMATS, annual_render
from dozor.publishing.annual.figures import FIRST_YEAR, LANGUAGES, valid_cutoff, valid_year


class Command(BaseCommand):
    help = (
        "Write the annual consolidated report (OPCAT art. 23) of a year as PDF or DOCX in Kazakh, "
        "Russian or English: visits, findings, recommendations and their implementation, reprisal "
        "statistics (counts only), training and budget, each table with the query that produced it. "
        "Reads only; writes the one file given by --out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, metavar="YYYY", help="the year reported on")
        parser.add_argument("--format", default="pdf", metavar="pdf|docx", help="default: pdf")
        parser.add_argument("--lang", default="ru", metavar="kk|ru|en", help="default: ru")
        parser.add_argument("--out", required=True, metavar="FILE", help="the file to write")
        parser.add_argument(
            "--cutoff",
            default=None,
            metavar="YYYY-MM-DD",
            help="count what was recorded by the end of this day (default: today); the same cut-off "
            "gives the same figures later",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, lang = options["format"], options["lang"]
        try:
            year = valid_year(options["year"])
        except (TypeError, ValueError) as exc:
            raise CommandError(
                _('Invalid year "%(year)s": a year from %(first)s to next year.')
                % {"year": options["year"], "first": FIRST_YEAR}
            ) from exc
        if fmt not in FORMATS:
            raise CommandError(
                _('Unknown document format "%(format)s": choose pdf or docx.') % {"format": fmt}
            )
        if lang not in LANGUAGES:
            raise CommandError(_('Unknown language "%(lang)s": choose kk, ru or en.') % {"lang": lang})
        try:
            cutoff = datetime.date.fromisoformat(options["cutoff"]) if options["cutoff"] else None
            if cutoff is not None:
                valid_cutoff(year, cutoff)
        except ValueError as exc:
            raise CommandError(
                _('Invalid cut-off "%(cutoff)s": a date (YYYY-MM-DD) from the start of the year to today.')
                % {"cutoff": options["cutoff"]}
            ) from exc
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(_("No folder %(folder)s.") % {"folder": out.parent})
        started = time.monotonic()
        data = annual_render(year=year, fmt=fmt, lang=lang, cutoff=cutoff)
        out.write_bytes(data)
        self.stdout.write(
            f"{out}: {fmt.upper()}, {year}, {lang}, {len(data) // 1024} KiB in {time.monotonic() - started:.1f} s"
        )
