"""The authority portal and the NPM's side of responses (see dozor/recommendations/portal/urls.py).

Liaisons see only what ``dozor.recommendations.access`` lets them: recommendations addressed to their
authority (or its places) whose report was sent, their authority's responses, the final reports
sent to it - exactly the approved version for the authority (the release gate,
docs/decisions/0020-release-gate.md: ``dozor.visits.reports.released``), never a document rebuilt
from the visit's data; a report sent without one is not shown. Anything else is
a 404, never a 403, so that identifiers of other authorities cannot be probed. Portal pages are for
liaisons only (403 for NPM staff, who have their own pages).

What a liaison sees of the status history: the status, its date and how it was verified - not the
NPM's evidence notes, who assessed it, nor the follow-up visit (internal working material).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dozor.accounts.access import AnyUser, can, require
from dozor.accounts.audit import audit_record
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import AuditEvent, User
from dozor.core.files import file_response
from dozor.core.forms import submit_form
from dozor.core.i18n import pick
from dozor.core.search import search_words
from dozor.facilities.access import facilities_visible_to
from dozor.recommendations import selectors
from dozor.recommendations.access import (
    can_assess,
    can_respond,
    is_liaison,
    recommendation_for_user,
    recommendations_visible_to,
    reports_sent_to,
    response_attachment_for_user,
    response_for_user,
    responses_visible_to,
    sent_report_for_user,
)
from dozor.recommendations.models import Recommendation, Response, Status
from dozor.recommendations.portal import services as services_portal
from dozor.recommendations.portal.forms import AssessmentForm, ResponseForm
from dozor.recommendations.portal.services import MAX_ATTACHMENTS
from dozor.visits.models import Report
from dozor.visits.reports import released

PORTAL = "portal"
RESPONSES = "responses"
PAGE_SIZE = 25
DUE_SOON_DAYS = 30
UNANSWERED = "unanswered"  # the list's filter: open recommendations the authority has not answered
# Room for the form's text fields and the multipart envelope around the files.
REQUEST_OVERHEAD = 1024 * 1024
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def _liaison(request: AuthedRequest) -> User:
    if not is_liaison(request.user):
        raise PermissionDenied
    return request.user


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _open(user: AnyUser) -> Any:
    return recommendations_visible_to(user).filter(status__closed=False)


@login_required
@require_GET
def portal(request: AuthedRequest) -> HttpResponse:
    user = _liaison(request)
    today = timezone.localdate()
    visible = recommendations_visible_to(user)
    counts = dict(visible.order_by().values_list("status").annotate(n=Count("id")))
    statuses = [
        (status, counts.get(status.pk, 0)) for status in Status.objects.order_by("sort_order", "code")
    ]
    upcoming = (
        _open(user)
        .filter(deadline__isnull=False, deadline__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))
        .select_related("status", "facility")
        .order_by("deadline", "id")[:PAGE_SIZE]
    )
    reports = reports_sent_to(user).select_related("visit__facility").order_by("-sent_on", "-id")[:5]
    return render(
        request,
        "recommendations/portal_home.html",
        {
            "statuses": statuses,
            "total": sum(counts.values()),
            "upcoming": list(upcoming),
            "today": today,
            "reports": list(reports),
            "section": PORTAL,
        },
    )


@login_required
@require_GET
def portal_recommendations(request: AuthedRequest) -> HttpResponse:
    user = _liaison(request)
    statuses = list(Status.objects.order_by("sort_order", "code"))
    chosen = request.GET.get("status", "")
    items = recommendations_visible_to(user).select_related("status", "facility", "theme")
    if chosen == "open":
        items = items.filter(status__closed=False)
    elif chosen == UNANSWERED:
        items = selectors.unanswered(user, items)
    elif chosen:
        items = items.filter(status__code=chosen)
    query = request.GET.get("q", "").strip()
    if query:
        for word in search_words(query, limit=8):
            items = items.filter(search_text__contains=word)
    # One place (the place page links here); named only if the liaison sees it.
    chosen_place = request.GET.get("facility", "")
    place = None
    if chosen_place.isdigit():
        items = items.filter(facility_id=int(chosen_place))
        place = facilities_visible_to(user).filter(pk=int(chosen_place)).first()
    page = Paginator(items.order_by("deadline", "-issued_on", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "recommendations/portal_recommendations.html",
        {
            "page": page,
            "statuses": statuses,
            "chosen": chosen,
            "query": query,
            "place": place,
            "place_id": chosen_place if chosen_place.isdigit() else "",
            "today": timezone.localdate(),
            "section": PORTAL,
        },
    )


def _other_texts(recommendation: Recommendation) -> list[tuple[str, str, str]]:
    shown = recommendation.text
    return [
        (code, LANGUAGE_NAMES[code], text)
        for code in ("kk", "ru", "en")
        if (text := getattr(recommendation, f"text_{code}")) and text != shown
    ]


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _request_limit() -> int:
    return MAX_ATTACHMENTS * services_portal.max_attachment_bytes() + REQUEST_OVERHEAD


def _submit(user: User, recommendation: Recommendation, form: ResponseForm) -> Response:
    try:
        return services_portal.response_submit(actor=user, recommendation=recommendation, **form.values())
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "files" in exc.error_dict:
            exc.error_dict["attachments"] = exc.error_dict.pop("files")
        raise


@login_required
@require_http_methods(["GET", "POST"])
def portal_recommendation(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _liaison(request)
    recommendation = recommendation_for_user(user, pk)
    answerable = can_respond(user, recommendation)
    if request.method == "POST" and _content_length(request) > _request_limit():
        # Refused before Django parses the body (and spools the files to temporary files).
        messages.error(
            request,
            _("The files are larger than the limit of %(limit)s each, %(count)d files at most.")
            % {"limit": filesizeformat(services_portal.max_attachment_bytes()), "count": MAX_ATTACHMENTS},
        )
        return redirect("recommendations:portal_recommendation", pk=recommendation.pk)
    form = ResponseForm(request.POST or None, request.FILES or None) if answerable else None
    if request.method == "POST":
        if form is None:
            messages.error(
                request, _("This recommendation can no longer be answered: its follow-up is closed.")
            )
            return redirect("recommendations:portal_recommendation", pk=recommendation.pk)
        response = submit_form(form, lambda: _submit(user, recommendation, form))
        if response is not None:
            messages.success(request, _("Your response was sent to the National Preventive Mechanism."))
            return redirect("recommendations:portal_recommendation", pk=recommendation.pk)
    history = recommendation.history.select_related("status").order_by("-changed_on", "-id")
    responses = (
        responses_visible_to(user)
        .filter(recommendation=recommendation)
        .select_related("authority")
        .prefetch_related("attachments")
        .order_by("-submitted_at", "-id")
    )
    report = (
        reports_sent_to(user).filter(pk=recommendation.report_id).first()
        if recommendation.report_id
        else None
    )
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(
        request,
        "recommendations/portal_recommendation.html",
        {
            "recommendation": recommendation,
            "other_texts": _other_texts(recommendation),
            "history": list(history),
            "responses": list(responses),
            "report": report,
            "form": form,
            "today": timezone.localdate(),
            "section": PORTAL,
        },
        status=status,
    )


@login_required
@require_GET
def portal_reports(request: AuthedRequest) -> HttpResponse:
    user = _liaison(request)
    reports = reports_sent_to(user).select_related("visit__facility").order_by("-sent_on", "-id")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page.object_list:
        sent = released.sent_release(report) or {}
        report.sent_lang = sent.get("lang", "")
        report.sent_lang_name = ", ".join(LANGUAGE_NAMES.get(x, x) for x in released.sent_languages(report))
    return render(
        request,
        "recommendations/portal_reports.html",
        {"page": page, "formats": released.FORMATS, "section": PORTAL},
    )


def _sent(user: User, pk: int, request: HttpRequest) -> tuple[Report, dict[str, Any]]:
    """The report sent to the liaison's authority, in the language asked for (``?lang=``), else in
    the reader's language if it was sent in it, else in the first language it was sent in."""
    report = sent_report_for_user(user, pk)
    languages = released.sent_languages(report)
    wanted = request.GET.get("lang") or translation.get_language() or ""
    sent = released.sent_release(report, wanted if wanted in languages else None)
    if sent is None:
        raise Http404
    return report, sent


def _audit_read(user: User, report: Report, sent: dict[str, Any], fmt: str, request: HttpRequest) -> None:
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT if fmt != "html" else AuditEvent.Action.READ,
        obj=report,
        changes={
            "format": fmt,
            "lang": sent["lang"],
            "version": "authority",
            "release": sent["release"],
            "via": "portal",
        },
        ip_address=_ip(request),
    )


@login_required
@require_GET
def portal_report(request: AuthedRequest, pk: int) -> HttpResponse:
    """The report as the authority received it: the approved text, on a page."""
    user = _liaison(request)
    report, sent = _sent(user, pk, request)
    document = released.authority_document(report, sent)
    _audit_read(user, report, sent, "html", request)
    languages = [(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in released.sent_languages(report)]
    return render(
        request,
        "recommendations/portal_report.html",
        {
            "report": report,
            "d": document,
            "formats": released.FORMATS,
            "lang": sent["lang"],
            "sent_languages": languages if len(languages) > 1 else [],
            "section": PORTAL,
        },
    )


@login_required
@require_GET
def portal_report_document(request: AuthedRequest, pk: int) -> HttpResponse:
    """A report sent to the liaison's authority as PDF or DOCX: exactly the approved version for the
    authority, in the language it was sent in."""
    user = _liaison(request)
    report, sent = _sent(user, pk, request)
    fmt = request.GET.get("format", "pdf")
    if fmt not in released.FORMATS:
        return HttpResponseBadRequest(_("Unknown document format: choose PDF or DOCX."))
    data = released.render(document=released.authority_document(report, sent), fmt=fmt)
    _audit_read(user, report, sent, fmt, request)
    return file_response(
        data, released.authority_filename(report, sent["lang"], fmt), released.CONTENT_TYPES[fmt]
    )


@login_required
@require_GET
def response_attachment(request: AuthedRequest, pk: int) -> FileResponse:
    attachment = response_attachment_for_user(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    services_portal.attachment_record_download(
        actor=request.user,
        attachment=attachment,
        ip_address=_ip(request),
    )
    return file_response(handle, attachment.original_name, attachment.content_type)


# --- the NPM's side ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def response_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    response = response_for_user(request.user, pk)
    if is_liaison(request.user):  # their own authority's response: shown on the portal page
        return redirect("recommendations:portal_recommendation", pk=response.recommendation_id)
    if not can(request.user, "recommendations.view"):
        raise Http404
    recommendation = response.recommendation
    manager = can_assess(request.user)
    form = AssessmentForm(request.POST or None, recommendation=recommendation) if manager else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        change = submit_form(
            form,
            lambda: services_portal.response_assess(
                actor=request.user,
                response=response,
                **form.values(),
            ),
        )
        if change is not None:
            messages.success(request, _("The assessment was recorded."))
            return redirect("recommendations:response_detail", pk=response.pk)
    history = recommendation.history.select_related(
        "status", "visit__facility", "author", "response"
    ).order_by("-changed_on", "-id")
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render(
        request,
        "recommendations/response_detail.html",
        {
            "response": response,
            "recommendation": recommendation,
            "recommendation_text": pick(recommendation, "text"),
            "attachments": list(response.attachments.all()),
            "history": list(history),
            "form": form,
            "section": RESPONSES,
        },
        status=status,
    )


@login_required
@require_GET
def responses_to_assess(request: AuthedRequest) -> HttpResponse:
    user = require(request.user, "recommendations.assess")
    waiting = (
        responses_visible_to(user)
        .filter(assessed_at__isnull=True)
        .select_related("recommendation__status", "recommendation__facility", "authority")
        .annotate(files=Count("attachments"))
        .order_by("submitted_at", "id")
    )
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "recommendations/response_queue.html",
        {"page": page, "section": RESPONSES},
    )
