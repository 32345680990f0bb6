"""The correspondence register (dozor.recommendations.letters.services, views_letters)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Authority
from dozor.recommendations.letters.services import letter_escalate, letter_register, overdue_letters
from dozor.recommendations.models import Letter
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for
from dozor.visits.models import Report

pytestmark = pytest.mark.django_db

D = datetime.date
NAURYZ_EVE = D(2026, 3, 20)  # a Friday; 21-25 March are Nauryz and the days off moved from it


def authority(code: str) -> Authority:
    return Authority.objects.get(code=code)


def outgoing(actor: User, number: str = "04-12/100", **overrides: Any) -> Letter:
    values: dict[str, Any] = {
        "direction": Letter.Direction.OUTGOING,
        "number": number,
        "registered_on": NAURYZ_EVE,
        "authority": authority("KUIS"),
        "subject": "Recommendations after the visit to SIZO-1",
        "answer_within": 10,
        **overrides,
    }
    return letter_register(actor=actor, **values)


def reply(actor: User, to: Letter, number: str = "IN-7", **overrides: Any) -> Letter:
    values: dict[str, Any] = {
        "direction": Letter.Direction.INCOMING,
        "number": number,
        "registered_on": to.registered_on + datetime.timedelta(days=20),
        "authority": to.authority,
        "facility": to.facility,
        "subject": "Answer",
        "in_reply_to": to,
        **overrides,
    }
    return letter_register(actor=actor, **values)


# --- registering --------------------------------------------------------------------------------


def test_it_counts_the_answer_deadline_in_working_days(coordinator):
    one_day = outgoing(coordinator, answer_within=1)
    assert one_day.due_on == D(2026, 3, 26)  # Sat-Wed are Nauryz and its moved days off
    ten_days = outgoing(coordinator, number="04-12/101")
    assert ten_days.due_on == D(2026, 4, 8)
    assert outgoing(coordinator, number="04-12/102", answer_within=None).due_on is None
    event = AuditEvent.objects.get(object_type="recommendations.letter", object_id=str(one_day.pk))
    assert event.action == AuditEvent.Action.CREATE and event.changes["due_on"] == "2026-03-26"


def test_it_refuses_a_number_twice_in_one_direction_only(coordinator):
    outgoing(coordinator, number="04-12/100")
    with pytest.raises(ValidationError) as problem:
        outgoing(coordinator, number=" 04-12/100 ")
    assert "already registered" in problem.value.message_dict["number"][0]
    incoming = letter_register(
        actor=coordinator,
        direction=Letter.Direction.INCOMING,
        number="04-12/100",
        registered_on=NAURYZ_EVE,
        authority=authority("KUIS"),
        subject="Their own numbering",
    )
    assert incoming.pk and Letter.objects.count() == 2


def test_it_reports_every_problem_at_once(coordinator):
    with pytest.raises(ValidationError) as problem:
        letter_register(
            actor=coordinator,
            direction=Letter.Direction.INCOMING,
            number="",
            registered_on=D(2099, 1, 1),
            subject=" ",
            answer_within=5,
        )
    assert set(problem.value.message_dict) == {
        "number",
        "registered_on",
        "authority",
        "subject",
        "answer_within",
    }
    assert not Letter.objects.exists()


def test_it_refuses_a_place_of_another_authority(coordinator):
    with pytest.raises(ValidationError) as problem:
        outgoing(coordinator, facility=health_place())
    assert "facility" in problem.value.message_dict
    assert outgoing(coordinator, facility=kuis_place(), authority=authority("MVD")).pk


def test_only_coordinators_register(monitor, council, liaison):
    for user in (monitor, council, liaison):
        with pytest.raises(PermissionDenied):
            outgoing(user)


def test_an_incoming_reply_marks_the_letter_answered(coordinator):
    letter = outgoing(coordinator, answer_within=1)
    other = outgoing(coordinator, number="04-12/101", answer_within=1)
    assert set(overdue_letters(D(2026, 3, 27))) == {letter, other}
    assert set(overdue_letters(D(2026, 3, 26))) == set()  # the due day itself is not late
    reply(coordinator, letter)
    assert set(overdue_letters(D(2026, 3, 27))) == {other}


def test_a_reply_goes_the_other_way_and_not_before_the_letter(coordinator):
    letter = outgoing(coordinator)
    with pytest.raises(ValidationError) as problem:
        reply(
            coordinator,
            letter,
            direction=Letter.Direction.OUTGOING,
            registered_on=D(2026, 3, 1),
        )
    assert len(problem.value.message_dict["in_reply_to"]) == 2


def test_it_links_the_report_and_the_recommendations(coordinator):
    place = kuis_place()
    report = report_for(coordinator, place)
    made = recommendation(coordinator, report)
    letter = outgoing(coordinator, facility=place, report=report, recommendations=[made.pk])
    assert list(letter.recommendations.all()) == [made] and letter.report == report
    with pytest.raises(ValidationError) as problem:
        outgoing(coordinator, number="04-12/101", recommendations=[made.pk, 999999])
    assert "recommendations" in problem.value.message_dict


# --- escalation ---------------------------------------------------------------------------------


def test_it_escalates_an_unanswered_letter_to_the_supervising_ministry(coordinator):
    place = kuis_place()
    report = report_for(coordinator, place)
    made = recommendation(coordinator, report)
    letter = outgoing(
        coordinator, facility=place, authority=None, report=report, recommendations=[made], answer_within=1
    )
    escalation = letter_escalate(
        actor=coordinator, letter=letter, number="04-12/300", registered_on=D(2026, 4, 1), answer_within=5
    )
    assert escalation.authority == authority("MVD")  # KUIS -> its ministry, the Interior Ministry
    assert escalation.escalation_of == letter and escalation.direction == Letter.Direction.OUTGOING
    assert escalation.subject == f"Escalation: {letter.subject}"
    assert "04-12/100" in escalation.summary and "2026-03-26" in escalation.summary
    assert escalation.report == report and list(escalation.recommendations.all()) == [made]
    assert escalation.due_on == D(2026, 4, 8)
    with pytest.raises(ValidationError) as problem:
        letter_escalate(
            actor=coordinator, letter=letter, number="04-12/301", registered_on=D(2026, 4, 2), answer_within=5
        )
    assert "already escalated" in " ".join(problem.value.messages)


def test_a_committee_letter_goes_up_to_its_ministry_and_a_health_place_to_the_ministry(coordinator):
    committee = outgoing(coordinator, answer_within=1)
    assert (
        letter_escalate(
            actor=coordinator, letter=committee, number="E-1", registered_on=D(2026, 4, 1), answer_within=None
        ).authority.code
        == "MVD"
    )
    hospital = outgoing(
        coordinator, number="04-12/101", authority=None, facility=health_place(), answer_within=1
    )
    assert (
        letter_escalate(
            actor=coordinator, letter=hospital, number="E-2", registered_on=D(2026, 4, 1), answer_within=None
        ).authority.code
        == "MZ"
    )


@pytest.mark.parametrize("case", ["answered", "not_due", "ministry", "incoming", "no_deadline"])
def test_it_refuses_an_escalation_without_reason(coordinator, case):
    letter = outgoing(coordinator, answer_within=1)
    on = D(2026, 4, 1)
    if case == "answered":
        reply(coordinator, letter)
    elif case == "not_due":
        on = D(2026, 3, 26)
    elif case == "ministry":
        letter = outgoing(coordinator, number="04-12/101", authority=authority("MZ"), answer_within=1)
    elif case == "incoming":
        letter = reply(coordinator, letter, in_reply_to=None)
    elif case == "no_deadline":
        letter = outgoing(coordinator, number="04-12/101", answer_within=None)
    before = Letter.objects.count()
    with pytest.raises(ValidationError):
        letter_escalate(actor=coordinator, letter=letter, number="E-1", registered_on=on, answer_within=5)
    assert Letter.objects.count() == before


def test_only_coordinators_escalate(coordinator, monitor):
    letter = outgoing(coordinator, answer_within=1)
    with pytest.raises(PermissionDenied):
        letter_escalate(
            actor=monitor, letter=letter, number="E-1", registered_on=D(2026, 4, 1), answer_within=5
        )


# --- pages --------------------------------------------------------------------------------------


def kuis_and_health_letters(coordinator: User) -> tuple[Letter, Letter]:
    kuis = outgoing(coordinator, facility=kuis_place(), answer_within=1, subject="Beds in SIZO-1")
    health = outgoing(
        coordinator,
        number="04-12/200",
        authority=authority("MZ"),
        facility=health_place(),
        answer_within=1,
        subject="Restraint in the psychiatric hospital",
    )
    return kuis, health


def test_the_register_lists_and_filters_letters(as_coordinator, coordinator, django_assert_max_num_queries):
    kuis, health = kuis_and_health_letters(coordinator)
    reply(coordinator, health, subject="Measures taken")
    url = reverse("recommendations:letter_list")
    with django_assert_max_num_queries(12):
        page = as_coordinator.get(url)
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="letter-row"') == 3
    for params, expected in [
        ({"overdue": "on"}, [kuis]),
        ({"unanswered": "on"}, [kuis]),
        ({"direction": "in"}, ["IN-7"]),
        ({"q": "restraint"}, [health]),
        ({"q": "04-12/1"}, [kuis]),
        ({"authority": authority("MVD").pk}, [kuis]),
    ]:
        body = as_coordinator.get(url, params).content.decode()
        assert body.count('data-testid="letter-row"') == len(expected), params
        for item in expected:
            assert (item.number if isinstance(item, Letter) else item) in body


def test_the_list_runs_a_bounded_number_of_queries(
    as_coordinator, coordinator, django_assert_max_num_queries
):
    for index in range(15):
        outgoing(coordinator, number=f"N-{index}", facility=kuis_place(), answer_within=1)
    with django_assert_max_num_queries(12):
        assert as_coordinator.get(reverse("recommendations:letter_list")).status_code == 200


def test_a_liaison_reads_only_its_own_authoritys_letters(as_liaison, coordinator):
    kuis, health = kuis_and_health_letters(coordinator)
    body = as_liaison.get(reverse("recommendations:letter_list")).content.decode()
    assert kuis.number in body and health.number not in body and "Restraint" not in body
    assert 'data-testid="new-letter"' not in body
    assert as_liaison.get(reverse("recommendations:letter_detail", args=[health.pk])).status_code == 404
    assert as_liaison.get(reverse("recommendations:letter_detail", args=[kuis.pk])).status_code == 200
    assert as_liaison.get(reverse("recommendations:letter_create")).status_code == 403
    assert as_liaison.post(reverse("recommendations:letter_escalate", args=[kuis.pk])).status_code == 403
    # the authority filter cannot reach another authority either
    body = as_liaison.get(reverse("recommendations:letter_list"), {"authority": authority("MZ").pk}).content
    assert health.number.encode() not in body


def test_the_other_liaison_never_sees_kuis_letters(as_other_liaison, coordinator):
    kuis, health = kuis_and_health_letters(coordinator)
    body = as_other_liaison.get(reverse("recommendations:letter_list")).content.decode()
    assert health.number in body and kuis.number not in body
    assert as_other_liaison.get(reverse("recommendations:letter_detail", args=[kuis.pk])).status_code == 404


def test_outsiders_get_nothing(as_trainer, anonymous, coordinator):
    letter = outgoing(coordinator)
    assert as_trainer.get(reverse("recommendations:letter_list")).status_code == 403
    assert as_trainer.get(reverse("recommendations:letter_detail", args=[letter.pk])).status_code == 404
    response = anonymous.get(reverse("recommendations:letter_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_monitors_read_but_do_not_register(as_monitor, coordinator):
    letter = outgoing(coordinator)
    body = as_monitor.get(reverse("recommendations:letter_list")).content.decode()
    assert letter.number in body and 'data-testid="new-letter"' not in body
    assert "Correspondence" in body  # the menu entry
    assert as_monitor.get(reverse("recommendations:letter_create")).status_code == 403


def form_data(**overrides: Any) -> dict[str, Any]:
    return {
        "direction": "out",
        "number": "04-12/500",
        "registered_on": "2026-03-20",
        "authority": authority("KUIS").pk,
        "facility": "",
        "subject": "Follow-up of the visit",
        "summary": "",
        "answer_within": "1",
        "in_reply_to": "",
        "report": "",
        "recommendations": "",
        **overrides,
    }


def test_a_coordinator_registers_a_letter_and_its_reply_through_the_pages(as_coordinator, coordinator):
    url = reverse("recommendations:letter_create")
    response = as_coordinator.post(url, form_data())
    assert response.status_code == 302
    letter = Letter.objects.get(number="04-12/500")
    assert letter.due_on == D(2026, 3, 26) and letter.created_by == coordinator
    again = as_coordinator.post(url, form_data())
    assert again.status_code == 400 and "already registered" in again.content.decode()
    form = as_coordinator.get(url, {"reply_to": letter.pk}).content.decode()
    assert 'value="04-12/500"' in form
    response = as_coordinator.post(
        url, form_data(direction="in", number="IN-1", answer_within="", in_reply_to="04-12/500")
    )
    assert response.status_code == 302
    detail = as_coordinator.get(reverse("recommendations:letter_detail", args=[letter.pk])).content.decode()
    assert 'data-testid="reply"' in detail and "IN-1" in detail and 'data-testid="escalate"' not in detail
    unknown = as_coordinator.post(url, form_data(direction="in", number="IN-2", in_reply_to="nope"))
    assert unknown.status_code == 400


def test_the_detail_shows_only_what_the_liaison_may_see(as_liaison, as_coordinator, coordinator):
    place = kuis_place()
    draft = report_for(coordinator, place, status=Report.Status.DRAFT)
    hidden = recommendation(coordinator, draft, text="A recommendation of a draft report.")
    shown = recommendation(coordinator, None, facility=place, text="Repair the ventilation.")
    letter = outgoing(coordinator, facility=place, report=draft, recommendations=[hidden, shown])
    liaison_page = as_liaison.get(reverse("recommendations:letter_detail", args=[letter.pk])).content.decode()
    assert "Repair the ventilation." in liaison_page and "draft report" not in liaison_page
    assert 'data-testid="report"' not in liaison_page
    staff_page = as_coordinator.get(
        reverse("recommendations:letter_detail", args=[letter.pk])
    ).content.decode()
    assert "draft report" in staff_page and 'data-testid="report"' in staff_page


def test_the_escalate_button_and_page(as_coordinator, coordinator):
    letter = outgoing(coordinator, answer_within=1)  # due 2026-03-26: overdue now
    detail = as_coordinator.get(reverse("recommendations:letter_detail", args=[letter.pk])).content.decode()
    assert 'data-testid="escalate"' in detail and 'data-testid="overdue"' in detail
    url = reverse("recommendations:letter_escalate", args=[letter.pk])
    assert as_coordinator.get(url).status_code == 200
    response = as_coordinator.post(
        url, {"number": "E-9", "registered_on": "2026-04-01", "answer_within": "10"}
    )
    assert response.status_code == 302
    escalation = Letter.objects.get(number="E-9")
    assert escalation.escalation_of == letter and escalation.authority is not None
    assert escalation.authority.code == "MVD"
    refused = as_coordinator.post(
        url, {"number": "E-10", "registered_on": "2026-04-02", "answer_within": "10"}
    )
    assert refused.status_code == 400 and "already escalated" in refused.content.decode()
    detail = as_coordinator.get(reverse("recommendations:letter_detail", args=[letter.pk])).content.decode()
    assert 'data-testid="escalation"' in detail and 'data-testid="escalate"' not in detail
