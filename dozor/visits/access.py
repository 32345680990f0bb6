"""Who sees which visit. Coordinators and council members see every visit; a monitor sees the
visits whose team they are on; liaisons and trainers see none (design.md roles).

An unannounced visit is secret until it happens (docs/decisions/0023-secret-until-it-happens.md):
while its start day is still ahead (in the NPM's time zone), only coordinators and its own team
see its record - council members do not, nor does anything derived from visits (counts, search,
findings, reports, the API), because every reader starts from ``visits_visible_to``."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dozor.accounts.access import AnyUser, active_user, can
from dozor.planning.access import is_secret
from dozor.visits.models import (
    Evidence,
    Finding,
    Interview,
    Report,
    ReportComment,
    ReportSection,
    Submission,
    TeamMember,
    Visit,
)


def secret_visits_q(today: datetime.date | None = None) -> Q:
    """The visits that are secret on ``today`` (the NPM's today by default): unannounced and not
    yet begun. The one definition every reader of visits uses."""
    return Q(announced=False, started_on__gt=today or timezone.localdate())


def visit_is_secret(visit: Visit, today: datetime.date | None = None) -> bool:
    """``secret_visits_q`` for one visit (planning's ``is_secret``: the same rule)."""
    return is_secret(announced=visit.announced, starts_on=visit.started_on, today=today)


def visits_visible_to(user: AnyUser) -> QuerySet[Visit]:
    """Coordinators: every visit. Council members: every visit except a secret one (unannounced,
    not yet begun) whose team they are not on. Monitors: the visits whose team they are on."""
    if not can(user, "visits.view"):
        return Visit.objects.none()
    staff = active_user(user)
    assert staff is not None
    if can(staff, "visits.manage"):
        return Visit.objects.all()
    if can(staff, "visits.view_all"):
        own = TeamMember.objects.filter(user=staff).values("visit_id")
        return Visit.objects.exclude(secret_visits_q() & ~Q(pk__in=own))
    return Visit.objects.filter(team__user=staff).distinct()


def can_record(user: AnyUser, visit: Visit) -> bool:
    """Coordinators, and monitors on the visit's team, record checklist answers."""
    staff = active_user(user)
    if staff is None or not can(staff, "visits.record"):
        return False
    if can(staff, "visits.manage"):
        return True
    return visit.team.filter(user=staff).exists()


def visit_for_user(user: AnyUser, pk: int | str, *, record: bool = False) -> Visit:
    try:
        visit = (
            visits_visible_to(user)
            .select_related("facility", "visit_type", "template_version__template")
            .get(pk=pk)
        )
    except (Visit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if record and not can_record(user, visit):
        raise PermissionDenied
    return visit


def submissions_visible_to(user: AnyUser) -> QuerySet[Submission]:
    """Final submissions of the visits the user sees: drafts count nowhere answers are used
    (pages, findings, reports, exports, API); they are reached only through the checklist."""
    return Submission.objects.filter(visit__in=visits_visible_to(user), status=Submission.Status.FINAL)


def checklist_submissions_for(user: AnyUser, visit: Visit) -> QuerySet[Submission]:
    """The submissions of a visit, drafts included, that the user may open in the online
    checklist: all of them for those who may record the visit (its team and coordinators),
    none for anyone else. Versions replaced by an edit are history, never opened again."""
    if not can_record(user, visit):
        return Submission.objects.none()
    return Submission.objects.filter(visit=visit).exclude(status=Submission.Status.SUPERSEDED)


def checklist_submission_for_user(user: AnyUser, visit: Visit, pk: int | str) -> Submission:
    """A submission of ``visit`` to continue or edit online (drafts included), else 404: a draft
    is invisible to whoever may not record the visit, even if they may read the visit."""
    submission: Submission = _get(
        checklist_submissions_for(user, visit).select_related("version__template", "submitted_by"), pk
    )
    return submission


def on_team(user: AnyUser, visit: Visit) -> bool:
    staff = active_user(user)
    return staff is not None and visit.team.filter(user=staff).exists()


def confidential_visits_for(user: AnyUser) -> QuerySet[Visit]:
    """Visits whose confidential material (interviews, identities, evidence) the user may read:
    every visit for coordinators; for anyone else only the visits whose team they are on. Council
    members read reports, never interviews or evidence (docs/permissions.md)."""
    staff = active_user(user)
    if staff is None or not can(staff, "visits.view"):
        return Visit.objects.none()
    if can(staff, "visits.manage"):
        return Visit.objects.all()
    return Visit.objects.filter(team__user=staff).distinct()


def interviews_visible_to(user: AnyUser) -> QuerySet[Interview]:
    return Interview.objects.filter(visit__in=confidential_visits_for(user))


def evidence_visible_to(user: AnyUser) -> QuerySet[Evidence]:
    return Evidence.objects.filter(visit__in=confidential_visits_for(user))


def findings_visible_to(user: AnyUser) -> QuerySet[Finding]:
    """Findings are internal, not confidential: whoever sees the visit sees its findings."""
    return Finding.objects.filter(visit__in=visits_visible_to(user))


def _get(qs: QuerySet[Any], pk: int | str) -> Any:
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def interview_for_user(user: AnyUser, pk: int | str) -> Interview:
    return _get(interviews_visible_to(user).select_related("visit__facility", "language"), pk)


def evidence_for_user(user: AnyUser, pk: int | str) -> Evidence:
    return _get(evidence_visible_to(user).select_related("visit__facility"), pk)


def finding_for_user(user: AnyUser, pk: int | str, *, record: bool = False) -> Finding:
    finding = _get(findings_visible_to(user).select_related("visit__facility", "theme"), pk)
    if record and not can_record(user, finding.visit):
        raise PermissionDenied
    return finding


# --- reports --------------------------------------------------------------------------------------


def reports_visible_to(user: AnyUser) -> QuerySet[Report]:
    """Whoever sees the visit sees its report in every status (council members read them too)."""
    return Report.objects.filter(visit__in=visits_visible_to(user))


def report_for_user(user: AnyUser, pk: int | str) -> Report:
    return _get(reports_visible_to(user).select_related("visit__facility", "visit__visit_type"), pk)


def can_edit_report(user: AnyUser, report: Report) -> bool:
    """Coordinators and the visit's team edit and comment while the report is a draft or in review."""
    return report.editable and can_record(user, report.visit)


def can_approve_report(user: AnyUser) -> bool:
    """Approving, returning and recording that a report was sent are the coordinator's acts."""
    return can(user, "visits.manage")


def report_section_for_user(user: AnyUser, pk: int | str) -> ReportSection:
    """A section of a report the user may see (with its report and visit), else 404."""
    return _get(
        ReportSection.objects.filter(report__in=reports_visible_to(user)).select_related(
            "report__visit__facility", "report__visit__visit_type"
        ),
        pk,
    )


def report_comment_for_user(user: AnyUser, pk: int | str) -> ReportComment:
    """A comment on a report the user may see (with its section, report and visit), else 404."""
    return _get(
        ReportComment.objects.filter(section__report__in=reports_visible_to(user)).select_related(
            "section__report__visit__facility", "section__report__visit__visit_type"
        ),
        pk,
    )
