"""Planning budget pages: totals of a plan's estimated costs, plan versus actual (with an XLSX
export), entering an actual expense, and the cost rates and fares of the country pack.

Thin adapters: access through ``dozor.planning.access``, reads through ``dozor.planning.selectors``, writes
through ``dozor.planning.services``. Every page that shows rows of planned visits records the reads of
unannounced ones (``audit_secret_views``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dozor.accounts.access import can, require
from dozor.accounts.audit import audit_record
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import AuditEvent
from dozor.core.exports import workbook, xlsx_bytes
from dozor.core.files import file_response
from dozor.core.forms import submit_form
from dozor.planning import selectors, services
from dozor.planning.access import (
    audit_secret_views,
    cost_rates_visible_to,
    fares_visible_to,
    plan_for_user,
    planned_visit_for_user,
)
from dozor.planning.budget.forms import ExpenseForm
from dozor.planning.models import PlanningRules

SECTION = "planning"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def plan_budget(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = plan_for_user(request.user, pk)
    totals = selectors.budget_totals(request.user, plan)
    return render(request, "planning/budget_plan.html", {"plan": plan, "totals": totals, "section": SECTION})


@login_required
@require_GET
def plan_actuals(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = plan_for_user(request.user, pk)
    report = selectors.plan_vs_actual(request.user, plan)
    audit_secret_views(request.user, report.planned_visits, via="plan_actuals")
    return render(
        request,
        "planning/budget_actuals.html",
        {
            "plan": plan,
            "report": report,
            "can_manage": can(request.user, "planning.manage"),
            "section": SECTION,
        },
    )


def _actuals_workbook(report: selectors.PlanVsActual) -> bytes:
    book = workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(_("Visits"))[:31]
    sheet.append(
        [
            str(_("Facility")),
            str(_("Region")),
            str(_("From")),
            str(_("Until")),
            str(_("Status")),
            str(_("Estimated")),
            str(_("Actual")),
            str(_("Difference")),
        ]
    )
    for row in report.visits:
        visit = row.visit
        assert visit is not None
        sheet.append(
            [
                row.label,
                visit.facility.region.name,
                visit.starts_on,
                visit.ends_on,
                str(visit.get_status_display()),
                float(row.estimated),
                float(row.actual),
                float(row.difference),
            ]
        )
    regions = book.create_sheet(str(_("Regions"))[:31])
    regions.append([str(_("Region")), str(_("Estimated")), str(_("Actual")), str(_("Difference"))])
    for row in report.regions:
        regions.append([row.label, float(row.estimated), float(row.actual), float(row.difference)])
    regions.append(
        [
            str(_("Total")),
            float(report.total.estimated),
            float(report.total.actual),
            float(report.total.difference),
        ]
    )
    return xlsx_bytes(book)


@login_required
@require_GET
def plan_actuals_xlsx(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = plan_for_user(request.user, pk)
    report = selectors.plan_vs_actual(request.user, plan)
    audit_secret_views(request.user, report.planned_visits, via="plan_actuals_xlsx")
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=plan,
        changes={"what": "plan_actuals", "rows": len(report.visits)},
    )
    return file_response(_actuals_workbook(report), f"plan-{plan.pk}-actuals.xlsx", XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def expense_create(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = planned_visit_for_user(request.user, pk, manage=True)
    form = ExpenseForm(request.POST or None)
    if request.method == "POST":
        expense = submit_form(
            form,
            lambda: services.expense_add(
                actor=request.user,
                visit=visit,
                category=form.cleaned_data["category"],
                amount=form.cleaned_data["amount"],
                spent_on=form.cleaned_data["spent_on"],
                note=form.cleaned_data["note"],
            ),
        )
        if expense is not None:
            messages.success(request, _("The expense was recorded."))
            return redirect("planning:plan_actuals", pk=visit.plan_id)
    audit_secret_views(request.user, [visit], via="expense_create")
    status = 400 if form.is_bound and form.errors else 200
    context: dict[str, Any] = {"form": form, "visit": visit, "section": SECTION}
    return render(request, "planning/expense_form.html", context, status=status)


@login_required
@require_GET
def rates(request: AuthedRequest) -> HttpResponse:
    require(request.user, "planning.view")
    rules = PlanningRules.objects.order_by("pk").first()
    context = {
        "rates": list(cost_rates_visible_to(request.user).select_related("region")),
        "fares": list(
            fares_visible_to(request.user)
            .select_related("origin", "destination")
            .order_by("origin__sort_order", "destination__sort_order")
        ),
        "currency": rules.currency if rules else "KZT",
        "visit_days": rules.visit_days if rules else 1,
        "section": "planning_rates",
    }
    return render(request, "planning/rates.html", context)
