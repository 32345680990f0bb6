"""The coordinators' view of the outbox: e-mails the mail server keeps refusing, and "Retry".

Composed here, above every app that queues e-mails, because retrying one means running the task
of the app that owns its kind (``DELIVERY``): the urgent alerts record "coordinator notified" when
accepted (visits), reminder digests record nothing more (core). The worker's sweep
(``dozor worker``) runs the same tasks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dozor.accounts.access import AnyUser, require
from dozor.accounts.audit import audit_record
from dozor.accounts.http import AuthedRequest
from dozor.accounts.models import AuditEvent
from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notification_retry_now, notifications_failing
from dozor.core.outbox.tasks import outbox_deliver
from dozor.visits.findings.tasks import urgent_alerts_deliver

SECTION = "outbox"


def deliver_enqueue(kind: str) -> None:
    """Queue the delivery task of the app that owns ``kind``."""
    if kind == Notification.Kind.URGENT_FINDING:
        urgent_alerts_deliver.enqueue()
    else:
        outbox_deliver.enqueue(kind)


def deliver_all_enqueue() -> None:
    """Queue one delivery run for every kind (the worker's sweep)."""
    for kind in Notification.Kind.values:
        deliver_enqueue(kind)


def failing_visible_to(user: AnyUser) -> QuerySet[Notification]:
    """The failing notifications for a holder of ``notifications.manage``; PermissionDenied otherwise."""
    require(user, "notifications.manage")
    return notifications_failing().order_by("-attempts", "created_at", "pk")


@login_required
@require_GET
def outbox_failing(request: AuthedRequest) -> HttpResponse:
    rows = list(failing_visible_to(request.user))
    context: dict[str, Any] = {"rows": rows, "section": SECTION}
    return render(request, "web/outbox.html", context)


@login_required
@require_POST
def outbox_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = failing_visible_to(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    if notification_retry_now(notification=notification):
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.UPDATE,
            obj=notification,
            changes={"retry": True, "attempts": notification.attempts},
        )
        deliver_enqueue(notification.kind)
    notification.refresh_from_db()
    if notification.status == Notification.Status.SENT:
        messages.success(request, _("The e-mail was accepted by the mail server."))
    else:
        messages.info(request, _("The e-mail will be sent again in a moment."))
    return redirect("web:outbox")
