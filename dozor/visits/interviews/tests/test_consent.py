"""Consent as a record: recording an answer per use, withdrawing it (the signal, the task, the
coordinators' e-mail), closing the task; who may do it; the interview page in Russian and Kazakh."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import Language
from dozor.core.outbox.models import Notification
from dozor.visits.interviews.consent import quotable, uses_in_force
from dozor.visits.interviews.consent_services import consent_record, consent_task_done, consent_withdraw
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Consent, Interview, TeamMember, Visit
from dozor.visits.signals import consent_withdrawn

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 2)
EXCERPT = "Нас держат по восемь человек в камере"


@pytest.fixture
def team_visit(visit: Visit, monitor: User) -> Visit:
    visit.ended_on = datetime.date(2025, 3, 3)
    visit.save(update_fields=["ended_on"])
    TeamMember.objects.create(visit=visit, user=monitor)
    return visit


@pytest.fixture
def interview(team_visit: Visit, monitor: User) -> Interview:
    return interview_record(
        actor=monitor,
        visit=team_visit,
        code="D-07",
        category=Interview.Category.DETAINEE,
        held_on=DAY,
        excerpt=EXCERPT,
    )


def record(actor: User, interview: Interview, **overrides: Any) -> Consent:
    values: dict[str, Any] = {"use": Consent.Use.QUOTE_AUTHORITY, "given_on": DAY}
    values.update(overrides)
    return consent_record(actor=actor, interview=interview, **values)


class Receiver:
    """A stand-in for publishing's receiver: answers with what it is told was already sent."""

    def __init__(self, answer: list[str]) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    def __call__(self, sender: Any, **kwargs: Any) -> list[str]:
        self.calls.append(kwargs)
        return self.answer


@pytest.fixture
def listening() -> Iterator[Any]:
    """Connect a receiver for the test only."""
    connected: list[Receiver] = []

    def connect(answer: list[str]) -> Receiver:
        receiver = Receiver(answer)
        consent_withdrawn.connect(receiver, weak=False)
        connected.append(receiver)
        return receiver

    yield connect
    for receiver in connected:
        consent_withdrawn.disconnect(receiver)


def consent_events() -> int:
    return AuditEvent.objects.filter(object_type="visits.consent").count()


# --- recording ------------------------------------------------------------------------------------


def test_it_records_a_consent_with_how_when_who_and_language(interview, monitor):
    kazakh = Language.objects.get(code="kk")
    consent = record(monitor, interview, method=Consent.Method.WRITTEN, language=kazakh)
    assert (consent.recorded_by, consent.method, consent.language, consent.given_on) == (
        monitor,
        "written",
        kazakh,
        DAY,
    )
    assert consent.in_force and uses_in_force(interview) == {"quote_authority"}
    assert quotable([interview], "authority") == [interview]
    assert quotable([interview], "public") == []
    event = AuditEvent.objects.get(object_type="visits.consent", action=AuditEvent.Action.CREATE)
    assert event.changes["use"] == "quote_authority" and event.changes["recorded_by_id"] == monitor.pk


def test_it_records_a_refusal_that_allows_nothing_and_a_later_consent_replaces_it(interview, monitor):
    refusal = record(monitor, interview, granted=False)
    assert not refusal.in_force and uses_in_force(interview) == set()
    consent = record(monitor, interview, given_on=DAY + datetime.timedelta(days=1))
    refusal.refresh_from_db()
    assert refusal.withdrawn_at is not None and consent.in_force
    assert uses_in_force(interview) == {"quote_authority"}


def test_it_keeps_a_doubtful_capacity_on_record_but_never_relies_on_it(interview, monitor, coordinator):
    consent = record(monitor, interview, capacity=Consent.Capacity.DOUBTFUL, capacity_assessed_by=coordinator)
    assert Consent.objects.filter(pk=consent.pk).exists()
    assert not consent.in_force and uses_in_force(interview) == set()
    assert quotable([interview], "authority") == []


def test_it_lets_a_representative_consent_for_a_child(interview, monitor):
    consent = record(
        monitor,
        interview,
        capacity=Consent.Capacity.CHILD,
        capacity_assessed_by=monitor,
        method=Consent.Method.REPRESENTATIVE,
    )
    assert consent.in_force


def test_it_accepts_a_note_saying_both_the_child_and_the_representative_were_asked(interview, monitor):
    consent = record(
        monitor,
        interview,
        capacity=Consent.Capacity.GUARDIANSHIP,
        capacity_assessed_by=monitor,
        note="The person orally; the guardian by telephone, noted by B.",
    )
    assert consent.in_force


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"use": "tattoo"}, "use"),
        ({"method": "telepathy"}, "method"),
        ({"capacity": "unknown"}, "capacity"),
        ({"given_on": None}, "given_on"),
        ({"given_on": DAY - datetime.timedelta(days=1)}, "given_on"),
        ({"given_on": timezone.localdate() + datetime.timedelta(days=1)}, "given_on"),
        ({"capacity": Consent.Capacity.DOUBTFUL}, "capacity_assessed_by"),
        ({"capacity": Consent.Capacity.CHILD, "capacity_assessed_by": "monitor"}, "note"),
        ({"capacity_assessed_by": "outsider"}, "capacity_assessed_by"),
        ({"capacity_assessed_by": "council"}, "capacity_assessed_by"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_it_refuses_bad_answers_and_writes_nothing(request, interview, monitor, overrides, field):
    if overrides.get("capacity_assessed_by") == "outsider":
        overrides["capacity_assessed_by"] = make_user("dan", Role.MONITOR)
    elif isinstance(overrides.get("capacity_assessed_by"), str):
        overrides["capacity_assessed_by"] = request.getfixturevalue(overrides["capacity_assessed_by"])
    with pytest.raises(ValidationError) as caught:
        record(monitor, interview, **overrides)
    assert field in caught.value.message_dict
    assert not Consent.objects.exists() and consent_events() == 0


def test_it_refuses_a_second_consent_for_a_use_until_the_first_is_withdrawn(interview, monitor):
    record(monitor, interview)
    with pytest.raises(ValidationError) as caught:
        record(monitor, interview, method=Consent.Method.WRITTEN)
    assert "withdraw it first" in caught.value.message_dict["use"][0]
    assert Consent.objects.count() == 1


def test_the_interview_form_boxes_create_records_in_the_interviews_language(team_visit, monitor):
    russian = Language.objects.get(code="ru")
    interview = interview_record(
        actor=monitor,
        visit=team_visit,
        code="D-08",
        category=Interview.Category.DETAINEE,
        held_on=DAY,
        language=russian,
        consents=["quote_authority", "follow_up"],
        consent_method=Consent.Method.WRITTEN,
    )
    rows = list(interview.consents.order_by("use"))
    assert [(c.use, c.method, c.language, c.given_on, c.recorded_by) for c in rows] == [
        ("follow_up", "written", russian, DAY, monitor),
        ("quote_authority", "written", russian, DAY, monitor),
    ]


def test_the_interview_is_not_recorded_when_its_consent_boxes_are_wrong(team_visit, monitor):
    with pytest.raises(ValidationError) as caught:
        interview_record(
            actor=monitor,
            visit=team_visit,
            code="D-09",
            category=Interview.Category.DETAINEE,
            held_on=DAY,
            consents=["quote_public"],
            consent_capacity=Consent.Capacity.CHILD,
        )
    assert {"consent_capacity_assessed_by", "consent_note"} <= set(caught.value.message_dict)
    assert not Interview.objects.exists() and not Consent.objects.exists()


# --- withdrawal -----------------------------------------------------------------------------------


def test_a_withdrawal_sends_the_signal_in_the_transaction_and_stops_the_use(interview, monitor, listening):
    receiver = listening([])
    consent = record(monitor, interview)
    withdrawn = consent_withdraw(actor=monitor, consent=consent, note="In person, at the follow-up visit")
    assert len(receiver.calls) == 1
    assert receiver.calls[0]["consent"].pk == consent.pk and receiver.calls[0]["actor"] == monitor
    assert receiver.calls[0]["consent"].withdrawn_at is not None  # receivers see the withdrawal
    assert withdrawn.withdrawn_recorded_by == monitor and not withdrawn.task_open
    assert uses_in_force(interview) == set() and quotable([interview], "authority") == []
    assert not Notification.objects.exists()
    event = AuditEvent.objects.filter(object_type="visits.consent", action=AuditEvent.Action.UPDATE).get()
    assert event.changes["withdrawal_note"] == "In person, at the follow-up visit"


def test_a_withdrawal_after_sending_opens_a_task_and_tells_the_coordinators(
    interview, monitor, coordinator, listening
):
    coordinator.email = "alice@npm.example"
    coordinator.save(update_fields=["email"])
    listening([])  # a receiver with nothing sent does not open it on its own
    listening(["Report to the Committee, sent 2025-04-01"])
    consent = record(monitor, interview)
    withdrawn = consent_withdraw(actor=monitor, consent=consent, note="Letter from the person")
    assert withdrawn.task_open
    notification = Notification.objects.get(kind=Notification.Kind.CONSENT_WITHDRAWN)
    assert notification.recipient == coordinator and notification.address == "alice@npm.example"
    assert EXCERPT not in notification.body and "D-07" not in notification.body
    assert [m.to for m in mail.outbox] == [["alice@npm.example"]]  # delivered (immediate task backend)
    event = AuditEvent.objects.filter(object_type="visits.consent", action=AuditEvent.Action.UPDATE).get()
    assert event.changes["sent_documents"] == ["Report to the Committee, sent 2025-04-01"]
    assert event.changes["notified"] == [coordinator.pk]


def test_a_failing_receiver_leaves_the_consent_in_force(interview, monitor):
    def broken(sender: Any, **kwargs: Any) -> list[str]:
        raise RuntimeError("publishing is down")

    consent_withdrawn.connect(broken, weak=False)
    consent = record(monitor, interview)
    try:
        with pytest.raises(RuntimeError):
            consent_withdraw(actor=monitor, consent=consent, note="By phone")
    finally:
        consent_withdrawn.disconnect(broken)
    consent.refresh_from_db()
    assert consent.in_force and consent.withdrawn_at is None


@pytest.mark.parametrize("case", ["refusal", "twice", "no_note"])
def test_it_refuses_a_withdrawal_that_makes_no_sense(interview, monitor, case):
    consent = record(monitor, interview, granted=case != "refusal")
    if case == "twice":
        consent_withdraw(actor=monitor, consent=consent, note="By letter")
    before = consent_events()
    with pytest.raises(ValidationError):
        consent_withdraw(actor=monitor, consent=consent, note="" if case == "no_note" else "Again")
    assert consent_events() == before


def test_a_coordinator_closes_the_task_with_what_was_done(interview, monitor, coordinator, listening):
    listening(["Report, sent"])
    consent = consent_withdraw(actor=monitor, consent=record(monitor, interview), note="Letter")
    with pytest.raises(PermissionDenied):
        consent_task_done(actor=monitor, consent=consent, note="Done")
    with pytest.raises(ValidationError):
        consent_task_done(actor=coordinator, consent=consent, note="")
    done = consent_task_done(actor=coordinator, consent=consent, note="Asked the Committee to disregard it")
    assert not done.task_open and done.task_done_at is not None
    assert done.task_note == "Asked the Committee to disregard it"
    with pytest.raises(ValidationError):
        consent_task_done(actor=coordinator, consent=consent, note="Again")


@pytest.mark.parametrize("persona", ["council", "liaison", "outsider"])
def test_only_the_team_and_coordinators_record_or_withdraw(request, interview, monitor, persona):
    actor = make_user("dan", Role.MONITOR) if persona == "outsider" else request.getfixturevalue(persona)
    consent = record(monitor, interview)
    before = consent_events()
    with pytest.raises(PermissionDenied):
        record(actor, interview, use=Consent.Use.NAMING)
    with pytest.raises(PermissionDenied):
        consent_withdraw(actor=actor, consent=consent, note="No")
    consent.refresh_from_db()
    assert consent.in_force and Consent.objects.count() == 1 and consent_events() == before


# --- pages ----------------------------------------------------------------------------------------


def post_consent(client: Client, interview: Interview, **overrides: Any) -> Any:
    data = {"use": "quote_authority", "granted": "yes", "method": "oral", "given_on": DAY.isoformat()}
    data.update(overrides)
    data.setdefault("capacity", "full")
    return client.post(reverse("visits:consent_create", args=[interview.pk]), data)


def test_the_monitor_records_and_withdraws_on_the_interview_page(interview, as_monitor, listening):
    listening([])
    response = post_consent(as_monitor, interview)
    assert response.status_code == 302
    consent = Consent.objects.get()
    page = as_monitor.get(reverse("visits:interview_detail", args=[interview.pk])).content.decode()
    assert 'data-testid="consent-quote_authority" data-state="given"' in page
    assert 'data-testid="consent-naming" data-state="not_asked"' in page
    response = as_monitor.post(reverse("visits:consent_withdraw", args=[consent.pk]), {"note": "By letter"})
    assert response.status_code == 302
    page = as_monitor.get(reverse("visits:interview_detail", args=[interview.pk])).content.decode()
    assert 'data-testid="consent-quote_authority" data-state="withdrawn"' in page


def test_the_page_shows_the_problems_and_records_nothing(interview, as_monitor):
    response = post_consent(as_monitor, interview, capacity="doubtful")
    assert response.status_code == 400
    assert "Name who assessed the person" in response.content.decode()
    assert not Consent.objects.exists()
    consent = record(interview.visit.team.get().user, interview)
    response = as_monitor.post(reverse("visits:consent_withdraw", args=[consent.pk]), {"note": ""})
    assert response.status_code == 400
    consent.refresh_from_db()
    assert consent.in_force


@pytest.mark.parametrize("persona", ["council", "liaison", "outsider"])
def test_other_personas_get_404_and_nothing_changes(request, interview, monitor, persona):
    user = make_user("dan", Role.MONITOR) if persona == "outsider" else request.getfixturevalue(persona)
    client = client_for(user)
    consent = record(monitor, interview)
    before = consent_events()
    assert post_consent(client, interview, use="naming").status_code == 404
    assert (
        client.post(reverse("visits:consent_withdraw", args=[consent.pk]), {"note": "x"}).status_code == 404
    )
    assert (
        client.post(reverse("visits:consent_task_done", args=[consent.pk]), {"task_note": "x"}).status_code
        == 404
    )
    consent.refresh_from_db()
    assert consent.in_force and Consent.objects.count() == 1 and consent_events() == before


def test_the_task_list_is_the_coordinators(interview, monitor, as_coordinator, as_monitor, listening):
    listening(["Report, sent"])
    consent = consent_withdraw(actor=monitor, consent=record(monitor, interview), note="Letter")
    assert as_monitor.get(reverse("visits:consent_tasks")).status_code == 403
    page = as_coordinator.get(reverse("visits:consent_tasks")).content.decode()
    assert 'data-testid="consent-task"' in page and "D-07" in page
    visit_page = as_coordinator.get(reverse("visits:detail", args=[interview.visit_id])).content.decode()
    assert 'data-testid="consent-tasks-note"' in visit_page
    response = as_coordinator.post(reverse("visits:consent_task_done", args=[consent.pk]), {"task_note": ""})
    assert response.status_code == 400
    response = as_coordinator.post(
        reverse("visits:consent_task_done", args=[consent.pk]), {"task_note": "Asked to disregard"}
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert not consent.task_open
    assert (
        'data-testid="no-consent-tasks"'
        in as_coordinator.get(reverse("visits:consent_tasks")).content.decode()
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Согласие", "Указание имени"]),
        ("kk", ["Келісім", "Аты-жөнін атау"]),
    ],
)
def test_the_consent_block_speaks_russian_and_kazakh(interview, monitor, as_monitor, language, words):
    record(monitor, interview)
    as_monitor.cookies["django_language"] = language
    response = as_monitor.get(
        reverse("visits:interview_detail", args=[interview.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    body = response.content.decode()
    assert response.status_code == 200 and f'lang="{language}"' in body
    for word in words:
        assert word in body, word


def test_there_is_no_api_for_consent(as_coordinator):
    assert as_coordinator.get("/api/v1/consents/").status_code == 404
    schema = as_coordinator.get("/api/schema/", {"format": "json"}).json()
    assert not [p for p in schema["paths"] if "consent" in p]


# --- referrals resting on an interview --------------------------------------------------------


def urgent(coordinator: User, visit: Visit) -> Any:
    from dozor.standards.models import Theme
    from dozor.visits.findings.services import finding_create

    return finding_create(
        actor=coordinator,
        visit=visit,
        theme=Theme.objects.order_by("pk").first(),
        severity="critical",
        title="Beaten in the yard",
        description="Described by a detainee.",
        sources=["detainees", "medical"],
        possible_ill_treatment=True,
    )


def refer(coordinator: User, finding: Any, interview: Interview | None) -> Any:
    from dozor.visits.findings.services import referral_record

    return referral_record(
        actor=coordinator,
        finding=finding,
        referred_on=DAY,
        addressee="Regional prosecutor",
        consent_given=True,
        interview=interview,
    )


def test_a_referral_resting_on_an_interview_needs_its_consent_record_in_force(
    interview, monitor, coordinator, listening
):
    from dozor.visits.models import Referral

    listening([])
    finding = urgent(coordinator, interview.visit)
    with pytest.raises(ValidationError) as caught:
        refer(coordinator, finding, interview)
    assert "interview" in caught.value.message_dict and not Referral.objects.exists()
    consent = record(monitor, interview, use=Consent.Use.REFERRAL_PROSECUTOR)
    referral = refer(coordinator, finding, interview)
    assert referral.interview == interview and referral.consent_given
    consent_withdraw(actor=monitor, consent=consent, note="Afraid of reprisals")
    with pytest.raises(ValidationError):
        refer(coordinator, finding, interview)
    assert Referral.objects.count() == 1


def test_a_referral_without_an_interview_keeps_the_attested_consent(interview, coordinator):
    referral = refer(coordinator, urgent(coordinator, interview.visit), None)
    assert referral.interview is None and referral.consent_given
