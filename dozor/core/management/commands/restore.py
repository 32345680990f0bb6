"""dozor restore FILE - restore a backup made by `dozor backup` into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.core.backup import BackupError, backup_read_manifest, backup_restore, files_verify
from dozor.core.canary import key_canary_problems


class Command(BaseCommand):
    # The checks read the database; restore checks what it needs itself, before writing anything.
    requires_system_checks: list[str] = []
    help = (
        "Restore an archive made by `dozor backup`: first check it whole (a damaged or foreign archive, one "
        "made for another database or with other field-encryption keys is refused, nothing written), then "
        "restore the database - only into an empty one - and the stored files, then verify keys, files and "
        "the audit chain. --check only checks the archive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the archive written by dozor backup")
        parser.add_argument("--check", action="store_true", help="only check the archive; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            if options["check"]:
                manifest = backup_read_manifest(path)
                self.stdout.write(
                    f"{path} is an intact Dozor backup of {manifest['created_at']} (Dozor "
                    f"{manifest['dozor_version']}, {manifest['database']}, {len(manifest['members'])} members)"
                )
                return
            report = backup_restore(path=path, progress=lambda step: self.stderr.write(f"restoring: {step}"))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        problems = list(report.problems) + key_canary_problems()
        _checked, file_problems = files_verify()
        problems += file_problems
        try:
            call_command("audit", "verify", stdout=self.stdout)
        except CommandError as exc:
            problems.append(str(exc))
        if problems:
            raise CommandError("restored, but:\n" + "\n".join(problems))
        self.stdout.write(
            f"restored {sum(report.rows.values())} rows and {report.files} files from {path}; "
            "run `dozor migrate` if this Dozor is newer than the backup"
        )
