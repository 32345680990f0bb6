"""The visit page, composed from above: the visits app draws the visit, and the apps above it add
their sections (the place's open recommendations to verify on site, reprisal cases to check).
Visits never calls up into them; this module, in the top layer, calls each app's section
builder explicitly. Routed as ``visits:detail`` by dozor/urls.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from dozor.recommendations import views as recommendation_views
from dozor.recommendations.reprisals import views as reprisal_views
from dozor.visits.access import visit_for_user
from dozor.visits.views import visit_detail_render


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk)
    sections = [
        section
        for section in (
            reprisal_views.visit_section(request, visit),
            recommendation_views.visit_section(request, visit),
        )
        if section is not None
    ]
    return visit_detail_render(request, visit, extra_sections=sections)
