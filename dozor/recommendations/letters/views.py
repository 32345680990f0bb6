"""Pages of the correspondence register (see dozor/recommendations/letters/urls.py).

Thin adapters: every query goes through ``dozor.recommendations.access`` (``letters_visible_to``,
``letter_for_user``): an invisible letter is a 404, registering or escalating without the right a
403. Council members and monitors read the register; liaisons read the letters exchanged with
their authority subtree (and of the linked report and recommendations only what the portal shows
them); only coordinators register and escalate.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dozor.accounts.access import AnyUser, authorities_visible_to
from dozor.accounts.http import AuthedRequest
from dozor.core.forms import submit_form
from dozor.recommendations.access import (
    can_manage_letters,
    is_liaison,
    letter_for_user,
    letters_visible_to,
    reads_letters,
    recommendations_visible_to,
    reports_sent_to,
)
from dozor.recommendations.letters import services as services_letters
from dozor.recommendations.letters.forms import EscalateForm, LetterFilterForm, LetterForm
from dozor.recommendations.models import Letter
from dozor.recommendations.screening.views import screening_section
from dozor.visits.access import reports_visible_to

SECTION = "letters"
PAGE_SIZE = 50


def _require_reader(user: AnyUser) -> None:
    if not reads_letters(user):
        raise PermissionDenied


def _listed(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    return services_letters.with_state(letters.select_related("authority", "facility", "in_reply_to"))


@login_required
def letter_list(request: AuthedRequest) -> HttpResponse:
    _require_reader(request.user)
    today = timezone.localdate()
    form = LetterFilterForm(request.GET or None, authorities=authorities_visible_to(request.user))
    letters = letters_visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["direction"]:
            letters = letters.filter(direction=data["direction"])
        if data["authority"] is not None:
            path = data["authority"].path
            letters = letters.filter(
                Q(authority__path__startswith=path) | Q(facility__authority__path__startswith=path)
            )
        if data["unanswered"]:
            letters = services_letters.awaiting_answer(letters)
        if data["overdue"]:
            letters = services_letters.overdue_letters(today, letters)
        letters = services_letters.search(letters, data["q"])
    page = Paginator(_listed(letters).order_by("-registered_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "recommendations/letter_list.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "can_manage": can_manage_letters(request.user),
            "section": SECTION,
        },
    )


def _report_link(request: HttpRequest, letter: Letter) -> dict[str, Any] | None:
    """The linked report as the user may see it: staff get a link, liaisons only a sent report."""
    if letter.report_id is None:
        return None
    if is_liaison(request.user):
        report = reports_sent_to(request.user).select_related("visit__facility").filter(pk=letter.report_id)
        found = report.first()
        return {"report": found, "link": False} if found else None
    found = (
        reports_visible_to(request.user).select_related("visit__facility").filter(pk=letter.report_id).first()
    )
    return {"report": found, "link": True} if found else None


@login_required
def letter_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    letter = letter_for_user(request.user, pk)
    visible = letters_visible_to(request.user)
    today = timezone.localdate()
    answered = services_letters.is_answered(letter)
    manage = can_manage_letters(request.user)
    context = {
        "letter": letter,
        "answered": answered,
        "overdue": letter.due_on is not None and letter.due_on < today and not answered,
        "in_reply_to": visible.filter(pk=letter.in_reply_to_id).first() if letter.in_reply_to_id else None,
        "escalation_of": visible.filter(pk=letter.escalation_of_id).first()
        if letter.escalation_of_id
        else None,
        "replies": list(visible.filter(in_reply_to=letter).select_related("authority", "facility")),
        "escalations": list(visible.filter(escalation_of=letter).select_related("authority")),
        "report_link": _report_link(request, letter),
        "recommendations": list(
            recommendations_visible_to(request.user)
            .filter(letters=letter)
            .select_related("status")
            .order_by("pk")
        ),
        "can_manage": manage,
        "screening": screening_section(request.user, letter),
        "is_liaison": is_liaison(request.user),
        "can_escalate": manage and not services_letters.escalation_problems(letter, on=today),
        "section": SECTION,
    }
    return render(request, "recommendations/letter_detail.html", context)


def _form_page(request: HttpRequest, template_name: str, form: Any, **context: Any) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template_name, {"form": form, "section": SECTION, **context}, status=status)


def _reply_initial(request: HttpRequest) -> dict[str, Any]:
    """Values for "register the reply" from a letter's page (``?reply_to=<id>``)."""
    raw = request.GET.get("reply_to")
    if not raw:
        return {}
    original = letter_for_user(request.user, raw)
    return {
        "direction": Letter.Direction.INCOMING
        if original.direction == Letter.Direction.OUTGOING
        else Letter.Direction.OUTGOING,
        "in_reply_to": original.number,
        "authority": original.authority_id,
        "facility": original.facility_id,
        "report": original.report_id,
        "subject": original.subject,
    }


@login_required
@require_http_methods(["GET", "POST"])
def letter_create(request: AuthedRequest) -> HttpResponse:
    if not can_manage_letters(request.user):
        raise PermissionDenied
    form = LetterForm(request.POST or None, initial=_reply_initial(request), user=request.user)
    if request.method == "POST":
        letter = submit_form(
            form,
            lambda: services_letters.letter_register(
                actor=request.user,
                **form.values(),
            ),
        )
        if letter is not None:
            messages.success(request, _("The letter was registered."))
            return redirect("recommendations:letter_detail", pk=letter.pk)
    return _form_page(request, "recommendations/letter_form.html", form)


@login_required
@require_http_methods(["GET", "POST"])
def letter_escalate(request: AuthedRequest, pk: int) -> HttpResponse:
    letter = letter_for_user(request.user, pk)
    if not can_manage_letters(request.user):
        raise PermissionDenied
    form = EscalateForm(request.POST or None)
    if request.method == "POST":
        escalation = submit_form(
            form,
            lambda: services_letters.letter_escalate(
                actor=request.user,
                letter=letter,
                **form.values(),
            ),
        )
        if escalation is not None:
            messages.success(request, _("The escalation to the supervising ministry was registered."))
            return redirect("recommendations:letter_detail", pk=escalation.pk)
    return _form_page(
        request,
        "recommendations/letter_escalate.html",
        form,
        letter=letter,
        ministry=services_letters.supervising_ministry(letter),
        problems=services_letters.escalation_problems(letter, on=timezone.localdate()),
    )
