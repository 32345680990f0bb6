"""The optimiser as a background task: the proposal page no longer waits inside a web request."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from dozor.core.jobs.models import Job
from dozor.core.jobs.services import job_failed, job_start
from dozor.planning.optimiser.proposals import proposal_job_work

logger = logging.getLogger(__name__)


@task()
def proposal_job_run(job_id: int) -> str:
    """Run the optimiser for a queued proposal job; the job holds the outcome (``Job.result``)."""
    job = job_start(job_id=job_id, kind=Job.Kind.PROPOSAL)
    if job is None:
        return "skipped"  # already run, or deleted
    language = getattr(job.owner, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):  # the reasons it failed, in the language of who asked
        try:
            job = proposal_job_work(job=job)
        except Exception:
            logger.exception("proposal job %s failed", job_id)
            job = job_failed(job=job, errors=[_("The optimiser stopped with an error; please try again.")])
    return job.status
