"""Reads of recommendations for pages and exports. Every query starts from
``dozor.recommendations.access`` so a user never reaches a row they may not see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from dozor.recommendations.access import recommendations_visible_to, responses_visible_to
from dozor.recommendations.models import Recommendation, StatusChange
from dozor.standards.models import Provision
from dozor.visits.models import Visit


@dataclass(frozen=True)
class RecommendationFilters:
    q: str = ""
    status: str = ""  # Status.code
    authority: str = ""  # Authority.code; its subtree is included
    region: str = ""  # Region.code of the place
    facility_type: str = ""  # FacilityType.code of the place
    theme: str = ""  # Theme.code
    year: int | None = None  # year of issue
    source: str = ""
    overdue: bool = False
    repeated: bool = False  # only recommendations that repeat an earlier one


def _latest_change() -> QuerySet[StatusChange]:
    return StatusChange.objects.filter(recommendation=OuterRef("pk")).order_by("-changed_on", "-id")


def recommendation_search(
    user: Any, filters: RecommendationFilters, *, today: datetime.date | None = None
) -> QuerySet[Recommendation]:
    """The recommendations the user sees that match ``filters``, with what lists and exports show
    (status, theme, authority, place with its region and type, latest verification) in one query."""
    today = today or timezone.localdate()
    qs = recommendations_visible_to(user)
    if filters.q:
        for word in filters.q.casefold().split()[:8]:
            qs = qs.filter(search_text__contains=word)
    if filters.status:
        qs = qs.filter(status__code=filters.status)
    if filters.authority:
        qs = qs.filter(
            Q(authority__code=filters.authority) | Q(authority__path__contains=f"/{filters.authority}/")
        )
    if filters.region:
        qs = qs.filter(facility__region__code=filters.region)
    if filters.facility_type:
        qs = qs.filter(facility__type__code=filters.facility_type)
    if filters.theme:
        qs = qs.filter(theme__code=filters.theme)
    if filters.year:
        qs = qs.filter(issued_on__year=filters.year)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.overdue:
        qs = qs.filter(deadline__lt=today, status__closed=False)
    if filters.repeated:
        qs = qs.filter(repeat_of__isnull=False)
    return qs.select_related(
        "status", "theme", "authority", "facility__region", "facility__type", "repeat_of"
    ).annotate(
        last_verification=Subquery(_latest_change().values("verification")[:1]),
    )


def recommendations_for_export(user: Any, filters: RecommendationFilters) -> QuerySet[Recommendation]:
    return (
        recommendation_search(user, filters)
        .select_related("report__visit__facility")
        .prefetch_related(Prefetch("provisions", queryset=Provision.objects.select_related("instrument")))
        .order_by("issued_on", "id")
    )


def recommendation_history(recommendation: Recommendation) -> QuerySet[StatusChange]:
    return recommendation.history.select_related("status", "author", "visit__facility", "response")


def recommendation_repeats(user: Any, recommendation: Recommendation) -> QuerySet[Recommendation]:
    """The later recommendations the user sees that repeat this one."""
    return (
        recommendations_visible_to(user)
        .filter(repeat_of=recommendation)
        .select_related("status")
        .order_by("issued_on", "id")
    )


def repeat_chain(user: Any, recommendation: Recommendation, *, limit: int = 20) -> list[Recommendation]:
    """What this recommendation repeats, then what that one repeats, ... (only visible ones)."""
    chain: list[Recommendation] = []
    visible = recommendations_visible_to(user).select_related("status")
    current_id = recommendation.repeat_of_id
    seen = {recommendation.pk}
    while current_id is not None and current_id not in seen and len(chain) < limit:
        seen.add(current_id)
        earlier = visible.filter(pk=current_id).first()
        if earlier is None:
            break
        chain.append(earlier)
        current_id = earlier.repeat_of_id
    return chain


def open_at_place(user: Any, facility_id: int) -> QuerySet[Recommendation]:
    """The recommendations to a place whose follow-up is not closed: to verify on the next visit."""
    return (
        recommendations_visible_to(user)
        .filter(facility_id=facility_id, status__closed=False)
        .select_related("status", "theme")
        .order_by("deadline", "issued_on", "id")
    )


def follow_up_visits(recommendation: Recommendation, visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """Visits (among those the user sees) that can verify the recommendation: to its place, else
    to the places of its authority's subtree."""
    if recommendation.facility_id is not None:
        visits = visits.filter(facility_id=recommendation.facility_id)
    elif recommendation.authority is not None:
        visits = visits.filter(facility__authority__path__startswith=recommendation.authority.path)
    else:
        return visits.none()
    return visits.select_related("facility").order_by("-started_on", "-id")


def recommendation_responses(user: Any, recommendation: Recommendation) -> QuerySet[Any]:
    return responses_visible_to(user).filter(recommendation=recommendation).select_related("authority")
