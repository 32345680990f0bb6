"""The recommendations dashboard page (see dozor/recommendations/dashboard/urls.py and
dozor/recommendations/dashboard/selectors.py for the definitions of the figures).

Coordinators, council members and monitors see every recommendation's figures; a liaison sees
the figures of its own authority only (the same recommendations its portal lists) and never the
reprisal statistics; trainers get 404 and anonymous users the sign-in page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from dozor.accounts.access import can
from dozor.accounts.http import AuthedRequest
from dozor.recommendations.access import is_liaison
from dozor.recommendations.dashboard.selectors import chart_for, dashboard_build, visible_authorities

SECTION = "recommendations_dashboard"


def _detail_url(pk: int) -> str:
    """The recommendation's page, if the recommendations pages are installed."""
    for name in ("recommendations:recommendation_detail", "recommendations:detail"):
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return ""


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not (can(user, "dashboard.view") or is_liaison(user)):  # a liaison: its authority's board
        raise Http404
    authorities = visible_authorities(user)
    chosen = request.GET.get("authority", "")
    authority = next((a for a in authorities if a.code == chosen), None)
    try:
        year: int | None = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    if year is not None and not 1990 <= year <= 2100:
        year = None
    board = dashboard_build(user, year=year, authority=authority, authorities=authorities)
    if not is_liaison(user):  # liaisons open recommendations through their portal
        for recommendation in [*board.overdue, *board.repeats]:
            recommendation.url = _detail_url(recommendation.pk)  # type: ignore[attr-defined]
    charts = [(breakdown, chart_for(breakdown.rows, key=breakdown.key)) for breakdown in board.breakdowns]
    return render(
        request,
        "recommendations/dashboard.html",
        {
            "board": board,
            "charts": charts,
            "authority_code": authority.code if authority else "",
            "section": SECTION,
        },
    )
