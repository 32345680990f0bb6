"""dozor submissions import FILE --visit ID --as USERNAME - import completed checklists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from dozor.accounts.models import User
from dozor.visits.access import visit_for_user
from dozor.visits.services import submissions_import


class Command(BaseCommand):
    help = (
        "Import completed checklists into a visit from an ODK Central export (CSV or CSV.zip with "
        "repeat files) or a KoboToolbox export (JSON or CSV). Writes submissions and answers, all "
        "or nothing; submissions already imported are skipped (or completed with their repeats), "
        "edits made at the source replace the earlier version, rejected ones are left out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        imp = actions.add_parser("import", help="import an export file into a visit")
        imp.add_argument("file", help="ODK Central .csv/.zip or KoboToolbox .json/.csv")
        imp.add_argument("--visit", required=True, type=int, metavar="ID", help="the visit's ID")
        imp.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USERNAME",
            help="the account the import is done as: a coordinator, or a monitor on the visit's team",
        )
        imp.add_argument("--dry-run", action="store_true", help="check everything and report, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        try:
            visit = visit_for_user(user, options["visit"], record=True)
        except Http404 as exc:
            raise CommandError(
                f"visit {options['visit']} does not exist or {user.username} cannot see it"
            ) from exc
        except PermissionDenied as exc:
            raise CommandError(
                f"{user.username} may not record checklists for visit {options['visit']}"
            ) from exc
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no file {path}")
        if path.stat().st_size > settings.DOZOR_MAX_SUBMISSIONS_BYTES:
            raise CommandError(
                f"{path} is larger than the import limit ({settings.DOZOR_MAX_SUBMISSIONS_BYTES} bytes, "
                "DOZOR_MAX_SUBMISSIONS_BYTES)"
            )
        result = submissions_import(
            actor=user, visit=visit, data=path.read_bytes(), filename=path.name, dry_run=options["dry_run"]
        )
        for instance_id in result.skipped_existing if options["verbosity"] > 1 else []:
            self.stdout.write(f"  already imported: {instance_id}")
        for new, old in result.replaced.items() if options["verbosity"] > 1 else []:
            self.stdout.write(f"  {new} replaces {old} (edited at the source)")
        for instance_id in result.completed if options["verbosity"] > 1 else []:
            self.stdout.write(f"  completed with its repeat answers: {instance_id}")
        for instance_id in result.flagged if options["verbosity"] > 1 else []:
            self.stdout.write(f"  flagged at the source: {instance_id}")
        for problem in result.not_imported:
            self.stdout.write(f"  {problem}")
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{path.name}: {result.summary}")
        self.stdout.write(f"{path.name}: {result.summary}")
