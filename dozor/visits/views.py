"""Visit pages (minimal for now): list, create, detail with its checklists, and the online checklist.

Thin adapters: parse, check access through ``dozor.visits.access``, call one service, render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dozor.accounts.access import can, require
from dozor.accounts.http import AuthedRequest
from dozor.core.forms import add_service_errors
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility
from dozor.methodology.models import Question, QuestionType, Section
from dozor.methodology.selectors import version_sections
from dozor.visits import services
from dozor.visits.access import can_record, visit_for_user, visits_visible_to
from dozor.visits.evidence import views as views_evidence
from dozor.visits.findings import views as views_findings
from dozor.visits.forms import ChecklistForm, VisitFilterForm, VisitForm, parse_units
from dozor.visits.interviews import views as views_interviews
from dozor.visits.models import Submission, Visit
from dozor.visits.record import views as views_record
from dozor.visits.reports import views as views_reports
from dozor.visits.selectors import visit_search, visit_submissions

PAGE_SIZE = 50
PLACE_ROWS = 10  # the latest visits shown on a place's page; the rest are one link away
SECTION = "visits"


@login_required
def visit_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "visits.view")
    form = VisitFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    page = Paginator(visit_search(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    # The chosen place is named only if the user may see it (an id alone reveals nothing).
    place = (
        facilities_visible_to(request.user).filter(pk=filters.facility).first()
        if filters.facility is not None
        else None
    )
    without_place = request.GET.copy()
    without_place.pop("facility", None)
    without_place.pop("page", None)
    return render(
        request,
        "visits/list.html",
        {
            "page": page,
            "form": form,
            "place": place,
            "without_place": without_place.urlencode(),
            "can_manage": can(request.user, "visits.manage"),
            "section": SECTION,
        },
    )


def place_section(request: HttpRequest, facility: Facility) -> dict[str, Any] | None:
    """The visits to a place that the user may see, latest first, for the place page (composed by
    ``dozor.web.place_page``; the place is already access-checked). None for those who see no visits."""
    if not can(request.user, "visits.view"):
        return None
    visits = visits_visible_to(request.user).filter(facility=facility)
    return {
        "template": "visits/_place_visits.html",
        "visits": list(visits.select_related("visit_type").order_by("-started_on", "-id")[:PLACE_ROWS]),
        "count": visits.count(),
        "list_url": f"{reverse('visits:list')}?{urlencode({'facility': facility.pk})}",
    }


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: AuthedRequest) -> HttpResponse:
    user = require(request.user, "visits.manage")
    form = VisitForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_create(
                actor=user,
                facility=data["facility"],
                visit_type=data["visit_type"],
                started_on=data["started_on"],
                template_version=data["template_version"],
                announced=data["announced"],
                team=list(data["team"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The visit was created."))
            return redirect("visits:detail", pk=visit.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "visits/form.html", {"form": form, "section": SECTION}, status=status)


@dataclass
class AnswerUnit:
    index: int
    rows: list[tuple[Question, str]]


@dataclass
class AnswerSection:
    section: Section
    units: list[AnswerUnit]


def _display(question: Question, value: str) -> str:
    """An answer as people read it: choice labels instead of choice names."""
    if question.type in (QuestionType.YES_NO, QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
        labels = {c["name"]: c["label"] or c["name"] for c in question.choice_list()}
        return ", ".join(labels.get(part, part) for part in value.split())
    return value


def _grouped(submission: Submission, sections: list[Section]) -> list[AnswerSection]:
    """A submission's answers by section, and by unit inside repeated sections."""
    values = {(a.question_id, a.repeat_index): a.value for a in submission.answers.all()}
    grouped = []
    for section in sections:
        questions = list(section.questions.all())
        ids = {q.pk for q in questions}
        indices = sorted({index for (qid, index) in values if qid in ids})
        units = []
        for index in indices:
            rows = [(q, _display(q, values[(q.pk, index)])) for q in questions if (q.pk, index) in values]
            units.append(AnswerUnit(index=index, rows=rows))
        if units:
            grouped.append(AnswerSection(section=section, units=units))
    return grouped


def visit_detail_render(
    request: HttpRequest, visit: Visit, *, extra_sections: Sequence[Mapping[str, Any]] = ()
) -> HttpResponse:
    """The visit page for a visit already access-checked. ``extra_sections`` are sections that
    apps above visits add (recommendations to verify, reprisal cases to check), each a mapping with
    the ``template`` to include and its context: the page is composed by the web app
    (``dozor.web.visit_page``), never by visits calling up into them."""
    submissions = list(visit_submissions(user=request.user, visit=visit))
    sections_by_version: dict[int, list[Section]] = {}
    for submission in submissions:
        if submission.version_id not in sections_by_version:
            sections_by_version[submission.version_id] = version_sections(submission.version)
    return render(
        request,
        "visits/detail.html",
        {
            "visit": visit,
            "team": list(visit.team.select_related("user").order_by("role", "user__last_name")),
            "submissions": [
                (submission, _grouped(submission, sections_by_version[submission.version_id]))
                for submission in submissions
            ],
            "can_record": can_record(request.user, visit),
            "section": SECTION,
            **views_findings.section_context(request, visit),
            **views_interviews.section_context(request, visit),
            **views_evidence.section_context(request, visit),
            "extra_sections": list(extra_sections),
            **views_reports.section_context(request, visit),
            **views_record.section_context(request, visit),
        },
    )


def _checklist_page(
    request: HttpRequest, visit: Visit, form: ChecklistForm, *, status: int = 200
) -> HttpResponse:
    layout, _answers = form.walk()
    context = {
        "visit": visit,
        "form": form,
        "layout": layout,
        "units": form.units,
        "has_repeats": bool(form.units),
        "section": SECTION,
    }
    # htmx asks after a change to a question that conditions refer to: only the questions and
    # units whose visibility can change are sent back (out of band), so nothing being typed is lost.
    template = (
        "visits/_checklist_relevance.html" if getattr(request, "htmx", False) else "visits/checklist.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def checklist(request: AuthedRequest, pk: int) -> HttpResponse:
    """Fill in the visit's checklist. A POST with ``_refresh`` (sent by htmx on every change, or by
    the "update" button without JavaScript) only re-renders with relevance applied."""
    visit = visit_for_user(request.user, pk, record=True)
    version = visit.template_version
    if version is None:
        messages.error(request, _("The visit has no checklist version; choose one first."))
        return redirect("visits:detail", pk=visit.pk)
    sections = version_sections(version)
    units = parse_units(request.POST if request.method == "POST" else request.GET, sections)
    form = ChecklistForm(
        request.POST if request.method == "POST" else None, version=version, sections=sections, units=units
    )
    if request.method == "GET" or "_refresh" in request.POST:
        return _checklist_page(request, visit, form)
    form.is_valid()  # runs field cleaning so that service problems can be attached to the fields
    _layout, answers = form.walk()
    try:
        services.submission_record_web(actor=request.user, visit=visit, answers=answers, units=form.units)
    except ValidationError as exc:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for key, errors in problems.items():
            for message in errors:
                form.add_problem(key, message)
        return _checklist_page(request, visit, form, status=400)
    messages.success(request, _("The checklist was saved."))
    return redirect("visits:detail", pk=visit.pk)
