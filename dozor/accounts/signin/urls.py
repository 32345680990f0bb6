from django.urls import path

from dozor.accounts.signin import views

urlpatterns = [
    path("two-factor/", views.otp_verify, name="otp_verify"),
    path("two-factor/enrol/", views.otp_enrol, name="otp_enrol"),
    path("security/", views.security, name="security"),
    path("security/password/", views.password_change, name="password_change"),
    path("confirm/", views.reauth, name="reauth"),
    path("token/", views.tokens, name="token"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
]
