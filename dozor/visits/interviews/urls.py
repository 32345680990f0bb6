"""URL patterns for a visit's interviews; included by visits/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.visits.interviews import views as views_interviews

urlpatterns: list[URLPattern] = [
    path("<int:pk>/interviews/new/", views_interviews.interview_create, name="interview_create"),
    path("interviews/<int:pk>/", views_interviews.interview_detail, name="interview_detail"),
    path("interviews/<int:pk>/edit/", views_interviews.interview_edit, name="interview_edit"),
    path("interviews/<int:pk>/consents/", views_interviews.consent_create, name="consent_create"),
    path("consents/<int:pk>/withdraw/", views_interviews.consent_withdraw, name="consent_withdraw"),
    path("consents/<int:pk>/done/", views_interviews.consent_task_done, name="consent_task_done"),
    path("consent-tasks/", views_interviews.consent_tasks, name="consent_tasks"),
]
