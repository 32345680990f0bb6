"""Pages for a visit's interviews (see dozor/visits/interviews/urls.py).

Interviews are confidential: only coordinators and the visit's team see them (``dozor.visits.access``),
everyone else gets 404 and, on the visit page, not even a count. Every page that shows the
decrypted notes and identity writes a READ event to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dozor.accounts.access import can, require
from dozor.accounts.http import AuthedRequest
from dozor.core.forms import form_status, submit_edit, submit_form
from dozor.core.revisions import revision_field_add
from dozor.visits.access import (
    can_record,
    confidential_visits_for,
    interview_for_user,
    interviews_visible_to,
    visit_for_user,
)
from dozor.visits.interviews import consent_services, services
from dozor.visits.interviews.consent import consent_for_user, open_tasks_for, use_states
from dozor.visits.interviews.forms import (
    ConsentForm,
    InterviewCreateForm,
    InterviewForm,
    TaskDoneForm,
    WithdrawForm,
)
from dozor.visits.models import Consent, Interview, Visit

SECTION = "visits"


def section_context(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    """What the visit page shows of the visit's interviews (template visits/_interviews.html).

    The list never loads the encrypted notes and identity (so nothing is decrypted for it)."""
    if not confidential_visits_for(request.user).filter(pk=visit.pk).exists():
        return {"interviews_shown": False}
    interviews = list(
        interviews_visible_to(request.user)
        .filter(visit=visit)
        .defer("notes", "excerpt", "identity")
        .select_related("language")
        .prefetch_related(Prefetch("consents", queryset=Consent.objects.order_by("use", "-given_on", "-id")))
        .order_by("held_on", "code")
    )
    for interview in interviews:
        interview.consent_badges = [s for s in use_states(interview) if s.state != "not_asked"]  # type: ignore[attr-defined]
    open_tasks = sum(1 for i in interviews for c in i.consents.all() if c.task_open)
    return {
        "interviews_shown": True,
        "interviews": interviews,
        "can_record_interview": can_record(request.user, visit),
        "consent_tasks_open": open_tasks,
        "consent_tasks_link": can(request.user, "visits.manage"),
    }


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _values(form: InterviewForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {name: data[name] for name in form.fields if name != "revision"}


@login_required
@require_http_methods(["GET", "POST"])
def interview_create(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk)
    if not can_record(request.user, visit):  # coordinators and the team: a subset of who reads them
        raise PermissionDenied
    user = request.user
    form = InterviewCreateForm(request.POST or None, visit=visit)
    if request.method == "POST":
        interview = submit_form(
            form, lambda: services.interview_record(actor=user, visit=visit, **_values(form))
        )
        if interview is not None:
            messages.success(request, _("The interview was recorded."))
            return redirect("visits:interview_detail", pk=interview.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "visits/interview_form.html",
        {"form": form, "visit": visit, "interview": None, "section": SECTION},
        status=status,
    )


def _detail(
    request: AuthedRequest,
    interview: Interview,
    *,
    consent_form: ConsentForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    withdraw_for: int | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    services.interview_read(actor=user, interview=interview, ip_address=_ip(request))
    can_edit = can_record(user, interview.visit)
    if consent_form is None and can_edit:
        consent_form = ConsentForm(
            visit=interview.visit,
            initial={"given_on": timezone.localdate(), "language": interview.language_id},
        )
    states = use_states(interview)
    history = [
        c
        for c in interview.consents.all()
        if c.withdrawn_at is not None and all(s.record is None or s.record.pk != c.pk for s in states)
    ]
    return render(
        request,
        "visits/interview_detail.html",
        {
            "interview": interview,
            "visit": interview.visit,
            "can_edit": can_edit,
            "consent_states": states,
            "consent_history": history,
            "consent_form": consent_form,
            "withdraw_form": withdraw_form,
            "withdraw_for": withdraw_for,
            "quotable_authority": any(
                s.use == Consent.Use.QUOTE_AUTHORITY and s.state == "given" for s in states
            ),
            "section": SECTION,
        },
        status=status,
    )


def _with_consents(user: Any, pk: int | str) -> Interview:
    interview = interview_for_user(user, pk)
    consents = Consent.objects.select_related(
        "language", "recorded_by", "capacity_assessed_by", "withdrawn_recorded_by"
    )
    # use_states reads the prefetch: one query for all the records.
    prefetch_related_objects([interview], Prefetch("consents", queryset=consents))
    return interview


@login_required
def interview_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, _with_consents(request.user, pk))


@login_required
@require_POST
def consent_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record one answer (consent or refusal) for one use, from the interview page."""
    interview = _with_consents(request.user, pk)
    user = request.user
    if not can_record(user, interview.visit):
        raise PermissionDenied
    form = ConsentForm(request.POST, visit=interview.visit)
    consent = submit_form(
        form, lambda: consent_services.consent_record(actor=user, interview=interview, **form.cleaned_data)
    )
    if consent is None:
        return _detail(request, _with_consents(user, pk), consent_form=form, status=400)
    messages.success(request, _("The answer was recorded."))
    return redirect(f"{_detail_url(interview)}#consent")


@login_required
@require_POST
def consent_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a withdrawal; documents not yet sent drop the use, sent ones open a task."""
    consent = consent_for_user(request.user, pk)
    user = request.user
    if not can_record(user, consent.interview.visit):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    withdrawn = submit_form(
        form,
        lambda: consent_services.consent_withdraw(
            actor=user, consent=consent, note=form.cleaned_data["note"]
        ),
    )
    if withdrawn is None:
        return _detail(
            request,
            _with_consents(user, consent.interview_id),
            withdraw_form=form,
            withdraw_for=consent.pk,
            status=400,
        )
    if withdrawn.task_open:
        messages.warning(
            request,
            _(
                "The consent was withdrawn. A document using it was already sent: the coordinators "
                "were told and must decide what to do."
            ),
        )
    else:
        messages.success(request, _("The consent was withdrawn; documents not yet sent will not use it."))
    return redirect(f"{_detail_url(consent.interview)}#consent")


def _detail_url(interview: Interview) -> str:
    return reverse("visits:interview_detail", args=[interview.pk])


@login_required
@require_GET
def consent_tasks(request: AuthedRequest) -> HttpResponse:
    """The coordinators' list of withdrawals that came after a document was sent."""
    require(request.user, "visits.manage")
    rows = list(open_tasks_for(request.user))
    return render(
        request,
        "visits/consent_tasks.html",
        {"rows": rows, "form": TaskDoneForm(), "section": SECTION},
    )


@login_required
@require_POST
def consent_task_done(request: AuthedRequest, pk: int) -> HttpResponse:
    consent = consent_for_user(request.user, pk)
    user = request.user
    require(user, "visits.manage")
    form = TaskDoneForm(request.POST)
    done = submit_form(
        form,
        lambda: consent_services.consent_task_done(
            actor=user, consent=consent, note=form.cleaned_data["task_note"]
        ),
    )
    if done is None:
        rows = list(open_tasks_for(user))
        return render(
            request,
            "visits/consent_tasks.html",
            {
                "rows": rows,
                "form": TaskDoneForm(),
                "bound": form,
                "bound_for": consent.pk,
                "section": SECTION,
            },
            status=400,
        )
    messages.success(request, _("The action was recorded as done."))
    return redirect("visits:consent_tasks")


@login_required
@require_http_methods(["GET", "POST"])
def interview_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    interview: Interview = interview_for_user(request.user, pk)
    user = request.user
    if not can_record(user, interview.visit):
        raise PermissionDenied
    form = InterviewForm(request.POST or None, initial=InterviewForm.initial_for(interview))
    revision_field_add(form, interview)
    if request.method == "POST":
        saved = submit_edit(
            form,
            lambda: services.interview_update(
                actor=user, interview=interview, base_revision=form.cleaned_data["revision"], **_values(form)
            ),
            current_initial=InterviewForm.initial_for,
        )
        if saved is not None:
            messages.success(request, _("The interview was saved."))
            return redirect("visits:interview_detail", pk=interview.pk)
    # The form shows the decrypted notes and identity: that is a read like the detail page.
    services.interview_read(actor=user, interview=interview, ip_address=_ip(request))
    status = form_status(form)
    return render(
        request,
        "visits/interview_form.html",
        {"form": form, "visit": interview.visit, "interview": interview, "section": SECTION},
        status=status,
    )
