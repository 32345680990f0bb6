"""``dozor search rebuild``: the search index made again from the records (decision 0032)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dozor.search.models import Kind
from dozor.search.services import search_rebuild


class Command(BaseCommand):
    help = (
        "Search index. 'rebuild' writes the index table (search_entry) again from places, standards, "
        "findings, reports, recommendations, responses, letters and training materials; it reads "
        "those records and changes nothing else."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        rebuild = actions.add_parser("rebuild", help="Rebuild the index (all kinds, or those named).")
        rebuild.add_argument(
            "--kind", action="append", choices=Kind.values, help="Only this kind (repeatable)."
        )
        rebuild.add_argument("--dry-run", action="store_true", help="Count the records; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] > 1

        def progress(kind: str, count: int) -> None:
            if verbose:
                self.stdout.write(f"{kind}: {count}")

        counts = search_rebuild(kinds=options.get("kind"), dry_run=options["dry_run"], progress=progress)
        total = sum(counts.values())
        verb = "would index" if options["dry_run"] else "indexed"
        self.stdout.write(
            f"Search: {verb} {total} records ({', '.join(f'{k} {n}' for k, n in counts.items())})."
        )
