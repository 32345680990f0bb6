"""Idle timeout and the second factor, enforced on every request (docs/decisions/0014-sign-in.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from dozor.accounts.signin import session as signin_session

# The last request is written to the session at most this often (each write is a database write).
SEEN_RESOLUTION_SECONDS = 60


def _login_redirect(request: HttpRequest) -> HttpResponse:
    query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
    return redirect(f"{reverse('accounts:login')}{'?' + query if query else ''}")


def _has_session_cookie(request: HttpRequest) -> bool:
    """Without a session cookie there is nothing to end or owe; not reading the session then keeps
    anonymous public pages free of ``Vary: Cookie`` (cacheable by a shared cache)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


class SessionTimeoutMiddleware:
    """Ends a signed-in session after DOZOR_IDLE_SECONDS without a request, or SESSION_COOKIE_AGE
    after the password was entered, whichever comes first. (Saving the session on activity would
    otherwise push Django's own expiry forward for ever.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _has_session_cookie(request):
            return self.get_response(request)
        session = request.session
        if SESSION_KEY not in session:
            return self.get_response(request)
        now = time.time()
        seen = session.get(signin_session.SEEN_AT)
        auth_at = session.get(signin_session.AUTH_AT)
        if not isinstance(seen, int | float) or not isinstance(auth_at, int | float):
            session[signin_session.SEEN_AT] = now  # a session from before these keys: starts now
            session.setdefault(signin_session.AUTH_AT, now)
            return self.get_response(request)
        idle = now - seen > settings.DOZOR_IDLE_SECONDS
        if idle or now - auth_at > settings.SESSION_COOKIE_AGE:
            logout(request)
            if idle:
                minutes = settings.DOZOR_IDLE_SECONDS // 60
                messages.info(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity.")
                    % {"minutes": minutes},
                )
            else:
                messages.info(request, _("Your session has ended: please sign in again."))
            if request.path.startswith("/api/"):
                return self.get_response(request)  # continues unauthenticated: 401/403 from the API
            return _login_redirect(request)
        if now - seen > SEEN_RESOLUTION_SECONDS:
            session[signin_session.SEEN_AT] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """While a session owes its second factor (``session.PENDING``), it may only verify it (or enrol
    one, for a role that must have one) and sign out; everything else is sent there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _has_session_cookie(request):
            return self.get_response(request)
        owed = signin_session.pending(request.session)
        if owed is None or not request.user.is_authenticated:
            return self.get_response(request)
        target = reverse("accounts:otp_verify" if owed == "verify" else "accounts:otp_enrol")
        allowed = {target, reverse("accounts:logout"), reverse("set_language")}
        if request.path in allowed or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Finish signing in with your second factor first.")}, status=403)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(f"{target}{'?' + query if query else ''}")
