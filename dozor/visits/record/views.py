"""Pages of the visit record (see dozor/visits/record/urls.py): starting a visit from the plan, phases,
times and status, and the occupancy counted on the day; ``section_context`` feeds the record
section of the visit page (template visits/_record.html).

Thin adapters: access through ``dozor.visits.access`` and ``dozor.planning.access`` (invisible -> 404,
visible but not allowed -> 403), one service call from ``dozor.visits.record.services``, render.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dozor.accounts.access import can, require
from dozor.accounts.http import AuthedRequest
from dozor.core.confirm import delete_confirmed
from dozor.core.forms import form_status, submit_edit, submit_form
from dozor.core.revisions import revision_field_add
from dozor.planning.access import (
    audit_secret_views,
    expenses_visible_to,
    planned_visit_for_user,
    planned_visits_visible_to,
)
from dozor.planning.models import PlannedVisit
from dozor.visits.access import can_record, visit_for_user
from dozor.visits.models import OccupancyCount, Phase, Visit
from dozor.visits.record import services as services_record
from dozor.visits.record.forms import OccupancyForm, PhaseForm, RecordForm, StartForm

SECTION = "visits"


def _planned_context(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    """The planned visit and its expenses, only as far as planning shows them to the user (an
    unannounced planned visit stays hidden from those outside its group, and its showing is
    audited as planning's own pages do)."""
    if visit.planned_visit_id is None:
        return {"record_planned": None}
    planned = planned_visits_visible_to(request.user).filter(pk=visit.planned_visit_id).first()
    if planned is None:
        return {"record_planned": None, "record_planned_hidden": True}
    audit_secret_views(request.user, [planned], via="visit_record")
    total = expenses_visible_to(request.user).filter(planned_visit=planned).aggregate(total=Sum("amount"))
    return {
        "record_planned": planned,
        "record_expenses_total": total["total"] or Decimal("0"),
        "record_can_add_expense": can(request.user, "planning.manage"),
    }


def section_context(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    """What the visit page shows of the visit record (template visits/_record.html)."""
    counts = list(visit.occupancy_counts.order_by("id"))
    known = [c.capacity for c in counts if c.capacity is not None]
    return {
        "record_can_write": can_record(request.user, visit),
        "record_phases": list(visit.phases.order_by("started_at", "id")),
        "record_phase_form": PhaseForm(auto_id="id_phase_%s"),
        "record_counts": counts,
        "record_capacity_total": sum(known) if known else None,
        "record_population_total": sum(c.population for c in counts),
        "record_day": services_record.visit_day(visit),
        **_planned_context(request, visit),
    }


def _data(request: HttpRequest) -> Any:
    """The posted data, or None for a GET (an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None


def _form_page(request: HttpRequest, template_name: str, form: Any, **context: Any) -> HttpResponse:
    return render(
        request, template_name, {"form": form, "section": SECTION, **context}, status=form_status(form)
    )


def _to_record(visit: Visit) -> HttpResponse:
    return redirect(reverse("visits:detail", args=[visit.pk]) + "#record")


# --- starting from the plan ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def record_start(request: AuthedRequest, pk: int) -> HttpResponse:
    """Start the record of a planned visit (coordinators): the page shows who joins the team."""
    planned = planned_visit_for_user(request.user, pk)
    actor = require(request.user, "visits.manage")
    existing = Visit.objects.filter(planned_visit=planned).first()
    if existing is not None:
        return redirect("visits:detail", pk=existing.pk)
    audit_secret_views(request.user, [planned], via="visit_record_start")
    if planned.status != PlannedVisit.Status.PLANNED:
        messages.error(request, _("Only a planned visit that is still planned can be started."))
        return redirect("planning:visit_detail", pk=planned.pk)
    preview = services_record.record_team_preview(planned)
    form = StartForm(_data(request), user=actor)
    if request.method == "POST":
        visit = submit_form(
            form,
            lambda: services_record.visit_from_planned(
                actor=actor, planned_visit=planned, template_version=form.cleaned_data["template_version"]
            ),
        )
        if visit is not None:
            messages.success(request, _("The visit record was started."))
            if preview.left_out:
                messages.warning(
                    request,
                    _(
                        "These group members have no account that may see visits and were not added "
                        "to the team: %(names)s. They will see the visit once they have an account "
                        "and are added to the team."
                    )
                    % {"names": ", ".join(preview.left_out_names)},
                )
            return redirect("visits:detail", pk=visit.pk)
    return _form_page(request, "visits/record_start.html", form, planned=planned, preview=preview)


# --- times, status and purpose ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk, record=True)
    form = RecordForm(_data(request), visit=visit)
    revision_field_add(form, visit)
    if request.method == "POST":
        saved = submit_edit(
            form,
            lambda: services_record.visit_record_update(
                actor=request.user,
                visit=visit,
                base_revision=form.cleaned_data["revision"],
                **form.values(),
            ),
            current_initial=lambda current: RecordForm(visit=current).initial,
        )
        if saved is not None:
            messages.success(request, _("The visit record was saved."))
            return _to_record(saved)
    return _form_page(request, "visits/record_form.html", form, visit=visit)


# --- phases -------------------------------------------------------------------------------------


def _phase(visit: Visit, phase_pk: int) -> Phase:
    try:
        return visit.phases.get(pk=phase_pk)
    except Phase.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_http_methods(["GET", "POST"])
def phase_add(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk, record=True)
    form = PhaseForm(_data(request))
    if request.method == "POST":
        phase = submit_form(
            form,
            lambda: services_record.phase_add(
                actor=request.user,
                visit=visit,
                **form.values(),
            ),
        )
        if phase is not None:
            messages.success(request, _("The phase was recorded."))
            return _to_record(visit)
    return _form_page(request, "visits/record_phase_form.html", form, visit=visit, phase=None)


@login_required
@require_http_methods(["GET", "POST"])
def phase_edit(request: AuthedRequest, pk: int, phase_pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk, record=True)
    phase = _phase(visit, phase_pk)
    form = PhaseForm(_data(request), phase=phase)
    if request.method == "POST":
        saved = submit_form(
            form,
            lambda: services_record.phase_update(
                actor=request.user,
                phase=phase,
                **form.values(),
            ),
        )
        if saved is not None:
            messages.success(request, _("The phase was saved."))
            return _to_record(visit)
    return _form_page(request, "visits/record_phase_form.html", form, visit=visit, phase=phase)


@login_required
@require_POST
def phase_delete(request: AuthedRequest, pk: int, phase_pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk, record=True)
    phase = _phase(visit, phase_pk)
    if not delete_confirmed(request):
        return _to_record(visit)
    services_record.phase_delete(actor=request.user, phase=phase)
    messages.success(request, _("The phase was deleted."))
    return _to_record(visit)


# --- occupancy on the day -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def occupancy_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk, record=True)
    form = OccupancyForm(_data(request), visit=visit)
    if request.method == "POST":
        saved = submit_form(
            form,
            lambda: services_record.occupancy_counts_save(
                actor=request.user,
                visit=visit,
                counts=form.counts(),
            ),
        )
        if saved is not None:
            messages.success(request, _("The occupancy on the day was saved."))
            if saved.kept is not None:
                messages.warning(
                    request,
                    _(
                        "The place's occupancy history already has a record for %(date)s from another "
                        "source (%(source)s); it was kept and the visit's totals were not written to it."
                    )
                    % {"date": saved.day.isoformat(), "source": saved.kept.get_source_display()},
                )
            return _to_record(visit)
    return _form_page(
        request,
        "visits/record_occupancy_form.html",
        form,
        visit=visit,
        day=services_record.visit_day(visit),
        categories=OccupancyCount.Category.choices,
    )
