"""The page django-axes shows when a user name is locked out from an address (AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    if request.path.startswith("/openrosa/"):
        from dozor.accounts.devices.http import locked_out

        return locked_out()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Too many failed sign-ins: try again later.")}, status=429)
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "accounts/lockout.html", context, status=429)
