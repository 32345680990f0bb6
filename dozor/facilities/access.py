"""Who may see and change which places. Every view, API endpoint, export and count uses these."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser, active_user, can, scoped_to_authority
from dozor.facilities.models import Facility, FacilityType, Occupancy


def facilities_visible_to(user: AnyUser) -> QuerySet[Facility]:
    """Places the user may see: all of them for NPM roles, only their authority's subtree for a liaison."""
    if not can(user, "facilities.view"):
        return Facility.objects.none()
    staff = active_user(user)
    assert staff is not None
    if scoped_to_authority(staff):
        assert staff.authority is not None
        return Facility.objects.filter(authority__path__startswith=staff.authority.path)
    if staff.region_id is not None:
        # A regional scope (e.g. a monitor of one regional group) narrows the registry to that region.
        return Facility.objects.filter(region_id=staff.region_id)
    return Facility.objects.all()


def facility_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> Facility:
    """Fetch and authorise one place: 404 if invisible to the user, 403 if visible but read-only."""
    try:
        facility = facilities_visible_to(user).select_related("type", "authority", "region").get(pk=pk)
    except (Facility.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not can(user, "facilities.edit"):
        raise PermissionDenied
    return facility


def occupancy_visible_to(user: AnyUser) -> QuerySet[Occupancy]:
    return Occupancy.objects.filter(facility__in=facilities_visible_to(user))


def facility_types_visible_to(user: AnyUser) -> QuerySet[FacilityType]:
    if not can(user, "reference.view"):
        return FacilityType.objects.none()
    return FacilityType.objects.all()


def require_facility_edit(user: AnyUser) -> None:
    if not can(user, "facilities.edit"):
        raise PermissionDenied
