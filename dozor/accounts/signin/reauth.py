"""Re-authentication before confidential material leaves Dozor (docs/decisions/0014-sign-in.md)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from dozor.accounts.signin.session import recently_authenticated


def reauth_redirect(request: HttpRequest) -> HttpResponse | None:
    """``None`` when the user proved who they are within DOZOR_REAUTH_SECONDS; otherwise the
    redirect to the re-authentication page, which comes back to this request's address.

    Call it after the access check, so a user without the right gets 404/403 and not this page::

        if (response := reauth_redirect(request)) is not None:
            return response
    """
    if recently_authenticated(request.session):
        return None
    return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': request.get_full_path()})}")
