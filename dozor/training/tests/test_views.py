from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dozor.accounts.models import AuditEvent
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.people.tests.factories import PersonFactory
from dozor.training import services
from dozor.training.models import Attendance, Certificate, Enrolment, Evaluation, Event, Material, Programme
from dozor.training.tests.factories import (
    EnrolmentFactory,
    EventFactory,
    ProgrammeFactory,
    SessionFactory,
    at,
    future_event,
    mark,
)

pytestmark = pytest.mark.django_db

MANAGERS = ["as_coordinator", "as_trainer"]
READERS = ["as_council", "as_monitor"]
PDF = b"%PDF-1.4\n% test material\n"


@pytest.fixture
def held(coordinator) -> dict[str, Any]:
    """A held seminar with two sessions, two participants (one attended both, one only the first)
    and one certificate already issued."""
    event = EventFactory(grants=["npm_foundations"])
    s1 = SessionFactory(event=event, starts_at=at(2, 9))
    s2 = SessionFactory(event=event, starts_at=at(3, 9))
    good = EnrolmentFactory(event=event, person=PersonFactory(last_name="Goodova"))
    poor = EnrolmentFactory(event=event, person=PersonFactory(last_name="Poorov"))
    for session in (s1, s2):
        mark(good, session, Attendance.Status.PRESENT)
    mark(poor, s1, Attendance.Status.PRESENT)
    mark(poor, s2, Attendance.Status.ABSENT)
    material = services.material_add(
        actor=coordinator, session=s1, title="Slides", filename="slides.pdf", content=PDF
    )
    certificate = services.certificate_issue(actor=coordinator, enrolment=good)
    return {
        "event": event,
        "programme": event.programme,
        "sessions": (s1, s2),
        "good": good,
        "poor": poor,
        "material": material,
        "certificate": certificate,
    }


def get_pages(h: dict[str, Any]) -> list[str]:
    return [
        reverse("training:programme_list"),
        reverse("training:calendar"),
        reverse("training:needs"),
        reverse("training:programme", args=[h["programme"].pk]),
        reverse("training:event", args=[h["event"].pk]),
        reverse("training:material", args=[h["material"].pk]),
        reverse("training:certificate_pdf", args=[h["certificate"].pk]),
        reverse("training:programme_xlsx", args=[h["programme"].pk]),
    ]


def manage_pages(h: dict[str, Any]) -> list[str]:
    return [
        reverse("training:programme_create"),
        reverse("training:programme_edit", args=[h["programme"].pk]),
        reverse("training:event_create", args=[h["programme"].pk]),
        reverse("training:event_edit", args=[h["event"].pk]),
        reverse("training:session_add", args=[h["event"].pk]),
        reverse("training:register", args=[h["event"].pk]),
        reverse("training:material_upload", args=[h["sessions"][0].pk]),
    ]


def post_actions(h: dict[str, Any]) -> list[str]:
    return [
        *manage_pages(h),
        reverse("training:event_cancel", args=[h["event"].pk]),
        reverse("training:attendance", args=[h["event"].pk]),
        reverse("training:enrolment_cancel", args=[h["poor"].pk]),
        reverse("training:certificate_issue", args=[h["poor"].pk]),
        reverse("training:certificate_revoke", args=[h["certificate"].pk]),
    ]


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# Personas ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", MANAGERS + READERS)
def test_it_shows_every_training_page_to_staff_who_may_read(request, persona, held):
    client = request.getfixturevalue(persona)
    for url in get_pages(held):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", MANAGERS)
def test_it_opens_the_forms_for_managers(request, persona, held):
    client = request.getfixturevalue(persona)
    for url in manage_pages(held):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("training:event", args=[held["event"].pk])).content.decode()
    assert 'data-testid="register-participant"' in page
    assert 'data-testid="edit-event"' in page


@pytest.mark.parametrize("persona", READERS)
def test_it_refuses_every_change_to_readers(request, persona, held):
    client = request.getfixturevalue(persona)
    for url in manage_pages(held):
        assert client.get(url).status_code == 403, url
    for url in post_actions(held):
        assert client.post(url, {"reason": "x", "e1": "present"}).status_code == 403, url
    page = client.get(reverse("training:event", args=[held["event"].pk])).content.decode()
    assert 'data-testid="issue-' not in page and "<select" not in page and 'name="reason"' not in page
    assert not Certificate.objects.filter(revoked_on__isnull=False).exists()


def test_it_hides_training_from_liaisons(as_liaison, held):
    for url in get_pages(held)[:3]:
        assert as_liaison.get(url).status_code == 403, url
    for url in get_pages(held)[3:]:
        assert as_liaison.get(url).status_code == 404, url
    for url in post_actions(held)[1:]:
        assert as_liaison.post(url).status_code in (403, 404), url
    assert as_liaison.get(reverse("training:programme_create")).status_code == 403
    assert "Programmes" not in as_liaison.get(reverse("web:home")).content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(anonymous, held):
    for url in get_pages(held) + manage_pages(held):
        assert_login_redirect(anonymous.get(url))
    for url in post_actions(held):
        assert_login_redirect(anonymous.post(url))


def test_it_adds_a_training_group_to_the_navigation(as_monitor):
    page = as_monitor.get(reverse("training:programme_list")).content.decode()
    assert reverse("training:calendar") in page and reverse("training:needs") in page
    assert 'aria-current="page"' in page


# Programmes -------------------------------------------------------------------------------------


def test_it_creates_and_edits_a_programme(as_trainer):
    response = as_trainer.post(
        reverse("training:programme_create"),
        {"title_ru": "Серия семинаров", "title_en": "Seminar series", "currency": "KZT", "budget": "1500000"},
    )
    programme = Programme.objects.get(title_en="Seminar series")
    assert response.status_code == 302 and response["Location"] == reverse(
        "training:programme", args=[programme.pk]
    )
    response = as_trainer.post(
        reverse("training:programme_edit", args=[programme.pk]),
        {"title_en": "Renamed series", "currency": "KZT"},
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.title_en == "Renamed series" and programme.budget is None


def test_it_shows_the_service_refusal_on_the_programme_form(as_coordinator):
    response = as_coordinator.post(reverse("training:programme_create"), {"currency": "KZT"})
    assert response.status_code == 400
    assert "Give the title in at least one language." in response.content.decode()


def test_it_shows_a_programme_with_events_breakdown_and_reports(as_council, held):
    page = as_council.get(reverse("training:programme", args=[held["programme"].pk])).content.decode()
    assert "Practical aspects of the NPM" in page
    assert "Non-governmental organisation" in page and "Female" in page
    assert "?lang=kk" in page and "report.xlsx" in page


def test_it_downloads_the_programme_report(as_monitor, held):
    response = as_monitor.get(reverse("training:programme_pdf", args=[held["programme"].pk]) + "?lang=kk")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "-kk.pdf" in response["Content-Disposition"]
    xlsx = as_monitor.get(reverse("training:programme_xlsx", args=[held["programme"].pk]))
    assert xlsx.content.startswith(b"PK")


def test_it_lists_programmes_in_constant_queries(as_coordinator):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_coordinator.get(reverse("training:programme_list")).status_code == 200
        return len(ctx.captured_queries)

    EventFactory()
    few = count()
    for _i in range(5):
        EnrolmentFactory(event=EventFactory())
    assert count() == few


# Events -----------------------------------------------------------------------------------------


def test_it_creates_an_event_in_a_programme(as_trainer):
    programme = ProgrammeFactory()
    start = timezone.localdate() + datetime.timedelta(days=10)
    response = as_trainer.post(
        reverse("training:event_create", args=[programme.pk]),
        {
            "title_ru": "Семинар в Актобе",
            "city": "Aktobe",
            "starts_on": start.isoformat(),
            "ends_on": start.isoformat(),
            "language": "ru",
            "capacity": "30",
            "min_attendance_percent": "80",
            "min_test_percent": "0",
        },
    )
    event = Event.objects.get(city="Aktobe")
    assert response["Location"] == reverse("training:event", args=[event.pk])
    assert event.programme == programme and event.status == Event.Status.PLANNED


def test_it_marks_an_event_held_and_cancels_another(as_coordinator):
    event = future_event()
    data = {
        "title_en": event.title_en,
        "city": event.city,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "language": "ru",
        "capacity": "90",
        "status": "held",
        "min_attendance_percent": "80",
        "min_test_percent": "0",
    }
    assert as_coordinator.post(reverse("training:event_edit", args=[event.pk]), data).status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.HELD
    other = future_event()
    as_coordinator.post(reverse("training:event_cancel", args=[other.pk]))
    other.refresh_from_db()
    assert other.status == Event.Status.CANCELLED
    page = as_coordinator.get(reverse("training:event", args=[other.pk])).content.decode()
    assert 'data-testid="register-participant"' not in page


def test_it_shows_the_event_page_in_full(as_monitor, held):
    Evaluation.objects.create(
        event=held["event"],
        overall=5,
        relevance=4,
        trainers=5,
        comment="Very useful",
        submitted_on=at(4).date(),
    )
    page = as_monitor.get(reverse("training:event", args=[held["event"].pk])).content.decode()
    s1 = held["sessions"][0]
    assert s1.topic in page and "Slides" in page
    assert reverse("training:material", args=[held["material"].pk]) in page
    assert "/media" not in page
    assert "Goodova" in page and "Poorov" in page
    assert held["certificate"].code in page
    assert "Very useful" in page and "5.0 / 5" in page
    assert "Non-governmental organisation" in page


def test_it_adds_a_session_and_uploads_a_material(as_trainer):
    event = future_event()
    start = datetime.datetime.combine(event.starts_on, datetime.time(10, 0))
    response = as_trainer.post(
        reverse("training:session_add", args=[event.pk]),
        {
            "topic_ru": "Стандарты ППП",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "90",
        },
    )
    assert response.status_code == 302
    session = event.sessions.get()
    upload = SimpleUploadedFile("agenda.pdf", PDF, content_type="application/pdf")
    response = as_trainer.post(
        reverse("training:material_upload", args=[session.pk]), {"title": "Agenda", "file": upload}
    )
    assert response.status_code == 302
    material = Material.objects.get(session=session)
    download = as_trainer.get(reverse("training:material", args=[material.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_it_refuses_a_material_that_is_not_an_accepted_file(as_trainer, held):
    upload = SimpleUploadedFile("evil.pdf", b"MZ not really a pdf", content_type="application/pdf")
    response = as_trainer.post(
        reverse("training:material_upload", args=[held["sessions"][0].pk]), {"title": "Evil", "file": upload}
    )
    assert response.status_code == 400
    assert "Only PDF" in response.content.decode()


# Enrolments and attendance ----------------------------------------------------------------------


def test_it_registers_waitlists_and_refuses_double_registration(as_trainer):
    event = future_event(capacity=1)
    first, second = PersonFactory(), PersonFactory()
    url = reverse("training:register", args=[event.pk])
    assert as_trainer.post(url, {"person": first.pk}).status_code == 302
    assert as_trainer.post(url, {"person": second.pk}).status_code == 302
    statuses = dict(event.enrolments.values_list("person_id", "status"))
    assert statuses == {first.pk: Enrolment.Status.REGISTERED, second.pk: Enrolment.Status.WAITLISTED}
    response = as_trainer.post(url, {"person": first.pk})
    assert response.status_code == 400 and "already registered" in response.content.decode()
    enrolment = event.enrolments.get(person=first)
    as_trainer.post(reverse("training:enrolment_cancel", args=[enrolment.pk]))
    assert event.enrolments.get(person=second).status == Enrolment.Status.REGISTERED


def test_it_saves_the_whole_attendance_grid_with_one_save(as_trainer, held):
    (s1, s2), good, poor = held["sessions"], held["good"], held["poor"]
    response = as_trainer.post(
        reverse("training:attendance", args=[held["event"].pk]),
        {
            f"a-{s1.pk}-{poor.pk}": "late",
            f"a-{s2.pk}-{poor.pk}": "excused",
            f"a-{s2.pk}-{good.pk}": "present",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#attendance")
    marks = dict(Attendance.objects.filter(enrolment=poor).values_list("session_id", "status"))
    assert marks == {s1.pk: Attendance.Status.LATE, s2.pk: Attendance.Status.EXCUSED}
    assert Attendance.objects.get(session=s2, enrolment=good).status == Attendance.Status.PRESENT
    audits = AuditEvent.objects.filter(object_type="training.attendance")
    assert sorted(a.object_id for a in audits) == sorted([str(s1.pk), str(s2.pk)])


def test_it_marks_a_session_all_present_without_javascript(as_trainer, held):
    """The "Mark all present" button submits the grid with that session's column present; the
    other sessions' marks in the same submission are saved too, and unexpected cells left alone."""
    (s1, s2), good, poor = held["sessions"], held["good"], held["poor"]
    late = EnrolmentFactory(event=held["event"], registered_at=at(2, 12))
    response = as_trainer.post(
        reverse("training:attendance", args=[held["event"].pk]),
        {"present": str(s2.pk), f"a-{s2.pk}-{poor.pk}": "absent", f"a-{s1.pk}-{poor.pk}": "late"},
    )
    assert response.status_code == 302
    s2_marks = dict(Attendance.objects.filter(session=s2).values_list("enrolment_id", "status"))
    assert s2_marks == {good.pk: "present", poor.pk: "present", late.pk: "present"}
    assert Attendance.objects.get(session=s1, enrolment=poor).status == Attendance.Status.LATE
    assert not Attendance.objects.filter(session=s1, enrolment=late).exists()  # not expected


def test_it_shows_one_attendance_form_with_one_save(as_trainer, held):
    (s1, s2), poor = held["sessions"], held["poor"]
    page = as_trainer.get(reverse("training:event", args=[held["event"].pk])).content.decode()
    assert page.count("data-attendance-form") == 1 and page.count('data-testid="save-attendance"') == 1
    assert f'name="a-{s2.pk}-{poor.pk}"' in page
    assert f'data-testid="all-present-{s1.pk}"' in page and f'data-testid="all-present-{s2.pk}"' in page
    assert "data-tabs" in page and 'href="#attendance"' in page


def test_it_ignores_marks_outside_the_grid(as_trainer, held):
    (s1, s2), poor = held["sessions"], held["poor"]
    waiting = EnrolmentFactory(event=held["event"], status=Enrolment.Status.WAITLISTED)
    response = as_trainer.post(
        reverse("training:attendance", args=[held["event"].pk]),
        {
            f"a-{s1.pk}-{poor.pk}": "late",
            f"a-{s2.pk}-{poor.pk}": "bogus",
            f"a-{s2.pk}-{waiting.pk}": "present",
        },
    )
    assert response.status_code == 302
    assert Attendance.objects.get(session=s1, enrolment=poor).status == Attendance.Status.LATE
    assert Attendance.objects.get(session=s2, enrolment=poor).status == Attendance.Status.ABSENT
    assert not Attendance.objects.filter(enrolment=waiting).exists()


def test_it_shows_sessions_before_an_enrolment_as_not_expected(as_trainer, held):
    EnrolmentFactory(event=held["event"], registered_at=at(2, 12))
    page = as_trainer.get(reverse("training:event", args=[held["event"].pk])).content.decode()
    assert "not expected" in page


# Certificates -----------------------------------------------------------------------------------


def test_it_names_the_unmet_rule_when_a_certificate_is_refused(as_trainer, held):
    response = as_trainer.post(reverse("training:certificate_issue", args=[held["poor"].pk]), follow=True)
    page = response.content.decode()
    assert "Attendance 50% is below the required 80%." in page
    assert not Certificate.objects.filter(enrolment=held["poor"]).exists()


def test_it_issues_downloads_and_revokes_a_certificate(as_coordinator, held):
    enrolment = EnrolmentFactory(event=held["event"])
    for session in held["sessions"]:
        mark(enrolment, session, Attendance.Status.PRESENT)
    as_coordinator.post(reverse("training:certificate_issue", args=[enrolment.pk]))
    certificate = Certificate.objects.get(enrolment=enrolment)
    pdf = as_coordinator.get(reverse("training:certificate_pdf", args=[certificate.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    refused = as_coordinator.post(
        reverse("training:certificate_revoke", args=[certificate.pk]), {"reason": ""}
    )
    assert refused.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_on is None
    as_coordinator.post(
        reverse("training:certificate_revoke", args=[certificate.pk]), {"reason": "Issued in error"}
    )
    certificate.refresh_from_db()
    assert certificate.revoked_on is not None and certificate.revoked_reason == "Issued in error"


def test_it_shows_the_event_page_in_constant_queries(as_coordinator):
    def build(people: int) -> Event:
        event = EventFactory(grants=["npm_foundations"])
        sessions = [SessionFactory(event=event, starts_at=at(2 + i % 3, 9 + i)) for i in range(3)]
        for _i in range(people):
            enrolment = EnrolmentFactory(event=event)
            for session in sessions:
                mark(enrolment, session, Attendance.Status.PRESENT)
        return event

    def count(event: Event) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_coordinator.get(reverse("training:event", args=[event.pk])).status_code == 200
        return len(ctx.captured_queries)

    assert count(build(3)) == count(build(20))


# Calendar and needs -----------------------------------------------------------------------------


def test_it_lists_upcoming_events_by_month(as_council):
    event = future_event(city="Oskemen")
    page = as_council.get(reverse("training:calendar")).content.decode()
    assert "Oskemen" in page and reverse("training:event", args=[event.pk]) in page


def test_it_highlights_regions_without_holders_of_a_required_competency(as_monitor):
    FacilityFactory(type=facility_type("SIZO"))
    page = as_monitor.get(reverse("training:needs")).content.decode()
    assert "Documenting torture" in page
    assert "gap: nobody holds it" in page


# Public verification ----------------------------------------------------------------------------


def test_it_confirms_a_valid_certificate_to_anyone(anonymous, held):
    certificate = held["certificate"]
    response = anonymous.get(reverse("verify:certificate", args=[certificate.code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="certificate-valid"' in page
    assert (
        "Goodova" in page and "Practical aspects of the NPM" in page and "Foundations of preventive" in page
    )
    assert "Poorov" not in page and "@example.org" not in page


def test_it_says_a_revoked_certificate_was_revoked_without_details(anonymous, coordinator, held):
    certificate = held["certificate"]
    services.certificate_revoke(actor=coordinator, certificate=certificate, reason="Secret reason")
    page = anonymous.get(reverse("verify:certificate", args=[certificate.code])).content.decode()
    assert 'data-testid="certificate-revoked"' in page
    assert "Secret reason" not in page and "Goodova" not in page


def test_it_says_a_forged_code_is_not_valid(anonymous, held):
    response = anonymous.get(reverse("verify:certificate", args=["DZ-FORGED1234"]))
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="certificate-invalid"' in page
    assert "Goodova" not in page


def test_it_sends_a_typed_code_to_its_verification_page(anonymous, held):
    code = held["certificate"].code
    assert anonymous.get(reverse("verify:form")).status_code == 200
    response = anonymous.get(reverse("verify:form"), {"code": f"  {code.lower()} "})
    assert response.status_code == 302
    assert anonymous.get(response["Location"]).status_code == 200
    assert "certificate-valid" in anonymous.get(response["Location"]).content.decode()


# Standards, knowledge tests and evaluations ----------------------------------------------------


def quiz_pages(h: dict[str, Any]) -> list[str]:
    event = h["event"].pk
    return [
        reverse("training:assessment_edit", args=[event, "pre"]),
        reverse("training:assessment_edit", args=[event, "post"]),
        reverse("training:assessment_answer", args=[event, "post"]),
        reverse("training:evaluation_paper", args=[event]),
    ]


def question_post(prefix_total: int = 2, **first: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form-TOTAL_FORMS": str(prefix_total),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    data.update({f"form-0-{k}": v for k, v in first.items()})
    return data


def make_test(client, event, kind: str = "post"):
    from dozor.training.models import Assessment

    response = client.post(
        reverse("training:assessment_edit", args=[event.pk, kind]),
        question_post(
            text_en="Within how many hours must a detainee see a doctor?",
            choices="a = 24\nb = 72",
            correct="a",
            points="2",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    return Assessment.objects.get(event=event, kind=f"{kind}_test")


@pytest.mark.parametrize("persona", MANAGERS)
def test_it_opens_the_test_and_evaluation_pages_for_managers(request, persona, held):
    client = request.getfixturevalue(persona)
    make_test(request.getfixturevalue("as_coordinator"), held["event"])
    for url in quiz_pages(held):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("training:event", args=[held["event"].pk])).content.decode()
    for testid in ("edit-pre-test", "answer-post-test", "paper-evaluation"):
        assert f'data-testid="{testid}"' in page


@pytest.mark.parametrize("persona", READERS)
def test_it_refuses_the_test_and_evaluation_pages_to_readers(request, persona, held):
    client = request.getfixturevalue(persona)
    for url in quiz_pages(held):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"overall": "5", "relevance": "5", "trainers": "5"}).status_code == 403
    assert client.post(reverse("training:evaluation_self", args=[held["event"].pk])).status_code == 403
    assert not Evaluation.objects.exists()


def test_it_hides_the_test_and_evaluation_pages_from_liaisons(as_liaison, held):
    for url in [*quiz_pages(held), reverse("training:evaluation_self", args=[held["event"].pk])]:
        assert as_liaison.get(url).status_code in (403, 404), url
        assert as_liaison.post(url).status_code in (403, 404), url


def test_it_sends_anonymous_visitors_from_the_test_pages_to_sign_in(anonymous, held):
    for url in [*quiz_pages(held), reverse("training:evaluation_self", args=[held["event"].pk])]:
        assert_login_redirect(anonymous.get(url))
        assert_login_redirect(anonymous.post(url))


def test_it_edits_test_questions_and_scores_an_answer_sheet(as_trainer, held):
    test = make_test(as_trainer, held["event"])
    question = test.questions.get()
    assert question.choices[0] == {"name": "a", "label_kk": "", "label_ru": "", "label_en": "24"}
    assert question.correct == "a" and question.points == 2
    url = reverse("training:assessment_answer", args=[held["event"].pk, "post"])
    response = as_trainer.post(url, {"enrolment": held["good"].pk, f"q{question.pk}": "a"}, follow=True)
    assert "scored 2 of 2 (100%)" in response.content.decode()
    assert test.results.get().enrolment == held["good"]


def test_it_requires_the_question_in_the_current_language(as_coordinator, held):
    response = as_coordinator.post(
        reverse("training:assessment_edit", args=[held["event"].pk, "pre"]),
        question_post(text_ru="Вопрос", choices="a = Да\nb = Нет", correct="a"),
    )
    assert response.status_code == 400
    assert "Give the question in English." in response.content.decode()


def test_it_refuses_an_answer_sheet_for_another_events_enrolment(as_coordinator, held):
    test = make_test(as_coordinator, held["event"])
    question = test.questions.get()
    stranger = EnrolmentFactory(event=EventFactory())
    response = as_coordinator.post(
        reverse("training:assessment_answer", args=[held["event"].pk, "post"]),
        {"enrolment": stranger.pk, f"q{question.pk}": "a"},
    )
    assert response.status_code == 400
    assert "The answer sheet belongs to a participant of another event." in response.content.decode()
    assert not test.results.exists()


def test_it_records_a_paper_evaluation_without_a_participant(as_coordinator, held):
    url = reverse("training:evaluation_paper", args=[held["event"].pk])
    page = as_coordinator.get(url).content.decode()
    assert 'name="enrolment"' not in page and "Goodova" not in page
    response = as_coordinator.post(
        url, {"overall": "4", "relevance": "5", "trainers": "3", "comment": "Useful"}
    )
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.overall, evaluation.relevance, evaluation.trainers) == (4, 5, 3)
    page = as_coordinator.get(reverse("training:event", args=[held["event"].pk])).content.decode()
    assert "Useful" in page


def test_it_lets_an_enrolled_monitor_evaluate_once(as_monitor, monitor, held):
    from dozor.training.models import EvaluationToken

    enrolment = EnrolmentFactory(event=held["event"], person=PersonFactory(user=monitor))
    event_url = reverse("training:event", args=[held["event"].pk])
    assert 'data-testid="self-evaluation"' in as_monitor.get(event_url).content.decode()
    url = reverse("training:evaluation_self", args=[held["event"].pk])
    response = as_monitor.post(url, {"overall": "5", "relevance": "4", "trainers": "5"})
    assert response.status_code == 302
    assert Evaluation.objects.count() == 1 and EvaluationToken.objects.get().enrolment == enrolment
    response = as_monitor.post(url, {"overall": "1", "relevance": "1", "trainers": "1"}, follow=True)
    assert "You have already evaluated this event" in response.content.decode()
    assert Evaluation.objects.count() == 1
    page = as_monitor.get(event_url).content.decode()
    assert 'data-testid="self-evaluation"' not in page


def test_it_never_shows_who_evaluated(as_coordinator, monitor, as_monitor, held):
    person = PersonFactory(user=monitor, last_name="Evaluatorova")
    EnrolmentFactory(event=held["event"], person=person)
    as_monitor.post(
        reverse("training:evaluation_self", args=[held["event"].pk]),
        {"overall": "2", "relevance": "2", "trainers": "2", "comment": "Too long"},
    )
    page = as_coordinator.get(reverse("training:event", args=[held["event"].pk])).content.decode()
    evaluations = page[page.index('id="evaluations"') :]
    evaluations = evaluations[: evaluations.index("</section>")]
    assert "Too long" in evaluations and "Evaluatorova" not in evaluations


def test_it_links_standards_to_a_session(as_coordinator, held):
    from dozor.standards.models import Provision

    provision = Provision.objects.order_by("code").first()
    assert provision is not None
    url = reverse("training:session_add", args=[held["event"].pk])
    values = {"topic_en": "Safeguards", "starts_at": "2025-09-03T14:00", "duration_minutes": "90"}
    response = as_coordinator.post(url, {**values, "provisions": f"{provision.code}, NO-SUCH-CODE"})
    assert response.status_code == 400
    assert "Unknown provision codes: NO-SUCH-CODE." in response.content.decode()
    response = as_coordinator.post(url, {**values, "provisions": provision.code})
    assert response.status_code == 302
    session = held["event"].sessions.get(topic_en="Safeguards")
    assert list(session.provisions.all()) == [provision]
    page = as_coordinator.get(reverse("training:event", args=[held["event"].pk])).content.decode()
    assert reverse("standards:provision_detail", args=[provision.code]) in page


def test_it_lets_a_trainer_add_and_register_someone_not_on_the_roster(as_trainer):
    from dozor.people.models import Person

    event = future_event()
    response = as_trainer.post(
        reverse("training:register", args=[event.pk]),
        {
            "new-last_name": "Сейтқалиева",
            "new-first_name": "Әсел",
            "new-patronymic": "",
            "new-gender": "female",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(last_name="Сейтқалиева")
    assert Enrolment.objects.filter(event=event, person=person, status=Enrolment.Status.REGISTERED).exists()
    assert "сейтқалиева" in person.search_text


def test_it_refuses_a_namesake_or_a_missing_name_and_adds_nobody(as_trainer):
    from dozor.people.models import Person

    event = future_event()
    PersonFactory(last_name="Омаров", first_name="Ерлан", patronymic="")
    before = Person.objects.count()
    response = as_trainer.post(
        reverse("training:register", args=[event.pk]),
        {"new-last_name": "омаров", "new-first_name": "Ерлан", "new-gender": "male"},
    )
    assert response.status_code == 400
    assert "already on the roster" in response.content.decode()
    response = as_trainer.post(
        reverse("training:register", args=[event.pk]),
        {"new-last_name": "", "new-first_name": "", "new-gender": "male"},
    )
    assert response.status_code == 400
    assert Person.objects.count() == before
    assert not Enrolment.objects.filter(event=event).exists()


def test_it_refuses_adding_a_new_participant_to_readers(as_monitor, as_council):
    from dozor.people.models import Person

    event = future_event()
    for client in (as_monitor, as_council):
        response = client.post(
            reverse("training:register", args=[event.pk]),
            {"new-last_name": "Иванов", "new-first_name": "Иван", "new-gender": "male"},
        )
        assert response.status_code == 403
    assert not Person.objects.filter(last_name="Иванов").exists()
