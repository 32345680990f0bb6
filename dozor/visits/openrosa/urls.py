"""``<site>/openrosa/``: the server URL given to ODK Collect, which appends ``/formList`` and
``/submission`` (dozor/urls.py also accepts the doubled slash after a URL ending in ``/``)."""

from django.urls import re_path

from dozor.visits.openrosa import views

app_name = "openrosa"
urlpatterns = [
    re_path(r"^formList$", views.form_list, name="form_list"),
    re_path(r"^submission$", views.submission, name="submission"),
    re_path(r"^forms/(?P<form_id>[\w.-]{1,100})\.xml$", views.form_download, name="form_download"),
    re_path(r"^forms/(?P<form_id>[\w.-]{1,100})/manifest$", views.form_manifest, name="form_manifest"),
]
