"""The results page: one search box (the header's), results the user may open, filterable."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property

from dozor.accounts.access import authorities_visible_to, regions_visible_to
from dozor.accounts.http import AuthedRequest
from dozor.search.models import Kind
from dozor.search.selectors import Filters, search

PER_PAGE = 20


class _CountedPaginator(Paginator):
    """A paginator told its count (the search already counted, per kind, in one query)."""

    def __init__(self, total: int, per_page: int) -> None:
        super().__init__(range(total), per_page)
        self._total = total

    @cached_property
    def count(self) -> int:
        return self._total


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def results(request: AuthedRequest) -> HttpResponse:
    user = request.user
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("type", "")
    kind = kind if kind in Kind.values else ""
    regions = list(regions_visible_to(user).order_by("sort_order", "pk"))
    authorities = list(authorities_visible_to(user).order_by("path"))
    region = _int(request.GET.get("region"))
    region = region if region in {r.pk for r in regions} else None
    authority_pk = _int(request.GET.get("authority"))
    authority = next((a for a in authorities if a.pk == authority_pk), None)
    year = _int(request.GET.get("year"))
    year = year if year is not None and 1900 <= year <= 2200 else None
    filters = Filters(kind=kind, region=region, authority=authority, year=year)
    context: dict[str, object] = {
        "section": "search",
        "query": query,
        "filters": filters,
        "kinds": Kind.choices,
        "regions": regions,
        "authorities": authorities,
        "this_year": timezone.localdate().year,
    }
    if query:
        found = search(
            user, query, filters=filters, page=_int(request.GET.get("page")) or 1, per_page=PER_PAGE
        )
        page = _CountedPaginator(found.count, PER_PAGE).page(found.page)
        context.update({"results": found, "page": page})
    return render(request, "search/results.html", context)
