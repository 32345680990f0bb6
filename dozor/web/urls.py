from django.urls import path

from dozor.web import health, outbox, place_page, views, visit_page

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("reference/regions/", views.regions, name="regions"),
    path("reference/authorities/", views.authorities, name="authorities"),
    path("reference/facility-types/", views.facility_types, name="facility_types"),
    path("outbox/", outbox.outbox_failing, name="outbox"),
    path("outbox/<int:pk>/retry/", outbox.outbox_retry, name="outbox_retry"),
    path("healthz", health.healthz, name="healthz"),  # no trailing slash: what probes expect
]

# Mounted under the "visits" namespace by dozor/urls.py (the page is composed here, above visits).
visit_patterns = [path("<int:pk>/", visit_page.visit_detail, name="detail")]

# Mounted under the "facilities" namespace by dozor/urls.py (the place page is composed here, above
# the registry and every app that adds a section to it).
place_patterns = [path("<int:pk>/", place_page.place_detail, name="detail")]
