"""dozor serve [ADDR] [--workers N] [--no-worker] - the production-grade server for `make run`.

gunicorn with several worker processes (Django's development server uses one thread per request on
one core: 10.9 requests/s with a p95 of 6.5 s under 50 users, against 25.7 requests/s for
gunicorn with 4 workers, docs/benchmarks.md) and the task worker beside it; both stop together
on Ctrl-C or SIGTERM. ``dozor runserver`` stays for development (auto-reload).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def default_workers() -> int:
    """gunicorn's rule of thumb (2 x cores + 1), at most 4 and at least 2: a two-core machine gets
    4 processes, enough for 50 users (docs/benchmarks.md) without exhausting SQLite's writers."""
    return max(2, min(4, 2 * (os.cpu_count() or 1) + 1))


def gunicorn_command(addr: str, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "dozor.wsgi",
        "--bind",
        addr,
        "--workers",
        str(workers),
        # a request that takes longer than this is a bug: long work goes to the task worker
        "--timeout",
        "120",
        "--graceful-timeout",
        "20",
        # workers are recycled now and then so that no process grows without bound
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "dozor.cli", "worker"]


class Command(BaseCommand):
    help = "Serve Dozor with gunicorn (several workers) and the task worker; what `make run` uses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addr", nargs="?", default="127.0.0.1:8000", help="host:port to bind")
        parser.add_argument("--workers", type=int, default=None, help="gunicorn worker processes")
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] or default_workers()
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        children: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            children.append(subprocess.Popen(worker_command()))
        children.append(subprocess.Popen(gunicorn_command(options["addr"], workers)))
        self.stdout.write(f"Dozor on http://{options['addr']}/ (gunicorn, {workers} workers)")

        def stop(signum: int, _frame: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            # when either process ends (a crash, or a signal), the other is stopped too
            while all(child.poll() is None for child in children):
                try:
                    children[-1].wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        finally:
            stop(signal.SIGTERM, None)
            for child in children:
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
        code = children[-1].returncode
        if code not in (0, -signal.SIGTERM, None):
            raise CommandError(f"gunicorn stopped with exit code {code}")
