"""Planning pages: plans, planned visits and their groups, the optimiser's proposals, the planning
calendar, the participant's own visits (with an iCalendar feed) and unavailability.

Thin adapters: parse, check access through ``dozor.planning.access``, call one service, render. Every
page that shows rows of planned visits records the secret (unannounced) ones it showed through
``audit_secret_views``.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet, Sum, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from dozor.accounts.access import AnyUser, active_user, can, require
from dozor.accounts.http import AuthedRequest
from dozor.core.confirm import delete_confirmed
from dozor.core.files import file_response
from dozor.core.forms import submit_form
from dozor.core.jobs.models import Job
from dozor.facilities.models import Facility
from dozor.people.models import Person
from dozor.planning import ical, selectors, services
from dozor.planning.access import (
    audit_proposal_view,
    audit_secret_views,
    expenses_visible_to,
    own_planned_visits,
    plan_for_user,
    planned_visit_for_user,
    planned_visits_visible_to,
    plans_visible_to,
    proposal_for_user,
    proposal_job_for_user,
    proposals_visible_to,
    unavailabilities_visible_to,
)
from dozor.planning.budget.costs import cost_line_label
from dozor.planning.forms import (
    CancelForm,
    MoveForm,
    PlaceFilterForm,
    PlanForm,
    PlannedVisitForm,
    ProposeForm,
    UnavailabilityForm,
    VisitFilterForm,
)
from dozor.planning.models import GroupMember, PlannedVisit, Unavailability
from dozor.planning.optimiser import proposals

SECTION = "planning"
ROLE_LABELS: dict[str, Any] = dict(GroupMember.Role.choices)  # lazy labels: translated when shown


def _can_manage(request: HttpRequest) -> bool:
    return can(request.user, "planning.manage")


def _require_manage(request: HttpRequest) -> None:
    require(request.user, "planning.view")
    require(request.user, "planning.manage")


def _form_page(request: HttpRequest, template_name: str, form: Any, **context: Any) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context.setdefault("section", SECTION)
    return render(request, template_name, {"form": form, **context}, status=status)


def _with_group(visits: QuerySet[PlannedVisit]) -> QuerySet[PlannedVisit]:
    """Visits with what a table row shows: place, region, type and the group (one query each)."""
    return visits.select_related("plan", "facility__region", "facility__type", "visit_type").prefetch_related(
        Prefetch(
            "group",
            queryset=GroupMember.objects.select_related("person__region").order_by("role", "id"),
        )
    )


def _leader(visit: PlannedVisit) -> Person | None:
    for member in visit.group.all():
        if member.role == GroupMember.Role.LEADER:
            return member.person
    return None


@dataclass
class VisitRow:
    visit: PlannedVisit
    leader: Person | None
    size: int


def _rows(visits: list[PlannedVisit]) -> list[VisitRow]:
    return [VisitRow(v, _leader(v), len(v.group.all())) for v in visits]


# Plans ------------------------------------------------------------------------------------------


@login_required
def plan_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "planning.view")
    plans = list(plans_visible_to(request.user))
    # Counts come from the visits this user may see: a secret visit is not even counted for others.
    counts = dict(
        planned_visits_visible_to(request.user)
        .exclude(status=PlannedVisit.Status.CANCELLED)
        .values("plan_id")
        .annotate(n=Count("id"))
        .values_list("plan_id", "n")
    )
    return render(
        request,
        "planning/plan_list.html",
        {
            "rows": [(plan, counts.get(plan.pk, 0)) for plan in plans],
            "can_manage": _can_manage(request),
            "section": SECTION,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: AuthedRequest) -> HttpResponse:
    _require_manage(request)
    form = PlanForm(request.POST or None)
    if request.method == "POST":
        plan = submit_form(
            form,
            lambda: services.plan_create(
                actor=request.user,
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
                title=form.cleaned_data["title"],
                budget=form.cleaned_data["budget"],
                notes=form.cleaned_data["notes"],
            ),
        )
        if plan is not None:
            messages.success(request, _("The plan was created; now add its visits or propose them."))
            return redirect("planning:plan_detail", pk=plan.pk)
    return _form_page(request, "planning/plan_form.html", form, plan=None)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = plan_for_user(request.user, pk, manage=True)
    form = PlanForm(request.POST or None, plan=plan)
    if request.method == "POST":
        updated = submit_form(
            form,
            lambda: services.plan_update(
                actor=request.user,
                plan=plan,
                title=form.cleaned_data["title"],
                budget=form.cleaned_data["budget"],
                notes=form.cleaned_data["notes"],
                status=form.cleaned_data["status"],
            ),
        )
        if updated is not None:
            messages.success(request, _("The plan was saved."))
            return redirect("planning:plan_detail", pk=plan.pk)
    return _form_page(request, "planning/plan_form.html", form, plan=plan)


@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = plan_for_user(request.user, pk)
    filters = VisitFilterForm(request.GET or None, user=request.user)
    visible = planned_visits_visible_to(request.user).filter(plan=plan)
    visits = list(_with_group(filters.apply(visible)).order_by("starts_on", "id"))
    audit_secret_views(request.user, visits, via="plan_detail")
    totals = visible.exclude(status=PlannedVisit.Status.CANCELLED).aggregate(
        n=Count("id"), cost=Sum("estimated_cost")
    )
    can_manage = _can_manage(request)
    return render(
        request,
        "planning/plan_detail.html",
        {
            "plan": plan,
            "filters": filters,
            "rows": _rows(visits),
            "totals": totals,
            "can_manage": can_manage,
            "propose_form": ProposeForm(plan=plan) if can_manage else None,
            "proposals": list(proposals_visible_to(request.user).filter(plan=plan)) if can_manage else [],
            "section": SECTION,
        },
    )


# Proposals --------------------------------------------------------------------------------------


@login_required
@require_POST
def proposal_create(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = plan_for_user(request.user, pk, manage=True)
    form = ProposeForm(request.POST, plan=plan)
    job = submit_form(
        form,
        lambda: proposals.proposal_job_queue(
            actor=request.user,
            plan=plan,
            method=form.cleaned_data["method"],
            budget=form.cleaned_data["budget"],
            time_limit=form.cleaned_data["time_limit"],
        ),
    )
    if job is not None:
        return redirect("planning:proposal_job", pk=job.pk)
    return _form_page(request, "planning/proposal_form.html", form, plan=plan)


@login_required
@require_GET
def proposal_job(request: AuthedRequest, pk: int) -> HttpResponse:
    """The optimiser's run: refreshes itself while it waits or runs, opens the proposal when done."""
    job = proposal_job_for_user(request.user, pk)
    if job.status == Job.Status.DONE and job.result.get("proposal"):
        url = reverse("planning:proposal_detail", args=[job.result["proposal"]])
        return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)
    plan = plan_for_user(request.user, job.params["plan"], manage=True)
    context = {"job": job, "plan": plan, "section": SECTION, "refresh": not job.finished}
    if getattr(request, "htmx", False):
        return render(request, "planning/proposal_job_status.html", context)
    return render(request, "planning/proposal_job.html", context)


@login_required
def proposal_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request.user, "planning.view")
    proposal = proposal_for_user(request.user, pk)
    summary = proposal.summary or {}
    audit_proposal_view(request.user, proposal, via="proposal page")
    return render(
        request,
        "planning/proposal_detail.html",
        {
            "proposal": proposal,
            "plan": proposal.plan,
            "summary": summary,
            "unplaceable": summary.get("unplaceable_examples") or [],
            "rows": [
                (row, [(person, ROLE_LABELS.get(role, role)) for person, role in row.members])
                for row in proposals.proposal_rows(proposal)
            ],
            "pending": proposal.status == proposal.Status.PENDING,
            "section": SECTION,
        },
    )


@login_required
@require_POST
def proposal_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request.user, "planning.view")
    proposal = proposal_for_user(request.user, pk)
    try:
        visits = proposals.proposal_accept(actor=request.user, proposal=proposal)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("planning:proposal_detail", pk=proposal.pk)
    messages.success(
        request, _("The proposal was accepted: %(n)d visits were added to the plan.") % {"n": len(visits)}
    )
    return redirect("planning:plan_detail", pk=proposal.plan_id)


@login_required
@require_POST
def proposal_reject(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request.user, "planning.view")
    proposal = proposal_for_user(request.user, pk)
    try:
        proposals.proposal_reject(actor=request.user, proposal=proposal)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("planning:proposal_detail", pk=proposal.pk)
    messages.success(request, _("The proposal was rejected; the plan is unchanged."))
    return redirect("planning:plan_detail", pk=proposal.plan_id)


# Planned visits ---------------------------------------------------------------------------------


def _visit(request: HttpRequest, pk: int, *, manage: bool = False) -> PlannedVisit:
    visit = planned_visit_for_user(request.user, pk, manage=manage)
    prefetch_related_objects(
        [visit],
        Prefetch(
            "group", queryset=GroupMember.objects.select_related("person__region").order_by("role", "id")
        ),
    )
    return visit


@login_required
def visit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    audit_secret_views(request.user, [visit], via="visit_detail")
    can_manage = _can_manage(request)
    breakdown = visit.cost_breakdown or {}
    return render(
        request,
        "planning/visit_detail.html",
        {
            "visit": visit,
            "group": list(visit.group.all()),
            "cost_lines": [
                {"label": cost_line_label(line), "amount": line.get("amount")}
                for line in breakdown.get("lines") or []
            ],
            "cost_total": breakdown.get("total", visit.estimated_cost),
            "expenses": list(expenses_visible_to(request.user).filter(planned_visit=visit)),
            "can_manage": can_manage,
            "changeable": can_manage
            and visit.status == PlannedVisit.Status.PLANNED
            and not selectors.planned_visit_has_record(visit),
            "cancel_form": CancelForm(),
            "section": SECTION,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = plan_for_user(request.user, pk, manage=True)
    places = PlaceFilterForm(request.GET or None, user=request.user)
    form = PlannedVisitForm(request.POST or None, user=request.user, region=places.chosen_region())
    if request.method == "POST":
        visit = submit_form(
            form,
            lambda: services.planned_visit_create(
                actor=request.user,
                plan=plan,
                data=form.to_data(),
                members=form.members(),
            ),
        )
        if visit is not None:
            messages.success(request, _("The visit was added to the plan."))
            return redirect("planning:visit_detail", pk=visit.pk)
    return _form_page(request, "planning/visit_form.html", form, plan=plan, visit=None, places=places)


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk, manage=True)
    places = PlaceFilterForm(request.GET or None, user=request.user)
    form = PlannedVisitForm(
        request.POST or None, user=request.user, region=places.chosen_region(), visit=visit
    )
    if request.method == "POST":
        updated = submit_form(
            form,
            lambda: services.planned_visit_update(
                actor=request.user,
                visit=visit,
                data=form.to_data(),
                members=form.members(),
            ),
        )
        if updated is not None:
            messages.success(request, _("The visit was saved."))
            return redirect("planning:visit_detail", pk=visit.pk)
    audit_secret_views(request.user, [visit], via="visit_edit")
    return _form_page(request, "planning/visit_form.html", form, plan=visit.plan, visit=visit, places=places)


@login_required
@require_http_methods(["GET", "POST"])
def visit_move(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk, manage=True)
    form = MoveForm(request.POST or None, initial={"starts_on": visit.starts_on, "ends_on": visit.ends_on})
    if request.method == "POST":
        moved = submit_form(
            form,
            lambda: services.planned_visit_move(
                actor=request.user,
                visit=visit,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
            ),
        )
        if moved is not None:
            messages.success(request, _("The visit was moved."))
            return redirect("planning:visit_detail", pk=visit.pk)
    audit_secret_views(request.user, [visit], via="visit_move")
    return _form_page(request, "planning/visit_move.html", form, visit=visit)


@login_required
@require_http_methods(["GET", "POST"])
def visit_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk, manage=True)
    form = CancelForm(request.POST or None)
    if request.method == "POST":
        cancelled = submit_form(
            form,
            lambda: services.planned_visit_cancel(
                actor=request.user,
                visit=visit,
                reason=form.cleaned_data["reason"],
            ),
        )
        if cancelled is not None:
            messages.success(request, _("The visit was cancelled."))
            return redirect("planning:plan_detail", pk=visit.plan_id)
    audit_secret_views(request.user, [visit], via="visit_cancel")
    return _form_page(request, "planning/visit_cancel.html", form, visit=visit)


# Calendars --------------------------------------------------------------------------------------


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    visits: list[PlannedVisit] = field(default_factory=list)


@dataclass
class Month:
    first: datetime.date
    last: datetime.date
    previous: str
    next: str
    weeks: list[list[Day]]

    @property
    def agenda(self) -> list[Day]:
        """The month as a list (narrow screens): the days on which visits begin, each visit once
        (one begun the month before is listed under the 1st)."""
        days = []
        for week in self.weeks:
            for day in week:
                if day.in_month:
                    starting = [v for v in day.visits if v.starts_on == day.date or day.date == self.first]
                    if starting:
                        days.append(Day(day.date, True, starting))
        return days


def _parse_month(value: str | None) -> datetime.date:
    """The first day of ``YYYY-MM``; this month when absent or malformed."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if match and 1 <= int(match[2]) <= 12:
        return datetime.date(int(match[1]), int(match[2]), 1)
    return timezone.localdate().replace(day=1)


def _month_bounds(first: datetime.date) -> tuple[datetime.date, datetime.date]:
    days = pycalendar.monthrange(first.year, first.month)[1]
    return first, first.replace(day=days)


def _month_grid(first: datetime.date, visits: list[PlannedVisit]) -> Month:
    """Weeks (Monday first) of the month, each day with the visits that take place on it."""
    _, last = _month_bounds(first)
    by_day: dict[datetime.date, list[PlannedVisit]] = defaultdict(list)
    for visit in visits:
        day = max(visit.starts_on, first)
        while day <= min(visit.ends_on, last):
            by_day[day].append(visit)
            day += datetime.timedelta(days=1)
    weeks = [
        [Day(day, day.month == first.month, by_day.get(day, [])) for day in week]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = last + datetime.timedelta(days=1)
    return Month(first, last, f"{previous:%Y-%m}", f"{following:%Y-%m}", weeks)


def _in_month(visits: QuerySet[PlannedVisit], first: datetime.date) -> QuerySet[PlannedVisit]:
    start, end = _month_bounds(first)
    return visits.filter(starts_on__lte=end, ends_on__gte=start).exclude(status=PlannedVisit.Status.CANCELLED)


@login_required
def calendar(request: AuthedRequest) -> HttpResponse:
    require(request.user, "planning.view")
    first = _parse_month(request.GET.get("month"))
    visits = list(
        _in_month(planned_visits_visible_to(request.user), first)
        .select_related("facility__region", "visit_type")
        .order_by("starts_on", "id")
    )
    audit_secret_views(request.user, visits, via="calendar")
    return render(
        request,
        "planning/calendar.html",
        {"month": _month_grid(first, visits), "section": "planning_calendar"},
    )


def _own_roles(user: AnyUser, visits: list[PlannedVisit]) -> dict[int, str]:
    """The user's role in each of ``visits`` (one query)."""
    staff = active_user(user)
    rows = GroupMember.objects.filter(planned_visit__in=[v.pk for v in visits], person__user=staff)
    return {m.planned_visit_id: m.get_role_display() for m in rows}


@login_required
def my_visits(request: AuthedRequest) -> HttpResponse:
    require(request.user, "planning.view")
    first = _parse_month(request.GET.get("month"))
    own = own_planned_visits(request.user)
    visits = list(own.select_related("facility__region", "visit_type").order_by("starts_on", "id"))
    in_month = [
        v
        for v in visits
        if v.status != PlannedVisit.Status.CANCELLED
        and v.starts_on <= _month_bounds(first)[1]
        and v.ends_on >= first
    ]
    audit_secret_views(request.user, visits, via="my_visits")
    roles = _own_roles(request.user, visits)
    return render(
        request,
        "planning/my_visits.html",
        {
            "rows": [(v, roles.get(v.pk, "")) for v in visits],
            "month": _month_grid(first, in_month),
            "has_person": Person.objects.filter(user=active_user(request.user)).exists(),
            "section": "planning_mine",
        },
    )


@login_required
def my_ical(request: AuthedRequest) -> HttpResponse:
    require(request.user, "planning.view")
    visits = list(
        own_planned_visits(request.user)
        .exclude(status=PlannedVisit.Status.CANCELLED)
        .select_related("facility", "visit_type")
        .order_by("starts_on", "id")
    )
    audit_secret_views(request.user, visits, via="ical")
    body = ical.planned_visits_ical(visits, roles=_own_roles(request.user, visits))
    return file_response(body, "my-visits.ics", "text/calendar; charset=utf-8")


# Unavailability ---------------------------------------------------------------------------------


def _own_person(request: HttpRequest) -> Person | None:
    return Person.objects.filter(user=active_user(request.user)).first()


def _unavailabilities(request: HttpRequest) -> QuerySet[Unavailability]:
    """Coordinators see everyone's absences; others only their own."""
    rows = unavailabilities_visible_to(request.user).select_related("person__region")
    if _can_manage(request):
        return rows
    return rows.filter(person__user=active_user(request.user))


@login_required
@require_http_methods(["GET", "POST"])
def unavailability(request: AuthedRequest) -> HttpResponse:
    require(request.user, "planning.view")
    manage = _can_manage(request)
    person = None if manage else _own_person(request)
    may_add = manage or person is not None
    form = (
        UnavailabilityForm(request.POST or None, user=request.user, choose_person=manage) if may_add else None
    )
    if request.method == "POST":
        if form is None:
            raise Http404
        added = submit_form(
            form,
            lambda: services.unavailability_add(
                actor=request.user,
                person=form.cleaned_data["person"] if manage else person,  # type: ignore[arg-type]
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if added is not None:
            messages.success(request, _("The absence was recorded."))
            return redirect("planning:unavailability")
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(
        request,
        "planning/unavailability.html",
        {
            "rows": list(_unavailabilities(request).order_by("starts_on", "person__last_name", "id")),
            "form": form,
            "can_manage": manage,
            "section": "planning_unavailability",
        },
        status=status,
    )


@login_required
@require_POST
def unavailability_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request.user, "planning.view")
    try:
        item = _unavailabilities(request).get(pk=pk)
    except (Unavailability.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not delete_confirmed(request):
        return redirect(reverse("planning:unavailability"))
    try:
        services.unavailability_delete(actor=request.user, unavailability=item)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The absence was removed."))
    return redirect(reverse("planning:unavailability"))


# The place page's section -------------------------------------------------------------------------

PLACE_ROWS = 20  # planned visits to one place are few; a page never shows more than this


def place_section(request: HttpRequest, facility: Facility) -> dict[str, Any] | None:
    """The visits planned to a place (not yet carried out nor cancelled) that the user may see -
    an unannounced one only for coordinators and its own group - for the place page composed by
    ``dozor.web.place_page`` (the place is already access-checked). Secret ones shown are audited."""
    if not can(request.user, "planning.view"):
        return None
    planned = planned_visits_visible_to(request.user).filter(
        facility=facility, status=PlannedVisit.Status.PLANNED
    )
    visits = list(planned.select_related("plan", "visit_type").order_by("starts_on", "id")[:PLACE_ROWS])
    audit_secret_views(request.user, visits, via="place_page")
    return {"template": "planning/_place_planned.html", "slot": "side", "visits": visits}
