"""dozor backup --out FILE - the database and every stored file in one self-checking archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one archive with the database (SQLite online backup or pg_dump --format=custom), every "
        "stored file (evidence, response attachments, training materials, job outputs) and a manifest of "
        "SHA-256 sums, the Dozor version and the key ids. Reads only; the archive is created with mode 0600. "
        "Keep DOZOR_FIELD_KEYS apart from it: encrypted fields stay encrypted in the archive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", required=True, type=Path, help="the archive to write (e.g. dozor-2026-12-07.tar)"
        )
        parser.add_argument(
            "--allow-missing",
            action="store_true",
            help="back up even if stored files are missing (they are listed in the manifest)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        try:
            manifest = backup_create(
                out=out,
                allow_missing=options["allow_missing"],
                progress=lambda step: self.stderr.write(f"backing up: {step}"),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = sum(1 for name in manifest["members"] if name.startswith("files/"))
        rows = sum(manifest["rows"].values())
        for missing in manifest["missing_files"]:
            self.stderr.write(f"missing, not in the backup: {missing}")
        self.stdout.write(
            f"backup written to {out}: {manifest['database']} database ({rows} rows), {files} files, "
            f"keys {', '.join(manifest['key_ids'])}"
        )
