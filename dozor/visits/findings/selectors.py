"""Reads about findings: who may read a sensitive finding's description, and a finding's urgent
alerts (the outbox rows about it, dozor.core.outbox)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.utils.translation import gettext as _

from dozor.accounts.access import AnyUser
from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notifications_about
from dozor.visits.access import confidential_visits_for
from dozor.visits.models import Finding

F = TypeVar("F", bound=Finding)

# --- sensitive findings ----------------------------------------------------------------------------
# A finding marked ``sensitive`` keeps its title, theme, severity and links visible to whoever sees
# the visit, but its description is read only by those who read the visit's confidential material
# (its team and the coordinators: ``confidential_visits_for``). Council members and anyone else get
# the finding without it, marked ``details_withheld`` (docs/decisions/0022).


def withheld_text() -> str:
    return _("Details withheld: sensitive")


def can_read_sensitive(user: AnyUser, finding: Finding) -> bool:
    return confidential_visits_for(user).filter(pk=finding.visit_id).exists()


def withhold_sensitive(user: AnyUser, findings: Iterable[F]) -> list[F]:
    """The findings as ``user`` may read them: a sensitive finding whose visit's confidential
    material the user may not read has its description emptied *in memory* and
    ``details_withheld`` set (these objects must not be saved; services re-read what they change).
    Every other finding gets ``details_withheld = False``. One query, whatever the number."""
    items = list(findings)
    hidden = [f for f in items if f.sensitive]
    readable: set[int] = set()
    if hidden:
        visit_ids = {f.visit_id for f in hidden}
        readable = set(confidential_visits_for(user).filter(pk__in=visit_ids).values_list("pk", flat=True))
    for finding in items:
        withheld = finding.sensitive and finding.visit_id not in readable
        finding.details_withheld = withheld  # type: ignore[attr-defined]
        if withheld:
            finding.description = ""
    return items


def urgent_alert_queued(finding: Finding) -> bool:
    """Whether the urgent procedure was started: alerts queued (sent or not) or already notified."""
    return finding.urgent_notified_at is not None or notifications_about(finding).exists()


def urgent_alerts_waiting(finding: Finding) -> int:
    """How many of the finding's urgent alerts the mail server has not accepted yet."""
    if not finding.possible_ill_treatment:
        return 0
    return notifications_about(finding).exclude(status=Notification.Status.SENT).count()
