"""Writes of background jobs: queue one, claim it in the worker, finish or fail it.

The app that owns a kind validates the input *before* queueing (bad input changes nothing and
never reaches the worker), queues the job and its task in one transaction (``job_queue``), and in
its task claims the job (``job_start``: only a queued job starts, so a task delivered twice runs
the work once), then records the outcome (``job_done`` / ``job_failed``).
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from dozor.core.jobs.models import Job


def job_queue(*, kind: str, owner: models.Model | None, params: dict[str, Any]) -> Job:
    if kind not in Job.Kind.values:
        raise ValueError(f"unknown job kind {kind!r}")
    return Job.objects.create(kind=kind, owner_id=owner.pk if owner is not None else None, params=params)


def job_start(*, job_id: int, kind: str) -> Job | None:
    """Claim the queued job for this run; None when it is gone, of another kind or already claimed."""
    claimed = Job.objects.filter(pk=job_id, kind=kind, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    return Job.objects.get(pk=job_id) if claimed else None


def job_done(*, job: Job, result: dict[str, Any], output: bytes | None = None, filename: str = "") -> Job:
    job.status = Job.Status.DONE
    job.result = result
    job.finished_at = timezone.now()
    fields = ["status", "result", "finished_at"]
    if output is not None:
        job.output.save(f"{job.pk}-{filename or 'output'}", ContentFile(output), save=False)
        fields.append("output")
    job.save(update_fields=fields)
    return job


def job_failed(*, job: Job, errors: list[str]) -> Job:
    job.status = Job.Status.FAILED
    job.errors = [str(error) for error in errors]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "finished_at"])
    return job
