"""dozor generate --scale kz10|osce - write large synthetic data sets for benchmarks."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from dozor.demo.generate import SCALES, GenerateError, generate
from dozor.search.services import search_rebuild


class Command(BaseCommand):
    help = (
        "Generate large synthetic data for benchmarks: facilities (codes GEN-...) with occupancy history and "
        "population categories, organisations and persons (e-mail @gen.invalid) with participations and "
        "eligibility declarations, all marked is_demo. Scales: kz10 = 3,600 facilities / 600 persons, "
        "osce = 180,000 / 30,000 (tiny = 40 / 10 is a test scale). Touches only generated rows. Refuses to "
        "run in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", required=True, choices=list(SCALES), help="kz10 or osce (tiny: for tests)"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed: the same seed gives the same data"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be created, write nothing"
        )
        parser.add_argument("--replace", action="store_true", help="delete existing generated rows first")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("refusing to generate synthetic data: DOZOR_ENV is 'production'")
        scale = SCALES[options["scale"]]
        show = not options["no_progress"] and not options["dry_run"] and sys.stderr.isatty()
        started = time.monotonic()
        with tqdm(
            total=scale.facilities + scale.persons, disable=not show, unit="rows", file=sys.stderr
        ) as bar:
            try:
                report = generate(
                    scale=options["scale"],
                    seed=options["seed"],
                    dry_run=options["dry_run"],
                    replace=options["replace"],
                    progress=bar.update,
                )
            except GenerateError as exc:
                raise CommandError(str(exc)) from exc
        if not (report.skipped or report.dry_run):
            # rows are written in bulk, past the signals that keep the search index current
            search_rebuild()
        suffix = "" if report.skipped or report.dry_run else f" in {time.monotonic() - started:.1f} s"
        self.stdout.write(report.summary + suffix)
