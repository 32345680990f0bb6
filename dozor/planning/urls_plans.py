"""URL patterns of the planning pages (plans); included by planning/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.planning import views

urlpatterns: list[URLPattern] = [
    path("", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("plans/<int:pk>/propose/", views.proposal_create, name="proposal_create"),
    path("proposals/runs/<int:pk>/", views.proposal_job, name="proposal_job"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/accept/", views.proposal_accept, name="proposal_accept"),
    path("proposals/<int:pk>/reject/", views.proposal_reject, name="proposal_reject"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/move/", views.visit_move, name="visit_move"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("calendar/", views.calendar, name="calendar"),
    path("my-visits/", views.my_visits, name="my_visits"),
    path("my-visits.ics", views.my_ical, name="my_ical"),
    path("unavailability/", views.unavailability, name="unavailability"),
    path("unavailability/<int:pk>/delete/", views.unavailability_delete, name="unavailability_delete"),
]
