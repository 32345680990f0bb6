"""URL patterns of the reprisal follow-up; included by recommendations/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.recommendations.reprisals import views as views_reprisals

urlpatterns: list[URLPattern] = [
    path("reprisals/", views_reprisals.reprisal_list, name="reprisal_list"),
    path("reprisals/new/", views_reprisals.reprisal_open, name="reprisal_open"),
    path(
        "reprisals/new/interview/<int:pk>/",
        views_reprisals.reprisal_open_interview,
        name="reprisal_open_interview",
    ),
    path("reprisals/<int:pk>/", views_reprisals.reprisal_detail, name="reprisal_detail"),
    path("reprisals/<int:pk>/check/<int:visit_pk>/", views_reprisals.reprisal_check, name="reprisal_check"),
    path("reprisals/<int:pk>/close/", views_reprisals.reprisal_close, name="reprisal_close"),
    path("reprisals/<int:pk>/actions/new/", views_reprisals.action_add, name="reprisal_action_add"),
    path(
        "reprisals/actions/<int:pk>/outcome/", views_reprisals.action_outcome, name="reprisal_action_outcome"
    ),
    path("reprisals/persons/<int:pk>/", views_reprisals.person_detail, name="reprisal_person"),
    path("reprisals/persons/<int:pk>/move/", views_reprisals.person_move, name="reprisal_person_move"),
]
