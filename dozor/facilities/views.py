"""Registry pages. Thin: parse input, check access, call one selector or service, render."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dozor.accounts.access import authorities_visible_to, can, require
from dozor.accounts.audit import audit_record
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import AuditEvent
from dozor.accounts.signin.reauth import reauth_redirect
from dozor.core.charts import Svg, svg_number
from dozor.core.files import file_response
from dozor.core.forms import add_service_errors, form_status, submit_edit
from dozor.core.models import Region
from dozor.core.revisions import revision_field_add
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
def facility_list(request: AuthedRequest) -> HttpResponse:
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


def facility_detail_render(
    request: HttpRequest,
    facility: Facility,
    *,
    extra_sections: Sequence[Mapping[str, Any]] = (),
    occupancy_form: OccupancyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The place page for a place already access-checked. ``extra_sections`` are sections that apps
    above the registry add (visits, planned visits, risk, open recommendations, published reports),
    each a mapping with the ``template`` to include, its context and an optional ``slot`` ("side":
    a small card in the row below the main sections; else a main section, below the place's facts).
    The page is composed by the web app (``dozor.web.place_page``), never by the registry calling up
    into those apps."""
    history = selectors.facility_occupancy_history(facility)
    sections = list(extra_sections)
    return render(
        request,
        "facilities/detail.html",
        {
            "facility": facility,
            "categories": list(facility.population_categories.all()),
            "history": history,
            "chart": _occupancy_chart(history),
            "can_edit": can(request.user, "facilities.edit"),
            "occupancy_form": occupancy_form
            or OccupancyForm(initial={"date": timezone.localdate(), "capacity": facility.capacity}),
            "extra_sections": [s for s in sections if s.get("slot") != "side"],
            "side_sections": [s for s in sections if s.get("slot") == "side"],
            "section": "facilities",
        },
        status=status,
    )


def _occupancy_chart(history: list[Any]) -> SafeString | None:
    """Bars of capacity and population for the last 12 records, as SVG (``dozor.core.charts``: the
    numbers written with a dot in every language)."""
    rows = history[-12:]
    if not rows:
        return None
    top = max(max(r.capacity, r.population) for r in rows) or 1
    height, bar_w, gap = 120.0, 18.0, 14.0
    base_y = 10 + height
    width = 40 + len(rows) * (2 * bar_w + gap)
    svg = Svg(width, height + 40, sized=False, role="img", aria_label=_("Capacity and population over time"))
    svg.line(25, base_y, width, base_y, stroke="#8896a8")
    for i, r in enumerate(rows):
        x = 30 + i * (2 * bar_w + gap)
        cap_h = height * r.capacity / top
        pop_h = height * r.population / top
        svg.element(
            "rect",
            title=f"{_('Capacity')}: {r.capacity}",
            class_="bar-cap",
            x=x,
            y=base_y - cap_h,
            width=bar_w,
            height=cap_h,
        )
        svg.element(
            "rect",
            title=f"{_('Population')}: {r.population}",
            class_="bar-over" if r.population > r.capacity else "bar-pop",
            x=x + bar_w,
            y=base_y - pop_h,
            width=bar_w,
            height=pop_h,
        )
        svg.text(x + bar_w, height + 24, f"{r.date:%Y-%m}", text_anchor="middle")
    return svg.markup()


@login_required
@require_http_methods(["GET", "POST"])
def facility_create(request: AuthedRequest) -> HttpResponse:
    require_facility_edit(request.user)
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.facility_create(
                actor=request.user,
                data=form.to_data(),
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
def facility_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    facility = facility_for_user(request.user, pk, write=True)
    form = FacilityForm(request.POST or None, initial=FacilityForm.initial_from(facility))
    revision_field_add(form, facility)
    if request.method == "POST":
        saved = submit_edit(
            form,
            lambda: services.facility_update(
                actor=request.user,
                facility=facility,
                data=form.to_data(),
                population_categories=list(form.cleaned_data["population_categories"]),
                base_revision=form.cleaned_data["revision"],
            ),
            current_initial=FacilityForm.initial_from,
        )
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("facilities:detail", pk=facility.pk)
    return render(
        request,
        "facilities/form.html",
        {"form": form, "facility": facility, "section": "facilities"},
        status=form_status(form, invalid=200),
    )


@login_required
@require_http_methods(["POST"])
def occupancy_add(request: AuthedRequest, pk: int) -> HttpResponse:
    facility = facility_for_user(request.user, pk, write=True)
    form = OccupancyForm(request.POST)
    if form.is_valid():
        try:
            services.occupancy_record(
                actor=request.user,
                facility=facility,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The occupancy record was saved."))
            return redirect("facilities:detail", pk=facility.pk)
    # The form's errors on the registry's own part of the page (the sections composed above are
    # left out: the page is shown again only to correct the record).
    return facility_detail_render(request, facility, occupancy_form=form, status=400)


@login_required
def facility_export(request: AuthedRequest, fmt: str) -> HttpResponse:
    user = require(request.user, "facilities.export")
    if (response := reauth_redirect(request)) is not None:
        return response  # exports leave Dozor: the password (and code) again (docs/decisions/0014)
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
    return file_response(content, f"dozor-places-{stamp}.{fmt}", content_type)


@login_required
@require_http_methods(["GET", "POST"])
def facility_import(request: AuthedRequest) -> HttpResponse:
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
def facility_map(request: AuthedRequest) -> HttpResponse:
    require(request.user, "facilities.view")
    form, filters = _filters(request)
    from django.conf import settings as conf

    shapes = base_map(conf.DOZOR_COUNTRY_PACK)
    places: list[tuple[str, str, str, str, str]] = []
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
                    svg_number(x, 1),
                    svg_number(y, 1),
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
