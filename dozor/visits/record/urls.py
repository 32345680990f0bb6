"""URL patterns for the visit record; included by visits/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.visits.record import views as views_record

urlpatterns: list[URLPattern] = [
    path("planned/<int:pk>/start/", views_record.record_start, name="record_start"),
    path("<int:pk>/record/", views_record.record_edit, name="record_edit"),
    path("<int:pk>/phases/new/", views_record.phase_add, name="phase_add"),
    path("<int:pk>/phases/<int:phase_pk>/edit/", views_record.phase_edit, name="phase_edit"),
    path("<int:pk>/phases/<int:phase_pk>/delete/", views_record.phase_delete, name="phase_delete"),
    path("<int:pk>/occupancy/", views_record.occupancy_edit, name="occupancy_edit"),
]
