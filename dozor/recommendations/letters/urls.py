"""URL patterns of the correspondence register; included by recommendations/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.recommendations.letters import views as views_letters

urlpatterns: list[URLPattern] = [
    path("letters/", views_letters.letter_list, name="letter_list"),
    path("letters/new/", views_letters.letter_create, name="letter_create"),
    path("letters/<int:pk>/", views_letters.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/escalate/", views_letters.letter_escalate, name="letter_escalate"),
]
