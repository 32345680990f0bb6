"""Pages for device credentials: "Connect ODK Collect" on one's own account (add a device, see its
password and settings QR code once, list and revoke devices), and revoking a device from the
account page a coordinator manages."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dozor.accounts.access import can
from dozor.accounts.devices import services
from dozor.accounts.devices.selectors import device_for_user, devices_of
from dozor.accounts.http import AuthedRequest


def qr_svg(payload: str) -> str:
    """The QR code as inline SVG (segno's own markup of our own payload: safe to insert)."""
    code = segno.make(payload, error="m")
    return mark_safe(code.svg_inline(scale=5, border=4, title=_("ODK Collect settings")))


@login_required
@require_http_methods(["GET", "POST"])
def devices(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, "visits.record"):
        raise PermissionDenied
    new = None
    qr = ""
    label = ""
    if request.method == "POST":
        label = request.POST.get("label", "")[:200]
        try:
            new = services.device_add(actor=request.user, user=request.user, label=label)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            qr = qr_svg(services.collect_settings(new))
            label = ""
    return render(
        request,
        "accounts/devices/devices.html",
        {
            "new": new,
            "qr": qr,
            "label": label,
            "devices": devices_of(viewer=request.user, user=request.user),
            "server_url": services.openrosa_server_url(),
            "section": "security",
        },
    )


@login_required
@require_POST
def device_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    device = device_for_user(request.user, pk)
    if services.device_revoke(actor=request.user, device=device):
        messages.success(
            request, _("The device was revoked: it can no longer fetch forms nor send checklists.")
        )
    else:
        messages.info(request, _("The device was already revoked."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("accounts:devices")
