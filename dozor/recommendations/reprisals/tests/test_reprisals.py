"""Reprisal follow-up (dozor.recommendations.reprisals.services, views_reprisals, the visit section)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.recommendations.dashboard.selectors import reprisal_statistics
from dozor.recommendations.models import ProtectedPerson, ReprisalCase, ReprisalCheck
from dozor.recommendations.reprisals.services import reprisal_check, reprisal_close, reprisal_open
from dozor.recommendations.tests.factories import health_place, kuis_place
from dozor.visits.models import Interview, Visit
from dozor.visits.services import visit_create

pytestmark = pytest.mark.django_db

CODE = "R-417"
SUMMARY = "Threatened with transfer to the punishment cell after speaking to the monitors"
FOUND = "Seen alone; not moved; says the threats stopped"


def visit_to(actor: User, facility: Facility, started_on: datetime.date, team: list[User]) -> Visit:
    return visit_create(
        actor=actor,
        facility=facility,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=started_on,
        team=team,
    )


def interview(visit: Visit, code: str = CODE, *, at_risk: bool = True) -> Interview:
    return Interview.objects.create(
        visit=visit,
        code=code,
        category=Interview.Category.DETAINEE,
        held_on=visit.started_on,
        at_risk=at_risk,
        notes="Name: Serik B., cell 12",
        identity="Serik Bolatov, 1990",
    )


@dataclass
class World:
    place: Facility
    first: Visit  # the visit the at-risk interview came from
    later: Visit  # the next visit, which must check
    interview: Interview
    insider: User  # monitor bob, on both teams


@pytest.fixture
def world(coordinator: User, monitor: User) -> World:
    place = kuis_place()
    first = visit_to(coordinator, place, datetime.date(2025, 3, 4), [monitor])
    later = visit_to(coordinator, place, datetime.date(2025, 9, 10), [monitor])
    return World(place=place, first=first, later=later, interview=interview(first), insider=monitor)


def open_case(actor: User, world: World, **overrides: object) -> ReprisalCase:
    values: dict[str, object] = {
        "facility": world.place,
        "kind": ReprisalCase.Kind.AT_RISK,
        "raised_on": datetime.date(2025, 3, 5),
        "summary": SUMMARY,
        "interview": world.interview,
        "category": ProtectedPerson.Category.DETAINEE,  # used for a case without an interview
        **overrides,
    }
    return reprisal_open(actor=actor, **values)  # type: ignore[arg-type]


# --- services ------------------------------------------------------------------------------------


def test_it_opens_a_case_for_an_at_risk_interviewee_without_logging_the_summary(coordinator, world):
    case = open_case(coordinator, world)
    assert case.state == ReprisalCase.State.OPEN
    assert case.summary == SUMMARY
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.CREATE, object_type="recommendations.reprisalcase"
    )
    assert SUMMARY not in str(event.changes)
    assert event.changes["confidential_fields_set"] == ["summary"]


def test_the_visit_team_opens_a_case_for_its_own_interviewee(world):
    assert open_case(world.insider, world).created_by == world.insider


def test_a_monitor_off_the_team_cannot_open_and_nobody_else_can(world, council, liaison, trainer):
    outsider = make_user("mia", Role.MONITOR)
    for actor in (outsider, council, liaison, trainer):
        with pytest.raises(PermissionDenied):
            open_case(actor, world)


def test_an_allegation_without_interview_is_for_coordinators(coordinator, world):
    with pytest.raises(PermissionDenied):
        open_case(world.insider, world, interview=None, kind=ReprisalCase.Kind.ALLEGATION)
    case = open_case(coordinator, world, interview=None, kind=ReprisalCase.Kind.ALLEGATION)
    assert case.interview is None


def test_it_reports_every_problem_of_a_new_case_at_once(coordinator, world):
    elsewhere = visit_to(coordinator, health_place(), datetime.date(2025, 3, 4), [])
    calm = interview(elsewhere, "Q-1", at_risk=False)
    with pytest.raises(ValidationError) as caught:
        open_case(coordinator, world, interview=calm, kind="unknown", raised_on=datetime.date(2999, 1, 1))
    errors = caught.value.message_dict
    assert set(errors) == {"kind", "raised_on", "interview"}
    assert len(errors["interview"]) == 2  # not at risk, and from another place
    with pytest.raises(ValidationError) as caught:
        open_case(coordinator, world, interview=None)
    assert "interview" in caught.value.message_dict  # an at-risk case names the pseudonym


def test_an_interviewee_gets_one_case(coordinator, world):
    open_case(coordinator, world)
    with pytest.raises(ValidationError) as caught:
        open_case(coordinator, world, kind=ReprisalCase.Kind.ALLEGATION)
    assert "interview" in caught.value.message_dict
    assert ReprisalCase.objects.count() == 1


def test_a_later_visit_checks_then_closes_the_case(world):
    case = open_case(world.insider, world)
    reprisal_check(
        actor=world.insider,
        case=case,
        visit=world.later,
        checked_on=datetime.date(2025, 9, 10),
        outcome=FOUND,
        state=ReprisalCase.State.MONITORING,
    )
    case.refresh_from_db()
    assert case.state == ReprisalCase.State.MONITORING and case.closed_on is None
    reprisal_check(
        actor=world.insider,
        case=case,
        visit=world.later,
        checked_on=datetime.date(2025, 9, 11),
        outcome="Released on parole",
        state=ReprisalCase.State.CLOSED,
    )
    case.refresh_from_db()
    assert case.state == ReprisalCase.State.CLOSED
    assert case.closed_on == datetime.date(2025, 9, 11) and case.outcome == "Released on parole"
    assert ReprisalCheck.objects.filter(case=case).count() == 2
    logged = AuditEvent.objects.filter(object_type__startswith="recommendations.reprisal")
    assert FOUND not in str(list(logged.values_list("changes", flat=True)))
    with pytest.raises(ValidationError) as caught:
        reprisal_check(
            actor=world.insider,
            case=case,
            visit=world.later,
            checked_on=datetime.date(2025, 9, 11),
            outcome="again",
            state=ReprisalCase.State.MONITORING,
        )
    assert "__all__" in caught.value.message_dict


def test_a_check_must_come_from_a_later_visit_to_the_place(coordinator, world):
    case = open_case(coordinator, world)
    elsewhere = visit_to(coordinator, health_place(), datetime.date(2025, 9, 1), [])
    before = visit_to(coordinator, world.place, datetime.date(2025, 1, 10), [])
    for visit in (elsewhere, before, world.first):
        with pytest.raises(ValidationError) as caught:
            reprisal_check(
                actor=coordinator,
                case=case,
                visit=visit,
                checked_on=datetime.date(2025, 9, 12),
                outcome=FOUND,
                state=ReprisalCase.State.MONITORING,
            )
        assert "visit" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        reprisal_check(
            actor=coordinator,
            case=case,
            visit=world.later,
            checked_on=datetime.date(2025, 9, 1),
            outcome=" ",
            state=ReprisalCase.State.OPEN,
        )
    assert set(caught.value.message_dict) == {"checked_on", "outcome", "state"}


def test_only_the_checking_visits_team_records_a_check(coordinator, world, council):
    case = open_case(coordinator, world)
    outsider = make_user("mia", Role.MONITOR)
    for actor in (outsider, council):
        with pytest.raises(PermissionDenied):
            reprisal_check(
                actor=actor,
                case=case,
                visit=world.later,
                checked_on=datetime.date(2025, 9, 10),
                outcome=FOUND,
                state=ReprisalCase.State.MONITORING,
            )


def test_coordinators_close_a_case_with_its_outcome(coordinator, world):
    case = open_case(coordinator, world)
    with pytest.raises(PermissionDenied):
        reprisal_close(actor=world.insider, case=case, closed_on=datetime.date(2025, 4, 1), outcome="x")
    with pytest.raises(ValidationError) as caught:
        reprisal_close(actor=coordinator, case=case, closed_on=datetime.date(2025, 1, 1), outcome="")
    assert set(caught.value.message_dict) == {"outcome", "closed_on"}
    closed = reprisal_close(
        actor=coordinator, case=case, closed_on=datetime.date(2025, 4, 1), outcome="Transferred abroad"
    )
    assert closed.state == ReprisalCase.State.CLOSED and closed.closed_on == datetime.date(2025, 4, 1)


# --- the visit page -------------------------------------------------------------------------------


def test_the_visit_page_offers_to_open_a_case_for_an_at_risk_interviewee(as_coordinator, world):
    interview(world.first, "CALM-1", at_risk=False)
    page = as_coordinator.get(reverse("visits:detail", args=[world.first.pk])).content.decode()
    assert 'data-testid="visit-reprisals"' in page
    assert reverse("recommendations:reprisal_open_interview", args=[world.interview.pk]) in page
    assert CODE in page
    response = as_coordinator.post(
        reverse("recommendations:reprisal_open_interview", args=[world.interview.pk]),
        {"kind": ReprisalCase.Kind.AT_RISK, "raised_on": "2025-03-05", "summary": SUMMARY},
    )
    assert response.status_code == 302
    case = ReprisalCase.objects.get()
    assert case.interview == world.interview and case.facility == world.place
    page = as_coordinator.get(reverse("visits:detail", args=[world.first.pk])).content.decode()
    assert 'data-testid="reprisal-opened-here"' in page
    assert 'data-testid="at-risk-interviewee"' not in page
    assert 'data-testid="reprisal-to-check"' not in page  # the visit it came from does not check it
    assert SUMMARY not in page


def test_the_next_visit_page_lists_the_case_to_check_and_records_the_check(world):
    case = open_case(world.insider, world)
    client = client_for(world.insider)
    page = client.get(reverse("visits:detail", args=[world.later.pk])).content.decode()
    assert page.count('data-testid="reprisal-to-check"') == 1
    assert CODE in page and SUMMARY not in page and "Serik" not in page
    url = reverse("recommendations:reprisal_check", args=[case.pk, world.later.pk])
    assert url in page
    bad = client.post(url, {"checked_on": "2025-09-10", "outcome": "", "state": "monitoring"})
    assert bad.status_code == 400
    response = client.post(url, {"checked_on": "2025-09-10", "outcome": FOUND, "state": "closed"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == ReprisalCase.State.CLOSED and case.outcome == FOUND
    page = client.get(reverse("visits:detail", args=[world.later.pk])).content.decode()
    assert 'data-testid="reprisal-to-check"' not in page


def test_the_section_is_not_shown_to_council_members(as_council, coordinator, world):
    open_case(coordinator, world)
    for visit in (world.first, world.later):
        response = as_council.get(reverse("visits:detail", args=[visit.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-testid="visit-reprisals"' not in page and CODE not in page


# --- pages ----------------------------------------------------------------------------------------


def test_coordinators_list_and_read_cases_and_each_reading_is_audited(as_coordinator, coordinator, world):
    case = open_case(coordinator, world)
    page = as_coordinator.get(reverse("recommendations:reprisal_list")).content.decode()
    assert CODE in page and SUMMARY not in page
    page = as_coordinator.get(reverse("recommendations:reprisal_detail", args=[case.pk])).content.decode()
    assert CODE in page and SUMMARY in page
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.READ, actor=coordinator)
    assert sorted(reads.values_list("changes__via", flat=True)) == ["reprisal_detail", "reprisal_list"]
    assert all(event.changes["ids"] == [case.pk] for event in reads)


def test_monitors_see_the_cases_of_places_they_visit_only(coordinator, world):
    case = open_case(coordinator, world)
    elsewhere = open_case(
        coordinator,
        world,
        facility=health_place(),
        interview=None,
        kind=ReprisalCase.Kind.ALLEGATION,
        summary="Other place",
    )
    client = client_for(world.insider)
    page = client.get(reverse("recommendations:reprisal_list")).content.decode()
    assert page.count('data-testid="reprisal-row"') == 1
    assert client.get(reverse("recommendations:reprisal_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("recommendations:reprisal_detail", args=[elsewhere.pk])).status_code == 404
    stranger = client_for(make_user("mia", Role.MONITOR))
    assert (
        'data-testid="reprisal-row"'
        not in stranger.get(reverse("recommendations:reprisal_list")).content.decode()
    )
    assert stranger.get(reverse("recommendations:reprisal_detail", args=[case.pk])).status_code == 404


def test_coordinators_record_an_allegation_and_close_it_from_the_pages(as_coordinator, world):
    response = as_coordinator.post(
        reverse("recommendations:reprisal_open"),
        {
            "category": "detainee",
            "facility": world.place.pk,
            "kind": "allegation",
            "raised_on": "2025-05-02",
            "summary": SUMMARY,
        },
    )
    assert response.status_code == 302
    case = ReprisalCase.objects.get()
    response = as_coordinator.post(
        reverse("recommendations:reprisal_close", args=[case.pk]),
        {"closed_on": "2025-06-01", "outcome": "Unfounded after a document check"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == ReprisalCase.State.CLOSED


def test_a_monitor_cannot_open_an_allegation_or_close(world, coordinator):
    case = open_case(coordinator, world)
    client = client_for(world.insider)
    assert client.get(reverse("recommendations:reprisal_open")).status_code == 403
    assert client.post(reverse("recommendations:reprisal_close", args=[case.pk]), {}).status_code == 403


def test_outsiders_reach_no_reprisal_page_and_see_no_pseudonym_or_summary(
    coordinator, world, liaison, other_liaison, trainer, council
):
    case = open_case(coordinator, world)
    reprisal_check(
        actor=coordinator,
        case=case,
        visit=world.later,
        checked_on=datetime.date(2025, 9, 10),
        outcome=FOUND,
        state=ReprisalCase.State.MONITORING,
    )
    urls = [
        reverse("recommendations:reprisal_list"),
        reverse("recommendations:reprisal_list") + "?state=open",
        reverse("recommendations:reprisal_open"),
        reverse("recommendations:reprisal_open_interview", args=[world.interview.pk]),
        reverse("recommendations:reprisal_detail", args=[case.pk]),
        reverse("recommendations:reprisal_check", args=[case.pk, world.later.pk]),
        reverse("recommendations:reprisal_close", args=[case.pk]),
        reverse("recommendations:dashboard"),
    ]
    clients: list[tuple[str, Client]] = [
        ("liaison", client_for(liaison)),
        ("other_liaison", client_for(other_liaison)),
        ("trainer", client_for(trainer)),
        ("council", client_for(council)),
        ("anonymous", Client()),
    ]
    dashboard = reverse("recommendations:dashboard")
    for name, client in clients:
        for url in urls:
            for method in ("get", "post"):
                response = getattr(client, method)(
                    url, {"outcome": "x", "state": "closed"} if method == "post" else {}
                )
                body = response.content.decode()
                if url == dashboard and name in ("liaison", "other_liaison", "council") and method == "get":
                    assert response.status_code == 200, (name, url)
                    assert 'data-testid="reprisal-stats"' not in body
                else:
                    expected = {302} if name == "anonymous" else {404, 405}
                    assert response.status_code in expected, (name, method, url, response.status_code)
                for secret in (CODE, SUMMARY, FOUND, "Serik"):
                    assert secret not in body, (name, url, secret)
    case.refresh_from_db()
    assert case.state == ReprisalCase.State.MONITORING and case.checks.count() == 1


def test_reprisal_statistics_count_without_identities(coordinator, council, liaison, world):
    open_case(coordinator, world)
    open_case(
        coordinator,
        world,
        interview=None,
        kind=ReprisalCase.Kind.ALLEGATION,
        raised_on=datetime.date(2024, 5, 1),
    )
    second = interview(world.first, "R-2")
    closing = open_case(coordinator, world, interview=second)
    reprisal_close(actor=coordinator, case=closing, closed_on=datetime.date(2025, 4, 1), outcome="Released")
    stats = reprisal_statistics(coordinator)
    assert stats is not None and stats.total == 3
    assert dict(stats.by_state) == {"To be checked": 2, "Checked, still followed": 0, "Closed": 1}
    assert dict(stats.by_kind) == {"Interviewee at risk of reprisal": 2, "Reprisal allegation": 1}
    assert stats.by_year == [(2024, 1), (2025, 2)]
    assert CODE not in repr(stats)
    assert reprisal_statistics(council) is None and reprisal_statistics(liaison) is None
    monitor_stats = reprisal_statistics(world.insider)
    assert monitor_stats is not None and monitor_stats.total == 3
    assert reprisal_statistics(make_user("mia", Role.MONITOR)).total == 0  # type: ignore[union-attr]


def test_the_visit_section_and_the_list_keep_their_queries_bounded(
    as_coordinator, coordinator, world, django_assert_max_num_queries
):
    def add(n: int) -> None:
        person = interview(world.first, f"P-{n}")
        open_case(coordinator, world, interview=person)
        interview(world.later, f"L-{n}")  # at risk on the later visit, no case yet

    add(0)
    pages = [
        reverse("visits:detail", args=[world.later.pk]),
        reverse("recommendations:reprisal_list"),
    ]
    counts = []
    for url in pages:
        as_coordinator.get(url)
        with CaptureQueriesContext(connection) as few:
            as_coordinator.get(url)
        counts.append(len(few))
    for n in range(1, 6):
        add(n)
    for url, count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            page = as_coordinator.get(url).content.decode()
    assert page.count('data-testid="reprisal-row"') == 6
    later = as_coordinator.get(pages[0]).content.decode()
    assert later.count('data-testid="reprisal-to-check"') == 6
    assert later.count('data-testid="at-risk-interviewee"') == 6
