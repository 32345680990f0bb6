"""Visit pages (minimal for now): list, create, detail with its checklists, and the online checklist.

Thin adapters: parse, check access through ``dozor.visits.access``, call one service, render.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dozor.accounts.access import can, require
from dozor.core.forms import add_service_errors
from dozor.methodology.models import Question, QuestionType, Section
from dozor.methodology.selectors import version_sections
from dozor.visits import extensions, services
from dozor.visits.access import can_record, visit_for_user, visits_visible_to
from dozor.visits.evidence import views as views_evidence
from dozor.visits.findings import views as views_findings
from dozor.visits.forms import ChecklistForm, VisitForm, parse_units
from dozor.visits.interviews import views as views_interviews
from dozor.visits.models import Submission, TeamMember, Visit
from dozor.visits.record import views as views_record
from dozor.visits.reports import views as views_reports
from dozor.visits.selectors import visit_submissions

PAGE_SIZE = 50
SECTION = "visits"


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "visits.view")
    visits = (
        visits_visible_to(request.user)
        .select_related("facility__region", "visit_type", "template_version__template")
        .prefetch_related(Prefetch("team", queryset=TeamMember.objects.select_related("user")))
        .annotate(submission_count=Count("submissions", distinct=True))
        .order_by("-started_on", "-id")
    )
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/list.html",
        {"page": page, "can_manage": can(request.user, "visits.manage"), "section": SECTION},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest) -> HttpResponse:
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


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk)
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
            "extra_sections": extensions.visit_sections(request, visit),
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
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
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
        services.submission_record_web(actor=request.user, visit=visit, answers=answers, units=form.units)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for key, errors in problems.items():
            for message in errors:
                form.add_problem(key, message)
        return _checklist_page(request, visit, form, status=400)
    messages.success(request, _("The checklist was saved."))
    return redirect("visits:detail", pk=visit.pk)
