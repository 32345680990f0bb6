from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from dozor.accounts.access import active_user, require
from dozor.accounts.audit_display import event_rows
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import AuditEvent
from dozor.accounts.selectors import audit_search
from dozor.accounts.services import token_regenerate


@login_required
@require_http_methods(["GET", "POST"])
def token(request: AuthedRequest) -> HttpResponse:
    user = active_user(request.user)
    if user is None:
        return redirect("accounts:login")
    new_key = None
    if request.method == "POST":
        new_key = token_regenerate(user=user).key
    has_token = Token.objects.filter(user=user).exists()
    return render(request, "accounts/token.html", {"new_key": new_key, "has_token": has_token})


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
