"""HTTP for devices speaking OpenRosa (ODK Collect, KoboCollect): the ``X-OpenRosa-*`` headers,
the OpenRosaResponse message, and HTTP Basic authentication with a device credential.

Basic only (no Digest): ODK Collect sends Basic credentials when the server asks for them and
the connection is HTTPS, which production requires (docs/decisions/0026-openrosa-server.md).
Failed attempts count in django-axes exactly as failed sign-ins do, and a locked-out device name
is refused before its password is checked.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _

from dozor.accounts.devices.models import Device
from dozor.accounts.devices.services import device_authenticate

OPENROSA_VERSION = "1.0"
REALM = "Dozor"
RESPONSE_NS = "http://openrosa.org/http/response"


def openrosa_headers(response: HttpResponse) -> HttpResponse:
    """The headers every OpenRosa answer carries (OpenRosa Request, section "Headers")."""
    response["X-OpenRosa-Version"] = OPENROSA_VERSION
    response["Date"] = http_date(timezone.now().timestamp())
    response["Cache-Control"] = "private, no-store"
    return response


def openrosa_xml(body: str, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + body,
        status=status,
        content_type="text/xml; charset=utf-8",
    )
    return openrosa_headers(response)


def openrosa_message(message: str, *, status: int) -> HttpResponse:
    """An OpenRosaResponse with one message, which ODK Collect shows to the user."""
    return openrosa_xml(
        f'<OpenRosaResponse xmlns="{RESPONSE_NS}"><message nature="">{escape(message)}</message></OpenRosaResponse>',
        status=status,
    )


def unauthorized(message: str | None = None) -> HttpResponse:
    response = openrosa_message(message or _("Sign in with the device's user name and password."), status=401)
    response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def locked_out() -> HttpResponse:
    return openrosa_message(_("Too many failed sign-ins: try again later."), status=429)


def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        text = decoded.decode("latin-1")
    username, sep, password = text.partition(":")
    if not sep:
        return None
    return username[:150], password[:200]


def device_from_request(request: HttpRequest) -> Device | HttpResponse:
    """The authenticated device, or the answer to send: 401 with a Basic challenge, 429 locked out."""
    credentials = _basic_credentials(request)
    if credentials is None:
        return unauthorized()
    username, password = credentials
    axes_credentials = {"username": username}
    if AxesProxyHandler.is_locked(request, axes_credentials):
        return locked_out()
    device = device_authenticate(username=username, password=password)
    if device is None:
        # Counted by django-axes and written to the audit log, as a failed sign-in is.
        user_login_failed.send(sender=__name__, credentials=axes_credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return locked_out()
        return unauthorized()
    return device


def device_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Authenticate the device and pass it on: ``view(request, device, *args, **kwargs)``. The
    request's ``user`` becomes the device's user, for the access helpers below."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        found = device_from_request(request)
        if isinstance(found, HttpResponse):
            return found
        request.user = found.user
        return view(request, found, *args, **kwargs)

    return wrapper
