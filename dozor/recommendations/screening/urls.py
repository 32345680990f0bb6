"""URL patterns of the screening of texts to the authority; included by recommendations/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.recommendations.screening import views

urlpatterns: list[URLPattern] = [
    path(
        "<int:pk>/screening/clear/",
        views.recommendation_screening_clear,
        name="recommendation_screening_clear",
    ),
    path("letters/<int:pk>/screening/clear/", views.letter_screening_clear, name="letter_screening_clear"),
]
