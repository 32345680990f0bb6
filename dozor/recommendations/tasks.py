"""The daily reminder digests as a task, queued by the worker's scheduler (``dozor worker``)."""

from __future__ import annotations

import datetime

from django_tasks import task

from dozor.recommendations.reminders import send_reminders


@task()
def reminders_queue(day: str) -> str:
    """Queue the digests of ``day`` (YYYY-MM-DD); once a day per person, however often it runs."""
    return str(send_reminders(today=datetime.date.fromisoformat(day)))
