from django.urls import path

from dozor.standards import views

app_name = "standards"
urlpatterns = [
    path("", views.instrument_list, name="instrument_list"),
    path("instruments/<str:code>/", views.instrument_detail, name="instrument_detail"),
    path("provisions/", views.provision_list, name="provision_list"),
    path("provisions/<str:code>/", views.provision_detail, name="provision_detail"),
]
