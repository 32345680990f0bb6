"""The place page as a hub, composed from above: the registry (facilities) draws the place - its
facts, occupancy and history - and the apps above it add their sections: the visits to it, the
visits planned to it and its risk score, its open recommendations and its published reports.
Each section is built by its own app from that app's access helpers, so every reader sees only
what they may open (an unannounced planned visit only by coordinators and its group; a liaison only
its authority's released recommendations and no visits). The registry never calls up into them;
this module, in the top layer, calls each app's section builder explicitly. Routed as
``facilities:detail`` by dozor/urls.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from dozor.accounts.http import AuthedRequest
from dozor.facilities.access import facility_for_user
from dozor.facilities.views import facility_detail_render
from dozor.planning import views as planning_views
from dozor.planning.risk import views as risk_views
from dozor.publishing import views as publishing_views
from dozor.recommendations import views as recommendation_views
from dozor.visits import views as visit_views


@login_required
def place_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    facility = facility_for_user(request.user, pk)  # 404 for a place the user may not see
    sections = [
        section
        for section in (
            visit_views.place_section(request, facility),
            recommendation_views.place_section(request, facility),
            planning_views.place_section(request, facility),
            risk_views.place_section(request, facility),
            publishing_views.place_section(request, facility),
        )
        if section is not None
    ]
    return facility_detail_render(request, facility, extra_sections=sections)
