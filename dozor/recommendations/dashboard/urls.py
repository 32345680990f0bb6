"""URL patterns of the recommendations dashboard; included by recommendations/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.recommendations.dashboard import views as views_dashboard

urlpatterns: list[URLPattern] = [
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
]
