"""Reads about visits that span relations; each starts from an access helper where a user is involved."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from dozor.accounts.access import AnyUser, active_user, authorities_visible_to, can
from dozor.facilities.models import Facility
from dozor.methodology.models import TemplateVersion
from dozor.visits.access import (
    can_approve_report,
    checklist_submissions_for,
    reports_visible_to,
    submissions_visible_to,
    visits_visible_to,
)
from dozor.visits.models import Answer, Report, Submission, TeamMember, Visit

# SQLite refuses statements with more than 999 parameters on old builds; stay well below.
IN_CHUNK = 500


@dataclass(frozen=True)
class VisitFilters:
    facility: int | None = None  # Facility.pk
    region: str = ""  # Region.code of the place
    authority: str = ""  # Authority.code of the place's operator; its subtree is included
    year: int | None = None  # year of the first day
    status: str = ""  # Visit.Status
    report: str = ""  # Report.Status of the visit's report, or OPEN_REPORTS for "draft or in review"
    mine: bool = False  # only visits whose team the user is on


# The report filter's value for reports still being written (draft or in group review).
OPEN_REPORTS = "open"
WRITING = (Report.Status.DRAFT, Report.Status.REVIEW)


def visit_search(user: AnyUser, filters: VisitFilters) -> QuerySet[Visit]:
    """The visits the user sees that match ``filters``, with what the list shows (place, region,
    type, checklist, team, number of submissions) in a fixed number of queries. Filters only narrow
    ``visits_visible_to``: nobody finds, or counts, a visit they could not open."""
    qs = visits_visible_to(user)
    if filters.facility is not None:
        qs = qs.filter(facility_id=filters.facility)
    if filters.region:
        qs = qs.filter(facility__region__code=filters.region)
    if filters.authority:
        # Only an authority the user may see (a liaison's subtree); any other code finds nothing.
        authority = authorities_visible_to(user).filter(code=filters.authority).only("path").first()
        qs = qs.filter(facility__authority__path__startswith=authority.path) if authority else qs.none()
    if filters.year is not None:
        qs = qs.filter(started_on__year=filters.year)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.report == OPEN_REPORTS:
        qs = qs.filter(report__status__in=WRITING)
    elif filters.report:
        qs = qs.filter(report__status=filters.report)
    if filters.mine:
        staff = active_user(user)
        qs = (
            qs.filter(pk__in=TeamMember.objects.filter(user=staff).values("visit_id")) if staff else qs.none()
        )
    return (
        qs.select_related("facility__region", "visit_type", "template_version__template")
        .prefetch_related(Prefetch("team", queryset=TeamMember.objects.select_related("user")))
        .annotate(
            submission_count=Count(
                "submissions", filter=Q(submissions__status=Submission.Status.FINAL), distinct=True
            )
        )
        .order_by("-started_on", "-id")
    )


def reports_to_write(user: AnyUser) -> QuerySet[Report]:
    """Draft or in-review reports of the visits whose team the user is on and may record
    (the home page's "reports to write"); the same rows as ``visit_search`` with report=open, mine."""
    staff = active_user(user)
    if staff is None or not can(staff, "visits.record"):
        return Report.objects.none()
    own = TeamMember.objects.filter(user=staff).values("visit_id")
    return reports_visible_to(staff).filter(status__in=WRITING, visit_id__in=own)


def reports_to_approve(user: AnyUser) -> QuerySet[Report]:
    """Reports in group review, waiting for the coordinator's approval (nobody else approves)."""
    if not can_approve_report(user):
        return Report.objects.none()
    return reports_visible_to(user).filter(status=Report.Status.REVIEW)


def template_versions_for_facility(*, facility: Facility) -> QuerySet[TemplateVersion]:
    """Published versions of the templates made for the facility's type (one per template)."""
    return (
        TemplateVersion.objects.filter(
            status=TemplateVersion.Status.PUBLISHED, template__facility_types=facility.type_id
        )
        .select_related("template")
        .order_by("template__code")
    )


def visit_submissions(*, user: AnyUser, visit: Visit) -> QuerySet[Submission]:
    """The visit's submissions the user may see, with their answers and questions loaded."""
    return (
        submissions_visible_to(user)
        .filter(visit=visit)
        .select_related("version__template", "submitted_by")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question__section")))
    )


def checklist_submissions(*, user: AnyUser, visit: Visit) -> list[Submission]:
    """The visit's submissions, drafts included, for the online checklist of those who may record
    the visit (nobody else gets any), drafts and changes in progress first."""
    return list(
        checklist_submissions_for(user, visit)
        .select_related("version__template")
        .order_by(F("draft_saved_at").desc(nulls_last=True), "-submitted_at", "-id")
    )


def checklist_resume(*, user: AnyUser, submissions: Iterable[Submission]) -> Submission | None:
    """The checklist the user was filling in: their latest draft (new, or changes to a final
    one) among ``submissions``; None to start a new one."""
    staff = active_user(user)
    mine = [s for s in submissions if s.has_pending_draft and staff is not None and s.draft_by_id == staff.pk]
    return max(mine, key=lambda s: s.draft_saved_at or s.received_at, default=None)


def submission_answer_values(submission: Submission) -> dict[tuple[str, int], str]:
    """The final answers of a submission keyed (question name, repeat index), in one query."""
    rows = submission.answers.values_list("question__name", "repeat_index", "value")
    return {(name, index): value for name, index, value in rows}


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


def latest_visits(facility_ids: Iterable[int]) -> dict[int, tuple[datetime.date, datetime.date]]:
    """The first and last day (the first day while it is in progress) of each place's latest visit
    carried out (not merely planned), latest by its last day; places never visited are absent.
    Stored on the place (``visit_facts_refresh``) for planning's risk score."""
    ids = list(dict.fromkeys(facility_ids))
    result: dict[int, tuple[datetime.date, datetime.date]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        rows = (
            Visit.objects.filter(facility_id__in=ids[start : start + IN_CHUNK])
            .exclude(status=Visit.Status.PLANNED)
            .annotate(day=Coalesce("ended_on", "started_on"))
            .values_list("facility_id", "started_on", "day")
        )
        for facility_id, started, day in rows:
            if facility_id not in result or (day, started) > (result[facility_id][1], result[facility_id][0]):
                result[facility_id] = (started, day)
    return result


def last_visit_dates(facility_ids: list[int], on: datetime.date) -> dict[int, datetime.date]:
    """The day each place's latest visit (begun on or before ``on``, not merely planned) ended -
    or began, while it is still in progress.

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
