"""URL patterns of the authority portal and of the NPM's pages for responses; included by
recommendations/urls.py (mounted at /recommendations/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.recommendations.portal import views as views_portal

urlpatterns: list[URLPattern] = [
    path("portal/", views_portal.portal, name="portal"),
    path("portal/recommendations/", views_portal.portal_recommendations, name="portal_recommendations"),
    path(
        "portal/recommendations/<int:pk>/",
        views_portal.portal_recommendation,
        name="portal_recommendation",
    ),
    path("portal/reports/", views_portal.portal_reports, name="portal_reports"),
    path("portal/reports/<int:pk>/", views_portal.portal_report, name="portal_report"),
    path(
        "portal/reports/<int:pk>/document/",
        views_portal.portal_report_document,
        name="portal_report_document",
    ),
    path("responses/", views_portal.responses_to_assess, name="responses_to_assess"),
    path("responses/<int:pk>/", views_portal.response_detail, name="response_detail"),
    path(
        "responses/attachments/<int:pk>/",
        views_portal.response_attachment,
        name="response_attachment",
    ),
]
