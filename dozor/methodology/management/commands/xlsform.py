"""dozor xlsform export|import - checklist templates to and from XLSForm (ODK Collect, KoboCollect)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.accounts.models import User
from dozor.core.files import UploadError
from dozor.methodology.models import TemplateVersion
from dozor.methodology.services import version_import_xlsform
from dozor.methodology.xlsform import XLSFormError, export_version, parse_xlsform


class Command(BaseCommand):
    help = (
        "Export published checklist templates as XLSForm files (export: one "
        "<template code>-v<number>.xlsx per template; writes only files) or import an XLSForm as "
        "a new draft template version (import: writes a draft, never a published version)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="write published templates as XLSForm files")
        which = export.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every published template")
        which.add_argument("--template", metavar="CODE", help="one template, e.g. tpl_sizo")
        export.add_argument("--out", required=True, metavar="DIR", help="folder for the .xlsx files")
        imp = actions.add_parser("import", help="import an XLSForm as a draft template version")
        imp.add_argument("file", help="the .xlsx file")
        imp.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USERNAME",
            help="the coordinator account the import is done as (its rights apply; it is audited)",
        )
        imp.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self._export(options)
        else:
            self._import(options)

    def _export(self, options: dict[str, Any]) -> None:
        versions = TemplateVersion.objects.filter(status=TemplateVersion.Status.PUBLISHED).select_related(
            "template"
        )
        if options["template"]:
            versions = versions.filter(template__code=options["template"])
            if not versions.exists():
                raise CommandError(f"no published version of template {options['template']!r}")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        count = 0
        for version in versions.order_by("template__code"):
            path = out / f"{version.template.code}-v{version.number}.xlsx"
            path.write_bytes(export_version(version))
            count += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"  {path}")
        self.stdout.write(f"exported {count} templates to {out}")

    def _import(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no file {path}")
        if path.stat().st_size > settings.DOZOR_MAX_IMPORT_BYTES:
            raise CommandError(
                f"{path} is larger than the import limit ({settings.DOZOR_MAX_IMPORT_BYTES} bytes)"
            )
        data = path.read_bytes()
        try:
            if options["dry_run"]:
                parsed = parse_xlsform(data, filename=path.name)
                report, summary = (
                    parsed.report,
                    (
                        f"{path.name}: would create a draft of template {parsed.form_id} "
                        f"({sum(len(s['questions']) for s in parsed.sections)} questions; dry run: nothing written)"
                    ),
                )
            else:
                version = version_import_xlsform(actor=user, data=data, filename=path.name)
                report = version.import_report
                summary = f"{path.name}: created draft {version}"
        except UploadError as exc:
            raise CommandError(f"{path.name}: {exc}; nothing was written") from exc
        except XLSFormError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(
                f"the XLSForm was refused ({len(exc.errors)} problems); nothing was written"
            ) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{user.username} may not edit checklist templates") from exc
        for line in report:
            self.stdout.write(f"  {line}")
        self.stdout.write(summary)
