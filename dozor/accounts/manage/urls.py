from django.urls import path, re_path

from dozor.accounts.manage import views

urlpatterns = [
    path("", views.account_list, name="user_list"),
    path("new/", views.account_create, name="user_create"),
    path("<int:pk>/", views.account_detail, name="user_detail"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>deactivate|reactivate|reset-password|reset-mfa)/$",
        views.account_action,
        name="user_action",
    ),
]
