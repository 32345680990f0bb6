"""The task worker (``dozor worker``) runs what was queued in the database (django-tasks-db).

The other tests run tasks at once (the root conftest's ImmediateBackend); these switch back to
the database backend, so a task is a row until the worker claims and runs it, as in production.
The worker closes stale connections between tasks, which would end a test's wrapping transaction:
hence ``transaction=True``.
"""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dozor.core.jobs.models import Job
from dozor.core.jobs.services import job_queue, job_start
from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notification_queue
from dozor.core.outbox.tasks import outbox_deliver
from dozor.core.tests.smtp_stub import StubState
from dozor.management.commands.worker import Schedule

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_tasks(settings: Any) -> None:
    settings.TASKS = DATABASE_BACKEND
    settings.DOZOR_REMINDERS_AT = "23:59"  # keep the daily digests out of these runs


def worker_once() -> str:
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def queue_digest(address: str = "alice@npm.kz") -> Notification:
    return notification_queue(
        kind=Notification.Kind.REMINDER, address=address, subject="Reminders", body="Two are due."
    )


def test_it_leaves_a_queued_task_to_the_worker(database_tasks: None, mail_server: StubState) -> None:
    notification = queue_digest()
    result = outbox_deliver.enqueue(Notification.Kind.REMINDER)
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING and mail_server.received == []


def test_the_worker_runs_a_task_queued_in_the_database(database_tasks: None, mail_server: StubState) -> None:
    notification = queue_digest()
    result = outbox_deliver.enqueue(Notification.Kind.REMINDER)
    summary = worker_once()
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT and notification.sent_at is not None
    assert len(mail_server.received) == 1 and "alice@npm.kz" in mail_server.received[0]
    assert summary.startswith("worker: ") and "tasks run" in summary
    assert not DBTaskResult.objects.filter(status="READY").exists()  # --once: nothing left waiting


def test_a_refusing_mail_server_leaves_the_e_mail_pending_for_the_next_sweep(
    database_tasks: None, mail_server: StubState
) -> None:
    mail_server.refuse = True
    notification = queue_digest()
    outbox_deliver.enqueue(Notification.Kind.REMINDER)
    worker_once()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING and notification.attempts == 1
    assert "554" in notification.last_error and notification.next_attempt_at > timezone.now()
    mail_server.refuse = False
    Notification.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    worker_once()  # no task queued by hand: the worker's own sweep retries it
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT and notification.attempts == 2
    assert len(mail_server.received) == 1


def test_a_job_task_delivered_twice_runs_once(database_tasks: None) -> None:
    job = job_queue(kind=Job.Kind.PROPOSAL, owner=None, params={})
    assert job_start(job_id=job.pk, kind=Job.Kind.PROPOSAL) is not None
    assert job_start(job_id=job.pk, kind=Job.Kind.PROPOSAL) is None
    assert job_start(job_id=job.pk, kind=Job.Kind.ANNUAL_REPORT) is None


def test_the_schedule_sweeps_every_interval_and_queues_reminders_once_a_day(database_tasks: None) -> None:
    schedule = Schedule(reminders_at=datetime.time(8, 0), sweep_every=60)
    morning = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=timezone.get_current_timezone())
    assert schedule.run_due(now=morning, clock=0) == ["outbox sweep"]
    assert schedule.run_due(now=morning, clock=30) == []
    later = morning + datetime.timedelta(hours=1, minutes=5)
    assert schedule.run_due(now=later, clock=61) == ["outbox sweep", "reminders 2026-03-02"]
    assert schedule.run_due(now=later + datetime.timedelta(hours=3), clock=62) == []
    queued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued.count("dozor.recommendations.tasks.reminders_queue") == 1
    # reminders and consent withdrawals, at each of the two sweeps
    assert queued.count("dozor.core.outbox.tasks.outbox_deliver") == 4
    assert queued.count("dozor.visits.findings.tasks.urgent_alerts_deliver") == 2
