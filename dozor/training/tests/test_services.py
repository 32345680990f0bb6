from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import make_user
from dozor.accounts.models import AuditEvent, Role
from dozor.core.data import data_of
from dozor.people.tests.factories import PersonFactory
from dozor.training import services
from dozor.training.models import (
    Assessment,
    AssessmentResult,
    Attendance,
    Certificate,
    CompetencyGrant,
    Enrolment,
    Evaluation,
    EvaluationToken,
    Event,
)
from dozor.training.selectors import certificate_verify
from dozor.training.services import EventData, SessionData
from dozor.training.tests.factories import (
    EnrolmentFactory,
    EventFactory,
    SessionFactory,
    assessment,
    at,
    competency,
    future_event,
    mark,
)


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


# --- registration and the waiting list ---------------------------------------------------------


def test_it_registers_and_puts_people_beyond_capacity_on_the_waiting_list(coordinator) -> None:  # type: ignore[no-untyped-def]
    event = future_event(capacity=2)
    statuses = [
        services.enrolment_register(actor=coordinator, event=event, person=PersonFactory()).status
        for _ in range(3)
    ]
    assert statuses == [Enrolment.Status.REGISTERED, Enrolment.Status.REGISTERED, Enrolment.Status.WAITLISTED]


def test_it_refuses_a_double_registration(coordinator) -> None:  # type: ignore[no-untyped-def]
    event = future_event()
    person = PersonFactory(last_name="Serikova")
    services.enrolment_register(actor=coordinator, event=event, person=person)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_register(actor=coordinator, event=event, person=person)
    assert "Serikova" in messages(exc) and "already registered" in messages(exc)
    assert Enrolment.objects.filter(event=event).count() == 1


def test_it_refuses_registration_for_cancelled_or_past_events(coordinator) -> None:  # type: ignore[no-untyped-def]
    cancelled = future_event(status=Event.Status.CANCELLED)
    past = EventFactory(status=Event.Status.PLANNED)  # September 2025, already over
    for event, text in ((cancelled, "cancelled"), (past, "already taken place")):
        with pytest.raises(ValidationError) as exc:
            services.enrolment_register(actor=coordinator, event=event, person=PersonFactory())
        assert text in messages(exc)
    assert not Enrolment.objects.exists()


def test_it_promotes_the_first_waitlisted_person_when_a_place_frees(coordinator) -> None:  # type: ignore[no-untyped-def]
    event = future_event(capacity=1)
    first = services.enrolment_register(actor=coordinator, event=event, person=PersonFactory())
    second = services.enrolment_register(actor=coordinator, event=event, person=PersonFactory())
    third = services.enrolment_register(actor=coordinator, event=event, person=PersonFactory())
    promoted = services.enrolment_cancel(actor=coordinator, enrolment=first)
    assert [e.pk for e in promoted] == [second.pk]
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (Enrolment.Status.REGISTERED, Enrolment.Status.WAITLISTED)


def test_it_promotes_from_the_waiting_list_when_places_are_added(coordinator) -> None:  # type: ignore[no-untyped-def]
    event = future_event(capacity=1)
    services.enrolment_register(actor=coordinator, event=event, person=PersonFactory())
    waiting = services.enrolment_register(actor=coordinator, event=event, person=PersonFactory())
    services.event_update(actor=coordinator, event=event, data=replace(data_of(EventData, event), capacity=2))
    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.REGISTERED


def test_it_refuses_fewer_places_than_registered(coordinator) -> None:  # type: ignore[no-untyped-def]
    event = future_event(capacity=2)
    for _ in range(2):
        services.enrolment_register(actor=coordinator, event=event, person=PersonFactory())
    with pytest.raises(ValidationError) as exc:
        services.event_update(
            actor=coordinator, event=event, data=replace(data_of(EventData, event), capacity=1)
        )
    assert "2 people are already registered" in messages(exc)
    event.refresh_from_db()
    assert event.capacity == 2


def test_it_lets_only_trainers_and_coordinators_register(monitor, liaison) -> None:  # type: ignore[no-untyped-def]
    event = future_event()
    for user in (monitor, liaison):
        with pytest.raises(PermissionDenied):
            services.enrolment_register(actor=user, event=event, person=PersonFactory())


def test_it_audits_creation_of_events(trainer) -> None:  # type: ignore[no-untyped-def]
    event = services.event_create(
        actor=trainer,
        data=EventData(
            programme=EventFactory().programme,
            title_en="Budgeting",
            city="Aktobe",
            starts_on=datetime.date(2025, 9, 5),
            ends_on=datetime.date(2025, 9, 5),
            capacity=30,
        ),
        grants=[competency()],
    )
    audit = AuditEvent.objects.get(object_type="training.event", object_id=str(event.pk))
    assert audit.changes["grants"]["after"] == ["npm_foundations"]


# --- attendance --------------------------------------------------------------------------------


def test_it_marks_attendance_and_refuses_bad_marks(trainer) -> None:  # type: ignore[no-untyped-def]
    session = SessionFactory()
    ours = EnrolmentFactory(event=session.event)
    waiting = EnrolmentFactory(event=session.event, status=Enrolment.Status.WAITLISTED)
    theirs = EnrolmentFactory()
    services.attendance_mark(actor=trainer, session=session, marks={ours.pk: Attendance.Status.LATE})
    assert Attendance.objects.get(enrolment=ours).status == Attendance.Status.LATE
    for marks, text in (
        ({theirs.pk: "present"}, "not for this event"),
        ({waiting.pk: "present"}, "not a participant"),
        ({ours.pk: "asleep"}, "Unknown attendance mark"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.attendance_mark(actor=trainer, session=session, marks=marks)
        assert text in messages(exc)
    assert Attendance.objects.count() == 1


def test_it_refuses_attendance_for_a_cancelled_session(trainer) -> None:  # type: ignore[no-untyped-def]
    session = SessionFactory(cancelled=True)
    enrolment = EnrolmentFactory(event=session.event)
    with pytest.raises(ValidationError) as exc:
        services.attendance_mark(actor=trainer, session=session, marks={enrolment.pk: "present"})
    assert "cancelled" in messages(exc)


def test_it_marks_a_whole_grid_and_audits_each_changed_session(trainer) -> None:  # type: ignore[no-untyped-def]
    event = EventFactory()
    first, second, third = (SessionFactory(event=event, starts_at=at(2, 9 + i)) for i in range(3))
    anna, boris = EnrolmentFactory(event=event), EnrolmentFactory(event=event)
    mark(boris, third, Attendance.Status.PRESENT)
    records = services.attendance_mark_grid(
        actor=trainer,
        event=event,
        marks={
            first.pk: {anna.pk: "present", boris.pk: "late"},
            second.pk: {anna.pk: "absent"},
            third.pk: {boris.pk: "present"},  # unchanged: no audit entry
        },
    )
    assert len(records) == 4
    marks = {(a.session_id, a.enrolment_id): a.status for a in Attendance.objects.all()}
    assert marks == {
        (first.pk, anna.pk): "present",
        (first.pk, boris.pk): "late",
        (second.pk, anna.pk): "absent",
        (third.pk, boris.pk): "present",
    }
    audits = {a.object_id: a.changes for a in AuditEvent.objects.filter(object_type="training.attendance")}
    assert audits == {
        str(first.pk): {
            str(anna.pk): {"before": None, "after": "present"},
            str(boris.pk): {"before": None, "after": "late"},
        },
        str(second.pk): {str(anna.pk): {"before": None, "after": "absent"}},
    }
    services.attendance_mark_grid(actor=trainer, event=event, marks={first.pk: {boris.pk: "excused"}})
    changed = Attendance.objects.get(session=first, enrolment=boris)
    assert changed.status == "excused" and changed.recorded_by == trainer


def test_it_writes_nothing_of_a_grid_with_one_bad_cell(trainer) -> None:  # type: ignore[no-untyped-def]
    event = EventFactory()
    held, cancelled = SessionFactory(event=event), SessionFactory(event=event, cancelled=True)
    elsewhere = SessionFactory()
    anna = EnrolmentFactory(event=event)
    for marks, text in (
        ({held.pk: {anna.pk: "present"}, cancelled.pk: {anna.pk: "present"}}, "cancelled"),
        ({held.pk: {anna.pk: "present"}, elsewhere.pk: {anna.pk: "present"}}, "not part of this event"),
        ({held.pk: {anna.pk: "present", EnrolmentFactory().pk: "present"}}, "not for this event"),
        ({held.pk: {anna.pk: "asleep"}}, "Unknown attendance mark"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.attendance_mark_grid(actor=trainer, event=event, marks=marks)
        assert text in messages(exc)
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(object_type="training.attendance").exists()


def test_it_lets_only_training_managers_mark_a_grid(monitor) -> None:  # type: ignore[no-untyped-def]
    session = SessionFactory()
    enrolment = EnrolmentFactory(event=session.event)
    with pytest.raises(PermissionDenied):
        services.attendance_mark_grid(
            actor=monitor, event=session.event, marks={session.pk: {enrolment.pk: "present"}}
        )
    assert not Attendance.objects.exists()


# --- knowledge tests ---------------------------------------------------------------------------

QUESTIONS = [
    {"text_en": "Who visits?", "choices": [{"name": "a"}, {"name": "b"}], "correct": "a", "points": 2},
    {"text_en": "How often?", "choices": [{"name": "a"}, {"name": "b"}], "correct": "b"},
]


def test_it_scores_an_answer_sheet(trainer) -> None:  # type: ignore[no-untyped-def]
    enrolment = EnrolmentFactory()
    test = services.assessment_set_questions(
        actor=trainer, event=enrolment.event, kind=Assessment.Kind.POST_TEST, questions=QUESTIONS
    )
    first, second = test.questions.all()
    result = services.assessment_submit(
        actor=trainer, assessment=test, enrolment=enrolment, answers={first.pk: "a", str(second.pk): "a"}
    )
    assert (result.score, result.max_score) == (2, 3)


def test_it_refuses_bad_answer_sheets(trainer) -> None:  # type: ignore[no-untyped-def]
    enrolment = EnrolmentFactory()
    test = services.assessment_set_questions(
        actor=trainer, event=enrolment.event, kind=Assessment.Kind.PRE_TEST, questions=QUESTIONS
    )
    first = test.questions.first()
    assert first is not None
    outsider = EnrolmentFactory()  # another event
    cases = [
        (outsider, {first.pk: "a"}, "another event"),
        (enrolment, {999999: "a"}, "Unknown question"),
        (enrolment, {first.pk: "z"}, "Unknown answer"),
    ]
    for who, answers, text in cases:
        with pytest.raises(ValidationError) as exc:
            services.assessment_submit(actor=trainer, assessment=test, enrolment=who, answers=answers)
        assert text in messages(exc)
    assert not AssessmentResult.objects.exists()
    services.assessment_submit(actor=trainer, assessment=test, enrolment=enrolment, answers={first.pk: "a"})
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(
            actor=trainer, assessment=test, enrolment=enrolment, answers={first.pk: "b"}
        )
    assert "already submitted" in messages(exc)
    assert AssessmentResult.objects.get().score == 2


def test_it_refuses_questions_whose_answer_is_not_a_choice(trainer) -> None:  # type: ignore[no-untyped-def]
    event = EventFactory()
    bad = [{"text_en": "?", "choices": [{"name": "a"}, {"name": "b"}], "correct": "c"}]
    with pytest.raises(ValidationError) as exc:
        services.assessment_set_questions(
            actor=trainer, event=event, kind=Assessment.Kind.PRE_TEST, questions=bad
        )
    assert "not one of its choices" in messages(exc)


# --- evaluations -------------------------------------------------------------------------------


def test_it_keeps_evaluations_anonymous_and_single(monitor) -> None:  # type: ignore[no-untyped-def]
    enrolment = EnrolmentFactory(person=PersonFactory(user=monitor))
    evaluation = services.evaluation_submit(
        actor=monitor, event=enrolment.event, enrolment=enrolment, overall=5, relevance=4, trainers=5
    )
    field_names = {f.name for f in Evaluation._meta.get_fields()}
    assert not field_names & {"enrolment", "person", "user"}
    assert EvaluationToken.objects.filter(enrolment=enrolment).exists()
    audit = AuditEvent.objects.get(object_type="training.evaluation")
    # the log says which event was evaluated, never which evaluation (or ratings)
    assert (audit.object_id, audit.changes) == ("", {})
    assert audit.object_repr == f"evaluation of event {evaluation.event_id}"
    with pytest.raises(ValidationError) as exc:
        services.evaluation_submit(
            actor=monitor, event=enrolment.event, enrolment=enrolment, overall=1, relevance=1, trainers=1
        )
    assert "already evaluated" in messages(exc)
    assert Evaluation.objects.count() == 1


def test_it_takes_paper_evaluations_only_from_trainers(trainer, monitor) -> None:  # type: ignore[no-untyped-def]
    event = EventFactory()
    services.evaluation_submit(actor=trainer, event=event, enrolment=None, overall=4, relevance=4, trainers=4)
    with pytest.raises(PermissionDenied):
        services.evaluation_submit(
            actor=monitor, event=event, enrolment=None, overall=4, relevance=4, trainers=4
        )
    with pytest.raises(ValidationError):
        services.evaluation_submit(
            actor=trainer, event=event, enrolment=None, overall=6, relevance=4, trainers=4
        )


def test_it_refuses_an_evaluation_for_someone_elses_enrolment(monitor) -> None:  # type: ignore[no-untyped-def]
    enrolment = EnrolmentFactory()  # not the monitor's
    with pytest.raises(PermissionDenied):
        services.evaluation_submit(
            actor=monitor, event=enrolment.event, enrolment=enrolment, overall=5, relevance=5, trainers=5
        )


# --- certificates ------------------------------------------------------------------------------


@pytest.fixture
def attended(db):  # type: ignore[no-untyped-def]
    """A participant who attended 4 of 5 sessions (80%) of a held event granting two competencies."""
    event = EventFactory(grants=["npm_foundations", "monitoring_police_custody"])
    enrolment = EnrolmentFactory(event=event)
    for day, hour, status in (
        (2, 9, "present"),
        (2, 11, "late"),
        (3, 9, "present"),
        (3, 11, "absent"),
        (4, 9, "present"),
    ):
        mark(enrolment, SessionFactory(event=event, starts_at=at(day, hour)), status)
    return enrolment


def test_it_issues_a_certificate_and_grants_competencies(coordinator, attended) -> None:  # type: ignore[no-untyped-def]
    certificate = services.certificate_issue(
        actor=coordinator, enrolment=attended, on=datetime.date(2025, 9, 4)
    )
    assert certificate.code.startswith("DZ-") and len(certificate.code) == 13
    grants = {
        g.competency.code: g.valid_until for g in CompetencyGrant.objects.filter(certificate=certificate)
    }
    assert grants == {
        "npm_foundations": datetime.date(2030, 9, 4),
        "monitoring_police_custody": datetime.date(2028, 9, 4),
    }
    assert certificate_verify(certificate.code.lower()) == certificate


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ("waitlisted", "not a participant"),
        ("planned", "not been marked as held"),
        ("cancelled_event", "cancelled"),
        ("attendance", "below the required 90%"),
        ("no_post_test", "has not taken the post-test"),
        ("low_post_test", "below the required 60%"),
    ],
)
def test_it_refuses_a_certificate_naming_the_unmet_rule(coordinator, attended, change, text) -> None:  # type: ignore[no-untyped-def]
    event = attended.event
    if change == "waitlisted":
        attended.status = Enrolment.Status.WAITLISTED
        attended.save()
    elif change == "planned":
        event.status = Event.Status.PLANNED
    elif change == "cancelled_event":
        event.status = Event.Status.CANCELLED
    elif change == "attendance":
        event.min_attendance_percent = 90
    else:
        event.min_test_percent = 60
        post = assessment(event, Assessment.Kind.POST_TEST, [("a", None, 1), ("a", None, 1)])
        if change == "low_post_test":
            AssessmentResult.objects.create(
                assessment=post, enrolment=attended, answers={}, score=1, max_score=2
            )
    event.save()
    with pytest.raises(ValidationError) as exc:
        services.certificate_issue(actor=coordinator, enrolment=attended)
    assert text in messages(exc)
    assert not Certificate.objects.exists() and not CompetencyGrant.objects.exists()


def test_it_issues_when_the_post_test_is_passed(coordinator, attended) -> None:  # type: ignore[no-untyped-def]
    event = attended.event
    event.min_test_percent = 50
    event.save()
    post = assessment(event, Assessment.Kind.POST_TEST, [("a", None, 1), ("a", None, 1)])
    AssessmentResult.objects.create(assessment=post, enrolment=attended, answers={}, score=1, max_score=2)
    assert services.certificate_issue(actor=coordinator, enrolment=attended).is_valid


def test_it_refuses_a_second_certificate(coordinator, attended) -> None:  # type: ignore[no-untyped-def]
    services.certificate_issue(actor=coordinator, enrolment=attended)
    with pytest.raises(ValidationError) as exc:
        services.certificate_issue(actor=coordinator, enrolment=attended)
    assert "already issued" in messages(exc)


def test_it_revokes_a_certificate_with_its_grants(coordinator, attended) -> None:  # type: ignore[no-untyped-def]
    certificate = services.certificate_issue(actor=coordinator, enrolment=attended)
    services.certificate_revoke(actor=coordinator, certificate=certificate, reason="Issued in error")
    assert not CompetencyGrant.objects.filter(revoked_on__isnull=True).exists()
    assert certificate_verify(certificate.code) is None


def test_it_fails_verification_of_forged_codes(coordinator, attended) -> None:  # type: ignore[no-untyped-def]
    certificate = services.certificate_issue(actor=coordinator, enrolment=attended)
    assert certificate_verify("DZ-AAAAAAAAAA") is None
    assert certificate_verify("") is None
    assert certificate_verify(certificate.code + "X") is None


def test_it_hides_certificates_of_a_cancelled_event_from_verification(coordinator, attended) -> None:  # type: ignore[no-untyped-def]
    certificate = services.certificate_issue(actor=coordinator, enrolment=attended)
    services.event_cancel(actor=coordinator, event=attended.event)
    assert certificate_verify(certificate.code) is None


def test_it_lets_a_monitor_neither_issue_nor_revoke(monitor, attended) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        services.certificate_issue(actor=monitor, enrolment=attended)


def test_it_grants_and_revokes_competencies_by_hand(coordinator) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory()
    grant = services.competency_grant(
        actor=coordinator,
        person=person,
        competency=competency(),
        granted_on=datetime.date(2024, 2, 29),
        note="OSCE/ODIHR course",
    )
    assert grant.valid_until == datetime.date(2029, 2, 28)
    services.competency_revoke(actor=coordinator, grant=grant, on=datetime.date(2025, 1, 1))
    grant.refresh_from_db()
    assert grant.revoked_on == datetime.date(2025, 1, 1)


# --- materials ---------------------------------------------------------------------------------


def _office(prefix: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{prefix}document.xml", "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (_office("word/"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (_office("ppt/"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (_office("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
    ],
)
def test_it_accepts_materials_by_their_content(trainer, settings, tmp_path, content, expected) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    material = services.material_add(
        actor=trainer, session=SessionFactory(), title="Slides", filename="slides.bin", content=content
    )
    assert material.content_type == expected and material.size == len(content)
    assert len(material.sha256) == 64


def test_it_refuses_unknown_or_oversized_materials(trainer, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    settings.DOZOR_MAX_IMPORT_BYTES = 2048
    session = SessionFactory()
    for content, text in (
        (b"MZ\x90\x00 not a document", "Only PDF"),
        (b"%PDF-" + b"0" * 3000, "larger than 2048 bytes"),
        (b"PK\x03\x04broken", "Only PDF"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.material_add(
                actor=trainer, session=session, title="x", filename="x.pdf", content=content
            )
        assert text in messages(exc)


def test_it_needs_a_role_to_manage_training(db) -> None:  # type: ignore[no-untyped-def]
    council = make_user("cora", Role.COUNCIL)
    with pytest.raises(PermissionDenied):
        services.session_cancel(actor=council, session=SessionFactory())


def test_it_links_sessions_to_standards_by_code_or_object(coordinator):
    from dozor.standards.models import Provision

    first, second = list(Provision.objects.order_by("code")[:2])
    event = EventFactory()
    data = SessionData(topic_en="Safeguards", starts_at=at(2, 14))
    session = services.session_add(actor=coordinator, event=event, data=data, provisions=[first.code])
    assert list(session.provisions.all()) == [first]
    services.session_update(actor=coordinator, session=session, data=data, provisions=[second])
    assert list(session.provisions.all()) == [second]
    with pytest.raises(ValidationError) as exc:
        services.session_update(actor=coordinator, session=session, data=data, provisions=["NO-SUCH-CODE"])
    assert exc.value.message_dict["provisions"] == ["Unknown provision codes: NO-SUCH-CODE."]
    assert list(session.provisions.all()) == [second]
