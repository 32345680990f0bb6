"""dozor pack load|check CODE - validate and load a country pack."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.core.packs import PackError, pack_dir
from dozor.packs import pack_load, pack_read


class Command(BaseCommand):
    help = (
        "Validate (check) or load (load) a country pack: regions, authorities, facility types, visit types, "
        "languages, expertise and eligibility rules. Loading is idempotent and writes nothing unless the "
        "whole pack is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", choices=["load", "check"], help="load: validate and write; check: validate only"
        )
        parser.add_argument("code", help="pack code, e.g. kz (a folder under packs/)")
        parser.add_argument("--path", help="read the pack from this folder instead of packs/<code>")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report changes, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from pathlib import Path

        directory = Path(options["path"]) if options.get("path") else pack_dir(options["code"])
        try:
            if options["action"] == "check":
                pack = pack_read(directory)
                total = sum(len(items) for items in pack.data.values())
                self.stdout.write(
                    f"pack {options['code']} is valid: {total} entries in {len(pack.data)} files"
                )
                return
            report = pack_load(code=options["code"], directory=directory, dry_run=options["dry_run"])
        except PackError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(
                f"the pack is invalid ({len(exc.errors)} problems); nothing was written"
            ) from exc
        for key, result in report.results.items():
            if options["verbosity"] > 1:
                self.stdout.write(
                    f"  {key}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
                )
        suffix = " (dry run: nothing written)" if report.dry_run else ""
        self.stdout.write(str(report.summary) + suffix)
