"""Issuing recommendations and assessing their status (dozor.recommendations.services)."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dozor.core.data import data_of
from dozor.recommendations.access import recommendations_visible_to
from dozor.recommendations.models import Recommendation, Status, StatusChange
from dozor.recommendations.services import RecommendationData, status_change
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from dozor.visits.models import Report

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
    from dozor.visits.reports.content import build
    from dozor.visits.reports.documents import report_docx

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


# --- correcting a recommendation and linking repeats ----------------------------------------------


def _update_values(made: Recommendation, **overrides: object) -> dict[str, object]:
    """``recommendation_update``'s arguments: ``made`` as it is, with ``overrides``."""
    provisions = overrides.pop("provisions", list(made.provisions.all()))
    return {"data": replace(data_of(RecommendationData, made), **overrides), "provisions": provisions}


def test_a_coordinator_corrects_a_recommendation_and_the_audit_keeps_the_diff(coordinator):
    from dozor.accounts.models import AuditEvent
    from dozor.recommendations.services import recommendation_update
    from dozor.standards.models import Provision

    made = recommendation(coordinator, None, facility=kuis_place())
    provision = Provision.objects.order_by("pk").first()
    assert provision is not None
    updated = recommendation_update(
        actor=coordinator,
        recommendation=made,
        **_update_values(  # type: ignore[arg-type]
            made,
            text_ru="  Обеспечить осмотр врачом в течение 24 часов.  ",
            priority=Recommendation.Priority.HIGH,
            provisions=[provision],
        ),
    )
    updated.refresh_from_db()
    assert updated.text_ru == "Обеспечить осмотр врачом в течение 24 часов."
    assert "осмотр" in updated.search_text and "doctor" in updated.search_text
    assert list(updated.provisions.all()) == [provision]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).latest("at")
    assert set(event.changes) == {"text_ru", "priority", "provisions"}
    assert event.changes["priority"] == {"before": "medium", "after": "high"}


def test_a_correction_follows_the_same_rules_and_reports_every_problem(coordinator, monitor):
    from dozor.recommendations.services import recommendation_update

    made = recommendation(coordinator, None, facility=kuis_place())
    with pytest.raises(PermissionDenied):
        recommendation_update(actor=monitor, recommendation=made, **_update_values(made))  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as problem:
        recommendation_update(
            actor=coordinator,
            recommendation=made,
            **_update_values(  # type: ignore[arg-type]
                made,
                text_en="",
                addressee=Recommendation.Addressee.AUTHORITY,
                authority=None,
                facility=None,
                deadline=datetime.date(2020, 1, 1),
            ),
        )
    assert {"text_ru", "authority", "deadline"} <= set(problem.value.message_dict)
    made.refresh_from_db()
    assert made.text_en.startswith("Ensure")


def test_the_date_of_issue_cannot_move_after_the_first_assessment(coordinator):
    from dozor.recommendations.services import recommendation_update

    made = recommendation(coordinator, None, facility=kuis_place())
    status_change(
        actor=coordinator,
        recommendation=made,
        status=Status.objects.get(code="in_progress"),
        changed_on=datetime.date(2025, 5, 1),
        verification=StatusChange.Verification.AUTHORITY_REPORT,
    )
    with pytest.raises(ValidationError) as problem:
        recommendation_update(
            actor=coordinator,
            recommendation=made,
            **_update_values(made, issued_on=datetime.date(2025, 6, 1)),  # type: ignore[arg-type]
        )
    assert "issued_on" in problem.value.message_dict


def test_a_repeat_links_to_an_earlier_recommendation_without_cycles(coordinator, monitor):
    from dozor.accounts.models import AuditEvent
    from dozor.recommendations.services import mark_repeat

    place = kuis_place()
    first = recommendation(coordinator, None, facility=place, issued_on=datetime.date(2024, 3, 1))
    second = recommendation(coordinator, None, facility=place, repeat_of=first)
    third = recommendation(coordinator, None, facility=place)
    assert second.repeat_of == first
    with pytest.raises(PermissionDenied):
        mark_repeat(actor=monitor, recommendation=third, repeat_of=second)
    mark_repeat(actor=coordinator, recommendation=third, repeat_of=second)
    third.refresh_from_db()
    assert third.repeat_of == second
    assert AuditEvent.objects.filter(object_id=str(third.pk), changes__repeat_of__after=second.pk).exists()
    for target, earlier in ((first, third), (third, third)):  # a cycle, itself
        with pytest.raises(ValidationError) as problem:
            mark_repeat(actor=coordinator, recommendation=target, repeat_of=earlier)
        assert "repeat_of" in problem.value.message_dict
    with pytest.raises(ValidationError):  # a later recommendation cannot be the earlier one
        mark_repeat(
            actor=coordinator,
            recommendation=first,
            repeat_of=recommendation(coordinator, None, facility=place),
        )
    mark_repeat(actor=coordinator, recommendation=third, repeat_of=None)
    third.refresh_from_db()
    assert third.repeat_of is None
