"""Recommendations store what the apps below them read (planning's risk score, the visit report's
"Recommendations" section) on the place and the report, so that no lower app calls up into this
one at run time (docs/architecture.md)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from dozor.accounts.models import User
from dozor.facilities.models import Facility
from dozor.planning.risk.scores import score_facilities
from dozor.recommendations.models import Recommendation, Status, StatusChange
from dozor.recommendations.services import RecommendationData, recommendation_update, status_change
from dozor.recommendations.tests.factories import kuis_place, recommendation, report_for
from dozor.visits.models import Report
from dozor.visits.reports.content import build

pytestmark = pytest.mark.django_db


def _facts(place: Facility) -> tuple[int, list[str]]:
    place.refresh_from_db()
    return place.open_recommendations, place.open_recommendation_deadlines


def test_it_keeps_the_places_open_recommendations(coordinator: User) -> None:
    place, other = kuis_place(), kuis_place()
    first = recommendation(coordinator, facility=place, deadline=datetime.date(2026, 1, 10))
    recommendation(coordinator, facility=place)
    assert _facts(place) == (2, ["", "2026-01-10"])
    # an assessment that closes the follow-up takes it out
    status_change(
        actor=coordinator,
        recommendation=first,
        status=Status.objects.get(code="implemented"),
        changed_on=datetime.date(2026, 2, 1),
        verification=StatusChange.Verification.DOCUMENTS,
        evidence="seen on site",
    )
    assert _facts(place) == (1, [""])
    # moved to another place: both are kept true
    second = Recommendation.objects.exclude(pk=first.pk).get(facility=place)
    second.facility = other
    second.save()
    assert _facts(place) == (0, [])
    assert _facts(other) == (1, [""])
    second.delete()
    assert _facts(other) == (0, [])


def test_the_risk_score_reads_them(coordinator: User) -> None:
    place = kuis_place()
    recommendation(coordinator, facility=place, deadline=datetime.date(2026, 1, 10))
    part = score_facilities([place.pk], on=datetime.date(2026, 6, 1))[place.pk].part("recommendations")
    assert part.value_text == "1 open recommendation, 1 of them overdue"


def test_it_keeps_the_reports_list_in_every_language(coordinator: User) -> None:
    place = kuis_place()
    report = report_for(coordinator, place)
    rec = recommendation(coordinator, report, facility=place, text="Repair the heating.")
    Recommendation.objects.filter(pk=rec.pk).update(text_ru="Отремонтировать отопление.")
    rec.refresh_from_db()
    recommendation_update(
        actor=coordinator,
        recommendation=rec,
        data=RecommendationData(
            theme=rec.theme,
            addressee=rec.addressee,
            issued_on=rec.issued_on,
            text_en="Repair the heating in block 2.",
            text_ru="Отремонтировать отопление.",
            report=report,
            facility=place,
        ),
    )
    report = Report.objects.get(pk=report.pk)
    assert [item["text_en"] for item in report.issued_recommendations] == ["Repair the heating in block 2."]
    with translation.override("ru"):
        content = build(report, lang="ru")
    assert [r["text"] for r in content.recommendations] == ["Отремонтировать отопление."]
    with translation.override("ru"):
        assert content.recommendations[0]["meta"].startswith(str(Recommendation.Addressee.FACILITY.label))
    rec.delete()
    assert Report.objects.get(pk=report.pk).issued_recommendations == []
