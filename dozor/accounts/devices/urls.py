from django.urls import path

from dozor.accounts.devices import views

urlpatterns = [
    path("", views.devices, name="devices"),
    path("<int:pk>/revoke/", views.device_revoke, name="device_revoke"),
]
