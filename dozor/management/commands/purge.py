"""dozor purge [--dry-run] - remove what is past its retention period (packs/<pack>/retention.yaml)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.core.retention import RetentionError, retention_rules
from dozor.visits.retention import retention_purge


class Command(BaseCommand):
    help = (
        "Remove what is past its retention period as the country pack's retention.yaml sets it: interview "
        "notes and identities, evidence files, eligibility answers. One transaction; prints what was removed "
        "(kinds, counts and ids, never content) and records it in the audit log. --dry-run prints what "
        "would be removed and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be removed, write nothing"
        )
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, help="the day to judge periods on (YYYY-MM-DD)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rules = retention_rules()
            report = retention_purge(today=options.get("today"), dry_run=options["dry_run"])
        except RetentionError as exc:
            raise CommandError(str(exc)) from exc
        if not rules:
            self.stdout.write("no retention.yaml in the country pack: nothing is purged")
            return
        verb = "would remove" if report.dry_run else "removed"
        for kind, result in report.kinds.items():
            rule = rules[kind]
            ids = ", ".join(str(pk) for pk in result.ids) or "-"
            self.stdout.write(
                f"{kind} ({rule.years} years after {rule.after}, {rule.basis}): {verb} {len(result.ids)} "
                f"[ids: {ids}]; held {result.held}"
            )
        suffix = " (dry run: nothing written)" if report.dry_run else "; recorded in the audit log"
        self.stdout.write(f"{report.total()} records {verb} on {report.today.isoformat()}{suffix}")
