"""Issuing recommendations and assessing their status (recommendations.services)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from recommendations.access import recommendations_visible_to
from recommendations.models import Recommendation, Status, StatusChange
from recommendations.services import status_change
from recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from visits.models import Report

pytestmark = pytest.mark.django_db


def test_a_new_recommendation_starts_without_response_and_answers_to_the_place_authority(coordinator):
    place = kuis_place()
    made = recommendation(coordinator, report_for(coordinator, place))
    assert made.status.code == "no_response" and made.facility == place
    assert made.authority is not None and made.authority.code == "KUIS"
    assert "doctor" in made.search_text


def test_only_coordinators_issue(monitor, council):
    place = kuis_place()
    for user in (monitor, council):
        with pytest.raises(PermissionDenied):
            recommendation(user, None, facility=place)


def test_a_status_change_needs_its_verification_and_an_on_site_visit(coordinator):
    made = recommendation(coordinator, None, facility=kuis_place())
    implemented = Status.objects.get(code="implemented")
    with pytest.raises(ValidationError) as problem:
        status_change(
            actor=coordinator,
            recommendation=made,
            status=implemented,
            changed_on=datetime.date(2025, 6, 1),
            verification="",
        )
    assert "verification" in problem.value.message_dict
    with pytest.raises(ValidationError) as problem:
        status_change(
            actor=coordinator,
            recommendation=made,
            status=implemented,
            changed_on=datetime.date(2025, 6, 1),
            verification=StatusChange.Verification.ON_SITE,
        )
    assert "visit" in problem.value.message_dict
    assert not StatusChange.objects.exists()
    made.refresh_from_db()
    assert made.status.code == "no_response"


def test_a_status_change_is_kept_in_the_history(coordinator):
    made = recommendation(coordinator, None, facility=kuis_place())
    status_change(
        actor=coordinator,
        recommendation=made,
        status=Status.objects.get(code="partially_implemented"),
        changed_on=datetime.date(2025, 6, 1),
        verification=StatusChange.Verification.AUTHORITY_REPORT,
        evidence="Letter No. 12-3/456",
    )
    made.refresh_from_db()
    assert made.status.code == "partially_implemented" and made.status_changed_on == datetime.date(2025, 6, 1)
    assert made.history.count() == 1


def test_a_liaison_sees_only_its_authority_and_only_sent_reports(
    coordinator, liaison, other_liaison, trainer
):
    kuis = kuis_place()
    sent = recommendation(coordinator, report_for(coordinator, kuis))
    draft = recommendation(coordinator, report_for(coordinator, kuis, Report.Status.APPROVED))
    health = recommendation(coordinator, report_for(coordinator, health_place()))
    assert set(recommendations_visible_to(liaison)) == {sent}
    assert set(recommendations_visible_to(other_liaison)) == {health}
    assert draft not in recommendations_visible_to(liaison)
    assert not recommendations_visible_to(trainer).exists()
    assert Recommendation.objects.count() == 3


def test_the_report_lists_the_recommendations_issued_from_it(coordinator):
    from visits.documents import report_docx
    from visits.report_content import build

    report = report_for(coordinator, kuis_place(), Report.Status.DRAFT)
    recommendation(
        coordinator, report, text="Provide drinking water in every cell.", deadline=datetime.date(2025, 9, 1)
    )
    content = build(report, lang="en")
    assert [r["text"] for r in content.recommendations] == ["Provide drinking water in every cell."]
    assert "01.09.2025" in content.recommendations[0]["meta"]
    assert "Provide drinking water in every cell." in content.as_text()["recommendations"]
    import io

    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(report_docx(report, "en"))).paragraphs)
    assert "Provide drinking water in every cell." in text
