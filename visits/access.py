"""Who sees which visit. Coordinators and council members see every visit; a monitor sees the
visits whose team they are on; liaisons and trainers see none (design.md roles)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.access import active_user, can
from accounts.models import Role
from visits.models import Submission, Visit


def visits_visible_to(user: Any) -> QuerySet[Visit]:
    if not can(user, "visits.view"):
        return Visit.objects.none()
    staff = active_user(user)
    assert staff is not None
    if staff.role == Role.MONITOR:
        return Visit.objects.filter(team__user=staff).distinct()
    return Visit.objects.all()


def can_record(user: Any, visit: Visit) -> bool:
    """Coordinators, and monitors on the visit's team, record checklist answers."""
    staff = active_user(user)
    if staff is None:
        return False
    if can(staff, "visits.manage"):
        return True
    return staff.role == Role.MONITOR and visit.team.filter(user=staff).exists()


def visit_for_user(user: Any, pk: int | str, *, record: bool = False) -> Visit:
    try:
        visit = (
            visits_visible_to(user)
            .select_related("facility", "visit_type", "template_version__template")
            .get(pk=pk)
        )
    except (Visit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if record and not can_record(user, visit):
        raise PermissionDenied
    return visit


def submissions_visible_to(user: Any) -> QuerySet[Submission]:
    return Submission.objects.filter(visit__in=visits_visible_to(user))
