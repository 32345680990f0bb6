"""Reads of recommendations for pages and exports. Every query starts from
``dozor.recommendations.access`` so a user never reaches a row they may not see."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from dozor.accounts.access import AnyUser
from dozor.core.search import search_words
from dozor.recommendations.access import can_assess, recommendations_visible_to, responses_visible_to
from dozor.recommendations.models import Recommendation, Response, Status, StatusChange
from dozor.standards.models import Provision
from dozor.visits.models import Visit

# The status groups of the list's filter: whether the follow-up is closed (``Status.closed``).
OPEN = "open"
CLOSED = "closed"


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
    facility: int | None = None  # Facility.pk of the place
    status_group: str = ""  # "open" (follow-up not closed), "closed", or "" for both


def initial_status() -> Status:
    """The pack's status of a new recommendation (refused when no pack is loaded)."""
    status = Status.objects.filter(initial=True).first()
    if status is None:
        raise ValidationError(
            gettext("The country pack defines no initial recommendation status: load the pack.")
        )
    return status


def _latest_change() -> QuerySet[StatusChange]:
    return StatusChange.objects.filter(recommendation=OuterRef("pk")).order_by("-changed_on", "-id")


def recommendation_search(
    user: AnyUser, filters: RecommendationFilters, *, today: datetime.date | None = None
) -> QuerySet[Recommendation]:
    """The recommendations the user sees that match ``filters``, with what lists and exports show
    (status, theme, authority, place with its region and type, latest verification) in one query."""
    today = today or timezone.localdate()
    qs = recommendations_visible_to(user)
    if filters.q:
        # Each word in the text (any language) or in the place's names and code (the place's own
        # case-folded search text), so that a place found in the registry finds its recommendations.
        for word in search_words(filters.q, limit=8):
            qs = qs.filter(Q(search_text__contains=word) | Q(facility__search_text__contains=word))
    if filters.facility is not None:
        qs = qs.filter(facility_id=filters.facility)
    if filters.status_group == OPEN:
        qs = qs.filter(status__closed=False)
    elif filters.status_group == CLOSED:
        qs = qs.filter(status__closed=True)
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


def unanswered(user: AnyUser, recommendations: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """Of ``recommendations``, the open ones to which no response the user sees was submitted: for a
    liaison, its authority's recommendations still awaiting an answer (the portal's "unanswered")."""
    answered = responses_visible_to(user).filter(recommendation=OuterRef("pk"))
    return recommendations.filter(status__closed=False).exclude(Exists(answered))


def responses_to_assess(user: AnyUser) -> QuerySet[Response]:
    """Responses not yet assessed, oldest first, for those who assess them (coordinators)."""
    if not can_assess(user):
        return Response.objects.none()
    return (
        responses_visible_to(user)
        .filter(assessed_at__isnull=True)
        .select_related("recommendation__facility", "authority")
        .order_by("submitted_at", "id")
    )


def recommendations_for_export(user: AnyUser, filters: RecommendationFilters) -> QuerySet[Recommendation]:
    return (
        recommendation_search(user, filters)
        .select_related("report__visit__facility")
        .prefetch_related(Prefetch("provisions", queryset=Provision.objects.select_related("instrument")))
        .order_by("issued_on", "id")
    )


def recommendation_history(recommendation: Recommendation) -> QuerySet[StatusChange]:
    return recommendation.history.select_related("status", "author", "visit__facility", "response")


def recommendation_repeats(user: AnyUser, recommendation: Recommendation) -> QuerySet[Recommendation]:
    """The later recommendations the user sees that repeat this one."""
    return (
        recommendations_visible_to(user)
        .filter(repeat_of=recommendation)
        .select_related("status")
        .order_by("issued_on", "id")
    )


def repeat_chain(user: AnyUser, recommendation: Recommendation, *, limit: int = 20) -> list[Recommendation]:
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


def open_at_place(user: AnyUser, facility_id: int) -> QuerySet[Recommendation]:
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


def recommendation_responses(user: AnyUser, recommendation: Recommendation) -> QuerySet[Any]:
    return responses_visible_to(user).filter(recommendation=recommendation).select_related("authority")


# --- facts stored below (planning's risk score, the visit report's "Recommendations") -----------


def open_follow_up(facility_ids: Iterable[int]) -> dict[int, tuple[int, list[str]]]:
    """``{facility_id: (open, deadlines)}`` for every place asked about: the recommendations whose
    follow-up is not closed and their deadlines (ISO dates; "" for one without a deadline)."""
    ids = list(dict.fromkeys(facility_ids))
    result: dict[int, tuple[int, list[str]]] = {pk: (0, []) for pk in ids}
    rows = Recommendation.objects.filter(facility_id__in=ids, status__closed=False).values_list(
        "facility_id", "deadline"
    )
    for facility_id, deadline in rows:
        count, deadlines = result[facility_id]
        deadlines.append(deadline.isoformat() if deadline else "")
        result[facility_id] = (count + 1, deadlines)
    return result


def issued_from_reports(report_ids: Iterable[int]) -> dict[int, list[dict[str, str]]]:
    """``{report_id: [item, ...]}``: the recommendations issued from each report, in issuing order,
    each with its text and its addressee · priority · term · deadline line in every language."""
    ids = list(dict.fromkeys(report_ids))
    result: dict[int, list[dict[str, str]]] = {pk: [] for pk in ids}
    recs = Recommendation.objects.filter(report_id__in=ids).select_related("authority").order_by("id")
    for rec in recs:
        item = {f"text_{code}": getattr(rec, f"text_{code}") for code, _name in settings.LANGUAGES}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                parts = [str(rec.get_addressee_display())]
                if rec.authority is not None:
                    parts[0] = f"{parts[0]}: {rec.authority.name}"
                parts += [str(rec.get_priority_display()), str(rec.get_term_display())]
                if rec.deadline:
                    parts.append(gettext("due %(date)s") % {"date": f"{rec.deadline:%d.%m.%Y}"})
                item[f"meta_{code}"] = " · ".join(parts)
        assert rec.report_id is not None
        result[rec.report_id].append(item)
    return result
