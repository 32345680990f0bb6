"""Delivery of the urgent alerts (possible ill-treatment) from the outbox: see services.py."""

from __future__ import annotations

from django_tasks import task

from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notifications_deliver
from dozor.visits.findings.services import finding_urgent_notified


@task(priority=10)  # before anything else waiting: an alert is about someone at risk now
def urgent_alerts_deliver() -> dict[str, int]:
    """Send every due urgent alert; each accepted one marks its coordinator notified."""
    return notifications_deliver(
        kind=Notification.Kind.URGENT_FINDING, on_accepted=finding_urgent_notified
    ).as_dict()
