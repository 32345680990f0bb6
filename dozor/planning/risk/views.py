"""Risk pages: the ranked risk list, one place's explained score, incidents, the factors' weights
and coverage against the visit-frequency rule.

Thin adapters: check ``planning.view`` (liaisons, trainers: 403; anonymous: sign-in), scope places
through ``dozor.facilities.access``, call ``dozor.planning.risk.scores``, render. Every page runs a bounded number of
queries whatever the size of the registry: the score is computed in bulk, then only the shown page
of places is loaded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dozor.accounts.access import authorities_visible_to, can, regions_visible_to, require
from dozor.accounts.http import AuthedRequest
from dozor.core.forms import submit_form
from dozor.core.models import Region
from dozor.facilities.access import facilities_visible_to, facility_for_user, facility_types_visible_to
from dozor.facilities.models import Facility
from dozor.planning.access import incidents_visible_to, risk_factors_visible_to
from dozor.planning.risk import scores as risk
from dozor.planning.risk import services
from dozor.planning.risk.forms import (
    IncidentFilterForm,
    IncidentForm,
    PlaceFilterForm,
    RiskFactorWeightsForm,
    RiskFilterForm,
)

SECTION = "planning_risk"  # the side navigation item (web/context_processors.py)
PAGE_SIZE = 50
# One colour per factor, in the factors' order (the bar and its legend).
PALETTE = ("#1f5c99", "#d9822b", "#7a4fa3", "#c0392b", "#2e8b57", "#8c8c8c", "#b8860b", "#4682b4")


def _require_view(request: HttpRequest) -> None:
    require(request.user, "planning.view")


def _can_manage(request: HttpRequest) -> bool:
    return can(request.user, "planning.manage")


def _places(request: HttpRequest) -> Any:
    return facilities_visible_to(request.user).filter(status=Facility.Status.ACTIVE)


def _load_page_facilities(ids: list[int]) -> dict[int, Facility]:
    return Facility.objects.select_related("type", "region", "authority").in_bulk(ids)


@dataclass
class Segment:
    x: float
    width: float
    colour: str
    label: str


def _bar(score: risk.RiskScore, scale: float) -> list[Segment]:
    """The factors' points as consecutive segments of a 0-100 wide bar (``scale`` = the maximum)."""
    segments, x = [], 0.0
    for index, part in enumerate(score.parts):
        if part.points <= 0:
            continue
        width = 100 * part.points / scale
        segments.append(
            Segment(
                x=round(x, 2),
                width=round(width, 2),
                colour=PALETTE[index % len(PALETTE)],
                label=f"{part.name}: {part.points:g}",
            )
        )
        x += width
    return segments


def _legend(scores: list[risk.RiskScore]) -> list[tuple[str, str]]:
    parts = scores[0].parts if scores else []
    return [(p.name, PALETTE[i % len(PALETTE)]) for i, p in enumerate(parts)]


# Risk list and detail ----------------------------------------------------------------------------


@login_required
def risk_list(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    form = RiskFilterForm(
        request.GET,
        regions=regions_visible_to(request.user),
        types=facility_types_visible_to(request.user),
        authorities=authorities_visible_to(request.user),
    )
    scores = risk.score_facilities(form.apply(_places(request)), on=timezone.localdate(), viewer=request.user)
    ranked = sorted(scores.values(), key=lambda s: (-s.total, s.facility_id))
    # Every bar is drawn against the most points a place could get (the sum of the weights).
    scale = (sum(p.weight for p in ranked[0].parts) if ranked else 0.0) or 100.0
    page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
    facilities = _load_page_facilities([s.facility_id for s in page])
    rows = [
        {
            "rank": page.start_index() + i,
            "facility": facilities[s.facility_id],
            "score": s,
            "bar": _bar(s, scale),
        }
        for i, s in enumerate(page)
        if s.facility_id in facilities
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "legend": _legend(ranked),
        "can_manage": _can_manage(request),
        "section": SECTION,
    }
    template = "planning/risk_results.html" if getattr(request, "htmx", False) else "planning/risk_list.html"
    return render(request, template, context)


@login_required
def risk_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_view(request)
    facility = facility_for_user(request.user, pk)
    score = risk.score_facilities([facility.pk], on=timezone.localdate(), viewer=request.user)[facility.pk]
    can_manage = _can_manage(request)
    incidents = list(
        incidents_visible_to(request.user).filter(facility=facility).select_related("recorded_by")
    )
    return render(
        request,
        "planning/risk_detail.html",
        {
            "facility": facility,
            "score": score,
            "bar": _bar(score, sum(p.weight for p in score.parts) or 100.0),
            "legend": _legend([score]),
            "incidents": incidents,
            "incident_form": IncidentForm(facilities=facilities_visible_to(request.user), facility=facility)
            if can_manage
            else None,
            "can_manage": can_manage,
            "section": SECTION,
        },
    )


# Incidents -----------------------------------------------------------------------------------------


@login_required
def incident_list(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    form = IncidentFilterForm(request.GET, regions=regions_visible_to(request.user))
    incidents = (
        incidents_visible_to(request.user)
        .filter(facility__in=facilities_visible_to(request.user))
        .select_related("facility__region", "facility__type", "recorded_by")
    )
    if form.is_valid():
        if form.cleaned_data["region"]:
            incidents = incidents.filter(facility__region__code=form.cleaned_data["region"])
        if form.cleaned_data["kind"]:
            incidents = incidents.filter(kind=form.cleaned_data["kind"])
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "planning/incident_list.html",
        {"form": form, "page": page, "can_manage": _can_manage(request), "section": SECTION},
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    if not _can_manage(request):
        raise PermissionDenied
    preset = request.GET.get("facility")
    facility = facility_for_user(request.user, preset) if preset else None
    form = IncidentForm(
        request.POST or None, facilities=facilities_visible_to(request.user), facility=facility
    )
    if request.method == "POST":
        incident = submit_form(
            form,
            lambda: services.incident_record(
                actor=request.user,
                facility=form.cleaned_data["facility"],
                kind=form.cleaned_data["kind"],
                occurred_on=form.cleaned_data["occurred_on"],
                summary=form.cleaned_data["summary"],
                source=form.cleaned_data["source"],
                serious=form.cleaned_data["serious"],
            ),
        )
        if incident is not None:
            messages.success(request, _("The incident was recorded."))
            if incident.serious:
                return redirect("planning:register_detail", pk=incident.pk)
            return redirect("planning:risk_detail", pk=incident.facility_id)
    return render(
        request,
        "planning/incident_form.html",
        {"form": form, "facility": facility, "section": SECTION},
        status=400 if form.is_bound and form.errors else 200,
    )


# Factors ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def risk_factors(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    can_manage = _can_manage(request)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    factors = list(risk_factors_visible_to(request.user).order_by("sort_order", "code"))
    form = RiskFactorWeightsForm(request.POST or None, factors=factors) if can_manage else None
    if form is not None and request.method == "POST":
        changed = submit_form(
            form,
            lambda: services.risk_factor_weights_update(
                actor=request.user,
                weights=form.weights(),
            ),
        )
        if changed is not None:
            messages.success(request, _("The weights were saved."))
            return redirect("planning:risk_factors")
    return render(
        request,
        "planning/risk_factors.html",
        {
            "factors": factors,
            "form": form,
            "total_weight": sum(f.weight for f in factors),
            "can_manage": can_manage,
            "section": SECTION,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


# Coverage --------------------------------------------------------------------------------------------


@login_required
def coverage(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    form = PlaceFilterForm(
        request.GET, regions=regions_visible_to(request.user), types=facility_types_visible_to(request.user)
    )
    today = timezone.localdate()
    rows = risk.coverage_rows(form.apply(facilities_visible_to(request.user)), on=today, viewer=request.user)
    statuses = [s for s, _label in risk.CoverageStatus.choices]
    counts: dict[int, Counter[str]] = {}
    for row in rows:
        counts.setdefault(row.region_id, Counter())[row.status] += 1
    regions = Region.objects.in_bulk(list(counts))
    summary = [
        {"region": regions[pk], "counts": [c[s] for s in statuses], "total": sum(c.values())}
        for pk, c in sorted(
            counts.items(), key=lambda item: (regions[item[0]].sort_order, regions[item[0]].code)
        )
    ]
    totals = Counter(row.status for row in rows)
    late = [r for r in rows if r.status in (risk.CoverageStatus.NEVER, risk.CoverageStatus.OVERDUE)]
    # Never visited first, then the longest since the last visit.
    late.sort(key=lambda r: (r.last_visit is not None, -(r.years_since or 0), r.facility_id))
    page = Paginator(late, PAGE_SIZE).get_page(request.GET.get("page"))
    facilities = _load_page_facilities([r.facility_id for r in page])
    return render(
        request,
        "planning/coverage.html",
        {
            "form": form,
            "on": today,
            "labels": [label for _s, label in risk.CoverageStatus.choices],
            "summary": summary,
            "totals": [totals[s] for s in statuses],
            "total": len(rows),
            "page": page,
            "late": [
                {
                    "row": r,
                    "facility": facilities[r.facility_id],
                    "years": round(r.years_since, 1) if r.years_since is not None else None,
                }
                for r in page
                if r.facility_id in facilities
            ],
            "section": "planning_coverage",
        },
    )


# The place page's section -------------------------------------------------------------------------


def place_section(request: HttpRequest, facility: Facility) -> dict[str, Any] | None:
    """The place's risk score with its bar, for the place page composed by ``dozor.web.place_page``
    (the place is already access-checked); None for those who may not see planning."""
    if not can(request.user, "planning.view"):
        return None
    score = risk.score_facilities([facility.pk], on=timezone.localdate(), viewer=request.user)[facility.pk]
    return {
        "template": "planning/_place_risk.html",
        "slot": "side",
        "score": score,
        "bar": _bar(score, sum(p.weight for p in score.parts) or 100.0),
    }
