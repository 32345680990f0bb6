"""Roles, capabilities and the base access helpers every app's ``access.py`` builds on.

The role x object matrix lives in docs/permissions.md; this module is its executable form.
Helpers raise Http404 when the object must stay invisible (another authority's facility)
and PermissionDenied when the user may see it but not do the action.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import Authority, PopulationCategory, Region, VisitType

AnyUser = User | AnonymousUser

ALL_STAFF = frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.LIAISON, Role.TRAINER})

# capability -> roles that hold it (object-level scoping is applied by the app's access helpers)
CAPABILITIES: dict[str, frozenset[str]] = {
    "reference.view": ALL_STAFF,
    "facilities.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.LIAISON}),
    "facilities.edit": frozenset({Role.COORDINATOR}),
    "facilities.export": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.LIAISON}),
    "facilities.import": frozenset({Role.COORDINATOR}),
    "people.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.TRAINER}),
    "people.view_private": frozenset({Role.COORDINATOR}),
    "people.edit": frozenset({Role.COORDINATOR}),
    "audit.view": frozenset({Role.COORDINATOR}),
    "standards.view": ALL_STAFF,
    "methodology.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.TRAINER}),
    "methodology.edit": frozenset({Role.COORDINATOR}),
    "visits.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR}),
    "visits.manage": frozenset({Role.COORDINATOR}),
    "training.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR, Role.TRAINER}),
    "training.manage": frozenset({Role.COORDINATOR, Role.TRAINER}),
    # planning: liaisons and trainers never; unannounced visits are further limited to coordinators
    # and the visit's own group (planning/access.py)
    "planning.view": frozenset({Role.COORDINATOR, Role.COUNCIL, Role.MONITOR}),
    "planning.manage": frozenset({Role.COORDINATOR}),
}


def active_user(user: Any) -> User | None:
    """The signed-in, active user with a role, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user if isinstance(user, User) else None


def can(user: Any, capability: str) -> bool:
    staff = active_user(user)
    if staff is None:
        return False
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if staff.role == Role.LIAISON and staff.authority_id is None:
        return False  # a liaison without an authority is not yet configured: sees nothing
    return staff.role in CAPABILITIES[capability]


def require(user: Any, capability: str) -> User:
    """Return the user if they hold ``capability``; otherwise PermissionDenied."""
    if not can(user, capability):
        raise PermissionDenied
    staff = active_user(user)
    assert staff is not None
    return staff


def regions_visible_to(user: Any) -> QuerySet[Region]:
    return Region.objects.all() if can(user, "reference.view") else Region.objects.none()


def authorities_visible_to(user: Any) -> QuerySet[Authority]:
    """All authorities for NPM roles; a liaison sees only its own authority and what sits under it."""
    if not can(user, "reference.view"):
        return Authority.objects.none()
    staff = active_user(user)
    assert staff is not None
    if staff.role == Role.LIAISON:
        assert staff.authority is not None
        return Authority.objects.filter(path__startswith=staff.authority.path)
    return Authority.objects.all()


def visit_types_visible_to(user: Any) -> QuerySet[VisitType]:
    return VisitType.objects.all() if can(user, "reference.view") else VisitType.objects.none()


def population_categories_visible_to(user: Any) -> QuerySet[PopulationCategory]:
    return (
        PopulationCategory.objects.all() if can(user, "reference.view") else PopulationCategory.objects.none()
    )


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.all() if can(user, "audit.view") else AuditEvent.objects.none()
