"""The coordinators' accounts page: list, create, deactivate and reactivate, password reset links,
removing a second factor. Every action goes through accounts.services, which audits it."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dozor.accounts import services
from dozor.accounts.access import account_for_user, mfa_required, require
from dozor.accounts.devices.selectors import devices_of
from dozor.accounts.http import AuthedRequest
from dozor.accounts.manage.forms import AccountCreateForm, IdentityCheckForm
from dozor.accounts.manage.selectors import accounts_list
from dozor.accounts.models import User
from dozor.accounts.signin.reauth import reauth_redirect
from dozor.accounts.signin.services import totp_device_confirmed
from dozor.core.forms import add_service_errors


def _reset_link(request: AuthedRequest, account: User, token: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    return request.build_absolute_uri(reverse("accounts:password_reset_confirm", args=[uid, token]))


@login_required
def account_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, "accounts.manage")
    query = request.GET.get("q", "").replace("\x00", "")[:150]
    active = request.GET.get("active", "")
    page = Paginator(accounts_list(request.user, query=query, active=active), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/manage/list.html",
        {"page": page, "q": query, "active": active, "section": "accounts"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request: AuthedRequest) -> HttpResponse:
    require(request.user, "accounts.manage")
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.user_create(
                actor=request.user,
                username=data["username"],
                # Never used: replaced at once by an unusable one and a reset link for its owner.
                password=secrets.token_urlsafe(32),
                role=data["role"],
                authority_code=data["authority"].code if data["authority"] else None,
                region_code=data["region"].code if data["region"] else None,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            token = services.user_password_reset(actor=request.user, user=account)
            return render(
                request,
                "accounts/manage/reset_link.html",
                {"account": account, "link": _reset_link(request, account, token), "created": True},
            )
    return render(
        request,
        "accounts/manage/create.html",
        {"form": form, "section": "accounts"},
        status=400 if form.errors else 200,
    )


@login_required
def account_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    account = account_for_user(request.user, pk)
    return render(
        request,
        "accounts/manage/detail.html",
        {
            "account": account,
            "device": totp_device_confirmed(account),
            "mfa_required": mfa_required(account),
            "identity_form": IdentityCheckForm(),
            "odk_devices": devices_of(viewer=request.user, user=account),
            "section": "accounts",
        },
    )


@login_required
@require_POST
def account_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    account = account_for_user(request.user, pk)
    if (response := reauth_redirect(request)) is not None:
        return response
    try:
        if action in ("deactivate", "reactivate"):
            services.user_set_active(actor=request.user, user=account, active=action == "reactivate")
            messages.success(
                request,
                _("The account was deactivated: it is signed out and its API tokens are revoked.")
                if action == "deactivate"
                else _("The account was reactivated."),
            )
        elif action == "reset-password":
            token = services.user_password_reset(actor=request.user, user=account)
            return render(
                request,
                "accounts/manage/reset_link.html",
                {"account": account, "link": _reset_link(request, account, token), "created": False},
            )
        elif action == "reset-mfa":
            form = IdentityCheckForm(request.POST)
            if not form.is_valid():
                return render(
                    request,
                    "accounts/manage/detail.html",
                    {
                        "account": account,
                        "device": totp_device_confirmed(account),
                        "mfa_required": mfa_required(account),
                        "identity_form": form,
                        "section": "accounts",
                    },
                    status=400,
                )
            services.user_mfa_reset(
                actor=request.user, user=account, identity_check=form.cleaned_data["identity_check"]
            )
            messages.success(
                request, _("The second factor was removed; the person sets up a new one at the next sign-in.")
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:user_detail", pk=account.pk)
