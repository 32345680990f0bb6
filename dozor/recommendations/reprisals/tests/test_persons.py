"""Reprisal cases that follow people (decision 0024): protected persons, transfers and release,
actions and their outcome, checks at whichever place holds the person, who sees what."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.recommendations.access import (
    can_read_identity,
    protected_persons_visible_to,
    reprisal_cases_visible_to,
)
from dozor.recommendations.models import PersonLocation, ProtectedPerson, ReprisalAction, ReprisalCase
from dozor.recommendations.reprisals.services import (
    person_move,
    reprisal_action_add,
    reprisal_action_outcome,
    reprisal_check,
    reprisal_open,
)
from dozor.recommendations.tests.factories import kuis_place
from dozor.visits.models import Interview, Visit
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

IDENTITY = "Nurlan Kasymov, born 1988"
SOURCE = "His sister phoned on the hotline"
NOTE = "Letter 14/327 to the head of the colony"
FOUND = "Seen alone in the new colony; says nobody threatened him since"


def visit_to(actor: User, facility: Facility, started_on: datetime.date, team: list[User]) -> Visit:
    return visit_create(
        actor=actor,
        facility=facility,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=started_on,
        team=team,
    )


@dataclass
class World:
    first_place: Facility  # colony A, where the person spoke to the NPM
    second_place: Facility  # colony B, where the person was transferred
    first: Visit  # the visit to A the case came from (team: bob)
    at_second: Visit  # a later visit to B (team: carl)
    case: ReprisalCase
    person: ProtectedPerson
    bob: User
    carl: User


@pytest.fixture
def world(coordinator: User, monitor: User) -> World:
    first_place, second_place = kuis_place(), kuis_place()
    carl = make_user("carl", Role.MONITOR)
    first = visit_to(coordinator, first_place, datetime.date(2025, 3, 4), [monitor])
    at_second = visit_to(coordinator, second_place, datetime.date(2025, 9, 10), [carl])
    interview = Interview.objects.create(
        visit=first,
        code="R-1",
        category=Interview.Category.DETAINEE,
        held_on=first.started_on,
        at_risk=True,
    )
    case = reprisal_open(
        actor=monitor,
        kind=ReprisalCase.Kind.AT_RISK,
        raised_on=datetime.date(2025, 3, 5),
        summary="Threatened after the interview",
        interview=interview,
    )
    return World(first_place, second_place, first, at_second, case, case.person, monitor, carl)


def transfer(actor: User, world: World, on: datetime.date = datetime.date(2025, 6, 1)) -> PersonLocation:
    return person_move(
        actor=actor,
        person=world.person,
        whereabouts=ProtectedPerson.Whereabouts.HELD,
        facility=world.second_place,
        since=on,
        source=SOURCE,
    )


def check(actor: User, world: World, visit: Visit) -> object:
    return reprisal_check(
        actor=actor,
        case=world.case,
        visit=visit,
        checked_on=visit.started_on,
        outcome=FOUND,
        state=ReprisalCase.State.MONITORING,
    )


# --- persons and moves ---------------------------------------------------------------------------


def test_a_case_from_an_interview_creates_a_person_held_at_the_place(world):
    person = world.person
    assert person.code.startswith("P-") and len(person.code) == 6
    assert person.category == ProtectedPerson.Category.DETAINEE
    assert person.whereabouts == ProtectedPerson.Whereabouts.HELD and person.facility == world.first_place
    assert list(person.locations.values_list("facility", "since")) == [
        (world.first_place.pk, datetime.date(2025, 3, 4))
    ]


def test_a_transfer_moves_the_person_and_the_case_follows(coordinator, world):
    transfer(coordinator, world)
    world.person.refresh_from_db()
    assert world.person.facility == world.second_place and world.person.since == datetime.date(2025, 6, 1)
    assert world.person.locations.count() == 2
    case = ReprisalCase.objects.get(pk=world.case.pk)
    assert case.person == world.person and case.facility == world.first_place  # raised there, still
    assert case.checkable_at(world.second_place.pk, datetime.date(2025, 9, 10))
    assert not case.checkable_at(world.first_place.pk, datetime.date(2025, 9, 10))
    assert case.checkable_at(world.first_place.pk, datetime.date(2025, 5, 1))  # held there then


def test_a_check_at_the_new_place_works_and_the_old_place_no_longer_checks(coordinator, world):
    with pytest.raises(ValidationError) as caught:  # not yet recorded as transferred there
        check(world.carl, world, world.at_second)
    assert "visit" in caught.value.message_dict
    transfer(coordinator, world)
    check(world.carl, world, world.at_second)
    world.case.refresh_from_db()
    assert world.case.state == ReprisalCase.State.MONITORING and world.case.checks.count() == 1
    back_at_first = visit_to(coordinator, world.first_place, datetime.date(2025, 10, 1), [world.bob])
    with pytest.raises(ValidationError) as caught:
        check(world.bob, world, back_at_first)
    assert "visit" in caught.value.message_dict


def test_after_release_no_place_checks_on_a_detainee(coordinator, world):
    person_move(
        actor=coordinator,
        person=world.person,
        whereabouts=ProtectedPerson.Whereabouts.RELEASED,
        since=datetime.date(2025, 5, 1),
    )
    world.person.refresh_from_db()
    assert world.person.facility is None
    assert world.person.whereabouts == ProtectedPerson.Whereabouts.RELEASED
    later = visit_to(coordinator, world.first_place, datetime.date(2025, 9, 1), [])
    for visit in (later, world.at_second):
        with pytest.raises(ValidationError):
            check(coordinator, world, visit)


def test_a_move_is_validated_reporting_every_problem_and_writing_nothing(coordinator, world):
    cases = [
        ({"whereabouts": "held", "facility": None, "since": datetime.date(2999, 1, 1)}, {"facility", "since"}),
        ({"whereabouts": "released", "facility": world.second_place, "since": datetime.date(2025, 1, 1)},
         {"facility", "since"}),
        ({"whereabouts": "held", "facility": world.first_place, "since": datetime.date(2025, 6, 1)},
         {"__all__"}),
        ({"whereabouts": "nowhere", "facility": None, "since": datetime.date(2025, 6, 1)}, {"whereabouts"}),
    ]  # fmt: skip
    for values, keys in cases:
        with pytest.raises(ValidationError) as caught:
            person_move(actor=coordinator, person=world.person, **values)  # type: ignore[arg-type]
        assert set(caught.value.message_dict) == keys, values
    assert world.person.locations.count() == 1


def test_only_coordinators_record_moves_and_actions(world, council, liaison):
    for actor in (world.bob, world.carl, council, liaison):
        with pytest.raises(PermissionDenied):
            transfer(actor, world)
        with pytest.raises(PermissionDenied):
            reprisal_action_add(
                actor=actor, case=world.case, kind="letter", taken_on=datetime.date(2025, 4, 1)
            )
    assert world.person.locations.count() == 1 and not ReprisalAction.objects.exists()


def test_cases_for_relatives_staff_and_npm_members_need_no_place(coordinator, world):
    relative = reprisal_open(
        actor=coordinator,
        kind=ReprisalCase.Kind.ALLEGATION,
        raised_on=datetime.date(2025, 4, 1),
        category=ProtectedPerson.Category.RELATIVE,
        identity="Mother of R-1",
    )
    assert relative.facility is None and relative.person.facility is None
    assert relative.person.whereabouts == ProtectedPerson.Whereabouts.OUTSIDE
    member = reprisal_open(
        actor=coordinator,
        kind=ReprisalCase.Kind.ALLEGATION,
        raised_on=datetime.date(2025, 4, 1),
        category=ProtectedPerson.Category.NPM_MEMBER,
    )
    assert member.person.category == ProtectedPerson.Category.NPM_MEMBER
    staff = reprisal_open(
        actor=coordinator,
        kind=ReprisalCase.Kind.ALLEGATION,
        raised_on=datetime.date(2025, 4, 1),
        category=ProtectedPerson.Category.STAFF,
        facility=world.second_place,
    )
    assert staff.person.facility is None  # staff are not held; the case is raised at their place
    assert staff.checkable_at(world.second_place.pk, world.at_second.started_on)
    again = reprisal_open(
        actor=coordinator,
        kind=ReprisalCase.Kind.ALLEGATION,
        raised_on=datetime.date(2025, 5, 1),
        person=world.person,
    )
    assert again.person == world.person and world.person.cases.count() == 2
    with pytest.raises(PermissionDenied):  # a monitor cannot attach a case to an existing person
        reprisal_open(
            actor=world.bob,
            kind=ReprisalCase.Kind.ALLEGATION,
            raised_on=datetime.date(2025, 5, 1),
            person=world.person,
        )


def test_actions_and_their_outcome(coordinator, world):
    action = reprisal_action_add(
        actor=coordinator,
        case=world.case,
        kind=ReprisalAction.Kind.PROSECUTOR,
        taken_on=datetime.date(2025, 4, 1),
        note=NOTE,
    )
    assert action.outcome == ""
    with pytest.raises(ValidationError) as caught:
        reprisal_action_add(
            actor=coordinator,
            case=world.case,
            kind="telepathy",
            taken_on=datetime.date(2025, 1, 1),
            outcome="x",
        )
    assert set(caught.value.message_dict) == {"kind", "taken_on", "outcome_on"}
    with pytest.raises(ValidationError) as caught:
        reprisal_action_outcome(
            actor=coordinator, action=action, outcome=" ", outcome_on=datetime.date(2025, 3, 1)
        )
    assert set(caught.value.message_dict) == {"outcome", "outcome_on"}
    reprisal_action_outcome(
        actor=coordinator, action=action, outcome="Inquiry opened", outcome_on=datetime.date(2025, 5, 2)
    )
    action.refresh_from_db()
    assert action.outcome == "Inquiry opened" and action.outcome_on == datetime.date(2025, 5, 2)
    logged = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert NOTE not in logged and "Inquiry opened" not in logged


def test_identity_note_and_source_are_encrypted_in_the_database(coordinator, world):
    ProtectedPerson.objects.filter(pk=world.person.pk).update(identity=IDENTITY)
    transfer(coordinator, world)
    reprisal_action_add(
        actor=coordinator, case=world.case, kind="letter", taken_on=datetime.date(2025, 4, 1), note=NOTE
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT identity FROM recommendations_protectedperson")
        raw = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT source FROM recommendations_personlocation")
        raw += [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT note FROM recommendations_reprisalaction")
        raw += [row[0] for row in cursor.fetchall()]
    text = " ".join(str(value) for value in raw)
    for secret in (IDENTITY, "Kasymov", SOURCE, NOTE):
        assert secret not in text
    assert ProtectedPerson.objects.get(pk=world.person.pk).identity == IDENTITY
    logged = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert SOURCE not in logged and IDENTITY not in logged


# --- who sees what -------------------------------------------------------------------------------


def test_the_new_places_team_sees_the_case_and_the_identity_once_transferred(coordinator, world, council):
    assert not reprisal_cases_visible_to(world.carl).exists()
    assert not can_read_identity(world.carl, world.person)
    transfer(coordinator, world)
    assert list(reprisal_cases_visible_to(world.carl)) == [world.case]
    assert list(protected_persons_visible_to(world.carl)) == [world.person]
    assert can_read_identity(world.carl, world.person)
    assert can_read_identity(world.bob, world.person)  # the team the case came from
    assert can_read_identity(coordinator, world.person)
    stranger = make_user("mia", Role.MONITOR)
    # a monitor who visited the old place long before the case sees it (as before) but not who it is
    visit_to(coordinator, world.first_place, datetime.date(2024, 1, 10), [stranger])
    assert list(reprisal_cases_visible_to(stranger)) == [world.case]
    assert not can_read_identity(stranger, world.person)
    for outsider in (council, make_user("zed", Role.MONITOR)):
        assert not protected_persons_visible_to(outsider).exists()
        assert not can_read_identity(outsider, world.person)


def test_outsiders_reach_no_person_action_or_move_page(coordinator, world, liaison, trainer, council):
    ProtectedPerson.objects.filter(pk=world.person.pk).update(identity=IDENTITY)
    transfer(coordinator, world)
    action = reprisal_action_add(
        actor=coordinator, case=world.case, kind="letter", taken_on=datetime.date(2025, 4, 1), note=NOTE
    )
    urls = [
        reverse("recommendations:reprisal_person", args=[world.person.pk]),
        reverse("recommendations:reprisal_person_move", args=[world.person.pk]),
        reverse("recommendations:reprisal_action_add", args=[world.case.pk]),
        reverse("recommendations:reprisal_action_outcome", args=[action.pk]),
        reverse("recommendations:reprisal_open") + f"?person={world.person.pk}",
        reverse("recommendations:reprisal_detail", args=[world.case.pk]),
        reverse("recommendations:reprisal_list"),
    ]
    outsiders: list[tuple[str, Client]] = [
        ("liaison", client_for(liaison)),
        ("trainer", client_for(trainer)),
        ("council", client_for(council)),
        ("off-team monitor", client_for(make_user("zed", Role.MONITOR))),
        ("anonymous", Client()),
    ]
    for name, client in outsiders:
        for url in urls:
            for method in ("get", "post"):
                data = {
                    "whereabouts": "released",
                    "since": "2025-07-01",
                    "kind": "spt",
                    "taken_on": "2025-07-01",
                }
                response = getattr(client, method)(url, data if method == "post" else {})
                body = response.content.decode()
                if name == "off-team monitor" and url.endswith("/reprisals/"):
                    assert response.status_code == 200 and 'data-testid="reprisal-row"' not in body
                elif name == "anonymous":
                    assert response.status_code == 302, (name, url)
                else:
                    assert response.status_code in (403, 404), (name, method, url, response.status_code)
                for secret in (world.person.code, IDENTITY, NOTE, SOURCE):
                    assert secret not in body, (name, url, secret)
    world.person.refresh_from_db()
    assert world.person.facility == world.second_place and ReprisalAction.objects.count() == 1


def test_a_team_monitor_reads_the_person_but_cannot_move_or_act(coordinator, world):
    ProtectedPerson.objects.filter(pk=world.person.pk).update(identity=IDENTITY)
    transfer(coordinator, world)
    client = client_for(world.carl)
    page = client.get(reverse("recommendations:reprisal_person", args=[world.person.pk])).content.decode()
    assert IDENTITY in page and 'data-testid="move-form"' not in page
    assert (
        client.post(reverse("recommendations:reprisal_person_move", args=[world.person.pk]), {}).status_code
        == 403
    )
    assert (
        client.post(reverse("recommendations:reprisal_action_add", args=[world.case.pk]), {}).status_code
        == 403
    )
    read = AuditEvent.objects.filter(
        actor=world.carl, action=AuditEvent.Action.READ, object_type="recommendations.protectedperson"
    ).get()
    assert read.changes["identity_shown"] is True


def test_a_monitor_who_sees_the_case_but_is_not_its_team_does_not_see_the_identity(coordinator, world):
    ProtectedPerson.objects.filter(pk=world.person.pk).update(identity=IDENTITY)
    early = make_user("mia", Role.MONITOR)
    visit_to(coordinator, world.first_place, datetime.date(2024, 1, 10), [early])
    page = client_for(early).get(reverse("recommendations:reprisal_person", args=[world.person.pk]))
    assert page.status_code == 200
    assert IDENTITY not in page.content.decode() and world.person.code in page.content.decode()
    transfer(coordinator, world)
    page = client_for(early).get(reverse("recommendations:reprisal_person", args=[world.person.pk]))
    assert SOURCE not in page.content.decode()  # the source of a move is as confidential


# --- pages ----------------------------------------------------------------------------------------


def test_the_visit_page_of_the_new_place_lists_the_person_to_check(coordinator, world):
    client = client_for(world.carl)
    visit_url = reverse("visits:detail", args=[world.at_second.pk])
    assert 'data-testid="reprisal-to-check"' not in client.get(visit_url).content.decode()
    transfer(coordinator, world)
    page = client.get(visit_url).content.decode()
    assert page.count('data-testid="reprisal-to-check"') == 1
    assert world.person.code in page and 'data-testid="moved-here"' in page
    assert IDENTITY not in page and "Threatened" not in page
    url = reverse("recommendations:reprisal_check", args=[world.case.pk, world.at_second.pk])
    response = client.post(url, {"checked_on": "2025-09-10", "outcome": FOUND, "state": "monitoring"})
    assert response.status_code == 302
    assert world.case.checks.get().visit == world.at_second
    # the old place's later visit no longer lists the person
    back = visit_to(coordinator, world.first_place, datetime.date(2025, 10, 1), [world.bob])
    page = client_for(world.bob).get(reverse("visits:detail", args=[back.pk])).content.decode()
    assert 'data-testid="reprisal-to-check"' not in page


def test_coordinators_record_a_move_and_an_action_from_the_pages(as_coordinator, world):
    url = reverse("recommendations:reprisal_person_move", args=[world.person.pk])
    bad = as_coordinator.post(url, {"whereabouts": "held", "since": "2025-06-01"})
    assert bad.status_code == 400 and world.person.locations.count() == 1
    response = as_coordinator.post(
        url,
        {"whereabouts": "held", "facility": world.second_place.pk, "since": "2025-06-01", "source": SOURCE},
    )
    assert response.status_code == 302
    world.person.refresh_from_db()
    assert world.person.facility == world.second_place
    response = as_coordinator.post(
        reverse("recommendations:reprisal_action_add", args=[world.case.pk]),
        {"kind": "spt", "taken_on": "2025-06-02", "note": NOTE},
    )
    assert response.status_code == 302
    action = ReprisalAction.objects.get()
    response = as_coordinator.post(
        reverse("recommendations:reprisal_action_outcome", args=[action.pk]),
        {"outcome": "The SPT wrote to the State", "outcome_on": "2025-07-01"},
    )
    assert response.status_code == 302
    page = as_coordinator.get(
        reverse("recommendations:reprisal_detail", args=[world.case.pk])
    ).content.decode()
    assert NOTE in page and "The SPT wrote to the State" in page
    assert world.second_place.name in page


def test_a_coordinator_opens_a_case_for_a_relative_from_the_page(as_coordinator):
    response = as_coordinator.post(
        reverse("recommendations:reprisal_open"),
        {"category": "relative", "identity": "Sister", "kind": "allegation", "raised_on": "2025-05-02"},
    )
    assert response.status_code == 302
    case = ReprisalCase.objects.get()
    assert case.facility is None and case.person.category == ProtectedPerson.Category.RELATIVE


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_person_and_case_pages_render_in_russian_and_kazakh(as_coordinator, coordinator, world, lang):
    transfer(coordinator, world)
    as_coordinator.post(reverse("set_language"), {"language": lang, "next": "/"})
    for url in (
        reverse("recommendations:reprisal_person", args=[world.person.pk]),
        reverse("recommendations:reprisal_detail", args=[world.case.pk]),
        reverse("recommendations:reprisal_list"),
        reverse("recommendations:reprisal_open"),
        reverse("visits:detail", args=[world.at_second.pk]),
    ):
        response = as_coordinator.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{lang}">' in response.content.decode()


def test_it_has_no_api_for_persons_or_actions(as_coordinator):
    schema = as_coordinator.get("/api/schema/", {"format": "json"}).json()
    words = ("reprisal", "protected", "person-location", "personlocation")
    assert not [p for p in schema["paths"] if any(w in p.lower() for w in words)]
    assert not [n for n in schema["components"]["schemas"] if any(w in n.lower() for w in words)]
