"""What recommendations tell lower layers, registered at start-up (lower apps never import this one):
open and overdue recommendations per place feed planning's risk score; the recommendations issued
from a visit report fill that report's "Recommendations" section (page, versions, PDF, DOCX)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _


def open_recommendation_counts(
    facility_ids: list[int], today: datetime.date
) -> Mapping[int, tuple[int, int]]:
    """``{facility_id: (open, overdue)}``: recommendations whose follow-up is not closed."""
    from dozor.recommendations.models import Recommendation

    rows = (
        Recommendation.objects.filter(facility_id__in=facility_ids, status__closed=False)
        .values("facility_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=today)))
    )
    return {row["facility_id"]: (row["open"], row["overdue"]) for row in rows}


def report_recommendations(report: Any) -> list[dict[str, str]]:
    """The recommendations issued from a visit report, for its "Recommendations" section, in the
    active language: text, and addressee · priority · term · deadline."""
    from dozor.recommendations.models import Recommendation

    items = []
    for rec in Recommendation.objects.filter(report=report).select_related("authority").order_by("id"):
        parts = [str(rec.get_addressee_display())]
        if rec.authority is not None:
            parts[0] = f"{parts[0]}: {rec.authority.name}"
        parts += [str(rec.get_priority_display()), str(rec.get_term_display())]
        if rec.deadline:
            parts.append(_("due %(date)s") % {"date": f"{rec.deadline:%d.%m.%Y}"})
        items.append({"text": rec.text, "meta": " · ".join(parts)})
    return items


def register() -> None:
    from dozor.planning.risk.scores import register_recommendation_source
    from dozor.visits.extensions import register_report_recommendations

    register_recommendation_source(open_recommendation_counts)
    register_report_recommendations(report_recommendations)
