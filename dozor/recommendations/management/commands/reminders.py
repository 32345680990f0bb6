"""dozor reminders send [--date YYYY-MM-DD] [--soon-days N] [--dry-run] - the daily reminder digests."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dozor.recommendations.reminders import send_reminders


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Reminders. 'send' puts in the outbox (delivered by the task worker) one digest per person "
        "about follow-up deadlines due soon or overdue: liaisons about their authority's open recommendations and letters waiting for its "
        "answer, coordinators about overdue recommendations and letters without a reply. Sends "
        "through Django's mail settings, in each person's language; writes one reminder log row per "
        "person and day, so a second run the same day sends nothing to those already reminded. "
        "The worker (dozor worker) runs it daily; cron-able too (see recommendations/reminders.py)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        send = actions.add_parser("send", help="send today's reminder digests")
        send.add_argument(
            "--date", type=_date, metavar="YYYY-MM-DD", help="the day to remind for (default: today)"
        )
        send.add_argument(
            "--soon-days",
            type=int,
            default=10,
            metavar="N",
            help="'due soon' means within N working days (default: 10)",
        )
        send.add_argument(
            "--dry-run", action="store_true", help="show who would get what; send and write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["soon_days"] < 0:
            raise CommandError("--soon-days cannot be negative")
        today = options["date"] or timezone.localdate()
        summary = send_reminders(today=today, soon_days=options["soon_days"], dry_run=options["dry_run"])
        if options["verbosity"] > 1 or summary.dry_run:
            for username, items in summary.sent:
                self.stdout.write(f"  {username}: {items} items")
        self.stdout.write(str(summary))
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} digests could not be queued; run again to retry them")
