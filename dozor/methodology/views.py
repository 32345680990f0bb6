"""Checklist pages: templates, versions (read-only, printable), the draft editor and XLSForm files.

Thin adapters: parse, check access through ``dozor.methodology.access``, call one service, render.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dozor.accounts.access import can, require
from dozor.accounts.audit import audit_record
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import AuditEvent
from dozor.core.confirm import delete_confirmed
from dozor.core.files import XLSX, file_response
from dozor.core.formkeys import xlsform_export_settings
from dozor.core.forms import submit_form
from dozor.methodology import selectors, services, xlsform
from dozor.methodology.access import question_for_user, template_for_user, version_for_user
from dozor.methodology.forms import QuestionForm, SectionForm, TranslateForm, XLSFormImportForm
from dozor.methodology.models import Question, Section, TemplateVersion

SECTION = "checklists"


def _refuse_published(request: HttpRequest, version: TemplateVersion) -> HttpResponse | None:
    """Editing pages of a published or retired version say why they cannot be used."""
    if version.is_editable:
        return None
    messages.error(
        request,
        _("Version %(number)s is %(status)s and cannot be changed; create a new draft.")
        % {"number": version.number, "status": version.get_status_display()},
    )
    return redirect("methodology:version", pk=version.pk)


def _errors_text(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


# Templates and versions ------------------------------------------------------------------------


@login_required
def template_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "methodology.view")
    return render(
        request,
        "methodology/template_list.html",
        {
            "rows": selectors.template_rows(request.user),
            "can_edit": can(request.user, "methodology.edit"),
            "section": SECTION,
        },
    )


@login_required
def template_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    template = template_for_user(request.user, pk)
    versions = list(selectors.template_versions(template))
    return render(
        request,
        "methodology/template_detail.html",
        {
            "template": template,
            "facility_types": list(template.facility_types.all()),
            "versions": versions,
            "draft": next((v for v in versions if v.is_editable), None),
            "can_edit": can(request.user, "methodology.edit"),
            "section": SECTION,
        },
    )


@login_required
@require_POST
def version_new_draft(request: AuthedRequest, pk: int) -> HttpResponse:
    template = template_for_user(request.user, pk, write=True)
    had_draft = template.versions.filter(status=TemplateVersion.Status.DRAFT).exists()
    draft = services.version_new_draft(actor=request.user, template=template)
    if had_draft:
        messages.info(request, _("This template already has a draft: continue editing it."))
    else:
        messages.success(
            request,
            _("Draft version %(number)s was created; edit it, then publish.") % {"number": draft.number},
        )
    return redirect("methodology:version", pk=draft.pk)


def _version_page(
    request: HttpRequest,
    version: TemplateVersion,
    *,
    publish_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    can_edit = can(request.user, "methodology.edit")
    return render(
        request,
        "methodology/version_detail.html",
        {
            "version": version,
            "template": version.template,
            "sections": selectors.version_sections(version),
            "can_edit": can_edit,
            "editing": can_edit and version.is_editable,
            "publish_errors": publish_errors or [],
            "section": SECTION,
        },
        status=status,
    )


@login_required
def version_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _version_page(request, version_for_user(request.user, pk))


@login_required
def version_xlsform(request: AuthedRequest, pk: int) -> HttpResponse:
    version = version_for_user(request.user, pk)
    # Encrypted with the NPM's key and sent to Dozor unless asked otherwise (decision 0027).
    mode = request.GET.get("encryption") or "dozor"
    site_url = settings.DOZOR_SITE_URL or request.build_absolute_uri("/")
    content = xlsform.export_version(version, **xlsform_export_settings(mode, site_url=site_url))
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=version,
        changes={"format": "xlsform", "encryption": mode},
    )
    return file_response(content, f"{version.template.code}-v{version.number}.xlsx", XLSX.content_type)


@login_required
@require_POST
def version_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    version = version_for_user(request.user, pk, write=True)
    if (refused := _refuse_published(request, version)) is not None:
        return refused
    try:
        services.version_publish(actor=request.user, version=version)
    except ValidationError as exc:
        return _version_page(request, version, publish_errors=_errors_text(exc), status=400)
    messages.success(
        request,
        _("Version %(number)s is published; it can no longer be changed.") % {"number": version.number},
    )
    return redirect("methodology:version", pk=version.pk)


# The draft editor ------------------------------------------------------------------------------


def _section_of(version: TemplateVersion, section_pk: int) -> Section:
    try:
        return version.sections.get(pk=section_pk)
    except Section.DoesNotExist as exc:
        raise Http404 from exc


def _form_page(
    request: HttpRequest, template_name: str, form: forms.BaseForm, **context: Any
) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template_name, {"form": form, "section": SECTION, **context}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def section_add(request: AuthedRequest, pk: int) -> HttpResponse:
    version = version_for_user(request.user, pk, write=True)
    if (refused := _refuse_published(request, version)) is not None:
        return refused
    form = SectionForm(request.POST or None)
    if request.method == "POST":
        section = submit_form(
            form,
            lambda: services.section_add(
                actor=request.user,
                version=version,
                code=form.cleaned_data["code"].strip(),
                titles=form.titles(),
                theme=form.cleaned_data["theme"],
                repeat=form.cleaned_data["repeat"],
            ),
        )
        if section is not None:
            messages.success(request, _("The section was added; now add its questions."))
            return redirect(reverse("methodology:version", args=[version.pk]) + f"#s-{section.code}")
    return _form_page(request, "methodology/section_form.html", form, version=version)


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request: AuthedRequest, pk: int, section_pk: int) -> HttpResponse:
    version = version_for_user(request.user, pk, write=True)
    if (refused := _refuse_published(request, version)) is not None:
        return refused
    section = _section_of(version, section_pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST":
        question = submit_form(
            form,
            lambda: services.question_add(
                actor=request.user,
                section=section,
                data=form.to_data(),
                provisions=form.cleaned_data["provisions"],
            ),
        )
        if question is not None:
            messages.success(request, _("The question was added."))
            return redirect(reverse("methodology:version", args=[version.pk]) + f"#q-{question.name}")
    return _form_page(
        request,
        "methodology/question_form.html",
        form,
        version=version,
        target_section=section,
        question=None,
    )


def _editable_question(request: HttpRequest, pk: int) -> tuple[Question, HttpResponse | None]:
    question = question_for_user(request.user, pk, write=True)
    return question, _refuse_published(request, question.section.version)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    question, refused = _editable_question(request, pk)
    if refused is not None:
        return refused
    form = QuestionForm(request.POST or None, question=question)
    if request.method == "POST":
        saved = submit_form(
            form,
            lambda: services.question_update(
                actor=request.user,
                question=question,
                data=form.to_data(),
                provisions=form.cleaned_data["provisions"],
            ),
        )
        if saved is not None:
            messages.success(request, _("The question was saved."))
            return redirect(
                reverse("methodology:version", args=[question.section.version.pk]) + f"#q-{saved.name}"
            )
    return _form_page(
        request,
        "methodology/question_form.html",
        form,
        version=question.section.version,
        target_section=question.section,
        question=question,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_translate(request: AuthedRequest, pk: int) -> HttpResponse:
    question, refused = _editable_question(request, pk)
    if refused is not None:
        return refused
    form = TranslateForm(request.POST or None, question=question)
    if request.method == "POST":
        saved = submit_form(
            form,
            lambda: services.question_update(
                actor=request.user,
                question=question,
                data=form.to_data(),
            ),
        )
        if saved is not None:
            messages.success(request, _("The translations were saved."))
            return redirect(
                reverse("methodology:version", args=[question.section.version.pk]) + f"#q-{saved.name}"
            )
    return _form_page(
        request,
        "methodology/question_translate.html",
        form,
        version=question.section.version,
        question=question,
    )


@login_required
@require_POST
def question_move(request: AuthedRequest, pk: int) -> HttpResponse:
    question, refused = _editable_question(request, pk)
    if refused is not None:
        return refused
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise PermissionDenied
    try:
        services.question_move(actor=request.user, question=question, direction=direction)
    except ValidationError as exc:
        messages.error(
            request,
            _("The question cannot move there: %(errors)s") % {"errors": " ".join(_errors_text(exc))},
        )
    return redirect(
        reverse("methodology:version", args=[question.section.version.pk]) + f"#q-{question.name}"
    )


@login_required
@require_POST
def question_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    question, refused = _editable_question(request, pk)
    if refused is not None:
        return refused
    version = question.section.version
    if not delete_confirmed(request):
        return redirect("methodology:version", pk=version.pk)
    try:
        services.question_delete(actor=request.user, question=question)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors_text(exc)))
    else:
        messages.success(request, _("The question “%(name)s” was deleted.") % {"name": question.name})
    return redirect("methodology:version", pk=version.pk)


# XLSForm import --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def xlsform_import(request: AuthedRequest) -> HttpResponse:
    user = require(request.user, "methodology.edit")
    form = XLSFormImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "section": SECTION, "max_bytes": settings.DOZOR_MAX_IMPORT_BYTES}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = services.version_import_xlsform(
                actor=user,
                data=upload.read(settings.DOZOR_MAX_IMPORT_BYTES + 1),
                filename=upload.name or "",
            )
        except xlsform.XLSFormError as exc:
            context["import_errors"] = exc.errors
        else:
            messages.success(
                request,
                _("The XLSForm was imported as draft version %(number)s of “%(name)s”.")
                % {"number": version.number, "name": version.template.name},
            )
            return redirect("methodology:version", pk=version.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "methodology/import.html", context, status=status)
