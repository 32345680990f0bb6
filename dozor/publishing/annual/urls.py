"""URL of the annual report page, appended to ``dozor.publishing.urls`` (mounted at /publishing/).

| URL | View | Who |
|---|---|---|
| ``/publishing/annual/`` (``?year=&lang=&format=`` downloads) | choose and download the annual report | coordinators, council |
"""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.publishing.annual import views as views_annual

urlpatterns: list[URLPattern] = [
    path("annual/", views_annual.annual_report, name="annual"),
]
