"""Reads about visits that span relations; each starts from an access helper where a user is involved."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, Prefetch, QuerySet
from django.db.models.functions import Coalesce

from dozor.facilities.models import Facility
from dozor.methodology.models import TemplateVersion
from dozor.visits.access import submissions_visible_to
from dozor.visits.models import Answer, Submission, Visit

# SQLite refuses statements with more than 999 parameters on old builds; stay well below.
IN_CHUNK = 500


def template_versions_for_facility(*, facility: Facility) -> QuerySet[TemplateVersion]:
    """Published versions of the templates made for the facility's type (one per template)."""
    return (
        TemplateVersion.objects.filter(
            status=TemplateVersion.Status.PUBLISHED, template__facility_types=facility.type_id
        )
        .select_related("template")
        .order_by("template__code")
    )


def visit_submissions(*, user: Any, visit: Visit) -> QuerySet[Submission]:
    """The visit's submissions the user may see, with their answers and questions loaded."""
    return (
        submissions_visible_to(user)
        .filter(visit=visit)
        .select_related("version__template", "submitted_by")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question__section")))
    )


def submission_values(submission: Submission) -> dict[tuple[str, int], str]:
    """Answers keyed like the importers and the online form: (question name, repeat index)."""
    return {(a.question.name, a.repeat_index): a.value for a in submission.answers.all()}


def instance_ids_taken(instance_ids: Iterable[str]) -> dict[str, int]:
    """Which of these instance IDs are already imported, and for which visit (internal use:
    the importer needs to know about submissions whatever their visit)."""
    ids = list(dict.fromkeys(instance_ids))
    taken: dict[str, int] = {}
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        taken.update(Submission.objects.filter(instance_id__in=chunk).values_list("instance_id", "visit_id"))
    return taken


def last_visit_dates(facility_ids: list[int], on: datetime.date) -> dict[int, datetime.date]:
    """The day each place's latest visit (begun on or before ``on``, not merely planned) ended -
    or began, while it is still in progress. Registered with planning's risk score (apps.py).

    No user is involved: the risk score turns these dates into points, shown only to those who
    may see planning."""
    rows = (
        Visit.objects.filter(started_on__lte=on)
        .exclude(status=Visit.Status.PLANNED)
        .values("facility_id")
        .annotate(last=Max(Coalesce("ended_on", "started_on")))
        .order_by()
    )
    if len(facility_ids) <= IN_CHUNK:
        rows = rows.filter(facility_id__in=facility_ids)
        return {row["facility_id"]: min(row["last"], on) for row in rows}
    wanted = set(facility_ids)
    return {row["facility_id"]: min(row["last"], on) for row in rows if row["facility_id"] in wanted}
