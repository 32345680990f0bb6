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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

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
from dozor.visits.interviews import services
from dozor.visits.interviews.forms import InterviewForm
from dozor.visits.models import Interview, Visit

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
        .order_by("held_on", "code")
    )
    return {
        "interviews_shown": True,
        "interviews": interviews,
        "can_record_interview": can_record(request.user, visit),
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
    form = InterviewForm(request.POST or None)
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


@login_required
def interview_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    interview = interview_for_user(request.user, pk)
    user = request.user
    services.interview_read(actor=user, interview=interview, ip_address=_ip(request))
    return render(
        request,
        "visits/interview_detail.html",
        {
            "interview": interview,
            "visit": interview.visit,
            "can_edit": can_record(user, interview.visit),
            "section": SECTION,
        },
    )


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
