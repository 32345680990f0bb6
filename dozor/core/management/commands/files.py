"""dozor files verify - every stored file against the SHA-256 its row keeps."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.core.backup import files_verify


class Command(BaseCommand):
    help = (
        "Stored files: verify. Reads every file a row refers to (evidence, response attachments, training "
        "materials, job outputs; writes nothing) and compares it with the SHA-256 kept in its row; names "
        "every missing or changed file and exits with status 1 if there is one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = files_verify()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} of {checked} stored files are missing or changed")
        self.stdout.write(f"all {checked} stored files match their SHA-256")
