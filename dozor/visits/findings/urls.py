"""URL patterns for a visit's findings; included by visits/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.visits.findings import views as views_findings

urlpatterns: list[URLPattern] = [
    path("<int:pk>/findings/new/", views_findings.finding_create, name="finding_create"),
    path("findings/<int:pk>/", views_findings.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", views_findings.finding_edit, name="finding_edit"),
    path("findings/<int:pk>/referral/", views_findings.referral_create, name="referral_create"),
]
