"""dozor demo - load the labelled synthetic demo data set and the demo logins."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dozor.demo.base import DEMO_LOGINS, DEMO_URL, DemoError, demo_delete, demo_load, demo_present
from dozor.search.services import search_rebuild


class Command(BaseCommand):
    help = (
        "Load the synthetic demo data set: about 60 fictional facilities (codes DEMO-...) with occupancy "
        "history, 12 organisations, 40 synthetic persons with participations, eligibility declarations and "
        "conflicts of interest, and five demo logins (coordinator, council, monitor, liaison, trainer) with "
        "the password DOZOR_DEMO_PASSWORD. Touches only rows marked as demo; idempotent. Refuses to run in "
        "production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if the demo data is already loaded"
        )
        parser.add_argument("--print-logins", action="store_true", help="only print the demo logins and exit")
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo data and logins, then load again"
        )
        parser.add_argument(
            "--delete", action="store_true", help="delete the demo data and logins, load nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("refusing to touch demo data or logins: DOZOR_ENV is 'production'")
        if options["print_logins"]:
            self._print_logins()
            return
        if options["delete"]:
            self.stdout.write(f"demo data deleted: {demo_delete()} rows")
            search_rebuild()
            return
        if options["if_empty"] and not options["reset"] and demo_present():
            self.stdout.write("demo data is already present; nothing to do (use --reset to reload it)")
            return
        started = time.monotonic()
        try:
            report = demo_load(reset=options["reset"])
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        search_rebuild()  # the demo writes in bulk, past the index's signals
        self.stdout.write(f"{report.summary} in {time.monotonic() - started:.1f} s")

    def _print_logins(self) -> None:
        password = settings.DOZOR_DEMO_PASSWORD
        self.stdout.write(f"Demo logins at {DEMO_URL} (password for all: {password})")
        self.stdout.write(f"  {'username':<13} {'role':<12} authority")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<13} {login.role:<12} {login.authority_code or '-'}")
