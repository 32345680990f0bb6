"""URL of the annual report page, appended to ``dozor.publishing.urls`` (mounted at /publishing/).

| URL | View | Who |
|---|---|---|
| ``/publishing/annual/`` (``?year=&lang=&format=docx`` downloads; a posted PDF is queued) | choose and download the annual report | coordinators, council |
| ``/publishing/annual/jobs/<pk>/`` and ``.../file/`` | the PDF being prepared, then its download | the person who asked for it |
"""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.publishing.annual import views as views_annual

urlpatterns: list[URLPattern] = [
    path("annual/", views_annual.annual_report, name="annual"),
    path("annual/jobs/<int:pk>/", views_annual.annual_job, name="annual_job"),
    path("annual/jobs/<int:pk>/file/", views_annual.annual_job_file, name="annual_job_file"),
]
