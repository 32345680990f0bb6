"""Training pages: programmes, events (agenda, enrolments, attendance, results, certificates),
the calendar, training needs and the public certificate check.

Thin adapters: parse, check access through ``dozor.training.access``, call one service, selector or
statistic, render.
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import groupby
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dozor.accounts.access import can, require
from dozor.accounts.http import AuthedRequest
from dozor.core.files import file_response
from dozor.core.forms import submit_form
from dozor.core.models import Region
from dozor.people.access import organisations_visible_to, persons_visible_to
from dozor.people.models import Organisation, Person
from dozor.training import documents, selectors, services, stats
from dozor.training.access import (
    certificates_visible_to,
    enrolment_for_user,
    enrolments_visible_to,
    event_for_user,
    material_for_user,
    programme_for_user,
    programmes_visible_to,
    session_for_user,
)
from dozor.training.forms import (
    ATTENDANCE_CHOICES,
    KIND_SLUGS,
    AnswerSheetForm,
    BaseTestQuestionFormSet,
    EvaluationForm,
    EventForm,
    MaterialForm,
    NewParticipantForm,
    ProgrammeForm,
    RegistrationForm,
    RevokeForm,
    SessionForm,
    TestQuestionFormSet,
    VerifyForm,
    attendance_field,
    parse_attendance_grid,
    question_initial,
)
from dozor.training.models import (
    Assessment,
    Certificate,
    Enrolment,
    Evaluation,
    EvaluationToken,
    Event,
    Material,
    Session,
)

SECTION = "training"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_LANGS = ("kk", "ru", "en")


def _can_manage(request: HttpRequest) -> bool:
    return can(request.user, "training.manage")


def _require_manage(request: HttpRequest) -> None:
    require(request.user, "training.view")
    if not _can_manage(request):
        raise PermissionDenied


def _form_page(request: HttpRequest, template_name: str, form: Any, **context: Any) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template_name, {"form": form, "section": SECTION, **context}, status=status)


def _refusal(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# Programmes ------------------------------------------------------------------------------------


@login_required
def programme_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "training.view")
    programmes = (
        programmes_visible_to(request.user)
        .prefetch_related("co_organisers")
        .annotate(
            event_count=Count("events", distinct=True),
            participant_count=Count(
                "events__enrolments",
                filter=Q(events__enrolments__status=Enrolment.Status.REGISTERED),
                distinct=True,
            ),
        )
    )
    return render(
        request,
        "training/programme_list.html",
        {"programmes": programmes, "can_manage": _can_manage(request), "section": SECTION},
    )


@login_required
def programme_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = programme_for_user(request.user, pk)
    return render(
        request,
        "training/programme_detail.html",
        {
            "programme": programme,
            "co_organisers": list(programme.co_organisers.all()),
            "rows": stats.programme_event_rows(programme),
            "breakdown": _breakdown_rows(stats.programme_breakdown(programme)),
            "report_langs": REPORT_LANGS,
            "can_manage": _can_manage(request),
            "section": SECTION,
        },
    )


def _breakdown_rows(breakdown: stats.Breakdown) -> dict[str, Any]:
    """Label the codes of a participant breakdown for display (the counting is ``dozor.training.stats``)."""
    kinds = dict(Organisation.Kind.choices)
    genders = dict(Person.Gender.choices)
    regions = {r.code: r.name for r in Region.objects.filter(code__in=list(breakdown.region))}
    unknown = _("not recorded")

    def rows(counts: dict[str, int], labels: dict[str, Any]) -> list[tuple[str, int]]:
        return sorted(
            ((str(labels.get(code, unknown)), n) for code, n in counts.items()), key=lambda r: (-r[1], r[0])
        )

    return {
        "total": breakdown.total,
        "groups": [
            (_("Organisation type"), rows(breakdown.organisation_kind, kinds)),
            (_("Region"), rows(breakdown.region, regions)),
            (_("Gender"), rows(breakdown.gender, genders)),
        ],
    }


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request: AuthedRequest) -> HttpResponse:
    _require_manage(request)
    form = ProgrammeForm(request.POST or None, organisations=organisations_visible_to(request.user))
    if request.method == "POST":
        programme = submit_form(
            form,
            lambda: services.programme_create(
                actor=request.user,
                data=form.to_data(),
                co_organisers=list(form.cleaned_data["co_organisers"]),
            ),
        )
        if programme is not None:
            messages.success(request, _("The programme was created; now add its events."))
            return redirect("training:programme", pk=programme.pk)
    return _form_page(request, "training/programme_form.html", form, programme=None)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = programme_for_user(request.user, pk, write=True)
    form = ProgrammeForm(
        request.POST or None,
        initial=ProgrammeForm.initial_from(programme),
        organisations=organisations_visible_to(request.user),
    )
    if request.method == "POST":
        updated = submit_form(
            form,
            lambda: services.programme_update(
                actor=request.user,
                programme=programme,
                data=form.to_data(),
                co_organisers=list(form.cleaned_data["co_organisers"]),
            ),
        )
        if updated is not None:
            messages.success(request, _("The programme was saved."))
            return redirect("training:programme", pk=programme.pk)
    return _form_page(request, "training/programme_form.html", form, programme=programme)


def _report_lang(request: HttpRequest) -> str:
    lang = request.GET.get("lang", "")
    return lang if lang in REPORT_LANGS else (request.LANGUAGE_CODE or "ru")


@login_required
def programme_report_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = programme_for_user(request.user, pk)
    lang = _report_lang(request)
    content = documents.programme_report_pdf(programme, lang)
    return file_response(content, f"programme-{programme.pk}-{lang}.pdf", "application/pdf")


@login_required
def programme_report_xlsx(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = programme_for_user(request.user, pk)
    return file_response(documents.programme_report_xlsx(programme), f"programme-{programme.pk}.xlsx", XLSX)


# Events ----------------------------------------------------------------------------------------


def _event_form(request: HttpRequest, event: Event | None = None) -> EventForm:
    return EventForm(
        request.POST or None,
        initial=EventForm.initial_from(event) if event is not None else None,
        organisations=organisations_visible_to(request.user),
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = programme_for_user(request.user, pk, write=True)
    form = _event_form(request)
    del form.fields["status"]
    if request.method == "POST":
        event = submit_form(
            form,
            lambda: services.event_create(
                actor=request.user,
                data=form.to_data(programme=programme),
                co_organisers=list(form.cleaned_data["co_organisers"]),
                grants=list(form.cleaned_data["grants"]),
            ),
        )
        if event is not None:
            messages.success(request, _("The event was created; now add its agenda."))
            return redirect("training:event", pk=event.pk)
    return _form_page(request, "training/event_form.html", form, programme=programme, event=None)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    event = event_for_user(request.user, pk, write=True)
    form = _event_form(request, event)
    if request.method == "POST":
        updated = submit_form(
            form,
            lambda: services.event_update(
                actor=request.user,
                event=event,
                data=form.to_data(programme=event.programme),
                co_organisers=list(form.cleaned_data["co_organisers"]),
                grants=list(form.cleaned_data["grants"]),
            ),
        )
        if updated is not None:
            messages.success(request, _("The event was saved."))
            return redirect("training:event", pk=event.pk)
    return _form_page(request, "training/event_form.html", form, programme=event.programme, event=event)


@login_required
@require_POST
def event_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    event = event_for_user(request.user, pk, write=True)
    try:
        services.event_cancel(actor=request.user, event=event)
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("The event was cancelled."))
    return redirect("training:event", pk=event.pk)


def _event_enrolments(event: Event) -> list[Enrolment]:
    return list(
        event.enrolments.exclude(status=Enrolment.Status.CANCELLED)
        .select_related("person", "organisation", "certificate")
        .prefetch_related("attendance", "results__assessment")
        .order_by("registered_at", "id")
    )


def _expected(session: Session, enrolment: Enrolment) -> bool:
    """dozor.training.stats: a session that started before the enrolment is not expected of it."""
    return session.starts_at >= enrolment.registered_at


def _attendance_grid(sessions: list[Session], registered: list[Enrolment]) -> list[dict[str, Any]]:
    rows = []
    for enrolment in registered:
        marks = {a.session_id: a.status for a in enrolment.attendance.all()}
        cells = [
            {
                "session": session,
                "expected": _expected(session, enrolment),
                "status": marks.get(session.pk, ""),
                "field": attendance_field(session.pk, enrolment.pk),
            }
            for session in sessions
        ]
        rows.append({"enrolment": enrolment, "cells": cells})
    return rows


def _results(registered: list[Enrolment]) -> list[dict[str, Any]]:
    rows = []
    for enrolment in registered:
        by_kind = {r.assessment.kind: r for r in enrolment.results.all()}
        pre, post = by_kind.get(Assessment.Kind.PRE_TEST), by_kind.get(Assessment.Kind.POST_TEST)
        if pre or post:
            rows.append({"enrolment": enrolment, "pre": pre, "post": post})
    return rows


@login_required
def event_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    event = event_for_user(request.user, pk)
    sessions = list(
        event.sessions.select_related("trainer")
        .prefetch_related("provisions__instrument", Prefetch("materials", queryset=Material.objects.all()))
        .order_by("starts_at", "order", "id")
    )
    enrolments = _event_enrolments(event)
    registered = [e for e in enrolments if e.status == Enrolment.Status.REGISTERED]
    waiting = [e for e in enrolments if e.status == Enrolment.Status.WAITLISTED]
    live_sessions = [s for s in sessions if not s.cancelled]
    can_manage = _can_manage(request)
    return render(
        request,
        "training/event_detail.html",
        {
            "event": event,
            "programme": event.programme,
            "co_organisers": list(event.co_organisers.all()),
            "grants": list(event.grants.all()),
            "sessions": sessions,
            "live_sessions": live_sessions,
            "registered": registered,
            "waiting": waiting,
            "grid": _attendance_grid(live_sessions, registered),
            "attendance_choices": ATTENDANCE_CHOICES,
            "summary": stats.event_attendance_summary(event),
            "breakdown": _breakdown_rows(stats.event_breakdown(event)),
            "results": _results(registered),
            "gain": stats.learning_gain(event),
            "topic_gains": stats.topic_gains(event),
            "evaluation": stats.evaluation_averages(event),
            # Evaluations carry no link to a person: only the comments' text is listed.
            "comments": list(
                Evaluation.objects.filter(event=event).exclude(comment="").values_list("comment", flat=True)
            ),
            "registration_form": RegistrationForm(persons=persons_visible_to(request.user))
            if can_manage
            else None,
            "revoke_form": RevokeForm(),
            "can_manage": can_manage,
            "can_self_evaluate": _can_self_evaluate(request, event),
            "kind_slugs": KIND_SLUGS,
            "is_open": event.status != Event.Status.CANCELLED,
            "section": SECTION,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_add(request: AuthedRequest, pk: int) -> HttpResponse:
    event = event_for_user(request.user, pk, write=True)
    form = SessionForm(request.POST or None, persons=persons_visible_to(request.user))
    if request.method == "POST":
        session = submit_form(
            form,
            lambda: services.session_add(
                actor=request.user,
                event=event,
                data=form.to_data(),
                provisions=form.cleaned_data["provisions"],
            ),
        )
        if session is not None:
            messages.success(request, _("The session was added to the agenda."))
            return redirect(reverse("training:event", args=[event.pk]) + "#agenda")
    return _form_page(request, "training/session_form.html", form, event=event)


@login_required
@require_http_methods(["GET", "POST"])
def material_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk, write=True)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        material = submit_form(
            form,
            lambda: services.material_add(
                actor=request.user,
                session=session,
                title=form.cleaned_data["title"],
                filename=form.cleaned_data["file"].name,
                content=form.cleaned_data["file"].read(),
            ),
        )
        if material is not None:
            messages.success(request, _("The material was uploaded."))
            return redirect(reverse("training:event", args=[session.event_id]) + "#agenda")
    return _form_page(request, "training/material_form.html", form, session=session, event=session.event)


@login_required
def material_download(request: AuthedRequest, pk: int) -> FileResponse:
    material = material_for_user(request.user, pk)
    name = material.file.name.rsplit("/", 1)[-1]
    return file_response(material.file.open("rb"), name, material.content_type or "application/octet-stream")


# Knowledge tests -------------------------------------------------------------------------------


def _assessment_kind(kind: str) -> str:
    value = KIND_SLUGS.get(kind, kind)
    if value not in Assessment.Kind.values:
        raise Http404
    return str(value)


def _kind_label(kind: str) -> str:
    return str(dict(Assessment.Kind.choices)[kind])


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    """Edit the questions of the event's pre- or post-test (all at once; blank rows are ignored)."""
    event = event_for_user(request.user, pk, write=True)
    kind = _assessment_kind(kind)
    assessment = Assessment.objects.filter(event=event, kind=kind).first()
    existing = list(assessment.questions.all()) if assessment else []
    answered = assessment is not None and assessment.results.exists()
    formset = cast(
        BaseTestQuestionFormSet,
        TestQuestionFormSet(
            request.POST or None,
            initial=[question_initial(q) for q in existing],
            form_kwargs={
                "sessions": event.sessions.filter(cancelled=False).order_by("starts_at", "order", "id")
            },
        ),
    )
    formset.previous = [q.choices for q in existing]
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            services.assessment_set_questions(
                actor=request.user,
                event=event,
                kind=kind,
                questions=formset.questions(),
            )
        except ValidationError as exc:
            errors = list(exc.messages)
        else:
            messages.success(request, _("The test questions were saved."))
            return redirect(reverse("training:event", args=[event.pk]) + "#results")
    failed = request.method == "POST" and (bool(errors) or not formset.is_valid())
    return render(
        request,
        "training/assessment_form.html",
        {
            "event": event,
            "formset": formset,
            "errors": errors,
            "answered": answered,
            "kind_label": _kind_label(kind),
            "section": SECTION,
        },
        status=400 if failed else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_answer(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    """Type in one participant's paper answer sheet; the score is shown once saved."""
    event = event_for_user(request.user, pk, write=True)
    kind = _assessment_kind(kind)
    slug = next(s for s, k in KIND_SLUGS.items() if k == kind)
    assessment = Assessment.objects.filter(event=event, kind=kind).first()
    questions = list(assessment.questions.all()) if assessment else []
    if assessment is None or not questions:
        messages.info(request, _("The test has no questions yet: add them first."))
        return redirect("training:assessment_edit", pk=event.pk, kind=slug)
    taken = set(assessment.results.values_list("enrolment_id", flat=True))
    participants = [
        e
        for e in event.enrolments.filter(status=Enrolment.Status.REGISTERED)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "id")
        if e.pk not in taken
    ]
    form = AnswerSheetForm(
        request.POST or None,
        enrolments=enrolments_visible_to(request.user).select_related("person"),
        participants=participants,
        questions=questions,
    )
    if request.method == "POST":
        result = submit_form(
            form,
            lambda: services.assessment_submit(
                actor=request.user,
                assessment=assessment,
                enrolment=form.cleaned_data["enrolment"],
                answers=form.answers(),
            ),
        )
        if result is not None:
            messages.success(
                request,
                _("%(name)s scored %(score)d of %(max)d (%(percent).0f%%).")
                % {
                    "name": result.enrolment.person.full_name,
                    "score": result.score,
                    "max": result.max_score,
                    "percent": result.percent,
                },
            )
            return redirect("training:assessment_answer", pk=event.pk, kind=slug)
    return _form_page(
        request, "training/answer_sheet.html", form, event=event, kind_label=_kind_label(kind), kind=slug
    )


# Evaluations -----------------------------------------------------------------------------------


def _own_enrolment(request: HttpRequest, event: Event) -> Enrolment | None:
    if not request.user.is_authenticated:
        return None
    return (
        Enrolment.objects.filter(event=event, person__user=request.user, status=Enrolment.Status.REGISTERED)
        .select_related("person")
        .first()
    )


def _can_self_evaluate(request: HttpRequest, event: Event) -> bool:
    if event.status == Event.Status.CANCELLED:
        return False
    enrolment = _own_enrolment(request, event)
    return enrolment is not None and not EvaluationToken.objects.filter(enrolment=enrolment).exists()


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_paper(request: AuthedRequest, pk: int) -> HttpResponse:
    """Type in a paper evaluation form: ratings and a comment, never who filled it in."""
    event = event_for_user(request.user, pk, write=True)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST":
        evaluation = submit_form(
            form,
            lambda: services.evaluation_submit(
                actor=request.user,
                event=event,
                enrolment=None,
                **form.cleaned_data,
            ),
        )
        if evaluation is not None:
            messages.success(request, _("The evaluation was recorded."))
            return redirect("training:evaluation_paper", pk=event.pk)
    return _form_page(request, "training/evaluation_form.html", form, event=event, own=False)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_self(request: AuthedRequest, pk: int) -> HttpResponse:
    """A participant evaluates the event they attended, once; what they say is not linked to them."""
    event = event_for_user(request.user, pk)
    enrolment = _own_enrolment(request, event)
    if enrolment is None:
        raise PermissionDenied
    if EvaluationToken.objects.filter(enrolment=enrolment).exists():
        messages.info(request, _("You have already evaluated this event; an evaluation is given only once."))
        return redirect(reverse("training:event", args=[event.pk]) + "#evaluations")
    form = EvaluationForm(request.POST or None)
    if request.method == "POST":
        evaluation = submit_form(
            form,
            lambda: services.evaluation_submit(
                actor=request.user,
                event=event,
                enrolment=enrolment,
                **form.cleaned_data,
            ),
        )
        if evaluation is not None:
            messages.success(request, _("Thank you: your evaluation was recorded anonymously."))
            return redirect(reverse("training:event", args=[event.pk]) + "#evaluations")
    return _form_page(request, "training/evaluation_form.html", form, event=event, own=True)


# Enrolments and attendance ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_register(request: AuthedRequest, pk: int) -> HttpResponse:
    """Register someone from the roster, or (second form) a participant not yet on it."""
    event = event_for_user(request.user, pk, write=True)
    adding_new = request.method == "POST" and "new-last_name" in request.POST
    form = RegistrationForm(
        request.POST if request.method == "POST" and not adding_new else None,
        persons=persons_visible_to(request.user),
    )
    new_form = NewParticipantForm(
        request.POST if adding_new else None, organisations=organisations_visible_to(request.user)
    )
    enrolment = None
    if request.method == "POST" and adding_new:
        enrolment = submit_form(
            new_form,
            lambda: services.participant_register_new(
                actor=request.user,
                event=event,
                **new_form.cleaned_data,
            ),
        )
    elif request.method == "POST":
        enrolment = submit_form(
            form,
            lambda: services.enrolment_register(
                actor=request.user,
                event=event,
                person=form.cleaned_data["person"],
            ),
        )
    if enrolment is not None:
        if enrolment.status == Enrolment.Status.WAITLISTED:
            messages.info(request, _("The event is full: the person was put on the waiting list."))
        else:
            messages.success(request, _("The person was registered."))
        return redirect(reverse("training:event", args=[event.pk]) + "#participants")
    invalid = (form.is_bound and form.errors) or (new_form.is_bound and new_form.errors)
    context = {
        "form": form,
        "new_form": new_form,
        "event": event,
        "section": SECTION,
        "can_add_person": can(request.user, "people.edit"),
    }
    return render(request, "training/registration_form.html", context, status=400 if invalid else 200)


@login_required
@require_POST
def enrolment_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    enrolment = enrolment_for_user(request.user, pk, write=True)
    try:
        services.enrolment_cancel(actor=request.user, enrolment=enrolment)
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("The registration was cancelled."))
    return redirect(reverse("training:event", args=[enrolment.event_id]) + "#participants")


@login_required
@require_POST
def attendance_save(request: AuthedRequest, pk: int) -> HttpResponse:
    """Save the event page's whole attendance grid (every session) in one go."""
    event = event_for_user(request.user, pk, write=True)
    sessions = list(event.sessions.filter(cancelled=False))
    registered = list(event.enrolments.filter(status=Enrolment.Status.REGISTERED))
    cells = [(s.pk, e.pk) for e in registered for s in sessions if _expected(s, e)]
    marks = parse_attendance_grid(request.POST, cells)
    try:
        services.attendance_mark_grid(actor=request.user, event=event, marks=marks)
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("The attendance was saved."))
    return redirect(reverse("training:event", args=[event.pk]) + "#attendance")


# Certificates ----------------------------------------------------------------------------------


@login_required
@require_POST
def certificate_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    enrolment = enrolment_for_user(request.user, pk, write=True)
    try:
        certificate = services.certificate_issue(actor=request.user, enrolment=enrolment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(
                request,
                _("No certificate for %(name)s: %(reason)s")
                % {"name": enrolment.person.full_name, "reason": message},
            )
    else:
        messages.success(
            request,
            _("Certificate %(code)s was issued to %(name)s.")
            % {"code": certificate.code, "name": enrolment.person.full_name},
        )
    return redirect(reverse("training:event", args=[enrolment.event_id]) + "#certificates")


def _certificate_for_user(request: HttpRequest, pk: int) -> Certificate:
    try:
        return certificates_visible_to(request.user).select_related("enrolment__event").get(pk=pk)
    except (Certificate.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


@login_required
def certificate_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    certificate = _certificate_for_user(request, pk)
    lang = request.GET.get("lang", "")
    if lang not in REPORT_LANGS:
        lang = certificate.enrolment.event.language
    return file_response(
        documents.certificate_pdf(certificate, lang, site=request.build_absolute_uri("/")),
        f"certificate-{certificate.code}.pdf",
        "application/pdf",
    )


@login_required
@require_POST
def certificate_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    certificate = _certificate_for_user(request, pk)
    _require_manage(request)
    form = RevokeForm(request.POST)
    event_id = certificate.enrolment.event_id
    if not form.is_valid():
        messages.error(request, _("Give a reason for revoking the certificate."))
    else:
        try:
            services.certificate_revoke(
                actor=request.user,
                certificate=certificate,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, _("Certificate %(code)s was revoked.") % {"code": certificate.code})
    return redirect(reverse("training:event", args=[event_id]) + "#certificates")


# Calendar and training needs -------------------------------------------------------------------


@login_required
def calendar(request: AuthedRequest) -> HttpResponse:
    require(request.user, "training.view")
    months: OrderedDict[Any, list[Event]] = OrderedDict()
    for event in selectors.upcoming_events(request.user, timezone.localdate()):
        months.setdefault(event.starts_on.replace(day=1), []).append(event)
    return render(
        request,
        "training/calendar.html",
        {"months": list(months.items()), "can_manage": _can_manage(request), "section": "training_calendar"},
    )


@login_required
def certificates_due(request: AuthedRequest) -> HttpResponse:
    """Held events whose participants met the certificate rules but have no certificate yet: for
    those who issue certificates (``training.manage``), who issue them on each event's page."""
    _require_manage(request)
    rows = selectors.certificates_to_issue(request.user, timezone.localdate())
    return render(
        request,
        "training/certificates_due.html",
        {
            "rows": rows,
            "total": sum(row.count for row in rows),
            "window": selectors.CERTIFICATE_WINDOW_DAYS,
            "section": "training_certificates",
        },
    )


@login_required
def training_needs(request: AuthedRequest) -> HttpResponse:
    require(request.user, "training.view")
    today = timezone.localdate()
    return render(
        request,
        "training/needs.html",
        {
            "regions": [
                (region, list(needs))
                for region, needs in groupby(selectors.training_needs(today), key=lambda n: n.region)
            ],
            "on": today,
            "section": "training_needs",
        },
    )


# Public certificate check ----------------------------------------------------------------------


def verify_form(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("verify:certificate", code=form.cleaned_data["code"].strip())
    return render(request, "training/verify_form.html", {"form": form})


def verify_certificate(request: HttpRequest, code: str) -> HttpResponse:
    certificate = selectors.certificate_verify(code)
    # Only *that* it was revoked is said, never why or when.
    revoked = (
        certificate is None
        and Certificate.objects.filter(code=code.strip().upper(), revoked_on__isnull=False).exists()
    )
    return render(
        request,
        "training/verify.html",
        {
            "code": code,
            "certificate": certificate,
            "revoked": revoked,
            "competencies": [grant.competency for grant in certificate.grants.all()] if certificate else [],
            "form": VerifyForm(initial={"code": code}),
        },
    )
