"""Training over the API: programmes, events, enrolments, attendance, the public certificate check
and competencies, for every persona."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from dozor.accounts.models import AuditEvent
from dozor.api.conftest import PERSONAS
from dozor.people.models import Organisation, Person
from dozor.training.models import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    Attendance,
    Certificate,
    Competency,
    CompetencyGrant,
    Enrolment,
    Evaluation,
    Event,
    Programme,
    Session,
)

ALL = [*PERSONAS, "council"]
READERS = {"coordinator", "council", "monitor", "trainer"}
MANAGERS = {"coordinator", "trainer"}
LIAISONS = {"liaison", "other_liaison"}


def expected_write(persona: str, ok: int) -> int:
    if persona == "anonymous":
        return 401
    if persona in LIAISONS:
        return 404
    return ok if persona in MANAGERS else 403


@dataclass
class World:
    programme: Programme
    event: Event  # upcoming, planned, two places
    past: Event  # held in 2014, with a certificate
    sessions: list[Session]
    persons: list[Person]
    certificate: Certificate
    competency: Competency


def make_event(programme: Programme, starts_on: datetime.date, **values: Any) -> Event:
    fields: dict[str, Any] = {
        "programme": programme,
        "title_en": f"Seminar {starts_on}",
        "title_ru": f"Семинар {starts_on}",
        "city": "Astana",
        "starts_on": starts_on,
        "ends_on": starts_on,
        "capacity": 2,
    } | values
    return Event.objects.create(**fields)


def make_session(event: Event, order: int) -> Session:
    start = timezone.make_aware(datetime.datetime.combine(event.starts_on, datetime.time(9 + order)))
    return Session.objects.create(event=event, order=order, topic_en=f"Topic {order}", starts_at=start)


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    organisation = Organisation.objects.create(name_en="Test NGO", kind=Organisation.Kind.NGO)
    programme = Programme.objects.create(title_en="Test series", title_ru="Тестовая серия")
    programme.co_organisers.add(organisation)
    competency = Competency.objects.get(code="npm_foundations")
    event = make_event(programme, timezone.localdate() + datetime.timedelta(days=30))
    event.grants.add(competency)
    sessions = [make_session(event, 0), make_session(event, 1)]
    persons = [
        Person.objects.create(last_name=f"Testov{i}", first_name="Test", organisation=organisation)
        for i in range(4)
    ]
    past = make_event(programme, datetime.date(2014, 9, 2), status=Event.Status.HELD, capacity=90)
    past.grants.add(competency)
    enrolment = Enrolment.objects.create(
        event=past, person=persons[0], registered_at=timezone.now(), organisation=organisation
    )
    certificate = Certificate.objects.create(
        enrolment=enrolment, code="DZ-TESTCODE23", issued_on=datetime.date(2014, 9, 2)
    )
    CompetencyGrant.objects.create(
        person=persons[0],
        competency=competency,
        granted_on=datetime.date(2014, 9, 2),
        valid_until=datetime.date(2019, 9, 2),
        certificate=certificate,
    )
    return World(programme, event, past, sessions, persons, certificate, competency)


def state() -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    return (
        sorted(Enrolment.objects.values_list("pk", "event_id", "person_id", "status")),
        sorted(Attendance.objects.values_list("session_id", "enrolment_id", "status")),
        AuditEvent.objects.exclude(action=AuditEvent.Action.LOGIN).count(),
    )


def enrol(world: World, person: Person) -> Enrolment:
    return Enrolment.objects.create(
        event=world.event, person=person, registered_at=timezone.now(), status=Enrolment.Status.REGISTERED
    )


# ---------------------------------------------------------------- programmes


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_programmes_only_to_training_readers(client_as, world, persona):
    response = client_as(persona).get("/api/v1/training-programmes/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    body = response.json()
    if persona in READERS:
        assert [row["title"] for row in body["results"]] == ["Test series"]
        row = body["results"][0]
        assert row["title_ru"] == "Тестовая серия"
        assert [o["name"] for o in row["co_organisers"]] == ["Test NGO"]
    else:
        assert body == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("persona", ALL)
def test_it_retrieves_a_programme_only_for_training_readers(client_as, world, persona):
    response = client_as(persona).get(f"/api/v1/training-programmes/{world.programme.pk}/")
    expected = 401 if persona == "anonymous" else 200 if persona in READERS else 404
    assert response.status_code == expected


# ---------------------------------------------------------------- events


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_events_only_to_training_readers(client_as, world, persona):
    enrol(world, world.persons[1])
    response = client_as(persona).get("/api/v1/training-events/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    body = response.json()
    if persona in READERS:
        rows = {row["id"]: row for row in body["results"]}
        assert set(rows) == {world.event.pk, world.past.pk}
        assert rows[world.event.pk]["registered"] == 1
        assert rows[world.event.pk]["grants"] == ["npm_foundations"]
        assert rows[world.past.pk]["status"] == "held"
        assert "sessions" not in rows[world.event.pk]
    else:
        assert body["results"] == []


@pytest.mark.parametrize("persona", ALL)
def test_it_retrieves_an_event_with_its_sessions(client_as, world, persona):
    response = client_as(persona).get(f"/api/v1/training-events/{world.event.pk}/")
    expected = 401 if persona == "anonymous" else 200 if persona in READERS else 404
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert [s["topic"] for s in body["sessions"]] == ["Topic 0", "Topic 1"]
        assert body["programme"] == {"id": world.programme.pk, "title": "Test series"}


def test_it_filters_events(as_council, world):
    other = Programme.objects.create(title_en="Other")
    make_event(other, datetime.date(2015, 1, 1), status=Event.Status.CANCELLED)

    def ids(**params: Any) -> set[int]:
        response = as_council.get("/api/v1/training-events/", params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(programme=world.programme.pk) == {world.event.pk, world.past.pk}
    assert ids(status="held") == {world.past.pk}
    assert ids(starts_on_after="2014-09-01", starts_on_before="2014-09-30") == {world.past.pk}
    assert ids(upcoming="true") == {world.event.pk}
    assert len(ids(upcoming="false")) == 3


@pytest.mark.parametrize("params", [{"status": "nope"}, {"starts_on_after": "yesterday"}, {"programme": "x"}])
def test_it_refuses_bad_event_filters(as_coordinator, world, params):
    assert as_coordinator.get("/api/v1/training-events/", params).status_code == 400


def test_it_lists_events_in_a_bounded_number_of_queries(as_coordinator, world, django_assert_max_num_queries):
    for day in range(10):
        event = make_event(world.programme, datetime.date(2016, 1, 1 + day))
        event.grants.add(world.competency)
    with django_assert_max_num_queries(8):
        response = as_coordinator.get("/api/v1/training-events/")
    assert response.json()["count"] == 12
    with django_assert_max_num_queries(8):
        as_coordinator.get("/api/v1/training-programmes/")


def test_it_retrieves_an_event_in_a_bounded_number_of_queries(
    as_coordinator, world, django_assert_max_num_queries
):
    for order in range(2, 12):
        make_session(world.event, order)
    with django_assert_max_num_queries(10):
        response = as_coordinator.get(f"/api/v1/training-events/{world.event.pk}/")
    assert len(response.json()["sessions"]) == 12


# ---------------------------------------------------------------- enrolments


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_enrolments_only_to_training_readers(client_as, world, persona):
    enrol(world, world.persons[1])
    response = client_as(persona).get(f"/api/v1/training-events/{world.event.pk}/enrolments/")
    expected = 401 if persona == "anonymous" else 200 if persona in READERS else 404
    assert response.status_code == expected
    if expected == 200:
        rows = response.json()
        assert [(r["person"]["id"], r["status"]) for r in rows] == [(world.persons[1].pk, "registered")]


def test_it_lists_enrolments_in_a_bounded_number_of_queries(
    as_coordinator, world, django_assert_max_num_queries
):
    for person in world.persons:
        enrol(world, person)
    with django_assert_max_num_queries(6):
        response = as_coordinator.get(f"/api/v1/training-events/{world.event.pk}/enrolments/")
    assert len(response.json()) == 4


@pytest.mark.parametrize("persona", ALL)
def test_only_coordinators_and_trainers_register_people(client_as, world, persona):
    before = state()
    response = client_as(persona).post(
        f"/api/v1/training-events/{world.event.pk}/enrolments/",
        {"person_id": world.persons[1].pk},
        content_type="application/json",
    )
    assert response.status_code == expected_write(persona, 201)
    if response.status_code == 201:
        body = response.json()
        assert (body["person"]["id"], body["status"]) == (world.persons[1].pk, "registered")
        assert body["organisation"]["name"] == "Test NGO"
    else:
        assert state() == before


def test_a_full_event_puts_people_on_the_waiting_list(as_trainer, world):
    url = f"/api/v1/training-events/{world.event.pk}/enrolments/"
    statuses = [
        as_trainer.post(url, {"person_id": p.pk}, content_type="application/json").json()["status"]
        for p in world.persons[1:4]
    ]
    assert statuses == ["registered", "registered", "waitlisted"]


@pytest.mark.parametrize(
    "payload",
    [{}, {"person_id": "x"}, {"person_id": 0}, {"person_id": 999999}, {"person_id": None}],
)
def test_it_refuses_bad_registrations_and_changes_nothing(as_coordinator, world, payload):
    before = state()
    response = as_coordinator.post(
        f"/api/v1/training-events/{world.event.pk}/enrolments/", payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert "person_id" in response.json()
    assert state() == before


def test_it_refuses_a_double_registration(as_coordinator, world):
    url = f"/api/v1/training-events/{world.event.pk}/enrolments/"
    payload = {"person_id": world.persons[1].pk}
    assert as_coordinator.post(url, payload, content_type="application/json").status_code == 201
    before = state()
    response = as_coordinator.post(url, payload, content_type="application/json")
    assert response.status_code == 400
    assert "person" in response.json()
    assert state() == before


def test_it_refuses_registration_for_a_past_event(as_coordinator, world):
    before = state()
    response = as_coordinator.post(
        f"/api/v1/training-events/{world.past.pk}/enrolments/",
        {"person_id": world.persons[2].pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert state() == before


# ---------------------------------------------------------------- attendance


@pytest.mark.parametrize("persona", ALL)
def test_only_coordinators_and_trainers_mark_attendance(client_as, world, persona):
    enrolment = enrol(world, world.persons[1])
    before = state()
    url = f"/api/v1/training-events/{world.event.pk}/attendance/"
    payload = {"session_id": world.sessions[0].pk, "marks": {str(enrolment.pk): "present"}}
    response = client_as(persona).post(url, payload, content_type="application/json")
    assert response.status_code == expected_write(persona, 200)
    if response.status_code == 200:
        assert response.json() == [
            {"session_id": world.sessions[0].pk, "enrolment_id": enrolment.pk, "status": "present"}
        ]
    else:
        assert state() == before


@pytest.mark.parametrize("persona", ALL)
def test_it_shows_attendance_only_to_training_readers(client_as, world, persona):
    enrolment = enrol(world, world.persons[1])
    Attendance.objects.create(session=world.sessions[1], enrolment=enrolment, status="late")
    response = client_as(persona).get(f"/api/v1/training-events/{world.event.pk}/attendance/")
    expected = 401 if persona == "anonymous" else 200 if persona in READERS else 404
    assert response.status_code == expected
    if expected == 200:
        assert response.json() == [
            {"session_id": world.sessions[1].pk, "enrolment_id": enrolment.pk, "status": "late"}
        ]


def test_a_second_mark_replaces_the_first(as_trainer, world):
    enrolment = enrol(world, world.persons[1])
    url = f"/api/v1/training-events/{world.event.pk}/attendance/"
    for mark in ("present", "excused"):
        payload = {"session_id": world.sessions[0].pk, "marks": {str(enrolment.pk): mark}}
        assert as_trainer.post(url, payload, content_type="application/json").status_code == 200
    assert list(Attendance.objects.values_list("status", flat=True)) == ["excused"]


def test_it_refuses_bad_attendance_and_changes_nothing(as_coordinator, world):
    enrolment = enrol(world, world.persons[1])
    other_event = make_event(world.programme, world.event.starts_on)
    foreign_session = make_session(other_event, 0)
    foreign = Enrolment.objects.create(
        event=other_event, person=world.persons[2], registered_at=timezone.now()
    )
    url = f"/api/v1/training-events/{world.event.pk}/attendance/"
    good = world.sessions[0].pk
    payloads: list[Any] = [
        {},
        {"session_id": good},
        {"session_id": good, "marks": {}},
        {"session_id": good, "marks": {str(enrolment.pk): "asleep"}},
        {"session_id": good, "marks": {"abc": "present"}},
        {"session_id": foreign_session.pk, "marks": {str(enrolment.pk): "present"}},
        {"session_id": good, "marks": {str(foreign.pk): "present"}},
        {"session_id": good, "marks": {str(enrolment.pk): "present", str(foreign.pk): "present"}},
        {"session_id": "x", "marks": {str(enrolment.pk): "present"}},
    ]
    before = state()
    for payload in payloads:
        response = as_coordinator.post(url, payload, content_type="application/json")
        assert response.status_code == 400, payload
    assert state() == before


# ---------------------------------------------------------------- certificates


@pytest.mark.parametrize("persona", ALL)
def test_anyone_can_verify_a_certificate(client_as, world, persona):
    response = client_as(persona).get(f"/api/v1/certificates/{world.certificate.code}/verify/")
    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "holder": "Testov0 Test",
        "event": "Seminar 2014-09-02 (Astana, 2014-09-02)",
        "issued_on": "2014-09-02",
        "competencies": ["npm_foundations"],
    }


def test_the_check_ignores_case_and_says_only_invalid_otherwise(anonymous, world):
    assert anonymous.get("/api/v1/certificates/dz-testcode23/verify/").json()["valid"] is True
    assert anonymous.get("/api/v1/certificates/DZ-NOSUCHCODE/verify/").json() == {"valid": False}
    Certificate.objects.filter(pk=world.certificate.pk).update(
        revoked_on=datetime.date(2015, 1, 1), revoked_reason="test"
    )
    assert anonymous.get(f"/api/v1/certificates/{world.certificate.code}/verify/").json() == {"valid": False}


# ---------------------------------------------------------------- competencies


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_competencies_only_to_training_readers(client_as, world, persona):
    response = client_as(persona).get("/api/v1/competencies/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    rows = response.json()["results"]
    if persona in READERS:
        assert "npm_foundations" in {row["code"] for row in rows}
        assert all(row["holders"] is None for row in rows)
    else:
        assert rows == []


def test_it_counts_holders_on_a_date(as_monitor, world, django_assert_max_num_queries):
    def holders(on: str) -> dict[str, int]:
        response = as_monitor.get("/api/v1/competencies/", {"holders_on": on})
        assert response.status_code == 200
        return {row["code"]: row["holders"] for row in response.json()["results"]}

    assert holders("2015-06-01")["npm_foundations"] == 1
    assert holders("2020-06-01")["npm_foundations"] == 0
    assert holders("2014-09-01")["npm_foundations"] == 0
    count = Competency.objects.count()
    with django_assert_max_num_queries(6 + count):
        holders("2015-06-01")


def test_it_refuses_a_bad_holders_date(as_coordinator, world):
    assert as_coordinator.get("/api/v1/competencies/", {"holders_on": "soon"}).status_code == 400
    url = f"/api/v1/competencies/{world.competency.code}/holders/"
    assert as_coordinator.get(url, {"on": "2015-13-01"}).status_code == 400


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_holders_only_to_training_readers(client_as, world, persona):
    url = f"/api/v1/competencies/{world.competency.code}/holders/"
    response = client_as(persona).get(url, {"on": "2015-06-01"})
    expected = 401 if persona == "anonymous" else 200 if persona in READERS else 404
    assert response.status_code == expected
    if expected == 200:
        assert [(p["id"], p["full_name"]) for p in response.json()] == [(world.persons[0].pk, "Testov0 Test")]
        assert client_as(persona).get(url, {"on": "2020-06-01"}).json() == []
        assert client_as(persona).get(url).json() == []  # today: the 2014 grant has expired


def test_it_lists_holders_in_a_bounded_number_of_queries(
    as_coordinator, world, django_assert_max_num_queries
):
    for person in world.persons[1:]:
        CompetencyGrant.objects.create(
            person=person,
            competency=world.competency,
            granted_on=datetime.date(2015, 1, 1),
            valid_until=datetime.date(2020, 1, 1),
        )
    url = f"/api/v1/competencies/{world.competency.code}/holders/"
    with django_assert_max_num_queries(6):
        response = as_coordinator.get(url, {"on": "2015-06-01"})
    assert len(response.json()) == 4


def test_unknown_competency_is_404(as_coordinator, world):
    assert as_coordinator.get("/api/v1/competencies/nope/holders/").status_code == 404


# ---------------------------------------------------------------- knowledge tests and evaluations

QUESTIONS = {
    "questions": [
        {
            "text_en": "Who may visit places of detention unannounced?",
            "choices": [{"name": "a", "label_en": "The NPM"}, {"name": "b", "label_en": "Nobody"}],
            "correct": "a",
            "points": 2,
        }
    ]
}


def put_test(client: Any, world: World, kind: str = "post") -> Any:
    return client.put(
        f"/api/v1/training-events/{world.event.pk}/tests/{kind}/", QUESTIONS, content_type="application/json"
    )


@pytest.mark.parametrize("persona", ALL)
def test_it_lets_only_managers_set_test_questions(client_as, world, persona):
    response = put_test(client_as(persona), world)
    assert response.status_code == expected_write(persona, 200)
    if response.status_code == 200:
        body = response.json()
        assert body["kind"] == "post_test" and body["questions"][0]["correct"] == "a"
    else:
        assert not Assessment.objects.exists()


@pytest.mark.parametrize("persona", ALL)
def test_it_shows_test_questions_to_readers_without_the_answers(client_as, world, persona):
    put_test(client_as("coordinator"), world)
    response = client_as(persona).get(f"/api/v1/training-events/{world.event.pk}/tests/post_test/")
    expected = 401 if persona == "anonymous" else 200 if persona in READERS else 404
    assert response.status_code == expected
    if expected == 200:
        question = response.json()["questions"][0]
        assert question["choices"][0]["label_en"] == "The NPM"
        assert question["correct"] == ("a" if persona in MANAGERS else None)


def test_it_answers_404_for_an_unknown_test_kind(as_coordinator, world):
    assert as_coordinator.get(f"/api/v1/training-events/{world.event.pk}/tests/mid/").status_code == 404


@pytest.mark.parametrize("persona", ALL)
def test_it_scores_an_answer_sheet_for_managers(client_as, world, persona):
    put_test(client_as("coordinator"), world)
    enrolment = enrol(world, world.persons[1])
    question = AssessmentQuestion.objects.get()
    response = client_as(persona).post(
        f"/api/v1/training-events/{world.event.pk}/tests/post/results/",
        {"enrolment_id": enrolment.pk, "answers": {str(question.pk): "a"}},
        content_type="application/json",
    )
    assert response.status_code == expected_write(persona, 201)
    if response.status_code == 201:
        body = response.json()
        assert (body["score"], body["max_score"], body["percent"]) == (2, 2, 100.0)
    else:
        assert not AssessmentResult.objects.exists()


def test_it_refuses_an_answer_sheet_of_another_events_enrolment(as_trainer, world):
    put_test(as_trainer, world)
    question = AssessmentQuestion.objects.get()
    before = AuditEvent.objects.count()
    response = as_trainer.post(
        f"/api/v1/training-events/{world.event.pk}/tests/post/results/",
        {"enrolment_id": world.certificate.enrolment_id, "answers": {str(question.pk): "a"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["enrolment"] == ["The answer sheet belongs to a participant of another event."]
    assert not AssessmentResult.objects.exists() and AuditEvent.objects.count() == before


@pytest.mark.parametrize("persona", ALL)
def test_it_records_paper_evaluations_for_managers(client_as, world, persona):
    response = client_as(persona).post(
        f"/api/v1/training-events/{world.event.pk}/evaluations/",
        {"overall": 4, "relevance": 5, "trainers": 3, "comment": "Useful"},
        content_type="application/json",
    )
    assert response.status_code == expected_write(persona, 201)
    assert Evaluation.objects.count() == (1 if response.status_code == 201 else 0)


@pytest.mark.parametrize("persona", ALL)
def test_it_gives_only_evaluation_averages(client_as, world, persona, coordinator):
    from dozor.training.services import evaluation_submit

    enrolment = enrol(world, world.persons[1])
    evaluation_submit(
        actor=coordinator, event=world.event, enrolment=enrolment, overall=5, relevance=4, trainers=3
    )
    evaluation_submit(
        actor=coordinator, event=world.event, enrolment=None, overall=3, relevance=4, trainers=5
    )
    response = client_as(persona).get(f"/api/v1/training-events/{world.event.pk}/evaluations/")
    expected = 401 if persona == "anonymous" else 200 if persona in READERS else 404
    assert response.status_code == expected
    if expected == 200:
        assert response.json() == {"count": 2, "overall": 4.0, "relevance": 4.0, "trainers": 4.0}
        assert "Testov1" not in response.content.decode()


def test_it_refuses_a_paper_evaluation_with_a_bad_rating(as_coordinator, world):
    response = as_coordinator.post(
        f"/api/v1/training-events/{world.event.pk}/evaluations/",
        {"overall": 6, "relevance": 5, "trainers": 3},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["overall"] == ["Give a rating from 1 to 5."]
    assert not Evaluation.objects.exists()
