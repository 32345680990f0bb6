from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from dozor.accounts.access import require
from dozor.accounts.audit_display import event_rows
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import AuditEvent
from dozor.accounts.selectors import audit_search


@login_required
def audit_log(request: AuthedRequest) -> HttpResponse:
    require(request.user, "audit.view")
    action = request.GET.get("action", "")
    if action not in AuditEvent.Action.values:
        action = ""
    events = audit_search(request.user, action=action, object_type=request.GET.get("object_type", "")[:60])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit.html",
        {
            "page": page,
            "rows": event_rows(list(page)),
            "actions": AuditEvent.Action.choices,
            "action": action,
            "section": "audit",
        },
    )
