"""Pages of a visit's report (see dozor/visits/reports/urls.py).

Thin adapters: access through ``dozor.visits.access`` (a report the user cannot see -> 404, a write by
someone who may only read -> 403), one call to ``dozor.visits.reports.services``, render. The report
itself is shown from ``dozor.visits.reports.content.build``; every form works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dozor.accounts.access import AnyUser, can
from dozor.accounts.http import AuthedRequest
from dozor.core.forms import add_service_errors, submit_form
from dozor.visits.access import (
    can_approve_report,
    can_record,
    confidential_visits_for,
    report_comment_for_user,
    report_for_user,
    report_section_for_user,
    reports_visible_to,
    visit_for_user,
)
from dozor.visits.models import Report, ReportComment, ReportSection, ReportVersion, Visit
from dozor.visits.reports import content as report_content
from dozor.visits.reports import services as services_reports
from dozor.visits.reports.diff import Row, text_diff, version_diff
from dozor.visits.reports.forms import (
    CommentForm,
    DiffForm,
    ReturnForm,
    SectionForm,
    SendForm,
    TransitionForm,
    VersionForm,
)
from dozor.visits.reports.services import ReportConflict

SECTION = "visits"

STATUS_BADGES: dict[str, str] = {
    Report.Status.DRAFT.value: "",
    Report.Status.REVIEW.value: "badge-warn",
    Report.Status.APPROVED.value: "badge-ok",
    Report.Status.SENT.value: "badge-ok",
    Report.Status.PUBLISHED.value: "badge-ok",
}

DOCUMENT_LANGUAGES = report_content.LANGUAGES


def section_context(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    """What the visit page shows of the visit's report (template visits/_report.html)."""
    report = reports_visible_to(request.user).filter(visit=visit).first()
    return {
        "visit_report": report,
        "visit_report_badge": STATUS_BADGES.get(report.status, "") if report else "",
        "can_start_report": report is None and can_record(request.user, visit),
    }


def _lang() -> str:
    lang = (translation.get_language() or "").split("-")[0]
    return lang if lang in DOCUMENT_LANGUAGES else "ru"


@dataclass
class SectionBlock:
    """One section of the report page: its text, edit form, comments and any edit conflict."""

    section: ReportSection
    heading: report_content.Heading
    form: SectionForm | None
    comments: list[ReportComment]
    comment_form: CommentForm | None
    conflict: ReportConflict | None = None
    conflict_rows: list[Row] = field(default_factory=list)

    @property
    def open_comments(self) -> int:
        return sum(1 for c in self.comments if c.resolved_at is None)


@dataclass
class Step:
    """A workflow button the user may press, with the form it needs (if any)."""

    action: str
    label: str
    form: forms.Form | None = None
    danger: bool = False


def _steps(report: Report, *, team: bool, coordinator: bool, bound: dict[str, forms.Form]) -> list[Step]:
    status = Report.Status
    steps: list[Step] = []
    if report.status == status.DRAFT and team:
        steps.append(Step(TransitionForm.SUBMIT, _("Submit for group review")))
    if report.status == status.REVIEW and team:
        steps.append(Step(TransitionForm.RETURN, _("Return to draft"), bound.get("return") or ReturnForm()))
    if report.status == status.REVIEW and coordinator:
        steps.append(Step(TransitionForm.APPROVE, _("Approve the report")))
    if report.status == status.APPROVED and coordinator:
        steps.append(Step(TransitionForm.SEND, _("Record as sent"), bound.get("send") or SendForm()))
        steps.append(
            Step(
                TransitionForm.RETURN,
                _("Return to draft"),
                bound.get("return") or ReturnForm(),
                danger=True,
            )
        )
    return steps


def _report_page(
    request: HttpRequest,
    report: Report,
    *,
    status: int = 200,
    section_forms: dict[int, SectionForm] | None = None,
    comment_forms: dict[int, CommentForm] | None = None,
    conflicts: dict[int, ReportConflict] | None = None,
    step_forms: dict[str, forms.Form] | None = None,
    step_errors: list[str] | None = None,
    version_form: VersionForm | None = None,
) -> HttpResponse:
    user = request.user
    visit = report.visit
    team = can_record(user, visit)
    coordinator = can_approve_report(user)
    editable = team and report.editable
    # council members read the report, never the list of evidence (confidential annex)
    internal = confidential_visits_for(user).filter(pk=visit.pk).exists()
    content = report_content.build(report, lang=_lang(), internal=internal)
    sections = (
        ReportSection.objects.filter(report=report)
        .select_related("updated_by")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=ReportComment.objects.select_related("author", "resolved_by").order_by(
                    "created_at", "id"
                ),
            )
        )
    )
    section_forms, comment_forms, conflicts = section_forms or {}, comment_forms or {}, conflicts or {}
    blocks: list[SectionBlock] = []
    for section in sections:
        conflict = conflicts.get(section.pk)
        block = SectionBlock(
            section=section,
            heading=content.heading(section.key),
            form=(section_forms.get(section.pk) or SectionForm(section=section)) if editable else None,
            comments=list(section.comments.all()),
            comment_form=(comment_forms.get(section.pk) or CommentForm(section=section))
            if editable
            else None,
            conflict=conflict,
        )
        if conflict is not None:
            block.conflict_rows = text_diff(conflict.current_body, conflict.submitted_body, context=None)[0]
        blocks.append(block)
    versions = list(ReportVersion.objects.filter(report=report).only("number", "status", "created_at")[:1])
    return render(
        request,
        "visits/report_detail.html",
        {
            "report": report,
            "visit": visit,
            "content": content,
            "blocks": blocks,
            "status_badge": STATUS_BADGES.get(report.status, ""),
            "steps": _steps(report, team=team, coordinator=coordinator, bound=step_forms or {}),
            "step_errors": step_errors or [],
            "can_edit": editable,
            "can_save_version": team,
            "version_form": version_form or VersionForm(),
            "latest_version": versions[0] if versions else None,
            "document_languages": DOCUMENT_LANGUAGES,
            # the link to the report's public versions (publishing), for those who make them
            "can_make_public_version": can(user, "publishing.redact"),
            "section": SECTION,
        },
        status=status,
    )


def _require_team(user: AnyUser, visit: Visit) -> None:
    """Council members see the report but change nothing."""
    if not can_record(user, visit):
        raise PermissionDenied


def _to_report(report: Report, anchor: str = "") -> HttpResponse:
    url = reverse("visits:report_detail", args=[report.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_POST
def report_start(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk, record=True)
    report = services_reports.report_start(actor=request.user, visit=visit)
    return _to_report(report)


@login_required
@require_GET
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _report_page(request, report_for_user(request.user, pk))


@login_required
@require_POST
def report_section(request: AuthedRequest, pk: int) -> HttpResponse:
    section = report_section_for_user(request.user, pk)
    report = section.report
    _require_team(request.user, report.visit)
    form = SectionForm(request.POST, section=section)
    if form.is_valid():
        try:
            services_reports.section_save(actor=request.user, section=section, **form.values())
        except ReportConflict as conflict:
            # the editor's own text stays in the box, now based on the other person's revision:
            # merging the two and saving again overwrites nothing unseen
            merge = SectionForm(
                section=section,
                initial={"body": form.cleaned_data["body"], "base_revision": conflict.current_revision},
            )
            return _report_page(
                request,
                report,
                status=409,
                section_forms={section.pk: merge},
                conflicts={section.pk: conflict},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The section was saved."))
            return _to_report(report, f"section-{section.key}")
    return _report_page(request, report, status=400, section_forms={section.pk: form})


def _parse(form: forms.Form) -> None:
    """Parse the step's form; its errors are raised as a ValidationError (shown with the workflow)."""
    if not form.is_valid():
        raise ValidationError([error for errors in form.errors.values() for error in errors])


@login_required
@require_POST
def report_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    report = report_for_user(request.user, pk)
    _require_team(request.user, report.visit)
    actor = request.user
    choice = TransitionForm(request.POST)
    if not choice.is_valid():
        return _report_page(request, report, status=400, step_errors=[_("Choose a step of the workflow.")])
    action = choice.cleaned_data["action"]
    step_form: forms.Form | None = None
    try:
        if action == TransitionForm.SUBMIT:
            services_reports.submit_for_review(actor=actor, report=report)
            done = _("The report was submitted for group review.")
        elif action == TransitionForm.APPROVE:
            services_reports.approve(actor=actor, report=report)
            done = _("The report was approved.")
        elif action == TransitionForm.RETURN:
            step_form = returning = ReturnForm(request.POST)
            _parse(returning)
            services_reports.return_to_draft(actor=actor, report=report, **returning.values())
            done = _("The report was returned to draft.")
        else:
            step_form = sending = SendForm(request.POST)
            _parse(sending)
            services_reports.mark_sent(actor=actor, report=report, **sending.values())
            done = _("The report was recorded as sent.")
    except ValidationError as exc:
        if step_form is not None and not step_form.errors:
            add_service_errors(step_form, exc)
        return _report_page(
            request,
            report,
            status=400,
            step_forms={action: step_form} if step_form is not None else {},
            step_errors=list(exc.messages),
        )
    messages.success(request, done)
    return _to_report(report)


@login_required
@require_POST
def report_version_save(request: AuthedRequest, pk: int) -> HttpResponse:
    report = report_for_user(request.user, pk)
    _require_team(request.user, report.visit)
    form = VersionForm(request.POST)
    version = submit_form(
        form, lambda: services_reports.version_save(actor=request.user, report=report, **form.values())
    )
    if version is None:
        return _report_page(request, report, status=400, version_form=form)
    messages.success(request, _("Version %(number)s was saved.") % {"number": version.number})
    return redirect("visits:report_versions", pk=report.pk)


@login_required
@require_POST
def comment_add(request: AuthedRequest, pk: int) -> HttpResponse:
    section = report_section_for_user(request.user, pk)
    report = section.report
    _require_team(request.user, report.visit)
    form = CommentForm(request.POST, section=section)
    comment = submit_form(
        form, lambda: services_reports.comment_add(actor=request.user, section=section, **form.values())
    )
    if comment is None:
        return _report_page(request, report, status=400, comment_forms={section.pk: form})
    messages.success(request, _("The comment was added."))
    return _to_report(report, f"section-{section.key}")


@login_required
@require_POST
def comment_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    comment = report_comment_for_user(request.user, pk)
    report = comment.section.report
    _require_team(request.user, report.visit)
    try:
        services_reports.comment_resolve(actor=request.user, comment=comment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The comment was marked as resolved."))
    return _to_report(report, f"section-{comment.section.key}")


@login_required
@require_GET
def report_versions(request: AuthedRequest, pk: int) -> HttpResponse:
    report = report_for_user(request.user, pk)
    versions = list(ReportVersion.objects.filter(report=report).select_related("created_by").defer("content"))
    for version in versions:
        version.reason_label = services_reports.version_reason(version)  # type: ignore[attr-defined]
    return render(
        request,
        "visits/report_versions.html",
        {
            "report": report,
            "visit": report.visit,
            "versions": versions,
            "status_badge": STATUS_BADGES.get(report.status, ""),
            "can_save_version": can_record(request.user, report.visit),
            "version_form": VersionForm(),
            "section": SECTION,
        },
    )


def _titles() -> dict[str, str]:
    return {str(key): str(label) for key, label in ReportSection.Key.choices}


@login_required
@require_GET
def report_diff(request: AuthedRequest, pk: int) -> HttpResponse:
    """``?a=<number>&b=<number>`` compares two versions; without ``b`` version ``a`` is compared with
    the current text; without either, the latest version is."""
    report = report_for_user(request.user, pk)
    form = DiffForm(request.GET)
    if not form.is_valid():
        raise Http404
    versions = {v.number: v for v in ReportVersion.objects.filter(report=report).select_related("created_by")}
    a, b = form.cleaned_data["a"], form.cleaned_data["b"]
    if a is None and b is not None:
        raise Http404
    if (a is not None and a not in versions) or (b is not None and b not in versions):
        raise Http404
    old = versions[a] if a is not None else (versions[max(versions)] if versions else None)
    new = versions[b] if b is not None else None
    sections: list[Any] = []
    lang = ""
    if old is not None:
        lang = old.content.get("lang", "ru")
        new_text = (
            new.content.get("sections", {})
            if new is not None
            else services_reports.report_text(report, lang=lang)
        )
        sections = version_diff(old.content.get("sections", {}), new_text, _titles())
    for version in versions.values():
        version.reason_label = services_reports.version_reason(version)  # type: ignore[attr-defined]
    return render(
        request,
        "visits/report_diff.html",
        {
            "report": report,
            "visit": report.visit,
            "old": old,
            "new": new,
            "sections": sections,
            "changed": any(s.changed for s in sections),
            "languages_differ": new is not None and old is not None and new.content.get("lang") != lang,
            "versions": sorted(versions.values(), key=lambda v: -v.number),
            "status_badge": STATUS_BADGES.get(report.status, ""),
            "section": SECTION,
        },
    )
