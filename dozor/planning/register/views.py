"""Pages of the register of deaths and serious incidents in custody: the list with a year's
figures, and one entry with the State's response and the NPM's follow-up.

Thin adapters: ``planning.view`` to read (liaisons and trainers: 403), ``planning.manage`` to
write; entries are read through ``dozor.planning.register.selectors`` (places the reader may see).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dozor.accounts.access import can, regions_visible_to, require
from dozor.accounts.http import AuthedRequest
from dozor.core.forms import form_status, submit_edit, submit_form
from dozor.core.revisions import revision_field_add
from dozor.planning.register import selectors, services
from dozor.planning.register.forms import ActionForm, RegisterFilterForm, RegisterForm

SECTION = "planning_risk"
PAGE_SIZE = 50


@login_required
def deaths_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "planning.view")
    entries = selectors.entries_for(request.user)
    years = selectors.entry_years(request.user)
    form = RegisterFilterForm(request.GET, regions=regions_visible_to(request.user), years=years)
    shown = selectors.with_action_counts(form.apply(entries))
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or (
        years[0] if years else timezone.localdate().year
    )
    return render(
        request,
        "planning/register_list.html",
        {
            "form": form,
            "page": page,
            "figures": selectors.year_figures(entries, year),
            "can_manage": can(request.user, "planning.manage"),
            "section": SECTION,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deaths_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request.user, "planning.view")
    incident = selectors.entry_for(request.user, pk)
    can_manage = can(request.user, "planning.manage")
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    which = request.POST.get("form") if request.method == "POST" else None
    form = RegisterForm(
        request.POST if which == "register" else None, initial=RegisterForm.initial_from(incident)
    )
    revision_field_add(form, incident)
    action_form = ActionForm(request.POST if which == "action" else None, prefix="action")
    if which == "register":
        saved = submit_edit(
            form,
            lambda: services.incident_register_update(
                actor=request.user,
                incident=incident,
                data=form.to_data(),
                base_revision=form.cleaned_data["revision"],
            ),
            current_initial=RegisterForm.initial_from,
        )
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("planning:register_detail", pk=incident.pk)
    elif which == "action":
        action = submit_form(
            action_form,
            lambda: services.incident_action_add(
                actor=request.user,
                incident=incident,
                kind=action_form.cleaned_data["kind"],
                taken_on=action_form.cleaned_data["taken_on"],
                note=action_form.cleaned_data["note"],
                outcome=action_form.cleaned_data["outcome"],
            ),
        )
        if action is not None:
            messages.success(request, _("The action was recorded."))
            return redirect("planning:register_detail", pk=incident.pk)
    elif request.method == "POST":
        raise PermissionDenied
    status = form_status(form) if which == "register" else form_status(action_form)
    return render(
        request,
        "planning/register_detail.html",
        {
            "incident": incident,
            "days_to_learn": selectors.days_to_learn(incident),
            "actions": list(incident.actions.select_related("recorded_by")),
            "form": form if can_manage else None,
            "action_form": action_form if can_manage else None,
            "can_manage": can_manage,
            "section": SECTION,
        },
        status=status,
    )
