"""Who sees planning. Coordinators see and run everything. Council members and monitors read
plans, risk scores and budgets, but an *unannounced* planned visit is secret: besides coordinators
only the members of its own visiting group see it, its dates or its cost - in lists, totals,
calendars, exports and the API alike. Liaisons, trainers and anonymous users see nothing of
planning. Every time a secret visit is shown to someone, the audit log records who saw which.

Until its first day an unannounced visit is *secret* in the stronger sense of
docs/decisions/0023-secret-until-it-happens.md (``is_secret``): its visit record too is hidden
from council members, the personal iCalendar feed shows it only as "busy" (or not at all), and
figures derived from visits (the risk score's "last visit", coverage) count for each reader only
the visits that reader may know of (``visit_dates_known_to``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dozor.accounts.access import AnyUser, active_user, can
from dozor.accounts.audit import audit_record
from dozor.accounts.models import AuditEvent
from dozor.core.jobs.models import Job
from dozor.planning.models import (
    CostRate,
    Expense,
    Fare,
    GroupMember,
    Incident,
    Plan,
    PlannedVisit,
    Proposal,
    RiskFactor,
    Unavailability,
)


def is_secret(*, announced: bool, starts_on: datetime.date, today: datetime.date | None = None) -> bool:
    """The one rule for planned visits and visit records alike: an unannounced visit is secret
    while its first day is still ahead, in the NPM's time zone (``TIME_ZONE``)."""
    return not announced and starts_on > (today or timezone.localdate())


VisitDates = Literal["all", "begun", "own"]


def visit_dates_known_to(user: AnyUser | None) -> VisitDates:
    """Which visits may be counted in figures derived from visits shown to ``user`` (the risk
    score's "last visit", coverage):

    - ``"all"``: no user (internal computations such as the optimiser's) and coordinators;
    - ``"begun"``: council members, who see every visit record once the visit has begun, so every
      visit except an unannounced one not yet begun (other than their own group's);
    - ``"own"``: everyone else (monitors): announced planned visits and their own group's. Visits
      recorded without a plan are not counted for them: planning cannot tell whether one was
      announced (decision 0023), so it errs on the side of secrecy."""
    if user is None or can(user, "planning.see_unannounced"):
        return "all"
    if can(user, "visits.view_all"):
        return "begun"
    return "own"


def planned_visits_countable_for(
    user: AnyUser | None, today: datetime.date | None = None
) -> QuerySet[PlannedVisit]:
    """The planned visits that figures shown to ``user`` may count (``visit_dates_known_to``)."""
    known = visit_dates_known_to(user)
    if user is None or known == "all":
        return PlannedVisit.objects.all()
    if known == "own":
        return planned_visits_visible_to(user)
    staff = active_user(user)
    assert staff is not None  # "begun" needs an active account (visits.view_all)
    own = GroupMember.objects.filter(person__user=staff).values("planned_visit_id")
    return PlannedVisit.objects.filter(
        Q(announced=True) | Q(starts_on__lte=today or timezone.localdate()) | Q(pk__in=own)
    )


def plans_visible_to(user: AnyUser) -> QuerySet[Plan]:
    return Plan.objects.all() if can(user, "planning.view") else Plan.objects.none()


def planned_visits_visible_to(user: AnyUser) -> QuerySet[PlannedVisit]:
    """Announced visits for every planning reader; unannounced ones only for coordinators and the
    visit's own group (through the user's person record)."""
    if not can(user, "planning.view"):
        return PlannedVisit.objects.none()
    if can(user, "planning.see_unannounced"):
        return PlannedVisit.objects.all()
    staff = active_user(user)
    assert staff is not None
    own = GroupMember.objects.filter(person__user=staff).values("planned_visit_id")
    return PlannedVisit.objects.filter(Q(announced=True) | Q(pk__in=own))


def own_planned_visits(user: AnyUser) -> QuerySet[PlannedVisit]:
    """The planned visits whose group the user is in (their calendar), whatever their role."""
    staff = active_user(user)
    if staff is None or not can(staff, "planning.view"):
        return PlannedVisit.objects.none()
    return PlannedVisit.objects.filter(group__person__user=staff).distinct()


def planned_visit_for_user(user: AnyUser, pk: int | str, *, manage: bool = False) -> PlannedVisit:
    try:
        visit = (
            planned_visits_visible_to(user)
            .select_related("plan", "facility__type", "facility__region", "facility__authority", "visit_type")
            .get(pk=pk)
        )
    except (PlannedVisit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if manage and not can(user, "planning.manage"):
        raise PermissionDenied
    return visit


def plan_for_user(user: AnyUser, pk: int | str, *, manage: bool = False) -> Plan:
    try:
        plan = plans_visible_to(user).get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if manage and not can(user, "planning.manage"):
        raise PermissionDenied
    return plan


def proposals_visible_to(user: AnyUser) -> QuerySet[Proposal]:
    """Proposals hold unannounced visits of every group: coordinators only."""
    allowed = can(user, "planning.manage") and can(user, "planning.see_unannounced")
    return Proposal.objects.all() if allowed else Proposal.objects.none()


def proposal_for_user(user: AnyUser, pk: int | str) -> Proposal:
    try:
        return proposals_visible_to(user).select_related("plan").get(pk=pk)
    except (Proposal.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def group_members_visible_to(user: AnyUser) -> QuerySet[GroupMember]:
    return GroupMember.objects.filter(planned_visit__in=planned_visits_visible_to(user))


def expenses_visible_to(user: AnyUser) -> QuerySet[Expense]:
    return Expense.objects.filter(planned_visit__in=planned_visits_visible_to(user))


def incidents_visible_to(user: AnyUser) -> QuerySet[Incident]:
    return Incident.objects.all() if can(user, "planning.view") else Incident.objects.none()


def risk_factors_visible_to(user: AnyUser) -> QuerySet[RiskFactor]:
    return RiskFactor.objects.all() if can(user, "planning.view") else RiskFactor.objects.none()


def cost_rates_visible_to(user: AnyUser) -> QuerySet[CostRate]:
    return CostRate.objects.all() if can(user, "planning.view") else CostRate.objects.none()


def fares_visible_to(user: AnyUser) -> QuerySet[Fare]:
    return Fare.objects.all() if can(user, "planning.view") else Fare.objects.none()


def unavailabilities_visible_to(user: AnyUser) -> QuerySet[Unavailability]:
    return Unavailability.objects.all() if can(user, "planning.view") else Unavailability.objects.none()


def audit_secret_views(user: AnyUser, visits: Iterable[PlannedVisit], *, via: str) -> None:
    """Record that ``user`` was shown these planned visits, if any of them is unannounced.

    One audit event per page, export or API response (not one per row), listing the secret ids."""
    secret = sorted(v.pk for v in visits if not v.announced)
    if not secret:
        return
    staff = active_user(user)
    audit_record(
        actor=staff,
        action=AuditEvent.Action.READ,
        object_type="planning.plannedvisit",
        object_id=str(secret[0]) if len(secret) == 1 else "",
        object_repr=f"{len(secret)} unannounced planned visit(s) via {via}"[:300],
        changes={"ids": secret, "via": via},
    )


def audit_proposal_view(user: AnyUser, proposal: Proposal, *, via: str) -> None:
    """A proposal lists unannounced visits of every group: each showing of it is audited too."""
    audit_record(
        actor=active_user(user),
        action=AuditEvent.Action.READ,
        obj=proposal,
        changes={"visits": len(proposal.payload or []), "via": via},
    )


def proposal_jobs_visible_to(user: AnyUser) -> QuerySet[Job]:
    """Optimiser runs (background jobs) may hold unannounced visits, as proposals do: coordinators only."""
    allowed = can(user, "planning.manage") and can(user, "planning.see_unannounced")
    return Job.objects.filter(kind=Job.Kind.PROPOSAL) if allowed else Job.objects.none()


def proposal_job_for_user(user: AnyUser, pk: int | str) -> Job:
    try:
        job = proposal_jobs_visible_to(user).get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    plan_for_user(user, job.params.get("plan", 0), manage=True)  # the plan must still be visible
    return job
