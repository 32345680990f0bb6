"""URL patterns of the media work, included in publishing/urls.py (so under /publishing/media/, in
the ``publishing`` namespace).

| URL | View | Who |
|---|---|---|
| ``media/contacts/`` (``?q= &outlet= &language= &region= &active=``) | the register of media contacts | coordinators |
| ``media/contacts/new/`` | add a contact | coordinators |
| ``media/contacts/<pk>/`` | a contact and the history of interactions with them | coordinators |
| ``media/contacts/<pk>/edit/`` | edit a contact | coordinators |
| ``media/contacts/<pk>/deactivate/`` (POST) | deactivate a contact | coordinators |
| ``media/press-releases/`` (``?status=``) | press releases | coordinators, council |
| ``media/press-releases/new/`` (``?public=<pk>``) | draft one from a published report | coordinators |
| ``media/press-releases/<pk>/`` | a press release | coordinators, council |
| ``media/press-releases/<pk>/edit/`` (POST) | edit a draft's title and text | coordinators |
| ``media/press-releases/<pk>/issue/`` (POST) | issue a draft | coordinators |
| ``media/press-releases/<pk>/text/`` | the release as a plain-text file | coordinators, council |
| ``media/interactions/`` (``?kind= &year= &contact=``) | the log of media interactions | coordinators |
| ``media/interactions/new/`` (``?contact= &release=``) | record an interaction | coordinators |
"""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.publishing.media import views

urlpatterns: list[URLPattern] = [
    path("media/contacts/", views.media_contact_list, name="media_contacts"),
    path("media/contacts/new/", views.media_contact_create, name="media_contact_create"),
    path("media/contacts/<int:pk>/", views.media_contact_detail, name="media_contact"),
    path("media/contacts/<int:pk>/edit/", views.media_contact_edit, name="media_contact_edit"),
    path(
        "media/contacts/<int:pk>/deactivate/", views.media_contact_deactivate, name="media_contact_deactivate"
    ),
    path("media/press-releases/", views.press_release_list, name="press_releases"),
    path("media/press-releases/new/", views.press_release_create, name="press_release_create"),
    path("media/press-releases/<int:pk>/", views.press_release_detail, name="press_release"),
    path("media/press-releases/<int:pk>/edit/", views.press_release_edit, name="press_release_edit"),
    path("media/press-releases/<int:pk>/screening/", views.press_release_decide, name="press_release_decide"),
    path("media/press-releases/<int:pk>/issue/", views.press_release_issue, name="press_release_issue"),
    path("media/press-releases/<int:pk>/text/", views.press_release_text, name="press_release_text"),
    path("media/interactions/", views.media_interaction_list, name="media_interactions"),
    path("media/interactions/new/", views.media_interaction_create, name="media_interaction_create"),
]
