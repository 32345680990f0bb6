"""Dozor as an OpenRosa server: what ODK Collect and KoboCollect ask of a server.

- ``GET formList``: the OpenRosa Form List API (``xformsList``), one form per visit the device's
  user may record (``selectors.visits_for_device``);
- ``GET forms/<formID>.xml``: the XForm; ``GET forms/<formID>/manifest``: its media (none today);
- ``HEAD submission``: 204 with the size the server accepts; ``POST submission``: the OpenRosa
  Form Submission API (multipart, ``xml_submission_file`` and the attachments), 201 when recorded,
  202 for a duplicate, 400/401/403/404/409/413 with an OpenRosaResponse message.

Every answer carries ``X-OpenRosa-Version: 1.0``; every request is authenticated with a device
credential (HTTP Basic, ``dozor.accounts.devices.http``). These views alone are CSRF-exempt: they
are called by devices with credentials, never by a browser session.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from dozor.accounts.devices.http import (
    device_required,
    openrosa_headers,
    openrosa_message,
    openrosa_xml,
)
from dozor.accounts.devices.models import Device
from dozor.visits.openrosa.selectors import visit_for_device, visits_for_device
from dozor.visits.openrosa.services import OpenRosaError, openrosa_submit
from dozor.visits.openrosa.xforms import ServedForm, served_form, visit_pk_from_form_id

FORMLIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
XML_PART = "xml_submission_file"


def accept_content_length() -> int:
    """The largest POST accepted: the XML and one photo; Collect splits larger submissions."""
    return int(settings.DOZOR_MAX_IMPORT_BYTES + settings.DOZOR_MAX_EVIDENCE_BYTES)


def _submission_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("openrosa:submission"))


def _language(device: Device) -> str:
    return device.user.preferred_language or translation.get_language() or settings.LANGUAGE_CODE


def _form_or_none(request: HttpRequest, device: Device, form_id: str) -> ServedForm | None:
    pk = visit_pk_from_form_id(form_id)
    visit = visit_for_device(device.user, pk) if pk is not None else None
    return served_form(visit, _submission_url(request)) if visit is not None else None


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
@device_required
def form_list(request: HttpRequest, device: Device) -> HttpResponse:
    wanted = request.GET.get("formID", "").strip()
    items = []
    for visit in visits_for_device(device.user):
        form = served_form(visit, _submission_url(request))
        if wanted and form.form_id != wanted:
            continue
        download = request.build_absolute_uri(reverse("openrosa:form_download", args=[form.form_id]))
        items.append(
            "<xform>"
            f"<formID>{escape(form.form_id)}</formID>"
            f"<name>{escape(form.title)}</name>"
            f"<version>{escape(form.version)}</version>"
            f"<hash>{form.md5}</hash>"
            f"<downloadUrl>{escape(download)}</downloadUrl>"
            "</xform>"
        )
    return openrosa_xml(f'<xforms xmlns="{FORMLIST_NS}">{"".join(items)}</xforms>')


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
@device_required
def form_download(request: HttpRequest, device: Device, form_id: str) -> HttpResponse:
    form = _form_or_none(request, device, form_id)
    if form is None:
        with translation.override(_language(device)):
            return openrosa_message(_("There is no such form for this device."), status=404)
    response = HttpResponse(form.xml, content_type="text/xml; charset=utf-8")
    return openrosa_headers(response)


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
@device_required
def form_manifest(request: HttpRequest, device: Device, form_id: str) -> HttpResponse:
    """The form's media files: Dozor's checklists have none, so the manifest is empty."""
    form = _form_or_none(request, device, form_id)
    if form is None:
        with translation.override(_language(device)):
            return openrosa_message(_("There is no such form for this device."), status=404)
    return openrosa_xml(f'<manifest xmlns="{MANIFEST_NS}"></manifest>')


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@device_required
def submission(request: HttpRequest, device: Device) -> HttpResponse:
    with translation.override(_language(device)):
        if request.method != "POST":
            response = HttpResponse(status=204)
            response["X-OpenRosa-Accept-Content-Length"] = str(accept_content_length())
            return openrosa_headers(response)
        return _receive(request, device)


def _receive(request: HttpRequest, device: Device) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > accept_content_length():
        return openrosa_message(_("The submission is larger than the server accepts."), status=413)
    if not (request.content_type or "").startswith("multipart/"):
        return openrosa_message(_("Send the submission as multipart/form-data."), status=400)
    part = request.FILES.get(XML_PART)
    if part is None:
        return openrosa_message(_("The request has no xml_submission_file."), status=400)
    xml = part.read()
    attachments = {
        uploaded.name: uploaded.read()
        for name, parts in request.FILES.lists()
        if name != XML_PART
        for uploaded in parts
        if uploaded.name
    }
    try:
        result = openrosa_submit(actor=device.user, xml=xml, attachments=attachments)
    except OpenRosaError as exc:
        return openrosa_message(exc.message, status=exc.status)
    if result.duplicate:
        return openrosa_message(_("This submission was already received."), status=202)
    return openrosa_message(_("The checklist was received."), status=201)
