"""Rendering the annual report's PDF in the worker, not inside a web request."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django_tasks import task

from dozor.core.jobs.models import Job
from dozor.core.jobs.services import job_failed, job_start
from dozor.publishing.annual.jobs import annual_job_work

logger = logging.getLogger(__name__)


@task()
def annual_job_run(job_id: int) -> str:
    job = job_start(job_id=job_id, kind=Job.Kind.ANNUAL_REPORT)
    if job is None:
        return "skipped"  # already run, or deleted
    try:
        job = annual_job_work(job=job)
    except Exception:
        logger.exception("annual report job %s failed", job_id)
        job = job_failed(job=job, errors=[_("The document could not be prepared; please try again.")])
    return job.status
