from django.urls import path

from dozor.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("reference/regions/", views.regions, name="regions"),
    path("reference/authorities/", views.authorities, name="authorities"),
    path("reference/facility-types/", views.facility_types, name="facility_types"),
]
