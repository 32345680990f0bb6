"""URL patterns of the redaction workflow (mounted at /publishing/; internal pages only).

| URL | View | Who |
|---|---|---|
| ``/publishing/`` (``?report=<id>``) | list of public versions, reports ready for one | coordinators, council |
| ``/publishing/start/<report>/`` | start a public version in a language | coordinators |
| ``/publishing/<pk>/`` | the editor: text, proposals, add a redaction, workflow | coordinators, council (read) |
| ``/publishing/<pk>/approve/`` | the public text as it will read; approve or send back | coordinators, council |
| ``/publishing/<pk>/diff/`` | internal text beside public text | coordinators, council |
| ``/publishing/<pk>/redactions/add/`` (POST) | mark text for removal | coordinators |
| ``/publishing/redactions/<pk>/decide/`` (POST) | accept or reject a redaction | coordinators |
| ``/publishing/<pk>/workflow/`` (POST) | submit, approve, send back, publish, withdraw | per step |
| ``/publishing/report/<report>/withheld/`` (``?lang=``) | internal text vs the authority's vs the public's | coordinators, council |

``?audience=authority`` on the list and start pages switches to the versions for the authority.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from dozor.publishing import views
from dozor.publishing.annual import urls as urls_annual
from dozor.publishing.media import urls as urls_media

app_name = "publishing"

urlpatterns: list[URLPattern] = [
    path("", views.public_version_list, name="list"),
    path("start/<int:report_pk>/", views.public_version_start, name="start"),
    path("<int:pk>/", views.public_version_editor, name="editor"),
    path("<int:pk>/approve/", views.public_version_approve, name="approve"),
    path("<int:pk>/diff/", views.public_version_diff, name="diff"),
    path("<int:pk>/redactions/add/", views.redaction_add, name="redaction_add"),
    path("redactions/<int:pk>/decide/", views.redaction_decide, name="redaction_decide"),
    path("<int:pk>/workflow/", views.public_version_workflow, name="workflow"),
    path("report/<int:report_pk>/withheld/", views.release_withheld, name="withheld"),
    *urls_media.urlpatterns,
    *urls_annual.urlpatterns,
]
