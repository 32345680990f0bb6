"""URL patterns for a visit's report; included by visits/urls.py.

The document downloads (``report_document``) belong to the documents pages (dozor/visits/reports/documents.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.visits.reports import views as views_reports

urlpatterns: list[URLPattern] = [
    path("<int:pk>/report/start/", views_reports.report_start, name="report_start"),
    path("reports/<int:pk>/", views_reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/workflow/", views_reports.report_transition, name="report_transition"),
    path("reports/<int:pk>/versions/", views_reports.report_versions, name="report_versions"),
    path("reports/<int:pk>/versions/save/", views_reports.report_version_save, name="report_version_save"),
    path("reports/<int:pk>/diff/", views_reports.report_diff, name="report_diff"),
    path("reports/sections/<int:pk>/", views_reports.report_section, name="report_section"),
    path("reports/sections/<int:pk>/comments/", views_reports.comment_add, name="comment_add"),
    path("reports/comments/<int:pk>/resolve/", views_reports.comment_resolve, name="comment_resolve"),
]
