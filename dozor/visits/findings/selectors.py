"""Reads about a finding's urgent alerts (the outbox rows about it, dozor.core.outbox)."""

from __future__ import annotations

from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notifications_about
from dozor.visits.models import Finding


def urgent_alert_queued(finding: Finding) -> bool:
    """Whether the urgent procedure was started: alerts queued (sent or not) or already notified."""
    return finding.urgent_notified_at is not None or notifications_about(finding).exists()


def urgent_alerts_waiting(finding: Finding) -> int:
    """How many of the finding's urgent alerts the mail server has not accepted yet."""
    if not finding.possible_ill_treatment:
        return 0
    return notifications_about(finding).exclude(status=Notification.Status.SENT).count()
