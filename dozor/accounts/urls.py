from django.contrib.auth import views as auth_views
from django.urls import include, path

from dozor.accounts import views
from dozor.accounts.devices import urls as devices_urls
from dozor.accounts.manage import urls as manage_urls
from dozor.accounts.signin import urls as signin_urls

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_log, name="audit"),
    path("", include(signin_urls)),
    path("users/", include(manage_urls)),
    path("devices/", include(devices_urls)),
]
