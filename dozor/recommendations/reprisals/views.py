"""Pages of the reprisal follow-up (see dozor/recommendations/reprisals/urls.py) and its section on the
visit page.

Reprisal cases are confidential: only coordinators and monitors (for places of visits whose team
they are on) reach these pages; council members, liaisons, trainers get 404 and anonymous users
the sign-in page. Every page showing cases writes a READ event to the audit log. The visit-page
section shows pseudonym codes and dates only, never summaries, outcomes, identities or interview
notes; a protected person's identity is on the person's page, for coordinators and the case's
team only (``can_read_identity``), and each showing is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dozor.accounts.access import AnyUser, active_user, can
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import User
from dozor.core.forms import submit_form
from dozor.recommendations.access import (
    can_read_identity,
    protected_person_for_user,
    reprisal_action_for_user,
    reprisal_case_for_user,
    reprisal_cases_visible_to,
)
from dozor.recommendations.models import ProtectedPerson, ReprisalCase
from dozor.recommendations.reprisals import services as services_reprisals
from dozor.recommendations.reprisals.forms import (
    PersonMoveForm,
    ReprisalActionForm,
    ReprisalActionOutcomeForm,
    ReprisalCheckForm,
    ReprisalCloseForm,
    ReprisalOpenForm,
)
from dozor.visits.access import (
    can_record,
    interview_for_user,
    interviews_visible_to,
    visit_for_user,
    visits_visible_to,
)
from dozor.visits.models import Visit

SECTION = "reprisals"
PAGE_SIZE = 50
STATE_BADGES = {
    ReprisalCase.State.OPEN.value: "badge-danger",
    ReprisalCase.State.MONITORING.value: "badge-warn",
    ReprisalCase.State.CLOSED.value: "badge-ok",
}


def follower(user: AnyUser) -> User:
    """Coordinators and monitors follow reprisal cases; anyone else gets 404 (not even the
    existence of the pages is shown to them)."""
    staff = active_user(user)
    if staff is None or not can(staff, "reprisals.view"):
        raise Http404
    return staff


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _decorate(case: ReprisalCase) -> ReprisalCase:
    case.state_badge = STATE_BADGES.get(case.state, "")  # type: ignore[attr-defined]
    return case


def cases_for(user: AnyUser) -> QuerySet[ReprisalCase]:
    """The cases the user may see, with what the list shows (no duplicates from the team join)."""
    return (
        ReprisalCase.objects.filter(pk__in=reprisal_cases_visible_to(user).values("pk"))
        .select_related("facility", "interview", "person__facility")
        .annotate(last_checked_on=Max("checks__checked_on"))
        .order_by("-raised_on", "-id")
    )


def _places_of(case: ReprisalCase) -> set[int]:
    """The places where the case may be checked at some time: where it was raised, and every place
    that held the person (``case.person.locations`` prefetched)."""
    places = {move.facility_id for move in case.person.locations.all() if move.facility_id}
    if case.facility_id:
        places.add(case.facility_id)
    return places


def _checking_visits(user: AnyUser, case: ReprisalCase) -> list[Visit]:
    """Visits the user records for that may check on the case (to a place that held the person
    when the visit started, from the case's date on)."""
    if case.state == ReprisalCase.State.CLOSED:
        return []
    visits = visits_visible_to(user).filter(facility__in=_places_of(case), started_on__gte=case.raised_on)
    if case.interview is not None:
        visits = visits.exclude(pk=case.interview.visit_id)
    return [
        v
        for v in visits.select_related("facility").order_by("-started_on")[:20]
        if case.checkable_at(v.facility_id, v.started_on) and can_record(user, v)
    ][:10]


# --- the visit page section ---------------------------------------------------------------------


def visit_section(request: HttpRequest, visit: Visit) -> dict[str, Any] | None:
    """For coordinators and the visit's team: at-risk interviewees of this visit without a case,
    and the open cases the visit must check - those of persons the place held when the visit
    started, whatever place the case began at (and place-bound cases of staff or relatives)."""
    user = request.user
    if not can_record(user, visit):  # coordinators and monitors on the visit's team
        return None
    at_risk = list(
        interviews_visible_to(user)
        .filter(visit=visit, at_risk=True, reprisal_cases__isnull=True)
        .order_by("code")
        .only("pk", "code", "category", "held_on", "visit_id")
    )
    cases = cases_for(user)
    here = ReprisalCase.objects.filter(
        Q(facility=visit.facility_id) | Q(person__locations__facility=visit.facility_id)
    )
    candidates = cases.filter(
        pk__in=here.values("pk"),
        state__in=services_reprisals.FOLLOWED,
        raised_on__lte=visit.started_on,
    ).prefetch_related("person__locations")
    to_check = [
        _decorate(case)
        for case in candidates
        if (case.interview is None or case.interview.visit_id != visit.pk)
        and case.checkable_at(visit.facility_id, visit.started_on)
    ]
    for case in to_check:
        location = case.person.location_on(visit.started_on)
        case.held_since = location.since if location else None  # type: ignore[attr-defined]
        case.moved_here = case.facility_id != visit.facility_id  # type: ignore[attr-defined]
    for case in to_check:  # one form per case, with its own element ids
        case.check_form = ReprisalCheckForm(auto_id=f"id_reprisal{case.pk}_%s")  # type: ignore[attr-defined]
    opened_here = [_decorate(case) for case in cases.filter(interview__visit=visit)]
    return {
        "template": "recommendations/_visit_reprisals.html",
        "at_risk": at_risk,
        "to_check": to_check,
        "opened_here": opened_here,
    }


# --- pages ---------------------------------------------------------------------------------------


@login_required
def reprisal_list(request: AuthedRequest) -> HttpResponse:
    user = follower(request.user)
    cases = cases_for(user)
    state = request.GET.get("state", "")
    if state in ReprisalCase.State.values:
        cases = cases.filter(state=state)
    else:
        state = ""
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [_decorate(case) for case in page.object_list]
    services_reprisals.reprisal_read(actor=user, cases=shown, via="reprisal_list", ip_address=_ip(request))
    return render(
        request,
        "recommendations/reprisal_list.html",
        {
            "page": page,
            "cases": shown,
            "state": state,
            "states": ReprisalCase.State.choices,
            "can_open": can(user, "reprisals.manage"),
            "section": SECTION,
        },
    )


@login_required
def reprisal_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = follower(request.user)
    case = _decorate(reprisal_case_for_user(user, pk))
    services_reprisals.reprisal_read(actor=user, cases=[case], via="reprisal_detail", ip_address=_ip(request))
    checks = list(case.checks.select_related("visit__facility", "author").order_by("-checked_on", "-id"))
    actions = list(case.actions.select_related("author").order_by("-taken_on", "-id"))
    manager = can(user, "reprisals.manage")
    closable = case.state != ReprisalCase.State.CLOSED and manager
    return render(
        request,
        "recommendations/reprisal_detail.html",
        {
            "case": case,
            "person": case.person,
            "checks": checks,
            "actions": actions,
            "action_form": ReprisalActionForm() if manager else None,
            "can_manage": manager,
            "checking_visits": _checking_visits(user, case),
            "close_form": ReprisalCloseForm() if closable else None,
            "section": SECTION,
        },
    )


def _form_page(request: HttpRequest, template_name: str, form: Any, **context: Any) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template_name, {"form": form, "section": SECTION, **context}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reprisal_open_interview(request: AuthedRequest, pk: int) -> HttpResponse:
    """Open a case for an at-risk interviewee (from the visit page)."""
    user = follower(request.user)
    interview = interview_for_user(user, pk)
    if not services_reprisals.can_open_for(user, interview):
        raise PermissionDenied
    form = ReprisalOpenForm(
        request.POST or None, ask_facility=False, initial={"kind": ReprisalCase.Kind.AT_RISK}
    )
    if request.method == "POST":
        case = submit_form(
            form,
            lambda: services_reprisals.reprisal_open(
                actor=user, facility=interview.visit.facility, interview=interview, **form.values()
            ),
        )
        if case is not None:
            messages.success(
                request, _("The follow-up case was opened; later visits to the place will check it.")
            )
            return redirect("visits:detail", pk=interview.visit_id)
    return _form_page(
        request, "recommendations/reprisal_form.html", form, interview=interview, visit=interview.visit
    )


@login_required
@require_http_methods(["GET", "POST"])
def reprisal_open(request: AuthedRequest) -> HttpResponse:
    """Open a case not tied to an interview (an allegation received otherwise, a relative, staff,
    an NPM member): coordinators. ``?person=<id>`` opens another case for a known person."""
    user = follower(request.user)
    if not can(user, "reprisals.manage"):
        raise PermissionDenied
    person = None
    if request.GET.get("person"):
        person = protected_person_for_user(user, request.GET["person"])
    form = ReprisalOpenForm(
        request.POST or None,
        ask_facility=True,
        ask_person=person is None,
        initial={"kind": ReprisalCase.Kind.ALLEGATION, "category": ProtectedPerson.Category.DETAINEE},
    )
    if request.method == "POST":
        case = submit_form(
            form, lambda: services_reprisals.reprisal_open(actor=user, person=person, **form.values())
        )
        if case is not None:
            messages.success(
                request, _("The follow-up case was opened; later visits to the place will check it.")
            )
            return redirect("recommendations:reprisal_detail", pk=case.pk)
    return _form_page(
        request, "recommendations/reprisal_form.html", form, interview=None, visit=None, person=person
    )


@login_required
@require_http_methods(["GET", "POST"])
def reprisal_check(request: AuthedRequest, pk: int, visit_pk: int) -> HttpResponse:
    user = follower(request.user)
    case = reprisal_case_for_user(user, pk)
    visit = visit_for_user(user, visit_pk, record=True)
    form = ReprisalCheckForm(request.POST or None)
    if request.method == "POST":
        check = submit_form(
            form,
            lambda: services_reprisals.reprisal_check(actor=user, case=case, visit=visit, **form.values()),
        )
        if check is not None:
            messages.success(request, _("The check was recorded."))
            return redirect("visits:detail", pk=visit.pk)
    return _form_page(
        request, "recommendations/reprisal_check_form.html", form, case=_decorate(case), visit=visit
    )


@login_required
@require_http_methods(["GET", "POST"])
def reprisal_close(request: AuthedRequest, pk: int) -> HttpResponse:
    user = follower(request.user)
    case = reprisal_case_for_user(user, pk)
    if not can(user, "reprisals.manage"):
        raise PermissionDenied
    form = ReprisalCloseForm(request.POST or None)
    if request.method == "POST":
        closed = submit_form(
            form, lambda: services_reprisals.reprisal_close(actor=user, case=case, **form.values())
        )
        if closed is not None:
            messages.success(request, _("The case was closed."))
            return redirect("recommendations:reprisal_detail", pk=case.pk)
    return _form_page(request, "recommendations/reprisal_close_form.html", form, case=_decorate(case))


# --- protected persons and actions ---------------------------------------------------------------


@login_required
def person_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A protected person: code, category, where they are and were, their cases; the identity for
    coordinators and the case's team only."""
    user = follower(request.user)
    person = protected_person_for_user(user, pk)
    show_identity = can_read_identity(user, person)
    services_reprisals.person_read(actor=user, person=person, identity=show_identity, ip_address=_ip(request))
    cases = [_decorate(case) for case in cases_for(user).filter(person=person)]
    services_reprisals.reprisal_read(actor=user, cases=cases, via="reprisal_person", ip_address=_ip(request))
    moves = list(person.locations.select_related("facility", "recorded_by").order_by("-since", "-id"))
    manager = can(user, "reprisals.manage")
    return render(
        request,
        "recommendations/reprisal_person.html",
        {
            "person": person,
            "show_identity": show_identity,
            "cases": cases,
            "moves": moves,
            "can_manage": manager,
            "move_form": PersonMoveForm() if manager else None,
            "section": SECTION,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a transfer, a release or a lost trace (coordinators): the cases follow the person."""
    user = follower(request.user)
    person = protected_person_for_user(user, pk)
    if not can(user, "reprisals.manage"):
        raise PermissionDenied
    form = PersonMoveForm(request.POST or None)
    if request.method == "POST":
        move = submit_form(
            form, lambda: services_reprisals.person_move(actor=user, person=person, **form.values())
        )
        if move is not None:
            messages.success(
                request,
                _(
                    "The move was recorded; later visits to the place that holds the person will check on them."
                ),
            )
            return redirect("recommendations:reprisal_person", pk=person.pk)
    return _form_page(request, "recommendations/reprisal_person_move.html", form, person=person)


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record an action taken on a case (coordinators)."""
    user = follower(request.user)
    case = reprisal_case_for_user(user, pk)
    if not can(user, "reprisals.manage"):
        raise PermissionDenied
    form = ReprisalActionForm(request.POST or None)
    if request.method == "POST":
        action = submit_form(
            form, lambda: services_reprisals.reprisal_action_add(actor=user, case=case, **form.values())
        )
        if action is not None:
            messages.success(request, _("The action was recorded."))
            return redirect("recommendations:reprisal_detail", pk=case.pk)
    return _form_page(
        request, "recommendations/reprisal_action_form.html", form, case=_decorate(case), action=None
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_outcome(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record what came of an action (coordinators)."""
    user = follower(request.user)
    action = reprisal_action_for_user(user, pk)
    if not can(user, "reprisals.manage"):
        raise PermissionDenied
    form = ReprisalActionOutcomeForm(
        request.POST or None, initial={"outcome": action.outcome} if action.outcome else None
    )
    if request.method == "POST":
        saved = submit_form(
            form,
            lambda: services_reprisals.reprisal_action_outcome(actor=user, action=action, **form.values()),
        )
        if saved is not None:
            messages.success(request, _("The outcome was recorded."))
            return redirect("recommendations:reprisal_detail", pk=action.case_id)
    return _form_page(
        request,
        "recommendations/reprisal_action_form.html",
        form,
        case=_decorate(action.case),
        action=action,
    )
