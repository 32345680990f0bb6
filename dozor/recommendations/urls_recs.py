"""URL patterns of the NPM's recommendation pages; included by recommendations/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.recommendations import views

urlpatterns: list[URLPattern] = [
    path("", views.recommendation_list, name="list"),
    path("export.csv", views.recommendation_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.recommendation_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("new/", views.recommendation_create, name="create"),
    path("<int:pk>/", views.recommendation_detail, name="detail"),
    path("<int:pk>/edit/", views.recommendation_edit, name="edit"),
    path("<int:pk>/status/", views.status_change, name="status_change"),
    path("<int:pk>/repeat/", views.recommendation_repeat, name="repeat"),
]
