"""Pages of the redaction workflow (see publishing/urls.py).

Only coordinators and council members see any of them: everyone else gets 404 (anonymous visitors
are sent to sign in), so the internal text never leaves the NPM. Council members read, compare and
approve; coordinators also start, redact, publish and withdraw (a council member pressing one of
those gets 403). Thin adapters: access through ``dozor.publishing.selectors``, one service call, render.
Every form is a plain POST: no JavaScript.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import User
from dozor.core.forms import add_service_errors, submit_form
from dozor.core.i18n import LANGUAGE_CODES
from dozor.facilities.models import Facility
from dozor.publishing import selectors, services
from dozor.publishing.access import can_approve, can_publish, can_redact, published_reports
from dozor.publishing.forms import AddRedactionForm, DecideForm, ReasonForm, StartForm, WorkflowForm
from dozor.publishing.models import PublicReport, Redaction
from dozor.visits.models import Report
from dozor.visits.reports.diff import version_diff

SECTION = "publishing"

STATUS_BADGES: dict[str, str] = {
    PublicReport.Status.DRAFT.value: "",
    PublicReport.Status.SUBMITTED.value: "badge-warn",
    PublicReport.Status.APPROVED.value: "badge-ok",
    PublicReport.Status.PUBLISHED.value: "badge-ok",
    PublicReport.Status.WITHDRAWN.value: "badge-danger",
}
LANGUAGE_NAMES = dict((code, label) for code, label in StartForm.base_fields["lang"].choices)  # type: ignore[attr-defined]


def _staff(request: AuthedRequest) -> User:
    """Coordinators and council members; anyone else must not learn that the pages exist."""
    if not selectors.is_publishing_staff(request.user):
        raise Http404
    return request.user


def _audience(request: HttpRequest) -> str:
    """The audience switch of the release pages (``?audience=authority``); public by default."""
    value = request.GET.get("audience") or request.POST.get("audience")
    return value if value in PublicReport.Audience.values else PublicReport.Audience.PUBLIC


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def public_version_list(request: AuthedRequest) -> HttpResponse:
    user = _staff(request)
    report_id = _int(request.GET.get("report"))
    audience = _audience(request)
    authority = audience == PublicReport.Audience.AUTHORITY
    report = selectors.publishable_report_for_user(user, report_id) if report_id is not None else None
    versions = list(selectors.public_reports_list(user, report_id=report_id, audience=audience))
    for version in versions:
        version.badge = STATUS_BADGES.get(version.status, "")  # type: ignore[attr-defined]
    ready = [] if report is not None else list(selectors.reports_without_release(user, audience)[:50])
    startable = (Report.Status.APPROVED,) if authority else services.PUBLISHABLE
    return render(
        request,
        "publishing/list.html",
        {
            "versions": versions,
            "report": report,
            "ready": ready,
            "can_redact": can_redact(user),
            "can_start": report is not None and can_redact(user) and report.status in startable,
            "languages": LANGUAGE_NAMES,
            "audience": audience,
            "authority": authority,
            "section": SECTION,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def public_version_start(request: AuthedRequest, report_pk: int) -> HttpResponse:
    user = _staff(request)
    report = selectors.publishable_report_for_user(user, report_pk)
    if not can_redact(user):
        raise PermissionDenied
    audience = _audience(request)
    existing = {p.lang: p for p in PublicReport.objects.filter(report=report, audience=audience)}
    form = StartForm(request.POST or None, initial={"audience": audience})
    if request.method == "POST":
        public = submit_form(
            form, lambda: services.public_version_start(actor=user, report=report, **form.values())
        )
        if public is not None:
            messages.success(
                request,
                _("The version was started: %(count)s redaction(s) proposed.")
                % {"count": public.redactions.count()},
            )
            return redirect("publishing:editor", pk=public.pk)
    return render(
        request,
        "publishing/start.html",
        {
            "report": report,
            "form": form,
            "existing": existing,
            "languages": LANGUAGE_NAMES,
            "audience": audience,
            "authority": audience == PublicReport.Audience.AUTHORITY,
            "section": SECTION,
        },
        status=400 if form.errors else 200,
    )


@dataclass
class Step:
    action: str
    label: str
    form: forms.Form | None = None
    danger: bool = False


def _steps(user: User, public: PublicReport, *, bound: dict[str, forms.Form]) -> list[Step]:
    status = PublicReport.Status
    redactor = can_redact(user)
    steps: list[Step] = []
    if public.status == status.DRAFT and redactor:
        steps.append(Step(WorkflowForm.SUBMIT, _("Submit for approval")))
    if public.status == status.SUBMITTED and can_approve(user, public):
        label = (
            _("Approve the version for the authority")
            if public.for_authority
            else _("Approve the public version")
        )
        steps.append(Step(WorkflowForm.APPROVE, label))
    if public.for_authority and services.release_sent(public):
        return steps  # the record of what the authority received: nothing more to do
    if public.status == status.APPROVED and can_publish(user) and not public.for_authority:
        steps.append(Step(WorkflowForm.PUBLISH, _("Publish")))
    if public.status in (status.SUBMITTED, status.APPROVED, status.WITHDRAWN):
        label = (
            _("Reopen for redaction") if public.status == status.WITHDRAWN else _("Send back to redaction")
        )
        steps.append(Step(WorkflowForm.RETURN, label, bound.get(WorkflowForm.RETURN) or ReasonForm(), True))
    if public.for_authority and redactor:
        steps.append(
            Step(
                WorkflowForm.RESTART,
                _("Discard and start again from the report as it is now"),
                bound.get(WorkflowForm.RESTART) or ReasonForm(),
                True,
            )
        )
    if public.status == status.PUBLISHED and can_publish(user):
        steps.append(
            Step(
                WorkflowForm.WITHDRAW,
                _("Withdraw from publication"),
                bound.get(WorkflowForm.WITHDRAW) or ReasonForm(),
                True,
            )
        )
    return steps


def _section_choices(public: PublicReport) -> list[tuple[str, str]]:
    titles = selectors.section_titles()
    return [(key, titles.get(key, key)) for key in public.source]


def _editor_page(
    request: AuthedRequest,
    public: PublicReport,
    *,
    template: str = "publishing/editor.html",
    status: int = 200,
    add_form: AddRedactionForm | None = None,
    step_forms: dict[str, forms.Form] | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    user = _staff(request)
    editable = can_redact(user) and public.status == PublicReport.Status.DRAFT
    sections = selectors.section_views(public)
    public_texts = services.public_text(public) if template.endswith("approve.html") else {}
    return render(
        request,
        template,
        {
            "public": public,
            "report": public.report,
            "visit": public.report.visit,
            "status_badge": STATUS_BADGES.get(public.status, ""),
            "language": LANGUAGE_NAMES.get(public.lang, public.lang),
            "sections": sections,
            "public_texts": [(s, public_texts.get(s.key, "")) for s in sections],
            "undecided": sum(s.proposed for s in sections),
            "can_edit": editable,
            "add_form": add_form
            or (AddRedactionForm(sections=_section_choices(public)) if editable else None),
            "steps": _steps(user, public, bound=step_forms or {}),
            "errors": errors or [],
            "return_reason": selectors.last_return_reason(public)
            if public.status == PublicReport.Status.DRAFT
            else "",
            "may_approve": can_approve(user, public),
            "authority": public.for_authority,
            "sent": services.release_sent(public) if public.for_authority else False,
            "section": SECTION,
        },
        status=status,
    )


@login_required
@require_GET
def public_version_editor(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    return _editor_page(request, selectors.public_report_for_user(user, pk))


@login_required
@require_GET
def public_version_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    """The approver's page: the public text as it will read, and approve / send back."""
    user = _staff(request)
    return _editor_page(
        request, selectors.public_report_for_user(user, pk), template="publishing/approve.html"
    )


@login_required
@require_POST
def redaction_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    public = selectors.public_report_for_user(user, pk)
    if not can_redact(user):
        raise PermissionDenied
    form = AddRedactionForm(request.POST, sections=_section_choices(public))
    redaction = submit_form(
        form, lambda: services.redaction_add_text(actor=user, public_report=public, **form.values())
    )
    if redaction is None:
        return _editor_page(request, public, status=400, add_form=form)
    messages.success(request, _("The text was marked for removal."))
    return redirect(f"{reverse('publishing:editor', args=[public.pk])}#section-{redaction.section}")


@login_required
@require_POST
def redaction_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    redaction = selectors.redaction_for_user(user, pk)
    public = redaction.public_report
    if not can_redact(user):
        raise PermissionDenied
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _editor_page(request, public, status=400, errors=[_("Choose to remove or keep the text.")])
    try:
        services.redaction_decide(actor=user, redaction=redaction, **form.values())
    except ValidationError as exc:
        return _editor_page(request, public, status=400, errors=list(exc.messages))
    return redirect(f"{reverse('publishing:editor', args=[public.pk])}#redaction-{redaction.pk}")


def _parse(form: forms.Form) -> None:
    if not form.is_valid():
        raise ValidationError([error for errors in form.errors.values() for error in errors])


@login_required
@require_POST
def public_version_workflow(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    public = selectors.public_report_for_user(user, pk)
    template = (
        "publishing/approve.html" if request.POST.get("page") == "approve" else "publishing/editor.html"
    )
    choice = WorkflowForm(request.POST)
    if not choice.is_valid():
        return _editor_page(request, public, template=template, status=400, errors=[_("Choose a step.")])
    action = choice.cleaned_data["action"]
    step_form: forms.Form | None = None
    try:
        if action == WorkflowForm.SUBMIT:
            services.public_version_submit(actor=user, public_report=public)
            done = _("The public version was submitted for approval.")
        elif action == WorkflowForm.APPROVE:
            services.public_version_approve(actor=user, public_report=public)
            done = _("The public version was approved.")
        elif action == WorkflowForm.RETURN:
            step_form = reason = ReasonForm(request.POST)
            _parse(reason)
            services.public_version_return(actor=user, public_report=public, **reason.values())
            done = _("The public version was sent back to redaction.")
        elif action == WorkflowForm.RESTART:
            step_form = reason = ReasonForm(request.POST)
            _parse(reason)
            fresh = services.release_restart(actor=user, public_report=public, **reason.values())
            messages.success(request, _("The version for the authority was discarded and started again."))
            return redirect("publishing:editor", pk=fresh.pk)
        elif action == WorkflowForm.PUBLISH:
            services.public_version_publish(actor=user, public_report=public)
            done = _("The public version was published.")
        else:
            step_form = reason = ReasonForm(request.POST)
            _parse(reason)
            services.public_version_withdraw(actor=user, public_report=public, **reason.values())
            done = _("The public version was withdrawn from publication.")
    except ValidationError as exc:
        if step_form is not None and not step_form.errors:
            add_service_errors(step_form, exc)
        return _editor_page(
            request,
            public,
            template=template,
            status=400,
            step_forms={action: step_form} if step_form is not None else {},
            errors=list(exc.messages),
        )
    messages.success(request, done)
    return redirect("publishing:editor", pk=public.pk)


@login_required
@require_GET
def public_version_diff(request: AuthedRequest, pk: int) -> HttpResponse:
    """The internal text beside the public text, section by section."""
    user = _staff(request)
    public = selectors.public_report_for_user(user, pk)
    sections = version_diff(
        public.source, services.public_text(public), selectors.section_titles(), context=None
    )
    return render(
        request,
        "publishing/diff.html",
        {
            "public": public,
            "report": public.report,
            "visit": public.report.visit,
            "status_badge": STATUS_BADGES.get(public.status, ""),
            "language": LANGUAGE_NAMES.get(public.lang, public.lang),
            "sections": sections,
            "changed": any(s.changed for s in sections),
            "authority": public.for_authority,
            "section": SECTION,
        },
    )


@dataclass
class Withheld:
    audience: str
    label: str
    release: PublicReport | None
    kinds: list[tuple[str, int]]
    sections: list[Any]
    changed: bool


@login_required
@require_GET
def release_withheld(request: AuthedRequest, report_pk: int) -> HttpResponse:
    """For one report and language: the internal text against the version for the authority and
    against the public version - what was withheld from whom. Coordinators only: the internal text
    carries what a council member does not read (descriptions of sensitive findings)."""
    user = _staff(request)
    report = selectors.publishable_report_for_user(user, report_pk)
    if not can_redact(user):
        raise PermissionDenied
    lang = request.GET.get("lang") or get_language() or "ru"
    lang = lang if lang in LANGUAGE_CODES else "ru"
    titles = selectors.section_titles()
    internal = services.internal_text(report, lang=lang)
    releases = {
        r.audience: r
        for r in PublicReport.objects.filter(report=report, lang=lang).prefetch_related("redactions")
    }
    columns: list[Withheld] = []
    for audience, label in PublicReport.Audience.choices:
        release = releases.get(audience)
        if release is None:
            columns.append(Withheld(audience, str(label), None, [], [], False))
            continue
        accepted = [r for r in release.redactions.all() if r.state == Redaction.State.ACCEPTED]
        text = services.apply_redactions(release.source, accepted)
        kinds = dict(Redaction.Kind.choices)
        counted: dict[str, int] = {}
        for redaction in accepted:
            counted[str(kinds.get(redaction.kind, redaction.kind))] = (
                counted.get(str(kinds.get(redaction.kind, redaction.kind)), 0) + 1
            )
        sections = version_diff(internal, text, titles)
        columns.append(
            Withheld(
                audience,
                str(label),
                release,
                sorted(counted.items()),
                sections,
                any(x.changed for x in sections),
            )
        )
    return render(
        request,
        "publishing/withheld.html",
        {
            "report": report,
            "visit": report.visit,
            "lang": lang,
            "languages": LANGUAGE_NAMES,
            "columns": columns,
            "section": SECTION,
        },
    )


# --- the place page's section ---------------------------------------------------------------------


@dataclass
class PublishedReport:
    report_id: int
    visit_started_on: datetime.date
    published_at: datetime.datetime | None
    languages: list[str]


def place_section(request: HttpRequest, facility: Facility) -> dict[str, Any]:
    """The place's published reports (public to everyone), for the place page composed by
    ``dozor.web.place_page`` (the place is already access-checked); each links to the public portal."""
    reports: dict[int, PublishedReport] = {}
    for version in (
        published_reports()
        .filter(report__visit__facility=facility)
        .select_related("report__visit")
        .only("report_id", "lang", "published_at", "report__visit__started_on")
        .order_by("-report__visit__started_on", "report_id", "lang")
    ):
        row = reports.get(version.report_id)
        if row is None:
            row = reports[version.report_id] = PublishedReport(
                report_id=version.report_id,
                visit_started_on=version.report.visit.started_on,
                published_at=version.published_at,
                languages=[],
            )
        row.languages.append(version.lang)
        if version.published_at and (row.published_at is None or version.published_at < row.published_at):
            row.published_at = version.published_at
    lang = get_language() or ""
    lang = lang if lang in LANGUAGE_CODES else LANGUAGE_CODES[0]
    return {
        "template": "publishing/_place_reports.html",
        "slot": "side",
        "reports": list(reports.values()),
        "list_url": reverse("public:place", kwargs={"lang": lang, "facility_id": facility.pk})
        if reports
        else None,
    }
