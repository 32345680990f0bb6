"""Visit pages (minimal for now): list, create, detail with its checklists, and the online checklist.

Thin adapters: parse, check access through ``dozor.visits.access``, call one service, render.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.dateformat import time_format
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.timezone import localtime
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
from dozor.visits.access import (
    can_record,
    checklist_submission_for_user,
    checklist_submissions_for,
    visit_for_user,
    visits_visible_to,
)
from dozor.visits.evidence import views as views_evidence
from dozor.visits.findings import views as views_findings
from dozor.visits.forms import ChecklistForm, ChecklistSection, VisitFilterForm, VisitForm, parse_units
from dozor.visits.interviews import views as views_interviews
from dozor.visits.models import Submission, Visit
from dozor.visits.record import views as views_record
from dozor.visits.reports import views as views_reports
from dozor.visits.selectors import (
    checklist_resume,
    checklist_submissions,
    submission_answer_values,
    visit_search,
    visit_submissions,
)
from dozor.visits.services import draft_values
from dozor.visits.submissions import INSTANCE_ID_MAX, MAX_UNITS, Key

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
            # drafts (never their answers) for those who may continue them; [] for anyone else
            "checklist_drafts": [
                s for s in checklist_submissions(user=request.user, visit=visit) if not s.is_final
            ],
            "section": SECTION,
            **views_findings.section_context(request, visit),
            **views_interviews.section_context(request, visit),
            **views_evidence.section_context(request, visit),
            "extra_sections": list(extra_sections),
            **views_reports.section_context(request, visit),
            **views_record.section_context(request, visit),
        },
    )


AUTOSAVE_HEADER = "X-Dozor-Autosave"  # set by the checklist's script on its background saves


@dataclass
class ChecklistProblem:
    """One line of the error summary: a link to the field and what is wrong with it."""

    target: str
    label: str
    message: str


def _problems(form: ChecklistForm, layout: list[ChecklistSection]) -> list[ChecklistProblem]:
    """The form's errors in the order of the questions, each linking to its field."""
    problems = [ChecklistProblem("", "", str(message)) for message in form.non_field_errors()]
    for group in layout:
        for unit in group.units:
            for item in unit.items:
                label = item.question.label or item.question.name
                if unit.index:
                    label = _("%(question)s (unit %(number)s)") % {"question": label, "number": unit.index}
                problems += [ChecklistProblem(item.target_id, label, str(m)) for m in item.field.errors]
    return problems


def _epoch_ms(moment: datetime.datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


def _checklist_state(submission: Submission | None) -> str:
    """What the page opened, said to the user (the script adds what it restored from the device)."""
    if submission is None:
        return _("A new checklist: your answers are saved as a draft as you go.")
    when = date_format(
        localtime(submission.draft_saved_at or submission.received_at), "SHORT_DATETIME_FORMAT"
    )
    if submission.is_final and submission.has_pending_draft:
        return _(
            "Continuing your changes to a final checklist, saved on the server at %(when)s. "
            "Its final answers count until you finalise the changes."
        ) % {"when": when}
    if submission.is_final:
        return _("Editing a final checklist: its answers count until you finalise your changes.")
    return _("Continuing the draft saved on the server at %(when)s.") % {"when": when}


def _checklist_page(
    request: HttpRequest,
    visit: Visit,
    form: ChecklistForm,
    *,
    submission: Submission | None,
    instance_id: str,
    status: int = 200,
    submissions: list[Submission] | None = None,
) -> HttpResponse:
    layout, _answers = form.walk()
    # htmx asks after a change to a question that conditions refer to: only the questions and
    # units whose visibility can change are sent back (out of band), so nothing being typed is lost.
    if getattr(request, "htmx", False):
        return render(request, "visits/_checklist_relevance.html", {"visit": visit, "layout": layout})
    problems = _problems(form, layout) if status == 400 else []
    relevant = [group for group in layout if group.relevant]
    if submissions is None:
        submissions = checklist_submissions(user=request.user, visit=visit)
    others = [s for s in submissions if s.pk != getattr(submission, "pk", None)]
    context = {
        "visit": visit,
        "version": form.version,
        "form": form,
        "layout": layout,
        "units": form.units,
        "submission": submission,
        "instance_id": instance_id,
        "others": others,
        "state": _checklist_state(submission),
        "problems": problems,
        "answered": sum(g.answered for g in relevant),
        "total": sum(g.total for g in relevant),
        "required": sum(g.required for g in relevant),
        "required_answered": sum(g.required_answered for g in relevant),
        # the script compares the server's draft with answers kept on the device in server time
        "server_saved_ms": _epoch_ms(
            submission.draft_saved_at or submission.submitted_at or submission.received_at
            if submission
            else None
        ),
        "server_now_ms": _epoch_ms(timezone.now()),
        "section": SECTION,
    }
    return render(request, "visits/checklist.html", context, status=status)


def _checklist_visit(request: AuthedRequest, pk: int) -> Visit:
    """The visit whose checklist the user may fill in; 404 for anyone else (a draft's existence
    is not revealed to those who read the visit without recording it)."""
    visit = visit_for_user(request.user, pk)
    if not can_record(request.user, visit):
        raise Http404
    return visit


def _stored_units(
    sections: list[Section], values: Mapping[Key, str], stored: Mapping[str, int]
) -> dict[str, int]:
    """Units per repeated section of a stored checklist: as saved, else as many as answered."""
    units = {}
    for section in sections:
        if section.repeat:
            names = {q.name for q in section.questions.all()}
            answered = max((index for (name, index) in values if name in names), default=1)
            units[section.code] = max(1, min(MAX_UNITS, int(stored.get(section.code, answered))))
    return units


def _form_data(
    sections: list[Section], values: Mapping[Key, str], units: Mapping[str, int]
) -> MultiValueDict[str, str]:
    """Stored answers as the form's data (choices of a multiple choice question as a list)."""
    types = {q.name: q.type for section in sections for q in section.questions.all()}
    data: MultiValueDict[str, str] = MultiValueDict()
    for code, count in units.items():
        data.setlist(f"units_{code}", [str(count)])
    for (name, index), value in values.items():
        if name in types:
            multiple = types[name] == QuestionType.SELECT_MULTIPLE
            data.setlist(f"{name}__{index}" if index else name, value.split() if multiple else [value])
    return data


@login_required
@require_http_methods(["GET", "POST"])
def checklist(request: AuthedRequest, pk: int) -> HttpResponse:
    """Fill in the visit's checklist online, as a draft saved as you go, then finalise it.

    GET continues the user's latest draft (or ``?submission=<pk>``, a chosen one to continue or
    edit; ``?new=1`` starts a new one). POST carries the checklist's ``instance`` ID and one action:
    ``_refresh`` (htmx on a change, or the "update" button: relevance re-applied, nothing saved),
    ``_draft`` (Save draft; with the autosave header, the script's background save, answered in
    JSON) or ``_finalise`` (the default: save, then check everything and make it final)."""
    visit = _checklist_visit(request, pk)
    if request.method == "GET":
        return _checklist_get(request, visit)
    instance_id = str(request.POST.get("instance", ""))[:INSTANCE_ID_MAX] or services.web_instance_id()
    submission = (
        checklist_submissions_for(request.user, visit)
        .select_related("version__template")
        .filter(instance_id=instance_id)
        .first()
    )
    version = submission.version if submission else visit.template_version
    autosave = request.headers.get(AUTOSAVE_HEADER) == "1"
    if version is None:
        if autosave:
            return JsonResponse(
                {"ok": False, "message": _("The visit has no checklist version.")}, status=400
            )
        messages.error(request, _("The visit has no checklist version; choose one first."))
        return redirect("visits:detail", pk=visit.pk)
    sections = version_sections(version)
    form = ChecklistForm(
        request.POST, version=version, sections=sections, units=parse_units(request.POST, sections)
    )
    if "_refresh" in request.POST:
        return _checklist_page(request, visit, form, submission=submission, instance_id=instance_id)
    _layout, answers = form.walk()
    try:
        submission = services.submission_draft_save(
            actor=request.user,
            visit=visit,
            instance_id=instance_id,
            answers=answers,
            units=form.units,
            stale_after_final=request.POST.get("editing_final") != "1",
        )
    except ValidationError as exc:
        if autosave:
            return JsonResponse({"ok": False, "message": " ".join(exc.messages)}, status=400)
        for message in exc.messages:
            form.add_error(None, message)
        return _checklist_page(
            request, visit, form, submission=submission, instance_id=instance_id, status=400
        )
    if autosave:
        saved = localtime(submission.draft_saved_at or timezone.now())
        return JsonResponse(
            {
                "ok": True,
                "submission": submission.pk,
                "saved_ms": _epoch_ms(saved),
                "message": _("Draft saved on the server at %(time)s.") % {"time": time_format(saved, "H:i")},
            }
        )
    target = f"{reverse('visits:checklist', args=[visit.pk])}?{urlencode({'submission': submission.pk})}"
    if "_draft" in request.POST:
        messages.success(request, _("The draft was saved. It counts nowhere until it is finalised."))
        return redirect(target)
    form.is_valid()  # runs field cleaning so that service problems can be attached to the fields
    try:
        services.submission_finalise(
            actor=request.user, submission=submission, answers=answers, units=form.units
        )
    except ValidationError as exc:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        for key, errors in problems.items():
            for message in errors:
                form.add_problem(key, message)
        return _checklist_page(
            request, visit, form, submission=submission, instance_id=instance_id, status=400
        )
    messages.success(request, _("The checklist was finalised: its answers now count."))
    return redirect("visits:detail", pk=visit.pk)


def _checklist_get(request: AuthedRequest, visit: Visit) -> HttpResponse:
    submissions = checklist_submissions(user=request.user, visit=visit)
    submission: Submission | None
    if "submission" in request.GET:
        submission = checklist_submission_for_user(request.user, visit, request.GET["submission"])
    elif "new" in request.GET:
        submission = None
    else:
        submission = checklist_resume(user=request.user, submissions=submissions)
    if submission is not None and submission.source != Submission.Source.WEB:
        messages.error(
            request, _("A checklist imported from ODK Central or KoboToolbox is corrected there, not online.")
        )
        return redirect("visits:detail", pk=visit.pk)
    version = submission.version if submission else visit.template_version
    if version is None:
        messages.error(request, _("The visit has no checklist version; choose one first."))
        return redirect("visits:detail", pk=visit.pk)
    sections = version_sections(version)
    data = None
    if submission is not None:
        values = (
            draft_values(submission) if submission.has_pending_draft else submission_answer_values(submission)
        )
        units = _stored_units(sections, values, submission.draft.get("units", {}))
        if any(key == "units" or key.startswith("units_") for key in request.GET):
            units = parse_units(request.GET, sections)
        data = _form_data(sections, values, units)
    else:
        units = parse_units(request.GET, sections)
    form = ChecklistForm(data, version=version, sections=sections, units=units)
    instance_id = submission.instance_id if submission else services.web_instance_id()
    return _checklist_page(
        request, visit, form, submission=submission, instance_id=instance_id, submissions=submissions
    )
