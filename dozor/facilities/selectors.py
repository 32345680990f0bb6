"""Reads of the registry. Every function starts from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet

from dozor.accounts.access import AnyUser
from dozor.core.models import Authority
from dozor.core.search import search_words
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility, Occupancy


@dataclass(frozen=True)
class FacilityFilters:
    q: str = ""
    region: str = ""  # region code
    authority: str = ""  # authority code; includes the authority's subtree
    type: str = ""  # facility type code
    status: str = ""
    overcrowded: bool = False


def facility_search(user: AnyUser, filters: FacilityFilters) -> QuerySet[Facility]:
    qs = facilities_visible_to(user).select_related("type", "authority", "region")
    if filters.q.strip():
        for word in search_words(filters.q):
            qs = qs.filter(search_text__contains=word)
    if filters.region:
        qs = qs.filter(region__code=filters.region)
    if filters.authority:
        authority = Authority.objects.filter(code=filters.authority).only("path").first()
        qs = qs.filter(authority__path__startswith=authority.path) if authority else qs.none()
    if filters.type:
        qs = qs.filter(type__code=filters.type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overcrowded:
        qs = qs.filter(capacity__isnull=False, population__gt=F("capacity"))
    return qs.order_by("region__sort_order", "name_ru", "code")


def facility_detail(user: AnyUser, pk: int) -> Facility:
    from dozor.facilities.access import facility_for_user

    return facility_for_user(user, pk)


def facility_occupancy_history(facility: Facility) -> list[Occupancy]:
    return list(facility.occupancy.select_related("recorded_by").order_by("date", "id"))


def facilities_for_export(user: AnyUser, filters: FacilityFilters) -> QuerySet[Facility]:
    return facility_search(user, filters).prefetch_related("population_categories")


def facilities_for_map(user: AnyUser, filters: FacilityFilters) -> QuerySet[Facility]:
    return (
        facility_search(user, filters)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .prefetch_related(Prefetch("population_categories"))
    )


def facility_counts(user: AnyUser) -> dict[str, int]:
    qs = facilities_visible_to(user)
    return {
        "total": qs.count(),
        "active": qs.filter(status=Facility.Status.ACTIVE).count(),
        "overcrowded": qs.filter(
            Q(capacity__isnull=False) & Q(population__gt=F("capacity")), status=Facility.Status.ACTIVE
        ).count(),
    }
