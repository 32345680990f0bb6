"""URL patterns for a visit's interviews; included by visits/urls.py."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
