"""URL patterns for the visit report's documents (PDF, DOCX); included by visits/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.visits.reports import document_views as views_documents

urlpatterns: list[URLPattern] = [
    path("reports/<int:pk>/document/", views_documents.report_document, name="report_document"),
]
