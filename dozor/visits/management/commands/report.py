"""dozor report render --visit ID --format pdf|docx --lang kk|ru|en --out FILE [--public]."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from dozor.visits.models import Report
from dozor.visits.reports import documents
from dozor.visits.reports.content import LANGUAGES


class Command(BaseCommand):
    help = (
        "Visit reports. 'render' writes a visit's report as PDF or DOCX in Kazakh, Russian or "
        "English: the internal version (confidential banner, annex of evidence) unless --public is "
        "given. Reads only; every render is recorded in the audit log as an export from the console."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        render = actions.add_parser("render", help="write a visit's report to a file")
        render.add_argument("--visit", required=True, type=int, metavar="ID", help="the visit's ID")
        render.add_argument("--format", default="pdf", metavar="pdf|docx", help="default: pdf")
        render.add_argument("--lang", default="ru", metavar="kk|ru|en", help="default: ru")
        render.add_argument("--out", required=True, metavar="FILE", help="the file to write")
        render.add_argument(
            "--public",
            action="store_true",
            help="without the confidential banner and the annex of evidence",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, lang = options["format"], options["lang"]
        if fmt not in documents.FORMATS:
            raise CommandError(
                _('Unknown document format "%(format)s": choose pdf or docx.') % {"format": fmt}
            )
        if lang not in LANGUAGES:
            raise CommandError(_('Unknown language "%(lang)s": choose kk, ru or en.') % {"lang": lang})
        # The console is run by the server's operator, who holds the database and its keys anyway:
        # no --as account to check, but the export is audited (actor: none, via: cli).
        report = (
            Report.objects.select_related("visit__facility", "visit__visit_type")
            .filter(visit_id=options["visit"])
            .first()
        )
        if report is None:
            raise CommandError(
                _("Visit %(visit)s does not exist or has no report yet.") % {"visit": options["visit"]}
            )
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(_("No folder %(folder)s.") % {"folder": out.parent})
        internal = not options["public"]
        data = documents.report_export(
            actor=None, report=report, fmt=fmt, lang=lang, internal=internal, via="cli"
        )
        out.write_bytes(data)
        version = _("internal version") if internal else _("public version")
        self.stdout.write(f"{out}: {fmt.upper()}, {lang}, {version}, {len(data) // 1024} KiB")
