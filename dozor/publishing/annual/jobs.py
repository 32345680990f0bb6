"""The annual report's PDF as a background job: queued by the page, rendered by the worker."""

from __future__ import annotations

import datetime

from django.db import transaction

from dozor.accounts.access import require
from dozor.accounts.models import User
from dozor.core.jobs.models import Job
from dozor.core.jobs.services import job_done, job_queue
from dozor.publishing.annual.documents import LANGUAGES, annual_render
from dozor.publishing.annual.figures import valid_cutoff, valid_year


@transaction.atomic
def annual_job_queue(*, actor: User, year: int, lang: str, cutoff: datetime.date | None = None) -> Job:
    """Check the input, then queue the PDF of ``year`` in ``lang`` as recorded at the end of
    ``cutoff`` (default: the day it is queued, so the PDF does not change if the worker runs
    later) (task ``annual_job_run``)."""
    require(actor, "annual.view")
    year = valid_year(year)
    if lang not in LANGUAGES:
        raise ValueError(lang)
    cut = valid_cutoff(year, cutoff)
    job = job_queue(
        kind=Job.Kind.ANNUAL_REPORT,
        owner=actor,
        params={"year": year, "lang": lang, "cutoff": cut.day.isoformat()},
    )
    from dozor.publishing.annual.tasks import annual_job_run  # the task module imports this one

    annual_job_run.enqueue(job.pk)  # with the database backend: in this transaction, never lost
    return job


def annual_job_work(*, job: Job) -> Job:
    year, lang = int(job.params["year"]), str(job.params["lang"])
    cutoff = datetime.date.fromisoformat(job.params["cutoff"]) if job.params.get("cutoff") else None
    pdf = annual_render(year=year, fmt="pdf", lang=lang, cutoff=cutoff)
    return job_done(job=job, result={"bytes": len(pdf)}, output=pdf, filename=f"annual-{year}-{lang}.pdf")
