"""The shell: overview page, reference data pages and error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dozor.accounts.access import active_user, authorities_visible_to, can, regions_visible_to, require
from dozor.accounts.http import AuthedRequest
from dozor.facilities.access import facility_types_visible_to
from dozor.facilities.selectors import facility_counts
from dozor.people.selectors import people_counts
from dozor.web.home_page import home_blocks


def home(request: HttpRequest) -> HttpResponse:
    user = active_user(request.user)
    if user is None:
        return render(request, "web/public_home.html")
    context: dict[str, object] = {"section": "home", "blocks": home_blocks(user)}
    if can(user, "facilities.view"):
        context["facility_counts"] = facility_counts(user)
    if can(user, "people.view"):
        context["people_counts"] = people_counts(user)
    return render(request, "web/home.html", context)


@login_required
def regions(request: AuthedRequest) -> HttpResponse:
    require(request.user, "reference.view")
    return render(
        request, "web/regions.html", {"regions": regions_visible_to(request.user), "section": "regions"}
    )


@login_required
def authorities(request: AuthedRequest) -> HttpResponse:
    require(request.user, "reference.view")
    rows = list(authorities_visible_to(request.user).order_by("path"))
    for row in rows:
        row.depth = row.path.count("/") - 2  # type: ignore[attr-defined]
    return render(request, "web/authorities.html", {"authorities": rows, "section": "authorities"})


@login_required
def facility_types(request: AuthedRequest) -> HttpResponse:
    require(request.user, "reference.view")
    types = (
        facility_types_visible_to(request.user)
        .select_related("authority")
        .prefetch_related("population_categories")
    )
    return render(request, "web/facility_types.html", {"types": types, "section": "facility_types"})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/404.html", status=404)
