"""The visit report as a PDF or DOCX download (see dozor/visits/reports/document_urls.py).

Whoever sees the visit sees its report (``dozor.visits.access.report_for_user``: 404 otherwise). The
document is the internal version, with the confidential banner; the annex listing the evidence
only for those who may read evidence (not council members); every download is audited.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dozor.accounts.http import AuthedRequest
from dozor.accounts.signin.reauth import reauth_redirect
from dozor.core.files import file_response
from dozor.visits.access import confidential_visits_for, report_for_user
from dozor.visits.reports import documents
from dozor.visits.reports.content import LANGUAGES


@login_required
@require_GET
def report_document(request: AuthedRequest, pk: int) -> HttpResponse:
    report = report_for_user(request.user, pk)
    fmt = request.GET.get("format", "pdf")
    lang = request.GET.get("lang") or get_language() or "ru"
    if fmt not in documents.FORMATS:
        return HttpResponseBadRequest(_("Unknown document format: choose PDF or DOCX."))
    if lang not in LANGUAGES:
        return HttpResponseBadRequest(_("Unknown language: choose kk, ru or en."))
    if (response := reauth_redirect(request)) is not None:
        return (
            response  # the internal version leaves Dozor: the password (and code) again (docs/decisions/0014)
        )
    data = documents.report_export(
        actor=request.user,
        report=report,
        fmt=fmt,
        lang=lang,
        internal=True,  # the public version comes from the publication workflow (publishing issue)
        # council members read reports but never the list of evidence (confidential annex)
        evidence=confidential_visits_for(request.user).filter(pk=report.visit_id).exists(),
        via="web",
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
    return file_response(data, documents.filename(report, fmt, lang), documents.CONTENT_TYPES[fmt])
