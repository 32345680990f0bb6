"""Pages for a visit's evidence (see dozor/visits/evidence/urls.py).

Evidence is confidential: only coordinators and the visit's team see it (``dozor.visits.access``); files
are never served from MEDIA_URL, only through ``evidence_file`` below, which audits each download.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dozor.accounts.access import can, require
from dozor.accounts.http import AuthedRequest
from dozor.accounts.signin.reauth import reauth_redirect
from dozor.core.confirm import delete_confirmed
from dozor.core.files import file_response
from dozor.core.forms import submit_form
from dozor.visits.access import (
    can_record,
    confidential_visits_for,
    evidence_for_user,
    evidence_visible_to,
    visit_for_user,
)
from dozor.visits.evidence import services as services_evidence
from dozor.visits.evidence.forms import EvidenceForm
from dozor.visits.models import Visit

SECTION = "visits"
# Room for the form's other fields and the multipart envelope around the file.
REQUEST_OVERHEAD = 1024 * 1024


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def section_context(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    """What the visit page shows of the visit's evidence (template visits/_evidence.html): the list
    and the upload link for those who may read it, nothing at all (not even a count) for others."""
    if not confidential_visits_for(request.user).filter(pk=visit.pk).exists():
        return {"evidence_shown": False}
    items = (
        evidence_visible_to(request.user)
        .filter(visit=visit)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    )
    return {
        "evidence_shown": True,
        "evidence_items": list(items),
        "evidence_can_upload": can_record(request.user, visit),
    }


@login_required
@require_http_methods(["GET", "POST"])
def evidence_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = visit_for_user(request.user, pk, record=True)
    context = {"visit": visit, "section": SECTION}
    if request.method == "POST" and _content_length(request) > (
        settings.DOZOR_MAX_EVIDENCE_BYTES + REQUEST_OVERHEAD
    ):
        # Refused before Django parses the body (and spools the file to a temporary file).
        context |= {"form": EvidenceForm(), "refusal": services_evidence.too_large_message()}
        return render(request, "visits/evidence_form.html", context, status=413)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        evidence = submit_form(
            form,
            lambda: services_evidence.evidence_upload(
                actor=request.user,
                visit=visit,
                uploaded_file=form.cleaned_data["uploaded_file"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                keep_metadata=form.cleaned_data["keep_metadata"],
            ),
        )
        if evidence is not None:
            messages.success(request, _("The file was added to the visit's evidence."))
            return redirect("visits:evidence_detail", pk=evidence.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "visits/evidence_form.html",
        {"form": form, "visit": visit, "section": SECTION},
        status=status,
    )


@login_required
def evidence_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    evidence = evidence_for_user(request.user, pk)
    services_evidence.evidence_record_download(
        actor=request.user,
        evidence=evidence,
        ip_address=request.META.get("REMOTE_ADDR"),
        via="page",
    )
    return render(
        request,
        "visits/evidence_detail.html",
        {
            "evidence": evidence,
            "visit": evidence.visit,
            "uploader": evidence.uploaded_by,
            "can_delete": can(request.user, "visits.manage"),
            "section": SECTION,
        },
    )


@login_required
def evidence_file(request: AuthedRequest, pk: int) -> HttpResponseBase:
    evidence = evidence_for_user(request.user, pk)
    if (response := reauth_redirect(request)) is not None:
        return response  # confidential files leave Dozor: the password (and code) again (docs/decisions/0014)
    try:
        content = services_evidence.evidence_content(evidence)  # opened here if sealed at rest
    except FileNotFoundError as exc:
        raise Http404 from exc
    services_evidence.evidence_record_download(
        actor=request.user,
        evidence=evidence,
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
    return file_response(io.BytesIO(content), evidence.original_name, evidence.content_type)


@login_required
@require_POST
def evidence_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    evidence = evidence_for_user(request.user, pk)
    user = require(request.user, "visits.manage")
    visit_id = evidence.visit_id
    if not delete_confirmed(request):
        return redirect(reverse("visits:evidence_detail", args=[evidence.pk]))
    services_evidence.evidence_delete(actor=user, evidence=evidence)
    messages.success(request, _("The file was removed from the visit's evidence."))
    return redirect(reverse("visits:detail", args=[visit_id]) + "#evidence")
