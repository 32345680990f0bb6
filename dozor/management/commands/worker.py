"""dozor worker [--once] - run the background tasks, the outbox sweep and the daily reminders."""

from __future__ import annotations

import datetime
import signal
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from dozor.recommendations.tasks import reminders_queue
from dozor.web.outbox import deliver_all_enqueue


@dataclass
class Schedule:
    """The periodic work: django-tasks has no scheduler, so the worker queues it itself.

    - every ``sweep_every`` seconds, one delivery run per kind of e-mail: it sends what is due
      (retries after their back-off, and anything whose task was lost);
    - once a day, at ``reminders_at`` local time or at the first loop after it, the reminder
      digests of the day (harmless when several workers or a cron job do it too: one per person
      and day).
    """

    reminders_at: datetime.time
    sweep_every: float
    last_sweep: float = float("-inf")
    reminders_day: datetime.date | None = None

    def run_due(self, *, now: datetime.datetime, clock: float) -> list[str]:
        done: list[str] = []
        if clock - self.last_sweep >= self.sweep_every:
            deliver_all_enqueue()
            self.last_sweep = clock
            done.append("outbox sweep")
        local = timezone.localtime(now)
        if local.time() >= self.reminders_at and self.reminders_day != local.date():
            reminders_queue.enqueue(local.date().isoformat())
            # the finished task rows (one per sweep) would grow without end: keep two weeks
            call_command("prune_db_task_results", "--min-age-days", "14", verbosity=0)
            self.reminders_day = local.date()
            done.append(f"reminders {local.date():%Y-%m-%d}")
        return done


class Command(BaseCommand):
    help = (
        "Run Dozor's background tasks from the database queue (django-tasks): the optimiser, large "
        "documents, e-mail delivery from the outbox. Also queues the periodic work: an outbox sweep "
        "every minute (retries) and the reminder digests once a day at DOZOR_REMINDERS_AT. Stops "
        "cleanly on SIGTERM/SIGINT after the task it is running. Writes task results and outbox rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="queue the due periodic work, run every task waiting, then exit",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds to wait when no task is waiting (default: 1)"
        )
        parser.add_argument(
            "--sweep-every", type=float, default=60.0, help="seconds between outbox sweeps (default: 60)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = max(0.1, float(options["interval"]))
        schedule = Schedule(
            reminders_at=datetime.time.fromisoformat(settings.DOZOR_REMINDERS_AT),
            sweep_every=max(1.0, float(options["sweep_every"])),
        )
        worker_id = get_random_string(32)
        # restored on the way out, so that a caller (a test, ``--once`` from a script) keeps its own
        numbers = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else [])
        handlers = {number: signal.getsignal(number) for number in numbers}
        try:
            tasks_run = self._loop(schedule, worker_id=worker_id, interval=interval, options=options)
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)
        self.stdout.write(f"worker: {tasks_run} tasks run")

    def _loop(self, schedule: Schedule, *, worker_id: str, interval: float, options: dict[str, Any]) -> int:
        verbose = options["verbosity"] > 1
        tasks_run = 0
        while True:
            for job in schedule.run_due(now=timezone.now(), clock=time.monotonic()):
                if verbose:
                    self.stdout.write(f"queued: {job}")
            worker = Worker(
                queue_names=["default"],
                interval=0,
                batch=True,  # run what is waiting, then come back here for the schedule
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            )
            worker.configure_signals()  # SIGTERM: finish the running task, then exit
            worker.run()
            tasks_run += worker._run_tasks
            if options["once"] or not worker.running:
                break
            time.sleep(interval)  # a signal here exits at once (no task is running)
        return tasks_run
