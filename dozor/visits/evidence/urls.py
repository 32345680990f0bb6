"""URL patterns for a visit's evidence; included by visits/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.visits.evidence import views as views_evidence

urlpatterns: list[URLPattern] = [
    path("<int:pk>/evidence/new/", views_evidence.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", views_evidence.evidence_detail, name="evidence_detail"),
    path("evidence/<int:pk>/file/", views_evidence.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", views_evidence.evidence_delete, name="evidence_delete"),
]
