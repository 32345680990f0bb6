"""Registry pages. Thin: parse input, check access, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dozor.accounts.access import authorities_visible_to, can, require
from dozor.accounts.audit import audit_record
from dozor.accounts.models import AuditEvent
from dozor.core.forms import add_service_errors
from dozor.core.models import Region
from dozor.facilities import io, selectors, services
from dozor.facilities.access import facility_for_user, require_facility_edit
from dozor.facilities.forms import FacilityFilterForm, FacilityForm, ImportForm, OccupancyForm
from dozor.facilities.maps import base_map
from dozor.facilities.models import Facility

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> tuple[FacilityFilterForm, selectors.FacilityFilters]:
    form = FacilityFilterForm(request.GET or None, authorities=authorities_visible_to(request.user))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.FacilityFilters(
            q=data["q"] or "",
            region=data["region"] or "",
            authority=data["authority"] or "",
            type=data["type"] or "",
            status=data["status"] or "",
            overcrowded=bool(data["overcrowded"]),
        )
    else:
        filters = selectors.FacilityFilters()
    return form, filters


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "facilities.view")
    form, filters = _filters(request)
    page = Paginator(selectors.facility_search(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "can_edit": can(request.user, "facilities.edit"),
        "can_import": can(request.user, "facilities.import"),
        "query_string": request.GET.urlencode(),
        "section": "facilities",
    }
    template = "facilities/_results.html" if getattr(request, "htmx", False) else "facilities/list.html"
    return render(request, template, context)


@login_required
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = facility_for_user(request.user, pk)
    history = selectors.facility_occupancy_history(facility)
    return render(
        request,
        "facilities/detail.html",
        {
            "facility": facility,
            "categories": list(facility.population_categories.all()),
            "history": history,
            "chart": _occupancy_chart(history),
            "can_edit": can(request.user, "facilities.edit"),
            "occupancy_form": OccupancyForm(
                initial={"date": timezone.localdate(), "capacity": facility.capacity}
            ),
            "section": "facilities",
        },
    )


def _occupancy_chart(history: list[Any]) -> dict[str, Any] | None:
    """Bars of capacity vs population for the last 12 records, as SVG coordinates."""
    rows = history[-12:]
    if not rows:
        return None
    top = max(max(r.capacity, r.population) for r in rows) or 1
    height, bar_w, gap = 120.0, 18.0, 14.0
    bars = []
    for i, r in enumerate(rows):
        x = 30 + i * (2 * bar_w + gap)
        cap_h = height * r.capacity / top
        pop_h = height * r.population / top
        bars.append(
            {
                "x_cap": x,
                "x_pop": x + bar_w,
                "cap_y": 10 + height - cap_h,
                "cap_h": cap_h,
                "pop_y": 10 + height - pop_h,
                "pop_h": pop_h,
                "label_x": x + bar_w,
                "record": r,
                "over": r.population > r.capacity,
            }
        )
    return {
        "bars": bars,
        "width": 40 + len(rows) * (2 * bar_w + gap),
        "height": height + 40,
        "top": top,
        "base_y": 10 + height,
        "label_y": height + 24,
        "bar_w": bar_w,
    }


@login_required
@require_http_methods(["GET", "POST"])
def facility_create(request: HttpRequest) -> HttpResponse:
    require_facility_edit(request.user)
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "population_categories"}
        try:
            facility = services.facility_create(
                actor=request.user,  # type: ignore[arg-type]
                values=values,
                population_categories=list(form.cleaned_data["population_categories"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The place was added to the registry."))
            return redirect("facilities:detail", pk=facility.pk)
    return render(request, "facilities/form.html", {"form": form, "facility": None, "section": "facilities"})


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    facility = facility_for_user(request.user, pk, write=True)
    form = FacilityForm(request.POST or None, instance=Facility.objects.get(pk=facility.pk))
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "population_categories"}
        try:
            services.facility_update(
                actor=request.user,  # type: ignore[arg-type]
                facility=facility,
                values=values,
                population_categories=list(form.cleaned_data["population_categories"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("facilities:detail", pk=facility.pk)
    return render(
        request, "facilities/form.html", {"form": form, "facility": facility, "section": "facilities"}
    )


@login_required
@require_http_methods(["POST"])
def occupancy_add(request: HttpRequest, pk: int) -> HttpResponse:
    facility = facility_for_user(request.user, pk, write=True)
    form = OccupancyForm(request.POST)
    if form.is_valid():
        try:
            services.occupancy_record(
                actor=request.user,  # type: ignore[arg-type]
                facility=facility,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The occupancy record was saved."))
            return redirect("facilities:detail", pk=facility.pk)
    history = selectors.facility_occupancy_history(facility)
    return render(
        request,
        "facilities/detail.html",
        {
            "facility": facility,
            "categories": list(facility.population_categories.all()),
            "history": history,
            "chart": _occupancy_chart(history),
            "can_edit": True,
            "occupancy_form": form,
            "section": "facilities",
        },
        status=400,
    )


@login_required
def facility_export(request: HttpRequest, fmt: str) -> HttpResponse:
    user = require(request.user, "facilities.export")
    _form, filters = _filters(request)
    facilities = selectors.facilities_for_export(user, filters)
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        content = io.export_xlsx(facilities)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = io.export_csv(facilities)
        content_type = "text/csv; charset=utf-8"
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        object_type="facilities.facility",
        object_repr=f"{fmt} {request.GET.urlencode()}"[:300],
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="dozor-places-{stamp}.{fmt}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def facility_import(request: HttpRequest) -> HttpResponse:
    user = require(request.user, "facilities.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {
        "form": form,
        "section": "facilities",
        "columns": io.COLUMNS,
        "max_bytes": settings.DOZOR_MAX_IMPORT_BYTES,
    }
    status = 200
    if request.method == "POST" and not form.is_valid():
        status = 400
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > settings.DOZOR_MAX_IMPORT_BYTES:
                raise io.ImportFileError(
                    _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes.")
                    % {"size": upload.size, "limit": settings.DOZOR_MAX_IMPORT_BYTES}
                )
            raw_rows = io.read_table(upload.read(settings.DOZOR_MAX_IMPORT_BYTES + 1), upload.name or "")
        except io.ImportFileError as exc:
            context["file_error"] = str(exc)
            status = 400
        else:
            rows, errors = io.validate_rows(raw_rows)
            context["row_count"] = len(raw_rows)
            if errors:
                context["row_errors"] = errors[:500]
                context["error_count"] = len(errors)
                status = 400
            elif form.cleaned_data["check_only"]:
                context["checked_ok"] = True
            else:
                result = services.facilities_import(actor=user, rows=rows, filename=upload.name or "")
                messages.success(
                    request,
                    _(
                        "Imported %(rows)s rows: %(created)s new, %(updated)s changed, %(unchanged)s unchanged."
                    )
                    % {
                        "rows": len(rows),
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                )
                return redirect("facilities:list")
    return render(request, "facilities/import.html", context, status=status)


@login_required
def facility_map(request: HttpRequest) -> HttpResponse:
    require(request.user, "facilities.view")
    form, filters = _filters(request)
    from django.conf import settings as conf

    shapes = base_map(conf.DOZOR_COUNTRY_PACK)
    places: list[tuple[str, str, float, float, str]] = []
    regions = []
    if shapes is not None:
        names = {r.boundary_id: r for r in Region.objects.all()}
        regions = [{"shape": s, "region": names.get(s.boundary_id)} for s in shapes.regions]
        detail_prefix = reverse("facilities:detail", args=[0])[: -len("0/")]
        for facility in selectors.facilities_for_map(request.user, filters):
            assert facility.longitude is not None and facility.latitude is not None
            x, y = shapes.projection.point(float(facility.longitude), float(facility.latitude))
            kind = (
                "closed"
                if facility.status == Facility.Status.CLOSED
                else ("over" if facility.is_overcrowded else "")
            )
            occupancy = (
                f" ({facility.population if facility.population is not None else '?'}/{facility.capacity})"
            )
            places.append(
                (
                    f"{detail_prefix}{facility.pk}/",
                    "map-place" + (f" map-place-{kind}" if kind else ""),
                    x,
                    y,
                    f"{facility.name} — {facility.type.name}{occupancy if facility.capacity else ''}",
                )
            )
    # Thousands of dots: built here in one pass rather than through the template engine.
    dots = format_html_join(
        "",
        '<a href="{}"><circle class="{}" cx="{}" cy="{}" r="4"><title>{}</title></circle></a>',
        places,
    )
    return render(
        request,
        "facilities/map.html",
        {
            "form": form,
            "map": shapes,
            "regions": regions,
            "dots": dots,
            "place_count": len(places),
            "section": "map",
            "query_string": request.GET.urlencode(),
        },
    )
