"""URL patterns of the planning pages (risk); included by planning/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.planning.risk import views as views_risk

urlpatterns: list[URLPattern] = [
    path("risk/", views_risk.risk_list, name="risk_list"),
    path("risk/factors/", views_risk.risk_factors, name="risk_factors"),
    path("risk/<int:pk>/", views_risk.risk_detail, name="risk_detail"),
    path("incidents/", views_risk.incident_list, name="incident_list"),
    path("incidents/new/", views_risk.incident_create, name="incident_create"),
    path("coverage/", views_risk.coverage, name="coverage"),
]
