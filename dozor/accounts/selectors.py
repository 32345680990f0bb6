"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from dozor.accounts.access import AnyUser, audit_events_visible_to
from dozor.accounts.models import AuditEvent


def audit_search(
    user: AnyUser, *, action: str = "", object_type: str = "", actor: str = ""
) -> QuerySet[AuditEvent]:
    qs = audit_events_visible_to(user).select_related("actor")
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_label=actor)
    return qs.order_by("-at", "-id")
