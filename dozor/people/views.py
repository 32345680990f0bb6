"""People pages: thin adapters that parse, check access, call one service and render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dozor.accounts.access import can, require
from dozor.accounts.http import AuthedRequest
from dozor.core.forms import form_status, submit_edit, submit_form
from dozor.core.revisions import revision_field_add
from dozor.people import services
from dozor.people.access import (
    conflict_for_user,
    organisation_for_user,
    participation_for_user,
    person_for_user,
)
from dozor.people.eligibility import evaluate_eligibility
from dozor.people.forms import (
    ConflictEndForm,
    ConflictForm,
    EligibilityForm,
    OrganisationFilterForm,
    OrganisationForm,
    ParticipationForm,
    PersonFilterForm,
    PersonForm,
)
from dozor.people.selectors import (
    declaration_rows,
    organisation_members,
    organisation_search,
    person_detail,
    person_search,
)

PAGE_SIZE = 50


def _form_page(
    request: HttpRequest, form: forms.BaseForm, *, title: str, cancel: str, section: str
) -> HttpResponse:
    status = form_status(form)
    context = {"form": form, "title": title, "cancel_url": resolve_url(cancel), "section": section}
    return render(request, "people/form.html", context, status=status)


# Persons ---------------------------------------------------------------------------------------


@login_required
def person_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "people.view")
    form = PersonFilterForm(request.GET, user=request.user)
    persons = person_search(request.user, **form.filters())
    context: dict[str, Any] = {
        "form": form,
        "page": Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_edit": can(request.user, "people.edit"),
        "section": "persons",
    }
    template = "people/_person_results.html" if request.htmx else "people/person_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def person_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    person = person_for_user(request.user, pk)
    context = {
        "detail": person_detail(request.user, person),
        "can_edit": can(request.user, "people.edit"),
        "end_form": ConflictEndForm(initial={"ended_on": timezone.localdate()}),
        "section": "persons",
    }
    return render(request, "people/person_detail.html", context)


@login_required
def person_create(request: AuthedRequest) -> HttpResponse:
    actor = require(request.user, "people.edit")
    form = PersonForm(request.POST or None, user=actor)
    if request.method == "POST":
        person = submit_form(
            form,
            lambda: services.person_create(
                actor=actor,
                data=form.to_data(),
                languages=list(form.cleaned_data["languages"]),
                expertise=list(form.cleaned_data["expertise"]),
            ),
        )
        if person is not None:
            messages.success(request, _("Person added."))
            return redirect("people:person_detail", pk=person.pk)
    return _form_page(request, form, title=_("New person"), cancel="people:person_list", section="persons")


@login_required
def person_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    person = person_for_user(request.user, pk, write=True)
    actor = require(request.user, "people.edit")
    form = PersonForm(request.POST or None, initial=PersonForm.initial_from(person), user=actor)
    revision_field_add(form, person)
    if request.method == "POST":
        saved = submit_edit(
            form,
            lambda: services.person_update(
                actor=actor,
                person=person,
                data=form.to_data(),
                languages=list(form.cleaned_data["languages"]),
                expertise=list(form.cleaned_data["expertise"]),
                base_revision=form.cleaned_data["revision"],
            ),
            current_initial=PersonForm.initial_from,
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("people:person_detail", pk=person.pk)
    title = _("Edit %(name)s") % {"name": person.full_name}
    return _form_page(request, form, title=title, cancel=person_url(person.pk), section="persons")


def person_url(pk: int) -> str:
    return reverse("people:person_detail", kwargs={"pk": pk})


@login_required
def participation_add(request: AuthedRequest, pk: int) -> HttpResponse:
    person = person_for_user(request.user, pk, write=True)
    actor = require(request.user, "people.edit")
    form = ParticipationForm(request.POST or None, user=actor, initial={"term_start": timezone.localdate()})
    if request.method == "POST":
        participation = submit_form(
            form, lambda: services.participation_create(actor=actor, person=person, data=form.to_data())
        )
        if participation is not None:
            messages.success(request, _("Participation recorded."))
            return redirect("people:person_detail", pk=person.pk)
    title = _("NPM participation of %(name)s") % {"name": person.full_name}
    return _form_page(request, form, title=title, cancel=person_url(person.pk), section="persons")


@login_required
def participation_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    participation = participation_for_user(request.user, pk, write=True)
    actor = require(request.user, "people.edit")
    form = ParticipationForm(
        request.POST or None, user=actor, initial=ParticipationForm.initial_for(participation)
    )
    if request.method == "POST":
        saved = submit_form(
            form,
            lambda: services.participation_update(
                actor=actor, participation=participation, data=form.to_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("people:person_detail", pk=participation.person_id)
    title = _("NPM participation of %(name)s") % {"name": participation.person.full_name}
    return _form_page(
        request, form, title=title, cancel=person_url(participation.person_id), section="persons"
    )


@login_required
def eligibility(request: AuthedRequest, pk: int) -> HttpResponse:
    """The eligibility questions with the person's answers, and the result. Private data."""
    person = person_for_user(request.user, pk)
    require(request.user, "people.view_private")
    rows = declaration_rows(person)
    answers = {row.rule.pk: row.declaration.answer for row in rows if row.declaration is not None}
    form = EligibilityForm(
        request.POST or None,
        rules=[row.rule for row in rows],
        answers=answers,
        initial={"declared_on": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        actor = require(request.user, "people.edit")
        saved = submit_form(
            form,
            lambda: services.eligibility_declare(
                actor=actor,
                person=person,
                answers=form.answers(),
                declared_on=form.cleaned_data["declared_on"],
            ),
        )
        if saved is not None:
            messages.success(request, _("Declaration recorded."))
            return redirect("people:eligibility", pk=person.pk)
        status = 400
    context = {
        "person": person,
        "form": form,
        "rows": rows,
        "result": evaluate_eligibility(person),
        "can_edit": can(request.user, "people.edit"),
        "section": "persons",
    }
    return render(request, "people/eligibility.html", context, status=status)


@login_required
def conflict_add(request: AuthedRequest, pk: int) -> HttpResponse:
    person = person_for_user(request.user, pk, write=True)
    actor = require(request.user, "people.edit")
    form = ConflictForm(request.POST or None, user=actor, initial={"declared_on": timezone.localdate()})
    if request.method == "POST":
        conflict = submit_form(
            form, lambda: services.conflict_create(actor=actor, person=person, **form.cleaned_data)
        )
        if conflict is not None:
            messages.success(request, _("Conflict of interest recorded."))
            return redirect("people:person_detail", pk=person.pk)
    title = _("Conflict of interest of %(name)s") % {"name": person.full_name}
    return _form_page(request, form, title=title, cancel=person_url(person.pk), section="persons")


@login_required
@require_POST
def conflict_end(request: AuthedRequest, pk: int) -> HttpResponse:
    conflict = conflict_for_user(request.user, pk, write=True)
    actor = require(request.user, "people.edit")
    form = ConflictEndForm(request.POST)
    ended = submit_form(
        form,
        lambda: services.conflict_end(actor=actor, conflict=conflict, ended_on=form.cleaned_data["ended_on"]),
    )
    if ended is not None:
        messages.success(request, _("The conflict of interest no longer applies."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("people:person_detail", pk=conflict.person_id)


# Organisations ---------------------------------------------------------------------------------


@login_required
def organisation_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "people.view")
    form = OrganisationFilterForm(request.GET, user=request.user)
    organisations = organisation_search(request.user, **form.filters())
    context: dict[str, Any] = {
        "form": form,
        "page": Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_edit": can(request.user, "people.edit"),
        "section": "organisations",
    }
    template = (
        "people/_organisation_results.html" if request.htmx else "people/organisation_list.html"  # type: ignore[attr-defined]
    )
    return render(request, template, context)


@login_required
def organisation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    organisation = organisation_for_user(request.user, pk)
    context = {
        "organisation": organisation,
        "members": organisation_members(request.user, organisation),
        "can_edit": can(request.user, "people.edit"),
        "section": "organisations",
    }
    return render(request, "people/organisation_detail.html", context)


@login_required
def organisation_create(request: AuthedRequest) -> HttpResponse:
    actor = require(request.user, "people.edit")
    form = OrganisationForm(request.POST or None, user=actor)
    if request.method == "POST":
        organisation = submit_form(
            form, lambda: services.organisation_create(actor=actor, data=form.to_data())
        )
        if organisation is not None:
            messages.success(request, _("Organisation added."))
            return redirect("people:organisation_detail", pk=organisation.pk)
    return _form_page(
        request, form, title=_("New organisation"), cancel="people:organisation_list", section="organisations"
    )


@login_required
def organisation_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    organisation = organisation_for_user(request.user, pk, write=True)
    actor = require(request.user, "people.edit")
    form = OrganisationForm(
        request.POST or None, initial=OrganisationForm.initial_from(organisation), user=actor
    )
    if request.method == "POST":
        saved = submit_form(
            form,
            lambda: services.organisation_update(actor=actor, organisation=organisation, data=form.to_data()),
        )
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("people:organisation_detail", pk=organisation.pk)
    cancel = reverse("people:organisation_detail", kwargs={"pk": organisation.pk})
    title = _("Edit %(name)s") % {"name": organisation.name}
    return _form_page(request, form, title=title, cancel=cancel, section="organisations")
