"""URL patterns of the register of deaths and serious incidents; included by planning/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.planning.register import views

urlpatterns: list[URLPattern] = [
    path("register/", views.deaths_list, name="register_list"),
    path("register/<int:pk>/", views.deaths_detail, name="register_detail"),
]
