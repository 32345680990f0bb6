"""Pages for a visit's findings (see dozor/visits/findings/urls.py).

Thin adapters: access through ``dozor.visits.access`` (invisible -> 404, visible but not allowed -> 403),
one service call from ``dozor.visits.findings.services``, render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dozor.accounts.access import AnyUser, can, require
from dozor.accounts.http import AuthedRequest
from dozor.core.forms import form_status, submit_edit, submit_form
from dozor.core.revisions import revision_field_add
from dozor.standards.models import Provision, Theme
from dozor.visits.access import (
    can_record,
    confidential_visits_for,
    finding_for_user,
    findings_visible_to,
    visit_for_user,
)
from dozor.visits.findings import services as services_findings
from dozor.visits.findings.forms import FindingForm, ReferralForm, answer_display
from dozor.visits.findings.selectors import (
    urgent_alert_queued,
    urgent_alerts_waiting,
    withhold_sensitive,
)
from dozor.visits.models import Finding, Visit

SECTION = "visits"

SEVERITY_BADGES: dict[str, str] = {
    Finding.Severity.CRITICAL.value: "badge-danger",
    Finding.Severity.SERIOUS.value: "badge-warn",
    Finding.Severity.MODERATE.value: "",
    Finding.Severity.POSITIVE.value: "badge-ok",
}


@dataclass
class ThemeGroup:
    theme: Theme
    findings: list[Finding]


def _decorate(finding: Finding) -> Finding:
    """Labels the templates show: the severity badge and the sources' names."""
    labels = dict(Finding.Source.choices)
    finding.severity_badge = SEVERITY_BADGES.get(finding.severity, "")  # type: ignore[attr-defined]
    finding.source_labels = [str(labels.get(s, s)) for s in finding.sources]  # type: ignore[attr-defined]
    return finding


def _provisions() -> Prefetch[Any]:
    return Prefetch("provisions", queryset=Provision.objects.select_related("instrument"))


def visit_findings(user: AnyUser, visit: Visit) -> QuerySet[Finding]:
    """The visit's findings the user may see, with what the visit page shows of them."""
    return (
        findings_visible_to(user)
        .filter(visit=visit)
        .select_related("theme")
        .prefetch_related(_provisions())
        .order_by("theme__sort_order", "theme__code", "id")
    )


def section_context(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    """What the visit page shows of the visit's findings (template visits/_findings.html)."""
    groups: list[ThemeGroup] = []
    for finding in visit_findings(request.user, visit):
        if not groups or groups[-1].theme.pk != finding.theme_id:
            groups.append(ThemeGroup(theme=finding.theme, findings=[]))
        groups[-1].findings.append(_decorate(finding))
    return {
        "finding_groups": groups,
        "finding_count": sum(len(group.findings) for group in groups),
    }


def _form_page(request: HttpRequest, template_name: str, form: Any, **context: Any) -> HttpResponse:
    return render(
        request, template_name, {"form": form, "section": SECTION, **context}, status=form_status(form)
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_create(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk, record=True)
    form = FindingForm(request.POST or None, visit=visit)
    if request.method == "POST":
        finding = submit_form(
            form,
            lambda: services_findings.finding_create(
                actor=request.user,
                visit=visit,
                **form.values(),
            ),
        )
        if finding is not None:
            messages.success(request, _("The finding was recorded."))
            if urgent_alert_queued(finding):
                messages.warning(
                    request, _("The coordinators are being alerted to possible ill-treatment by e-mail.")
                )
            return redirect("visits:finding_detail", pk=finding.pk)
    return _form_page(request, "visits/finding_form.html", form, visit=visit, finding=None)


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    finding = finding_for_user(request.user, pk, record=True)
    was_alerted = urgent_alert_queued(finding)
    form = FindingForm(request.POST or None, visit=finding.visit, finding=finding)
    revision_field_add(form, finding)
    if request.method == "POST":
        saved = submit_edit(
            form,
            lambda: services_findings.finding_update(
                actor=request.user,
                finding=finding,
                base_revision=form.cleaned_data["revision"],
                **form.values(),
            ),
            current_initial=lambda current: FindingForm(visit=finding.visit, finding=current).initial,
        )
        if saved is not None:
            messages.success(request, _("The finding was saved."))
            if not was_alerted and urgent_alert_queued(saved):
                messages.warning(
                    request, _("The coordinators are being alerted to possible ill-treatment by e-mail.")
                )
            return redirect("visits:finding_detail", pk=saved.pk)
    return _form_page(request, "visits/finding_form.html", form, visit=finding.visit, finding=finding)


def _detail_context(request: HttpRequest, finding: Finding) -> dict[str, Any]:
    visit = finding.visit
    finding = _decorate(finding)
    withhold_sensitive(request.user, [finding])  # a sensitive description: the team and coordinators only
    # evidence is confidential: council members read findings but not the files behind them
    confidential = confidential_visits_for(request.user).filter(pk=visit.pk).exists()
    answers = finding.answers.select_related("question__section", "submission").order_by(
        "submission_id", "question__section__order", "repeat_index", "question__order"
    )
    return {
        "finding": finding,
        "visit": visit,
        "provisions": list(finding.provisions.select_related("instrument", "theme")),
        "answers": [(answer, answer_display(answer)) for answer in answers],
        "show_confidential": confidential,
        "evidence": list(finding.evidence.order_by("uploaded_at", "id")) if confidential else [],
        "referrals": list(finding.referrals.select_related("created_by")),
        "can_edit": can_record(request.user, visit),
        "can_refer": finding.possible_ill_treatment and can(request.user, "visits.manage"),
        "section": SECTION,
    }


@login_required
def finding_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    finding = finding_for_user(request.user, pk)
    context = _detail_context(request, finding)
    context["urgent_alerts_waiting"] = urgent_alerts_waiting(finding)
    if context["can_refer"]:
        context["referral_form"] = ReferralForm(visit=finding.visit)
    return render(request, "visits/finding_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request: AuthedRequest, pk: int) -> HttpResponse:
    finding = finding_for_user(request.user, pk)
    user = require(request.user, "visits.manage")
    form = ReferralForm(request.POST or None, visit=finding.visit)
    if request.method == "POST":
        referral = submit_form(
            form,
            lambda: services_findings.referral_record(actor=user, finding=finding, **form.values()),
        )
        if referral is not None:
            messages.success(request, _("The referral was recorded."))
            return redirect("visits:finding_detail", pk=finding.pk)
    return _form_page(request, "visits/referral_form.html", form, finding=finding, visit=finding.visit)
