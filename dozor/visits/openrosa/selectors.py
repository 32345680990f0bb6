"""Which visits a device is offered as forms.

A device lists the open visits (planned or in progress, with a checklist version) whose team its
user is on, unannounced ones included: they are the user's own group's. Coordinators, who may
record any visit, are offered only their own team's visits too, so that their phone does not fill
with every visit of the NPM; a coordinator's device may still send a checklist for any visit
(``can_record``), as the file import allows (docs/decisions/0026-openrosa-server.md).
"""

from __future__ import annotations

from django.db.models import QuerySet

from dozor.accounts.models import User
from dozor.visits.access import can_record, visits_visible_to
from dozor.visits.models import Visit

OPEN = (Visit.Status.PLANNED, Visit.Status.IN_PROGRESS)


def visits_for_device(user: User) -> list[Visit]:
    """The visits offered to ``user``'s devices, each one they may record, nearest first."""
    candidates: QuerySet[Visit] = (
        visits_visible_to(user)
        .filter(team__user=user, status__in=OPEN, template_version__isnull=False)
        .select_related("facility", "template_version__template")
        .distinct()
        .order_by("started_on", "pk")
    )
    return [visit for visit in candidates if can_record(user, visit)]


def visit_for_device(user: User, pk: int) -> Visit | None:
    """A visit whose form the device may download: one it is offered."""
    return next((visit for visit in visits_for_device(user) if visit.pk == pk), None)
