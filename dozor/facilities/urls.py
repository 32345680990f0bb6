from django.urls import path

from dozor.facilities import views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="list"),
    path("new/", views.facility_create, name="create"),
    path("map/", views.facility_map, name="map"),
    path("import/", views.facility_import, name="import"),
    path("export.csv", views.facility_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.facility_export, {"fmt": "xlsx"}, name="export_xlsx"),
    # "<int:pk>/" (name "detail"), the place page, is composed above: dozor/web/place_page.py.
    path("<int:pk>/edit/", views.facility_edit, name="edit"),
    path("<int:pk>/occupancy/", views.occupancy_add, name="occupancy_add"),
]
