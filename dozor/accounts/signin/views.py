"""Own account pages: second factor (verify, enrol, manage), re-authentication, password, API tokens."""

from __future__ import annotations

import datetime

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device
from knox.models import AuthToken

from dozor.accounts.access import can, mfa_required
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import User
from dozor.accounts.services import api_token_create, api_token_revoke, user_set_password
from dozor.accounts.signin import services
from dozor.accounts.signin import session as signin_session
from dozor.accounts.signin.forms import CodeForm, EnrolForm, ReauthForm
from dozor.accounts.signin.reauth import reauth_redirect
from dozor.core.forms import add_service_errors


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _next(request: HttpRequest, default: str = "web:home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: AuthedRequest) -> HttpResponse:
    """The second step of signing in for a user with an authenticator app."""
    if signin_session.pending(request.session) != "verify":
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.otp_check(
                user=request.user, code=form.cleaned_data["code"], ip_address=_ip(request)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            django_otp.login(request, device)
            signin_session.second_factor_done(request.session)
            if device.__class__.__name__ == "StaticDevice":
                left = services.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(left)d are left. Make new ones on the security page."
                    )
                    % {"left": left},
                )
            return redirect(_next(request))
    status = 400 if form.errors else 200
    # No navigation while the code is owed: every link would lead back here.
    context = {"form": form, "next": _next(request), "nav_groups": []}
    return render(request, "accounts/signin/verify.html", context, status=status)


def _qr_svg(device: services.TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=2, title=_("QR code for your authenticator app"), svgclass="qr", lineclass=None
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: AuthedRequest) -> HttpResponse:
    """Enrol an authenticator app: a QR code and the secret as text, confirmed by one code."""
    owed = signin_session.pending(request.session)
    if owed == "verify":
        return redirect("accounts:otp_verify")  # never enrol another device before proving the first
    if services.totp_device_confirmed(request.user) is not None:
        return redirect("accounts:security")
    device = services.totp_device_start(user=request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_device_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            django_otp.login(request, device)
            signin_session.second_factor_done(request.session)
            return render(
                request,
                "accounts/signin/recovery_codes.html",
                {"codes": codes, "enrolled": True, "next": _next(request, "accounts:security")},
            )
    return render(
        request,
        "accounts/signin/enrol.html",
        {
            "form": form,
            "qr": _qr_svg(device),
            "secret": services.totp_secret(device),
            "required": owed == "enrol",
            "next": request.GET.get("next", ""),
            "section": "security",
            **({"nav_groups": []} if owed == "enrol" else {}),  # every link would lead back here
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def security(request: AuthedRequest) -> HttpResponse:
    """The second factor of one's own account: status, remove, regenerate recovery codes."""
    device = services.totp_device_confirmed(request.user)
    if request.method == "POST":
        if (response := reauth_redirect(request)) is not None:
            return response
        action = request.POST.get("action")
        if action == "regenerate" and device is not None:
            codes = services.recovery_codes_regenerate(user=request.user)
            return render(
                request,
                "accounts/signin/recovery_codes.html",
                {"codes": codes, "enrolled": False, "next": reverse("accounts:security")},
            )
        if action == "remove" and device is not None:
            services.totp_device_remove(user=request.user)
            request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
            if mfa_required(request.user):
                request.session[signin_session.PENDING] = "enrol"
                messages.warning(
                    request, _("Your role requires a second factor: enrol an authenticator app now.")
                )
                return redirect("accounts:otp_enrol")
            messages.success(request, _("The authenticator app was removed."))
            return redirect("accounts:security")
        messages.error(request, _("Nothing to do."))
        return redirect("accounts:security")
    return render(
        request,
        "accounts/signin/security.html",
        {
            "device": device,
            "codes_left": services.recovery_codes_left(request.user) if device else 0,
            "required": mfa_required(request.user),
            "records_checklists": can(request.user, "visits.record"),
            "section": "security",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reauth(request: AuthedRequest) -> HttpResponse:
    """Prove again who you are (password, and a code when enrolled), then go back to ``next``."""
    with_code = user_has_device(request.user)
    form = ReauthForm(request.POST or None, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        # Through authenticate(), so that django-axes counts failures here as at the sign-in page.
        user = authenticate(
            request, username=request.user.get_username(), password=form.cleaned_data["password"]
        )
        if user is None or user.pk != request.user.pk:
            form.add_error("password", _("The password is wrong."))
        else:
            try:
                if with_code:
                    services.otp_check(
                        user=request.user, code=form.cleaned_data["code"], ip_address=_ip(request)
                    )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                signin_session.reauthenticated(request.session)
                return HttpResponseRedirect(_next(request))
    return render(
        request,
        "accounts/signin/reauth.html",
        {"form": form, "next": _next(request), "minutes": settings.DOZOR_REAUTH_SECONDS // 60},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: AuthedRequest) -> HttpResponse:
    """Django's password change form; every other session and every API token of the user ends."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_set_password(
            actor=request.user,
            user=request.user,
            password=form.cleaned_data["new_password1"],
            keep_session_key=request.session.session_key,
        )
        update_session_auth_hash(request, request.user)
        messages.success(
            request, _("Your password was changed. Your other sessions and your API tokens no longer work.")
        )
        return redirect("accounts:security")
    return render(
        request,
        "accounts/signin/password_change.html",
        {"form": form, "section": "security"},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: AuthedRequest) -> HttpResponse:
    """The user's own API tokens: create one (shown once), list them, revoke one."""
    new_token = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if api_token_revoke(user=request.user, token_key=request.POST.get("token_key", "")[:25]):
                messages.success(request, _("The token was revoked."))
            else:
                messages.error(request, _("There is no such token."))
            return redirect("accounts:token")
        _instance, new_token = api_token_create(user=request.user)
    rows = AuthToken.objects.filter(user=request.user).order_by("-created")
    return render(
        request,
        "accounts/signin/tokens.html",
        {
            "new_token": new_token,
            "tokens": rows,
            "days": _token_days(),
            "section": "security",
        },
    )


def _token_days() -> int:
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    return ttl.days if isinstance(ttl, datetime.timedelta) else 0


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link a coordinator handed out: set a new password (through the service, which ends the
    user's sessions and tokens), then sign in with it."""

    template_name = "accounts/signin/password_reset.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        user = form.user
        assert isinstance(user, User)
        user_set_password(actor=user, user=user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Your password was set. Sign in with it."))
        return HttpResponseRedirect(self.get_success_url())
