"""The NPM's recommendation pages (see recommendations/urls_recs.py): list with filters and
exports, detail with status history, issuing with repeat detection, correcting, assessing the
status, linking repeats; and the visit-page section of open recommendations to verify on site.

Thin adapters: every query goes through ``dozor.recommendations.access`` (invisible -> 404, visible but
not allowed -> 403), one service call, render.

Liaisons (the authority portal): the list redirects them to the portal (``recommendations:portal``)
when that page exists, else shows only what they may see; a recommendation they cannot see is a
404 like any other; one they can see redirects to the portal's page for it when it exists, else
shows a read-only detail without the NPM's internal parts (authors, internal letters, similar
recommendations). They never get the forms (403). Exports give them only their authority's rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dozor.accounts.access import active_user, authorities_visible_to, can
from dozor.accounts.audit import audit_record
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import AuditEvent, User
from dozor.accounts.signin.reauth import reauth_redirect
from dozor.core.files import file_response
from dozor.core.forms import form_status, submit_edit, submit_form
from dozor.core.revisions import revision_field_add
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility
from dozor.recommendations import exports, selectors, services
from dozor.recommendations.access import (
    can_manage,
    is_liaison,
    letters_visible_to,
    reads_recommendations,
    recommendation_for_user,
    recommendations_visible_to,
)
from dozor.recommendations.forms import (
    RecommendationFilterForm,
    RecommendationForm,
    RepeatChoiceForm,
    RepeatLinkForm,
    StatusChangeForm,
)
from dozor.recommendations.models import Recommendation, StatusChange
from dozor.recommendations.screening.views import screening_section
from dozor.recommendations.similarity import similar_recommendations
from dozor.visits.access import reports_visible_to, visits_visible_to
from dozor.visits.models import Visit

SECTION = "recommendations"
PAGE_SIZE = 50


def _url(name: str, *args: Any) -> str | None:
    """The URL of a page another feature may or may not provide."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _viewer(request: HttpRequest) -> User:
    """Someone who may read recommendations at all: the NPM's staff or an authority liaison."""
    user = active_user(request.user)
    if user is None or not reads_recommendations(user):
        raise PermissionDenied
    return user


def _manager(request: HttpRequest) -> User:
    user = active_user(request.user)
    if user is None or not can_manage(user):
        raise PermissionDenied
    return user


def _filter_form(request: HttpRequest) -> RecommendationFilterForm:
    return RecommendationFilterForm(request.GET or None, authorities=authorities_visible_to(request.user))


def _form_page(request: HttpRequest, template_name: str, form: Any, **context: Any) -> HttpResponse:
    status = form_status(form)
    return render(request, template_name, {"form": form, "section": SECTION, **context}, status=status)


# --- list and exports -----------------------------------------------------------------------------


@login_required
def recommendation_list(request: AuthedRequest) -> HttpResponse:
    user = _viewer(request)
    if is_liaison(user) and (portal := _url("recommendations:portal")):
        return redirect(portal)
    form = _filter_form(request)
    filters = form.filters()
    page = Paginator(selectors.recommendation_search(user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    # The chosen place is named only if the user may see it (an id alone reveals nothing).
    place = (
        facilities_visible_to(user).filter(pk=filters.facility).first()
        if filters.facility is not None
        else None
    )
    without_place = query.copy()
    without_place.pop("facility", None)
    return render(
        request,
        "recommendations/list.html",
        {
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "query_string": query.urlencode(),
            "place": place,
            "without_place": without_place.urlencode(),
            "place_visits_url": (
                f"{reverse('visits:list')}?{urlencode({'facility': place.pk})}"
                if place is not None and can(user, "visits.view")
                else None
            ),
            "can_manage": can_manage(user),
            "section": SECTION,
        },
    )


@login_required
def recommendation_export(request: AuthedRequest, fmt: str) -> HttpResponse:
    user = _viewer(request)
    if (response := reauth_redirect(request)) is not None:
        return response  # exports leave Dozor: the password (and code) again (docs/decisions/0014)
    filters = _filter_form(request).filters()
    rows = list(selectors.recommendations_for_export(user, filters))
    if fmt == "xlsx":
        content = exports.export_xlsx(rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = exports.export_csv(rows)
        content_type = "text/csv; charset=utf-8"
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        object_type="recommendations.recommendation",
        object_repr=f"{fmt} {request.GET.urlencode()}"[:300],
        changes={"format": fmt, "rows": len(rows)},
    )
    stamp = timezone.localdate().isoformat()
    return file_response(content, f"dozor-recommendations-{stamp}.{fmt}", content_type)


# --- detail ---------------------------------------------------------------------------------------


@login_required
def recommendation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    recommendation = recommendation_for_user(request.user, pk)  # 404 for anyone who may not see it
    user = _viewer(request)
    liaison = is_liaison(user)
    if liaison and (portal := _url("recommendations:portal_recommendation", recommendation.pk)):
        return redirect(portal)
    manage = can_manage(user)
    report_visible = (
        recommendation.report_id is not None
        and reports_visible_to(user).filter(pk=recommendation.report_id).exists()
    )
    similar: list[tuple[Recommendation, float]] = []
    if manage:
        linked = {recommendation.repeat_of_id}
        similar = [
            (other, score)
            for other, score in similar_recommendations(
                recommendation.search_text,
                facility=recommendation.facility_id,
                authority=recommendation.authority_id,
                exclude=recommendation,
                among=recommendations_visible_to(user),
            )
            if other.pk not in linked and other.issued_on <= recommendation.issued_on
        ]
    context = {
        "recommendation": recommendation,
        "report": recommendation.report if report_visible else None,
        "provisions": recommendation.provisions.select_related("instrument"),
        "repeats_of": selectors.repeat_chain(user, recommendation),
        "repeated_by": list(selectors.recommendation_repeats(user, recommendation)),
        "history": list(selectors.recommendation_history(recommendation)),
        "responses": list(selectors.recommendation_responses(user, recommendation)),
        "letters": list(letters_visible_to(user).filter(recommendations=recommendation)),
        "similar": similar,
        "screening": screening_section(user, recommendation),
        "can_manage": manage,
        "liaison": liaison,
        "today": timezone.localdate(),
        "section": SECTION,
    }
    return render(request, "recommendations/detail.html", context)


# --- issuing and correcting -----------------------------------------------------------------------


def _recommendation_form(
    request: HttpRequest, recommendation: Recommendation | None = None
) -> RecommendationForm:
    return RecommendationForm(
        request.POST or None,
        reports=reports_visible_to(request.user),
        facilities=facilities_visible_to(request.user),
        authorities=authorities_visible_to(request.user),
        recommendation=recommendation,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_create(request: AuthedRequest) -> HttpResponse:
    """Issue a recommendation. Repeat detection is a second step: when the text resembles
    recommendations to the same place or authority, they are shown and the user links the new one
    as a repeat of one of them or confirms it is new, then submits again (no JavaScript)."""
    user = _manager(request)
    form = _recommendation_form(request)
    choice = RepeatChoiceForm(request.POST or None)
    similar: list[tuple[Recommendation, float]] = []
    if request.method == "POST" and form.is_valid() and choice.is_valid():
        digest = form.digest()
        picked = choice.cleaned_data["repeat_choice"] if choice.cleaned_data["checked"] == digest else ""
        repeat_of: Recommendation | None = None
        decided = picked == "new"
        if picked and picked != "new":
            repeat_of = (
                recommendations_visible_to(user).filter(pk=int(picked) if picked.isdigit() else 0).first()
            )
            if repeat_of is None:
                form.add_error(None, _("The recommendation chosen as the earlier one does not exist."))
            decided = repeat_of is not None
        if not decided and not form.errors:
            facility, authority = form.place()
            similar = similar_recommendations(
                form.search_text(),
                facility=facility,
                authority=authority,
                among=recommendations_visible_to(user),
            )
            decided = not similar
        if decided:
            made = submit_form(
                form,
                lambda: services.recommendation_create(
                    actor=user,
                    data=form.to_data(),
                    provisions=form.chosen_provisions(),
                    repeat_of=repeat_of,
                ),
            )
            if made is not None:
                if made.repeat_of_id:
                    messages.success(request, _("The recommendation was issued as a repeat."))
                else:
                    messages.success(request, _("The recommendation was issued."))
                return redirect("recommendations:detail", pk=made.pk)
        else:
            choice = RepeatChoiceForm(initial={"checked": digest})
    return _form_page(
        request,
        "recommendations/form.html",
        form,
        choice=choice,
        similar=similar,
        recommendation=None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    recommendation = recommendation_for_user(request.user, pk)
    user = _manager(request)
    form = _recommendation_form(request, recommendation)
    revision_field_add(form, recommendation)
    if request.method == "POST":
        saved = submit_edit(
            form,
            lambda: services.recommendation_update(
                actor=user,
                recommendation=recommendation,
                data=form.to_data(),
                provisions=form.chosen_provisions(),
                base_revision=form.cleaned_data["revision"],
            ),
            current_initial=lambda current: _recommendation_form(request, current).initial,
        )
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("recommendations:detail", pk=saved.pk)
    return _form_page(
        request, "recommendations/form.html", form, recommendation=recommendation, similar=[], choice=None
    )


@login_required
@require_POST
def recommendation_repeat(request: AuthedRequest, pk: int) -> HttpResponse:
    """Link (or unlink, with an empty number) the recommendation as a repeat of an earlier one."""
    recommendation = recommendation_for_user(request.user, pk)
    user = _manager(request)
    form = RepeatLinkForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["repeat_of"]
        earlier = recommendations_visible_to(user).filter(pk=number).first() if number else None
        try:
            if number and earlier is None:
                raise ValidationError(_("There is no recommendation no. %(number)s.") % {"number": number})
            services.mark_repeat(actor=user, recommendation=recommendation, repeat_of=earlier)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            if earlier is None:
                messages.success(request, _("The recommendation is no longer marked as a repeat."))
            else:
                messages.success(request, _("The recommendation was marked as a repeat."))
    else:
        messages.error(request, _("Give the number of the earlier recommendation."))
    return redirect("recommendations:detail", pk=recommendation.pk)


# --- status ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def status_change(request: AuthedRequest, pk: int) -> HttpResponse:
    recommendation = recommendation_for_user(request.user, pk)
    user = _manager(request)
    visits = selectors.follow_up_visits(recommendation, visits_visible_to(user))
    responses = selectors.recommendation_responses(user, recommendation)
    initial: dict[str, Any] = {}
    if request.method == "GET":
        if request.GET.get("verification") in StatusChange.Verification.values:
            initial["verification"] = request.GET["verification"]
        visit_id = request.GET.get("visit", "")
        if visit_id.isdigit() and visits.filter(pk=int(visit_id)).exists():
            initial["visit"] = int(visit_id)
    form = StatusChangeForm(request.POST or None, visits=visits, responses=responses, initial=initial)
    if request.method == "POST":
        change = submit_form(
            form,
            lambda: services.status_change(actor=user, recommendation=recommendation, **form.cleaned_data),
        )
        if change is not None:
            messages.success(request, _("The status change was recorded."))
            return redirect("recommendations:detail", pk=recommendation.pk)
    return _form_page(request, "recommendations/status_form.html", form, recommendation=recommendation)


# --- the visit page's section ---------------------------------------------------------------------


def visit_section(request: HttpRequest, visit: Visit) -> dict[str, Any] | None:
    """The place's recommendations whose follow-up is not closed, to verify during this visit
    (added to the visit page by ``dozor.web.visit_page``; the visit is already access-checked)."""
    if not can(request.user, "recommendations.view"):
        return None
    return {
        "template": "recommendations/_visit_open.html",
        "recommendations": list(selectors.open_at_place(request.user, visit.facility_id)),
        "visit": visit,
        "can_manage": can_manage(request.user),
        "today": timezone.localdate(),
    }


# --- the place page's section ---------------------------------------------------------------------

PLACE_ROWS = 10  # the open recommendations shown on a place's page; the rest are one link away


def place_section(request: HttpRequest, facility: Facility) -> dict[str, Any] | None:
    """The place's recommendations whose follow-up is not closed, as the user may see them (a
    liaison: those addressed to its authority and released to it), for the place page composed by
    ``dozor.web.place_page`` (the place is already access-checked)."""
    user = active_user(request.user)
    if user is None or not reads_recommendations(user):
        return None
    found = selectors.open_at_place(user, facility.pk)
    if is_liaison(user) and (portal := _url("recommendations:portal_recommendations")):
        list_url = f"{portal}?{urlencode({'status': 'open', 'facility': str(facility.pk)})}"
    else:
        list_url = (
            f"{reverse('recommendations:list')}?"
            f"{urlencode({'facility': str(facility.pk), 'status_group': selectors.OPEN})}"
        )
    return {
        "template": "recommendations/_place_open.html",
        "recommendations": list(found[:PLACE_ROWS]),
        "count": found.count(),
        "list_url": list_url,
        "today": timezone.localdate(),
    }
