"""URL patterns of the planning pages (plans); included by planning/urls.py."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
