"""What recommendations tell lower layers, registered at start-up (lower apps never import this one):
open and overdue recommendations per place feed planning's risk score."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db.models import Count, Q


def open_recommendation_counts(
    facility_ids: list[int], today: datetime.date
) -> Mapping[int, tuple[int, int]]:
    """``{facility_id: (open, overdue)}``: recommendations whose follow-up is not closed."""
    from recommendations.models import Recommendation

    rows = (
        Recommendation.objects.filter(facility_id__in=facility_ids, status__closed=False)
        .values("facility_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=today)))
    )
    return {row["facility_id"]: (row["open"], row["overdue"]) for row in rows}


def register() -> None:
    from planning.risk import register_recommendation_source

    register_recommendation_source(open_recommendation_counts)
