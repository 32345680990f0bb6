"""Keep the facts stored below (a place's open recommendations, a report's list of recommendations
issued from it) true whatever writes a recommendation: services, the demo, bulk generators,
factories in tests. Only stored, derived figures are written here; the rules stay in services."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from dozor.recommendations.models import Recommendation


def _remember(sender: type[Recommendation], instance: Recommendation, **kwargs: Any) -> None:
    """A recommendation moved to another place or report leaves the old one's facts to refresh."""
    before: tuple[int | None, int | None] | None = None
    if instance.pk is not None and not kwargs.get("raw"):
        before = Recommendation.objects.filter(pk=instance.pk).values_list("facility_id", "report_id").first()
    instance._facts_before = before  # type: ignore[attr-defined]


def _refresh(sender: type[Recommendation], instance: Recommendation, **kwargs: Any) -> None:
    from dozor.recommendations.services import recommendation_facts_refresh

    if kwargs.get("raw"):
        return
    facilities, reports = [instance.facility_id], [instance.report_id]
    before = getattr(instance, "_facts_before", None)
    if before is not None:
        facilities.append(before[0])
        reports.append(before[1])
    recommendation_facts_refresh(
        facility_ids=[pk for pk in facilities if pk is not None],
        report_ids=[pk for pk in reports if pk is not None],
    )


def connect() -> None:
    pre_save.connect(_remember, sender=Recommendation, dispatch_uid="recommendations.facts.pre_save")
    post_save.connect(_refresh, sender=Recommendation, dispatch_uid="recommendations.facts.post_save")
    post_delete.connect(_refresh, sender=Recommendation, dispatch_uid="recommendations.facts.post_delete")
