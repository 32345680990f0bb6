"""dozor files verify|seal - every stored file against the SHA-256 its row keeps; sealing at rest."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.core.backup import files_verify
from dozor.core.sealed import files_seal


class Command(BaseCommand):
    help = (
        "Stored files: verify, seal [--dry-run]. verify reads every file a row refers to (evidence, response "
        "attachments, training materials, job outputs; writes nothing) and compares it with the SHA-256 kept "
        "in its row (a sealed file is opened first); names every missing or changed file and exits with "
        "status 1 if there is one. seal encrypts at rest (DOZOR_FIELD_KEYS) every evidence file still stored "
        "in plain form and re-seals those sealed with an older key (--dry-run counts, writes nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal"])
        parser.add_argument("--dry-run", action="store_true", help="seal: count, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seal":
            self._seal(dry_run=options["dry_run"])
            return
        checked, problems = files_verify()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} of {checked} stored files are missing or changed")
        self.stdout.write(f"all {checked} stored files match their SHA-256")

    def _seal(self, *, dry_run: bool) -> None:
        report = files_seal(dry_run=dry_run, say=self.stdout.write)
        for problem in report.problems:
            self.stderr.write(problem)
        suffix = " (dry run: nothing written)" if dry_run else ""
        self.stdout.write(f"{report.sealed} files sealed, {report.resealed} re-sealed{suffix}")
        if report.problems:
            raise CommandError(f"{len(report.problems)} files could not be sealed; the others were")
