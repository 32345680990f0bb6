"""Secrecy of unannounced planned visits across every planning page, API endpoint and export.

The URLs are not listed by hand: they are read from the URL resolver (every pattern of the
``planning`` namespace, and every other pattern served by planning code or with a planning word in
its route, e.g. API endpoints), and every ``<int:...>`` argument is filled with the ids of the
secret objects in turn. A new planning URL is therefore probed without touching this file.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from conftest import client_for, make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.people.models import Person
from dozor.planning.models import (
    Expense,
    GroupMember,
    Incident,
    Plan,
    PlannedVisit,
    Proposal,
    Unavailability,
)
from dozor.planning.tests.factories import YEAR, PlanFactory, participant, planned_visit

pytestmark = pytest.mark.django_db

SECRET_START = datetime.date(YEAR, 3, 17)
SECRET_END = datetime.date(YEAR, 3, 18)
MONTH = f"{YEAR}-03"
ROUTE_WORDS = ("plan", "risk", "incident", "proposal", "unavailab", "expense", "cost-rate", "coverage")
# Pages that list places by design (risk ranking, coverage, incidents): the secret visit's *place*
# may appear there (places are not secret), but never its dates.
PLACE_LISTS = {"risk_list", "risk_detail", "risk_factors", "coverage", "incident_list", "incident_create"}


@dataclass
class Secret:
    plan: Plan
    visit: PlannedVisit
    facility: Facility
    insider: User
    ids: list[int]


@pytest.fixture
def secret(coordinator: User) -> Secret:
    facility = FacilityFactory(
        type=facility_type("COLONY_MED"),
        name_en="Zeta Hidden Colony",
        name_ru="Колония Зета скрытая",
        name_kk="Зета жасырын колониясы",
    )
    insider = make_user("ivan", Role.MONITOR)
    plan = PlanFactory()
    leader = participant(user=insider)
    visit = planned_visit(
        plan,
        facility=facility,
        starts_on=SECRET_START,
        ends_on=SECRET_END,
        announced=False,
        objectives="Zeta objectives",
        members=[(leader, "leader"), (participant(), "member"), (participant(), "member")],
    )
    planned_visit(
        plan, announced=True, starts_on=datetime.date(YEAR, 3, 10), members=[(participant(), "leader")]
    )
    proposal = Proposal.objects.create(
        plan=plan,
        method=Proposal.Method.GREEDY,
        budget=plan.budget,
        summary={"visits": 1, "cost": 1000, "risk_covered": 10},
        payload=[],
    )
    expense = Expense.objects.create(
        planned_visit=visit, category=Expense.Category.TRAVEL, amount=Decimal("1234"), spent_on=SECRET_START
    )
    incident = Incident.objects.create(
        facility=facility,
        kind=Incident.Kind.COMPLAINT,
        occurred_on=datetime.date(YEAR - 1, 5, 2),
        summary="x",
    )
    absence = Unavailability.objects.create(
        person=leader, starts_on=datetime.date(YEAR, 4, 1), ends_on=datetime.date(YEAR, 4, 2)
    )
    group = GroupMember.objects.filter(planned_visit=visit).first()
    assert group is not None
    ids = sorted(
        {
            plan.pk,
            visit.pk,
            proposal.pk,
            expense.pk,
            incident.pk,
            absence.pk,
            facility.pk,
            leader.pk,
            group.pk,
        }
    )
    return Secret(plan, visit, facility, insider, ids)


# URL enumeration ---------------------------------------------------------------------------------


def _is_planning(namespaces: list[str], route: str, pattern: URLPattern) -> bool:
    callback = pattern.callback
    module = getattr(getattr(callback, "cls", None), "__module__", None) or getattr(
        callback, "__module__", ""
    )
    return "planning" in namespaces or "planning" in module or any(w in route for w in ROUTE_WORDS)


def _walk(patterns: list[Any], namespaces: list[str], route: str) -> Iterator[tuple[str, URLPattern, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = [*namespaces, entry.namespace] if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, inner, route + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            full_route = route + str(entry.pattern)
            if _is_planning(namespaces, full_route, entry):
                yield ":".join([*namespaces, entry.name]), entry, full_route


def _arguments(pattern: URLPattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


def planning_urls(ids: list[int]) -> list[tuple[str, str]]:
    """(url name, url) for every planning pattern, each argument filled with every secret id."""
    urls: list[tuple[str, str]] = []
    for name, pattern, _route in _walk(get_resolver().url_patterns, [], ""):
        arguments = _arguments(pattern)
        values: list[dict[str, Any]] = (
            [{}]
            if not arguments
            else [{a: ("json" if a == "format" else pk) for a in arguments} for pk in ids]
        )
        for kwargs in values:
            try:
                urls.append((name, reverse(name, kwargs=kwargs)))
            except NoReverseMatch:
                continue
    assert urls, "no planning URL found"
    return urls


def test_the_enumeration_finds_the_planning_pages(secret: Secret) -> None:
    names = {name for name, _ in planning_urls(secret.ids)}
    for expected in ("planning:plan_list", "planning:plan_detail", "planning:calendar", "planning:my_ical"):
        assert expected in names


# Checks ------------------------------------------------------------------------------------------


def secret_strings(secret: Secret) -> list[str]:
    dates = []
    for day in (SECRET_START, SECRET_END):
        dates += [day.isoformat(), day.strftime("%d.%m.%Y"), day.strftime("%Y%m%d")]
    return dates


def assert_no_secret(body: str, secret: Secret, *, url: str, with_place: bool = True) -> None:
    for text in secret_strings(secret):
        assert text not in body, f"{url} shows the secret visit's date {text}"
    assert "Zeta objectives" not in body, url
    if with_place:
        for name in (secret.facility.name_en, secret.facility.name_ru, secret.facility.name_kk):
            assert name not in body, f"{url} shows the secret place {name}"


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Plan, PlannedVisit, GroupMember, Proposal, Expense, Incident, Unavailability)
    )


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.parametrize("persona", ["liaison", "other_liaison", "trainer", None])
def test_a_liaison_account_probing_every_planning_page_api_endpoint_and_export_sees_nothing_secret(
    request: pytest.FixtureRequest, persona: str | None, secret: Secret
) -> None:
    client = client_for(request.getfixturevalue(persona)) if persona else Client()
    before = counts()
    login = reverse("accounts:login")
    for name, url in planning_urls(secret.ids):
        is_api = name.startswith("api:")
        for method in ("get", "post"):
            response = getattr(client, method)(url + f"?month={MONTH}")
            status = response.status_code
            body = _body(response)
            if persona is None and not is_api:
                assert status == 302 and response["Location"].startswith(login), (method, url, status)
            elif is_api:
                assert status in {200, 401, 403, 404, 405}, (method, url, status)
            else:
                assert status in {403, 404, 405}, (method, url, status)
            assert_no_secret(body, secret, url=f"{method} {url}")
    assert counts() == before


def test_a_monitor_outside_the_group_never_sees_the_unannounced_visit(
    monitor: User, as_monitor: Client, secret: Secret
) -> None:
    participant(user=monitor)  # a participant, but not in this visit's group
    for name, url in planning_urls(secret.ids):
        response = as_monitor.get(url + f"?month={MONTH}")
        assert response.status_code in {200, 302, 400, 403, 404, 405}, (url, response.status_code)
        assert_no_secret(_body(response), secret, url=url, with_place=name.split(":")[-1] not in PLACE_LISTS)
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_type="planning.plannedvisit", actor=monitor
    ).exists()


def test_the_plan_list_counts_only_visible_visits(
    as_monitor: Client, as_coordinator: Client, secret: Secret
) -> None:
    def count_cell(client: Client) -> str:
        page = client.get(reverse("planning:plan_list")).content.decode()
        row = page[page.index(secret.plan.title) :]
        return row[row.index('<td class="num">', row.index("</td>") + 1) :][:200]

    monitor_row = count_cell(as_monitor)
    assert '<td class="num">1</td>' in monitor_row
    assert '<td class="num">2</td>' in count_cell(as_coordinator)


def test_a_monitor_in_the_group_sees_it_and_each_view_is_audited(secret: Secret) -> None:
    client = client_for(secret.insider)
    pages = {
        "plan_detail": reverse("planning:plan_detail", args=[secret.plan.pk]),
        "calendar": reverse("planning:calendar") + f"?month={MONTH}",
        "my_visits": reverse("planning:my_visits") + f"?month={MONTH}",
        "visit_detail": reverse("planning:visit_detail", args=[secret.visit.pk]),
        "ical": reverse("planning:my_ical"),
    }
    for via, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        body = _body(response)
        if via == "ical":  # the feed leaves Dozor: a secret visit is only "Busy" there (decision 0023)
            assert secret.facility.name_en not in body and f"planned-visit-{secret.visit.pk}@dozor" in body
        else:
            assert secret.facility.name_en in body, url
        event = AuditEvent.objects.filter(
            action=AuditEvent.Action.READ, object_type="planning.plannedvisit", actor=secret.insider
        ).latest("id")
        assert event.changes == {"ids": [secret.visit.pk], "via": via}, url


def test_a_coordinator_sees_the_secret_visit_and_the_view_is_audited(
    coordinator: User, as_coordinator: Client, secret: Secret
) -> None:
    page = as_coordinator.get(reverse("planning:plan_detail", args=[secret.plan.pk])).content.decode()
    assert secret.facility.name_en in page and SECRET_START.isoformat() in page
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, actor=coordinator, changes__via="plan_detail"
    ).exists()


def test_announced_visits_are_not_audited(as_council: Client, council: User, secret: Secret) -> None:
    page = as_council.get(reverse("planning:plan_detail", args=[secret.plan.pk])).content.decode()
    assert "2027-03-10" in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ, actor=council).exists()


def test_a_person_record_is_needed_to_see_own_visits(secret: Secret, monitor: User) -> None:
    assert not Person.objects.filter(user=monitor).exists()
    page = client_for(monitor).get(reverse("planning:my_visits")).content.decode()
    assert "not linked to a participant record" in page


def test_it_audits_each_showing_of_a_proposal(coordinator, as_coordinator) -> None:  # type: ignore[no-untyped-def]
    from dozor.accounts.models import AuditEvent
    from dozor.planning.models import Proposal
    from dozor.planning.tests.factories import PlanFactory

    proposal = Proposal.objects.create(
        plan=PlanFactory(year=2031), method=Proposal.Method.GREEDY, budget=1000, summary={}, payload=[]
    )
    assert as_coordinator.get(f"/planning/proposals/{proposal.pk}/").status_code == 200
    event = AuditEvent.objects.get(object_type="planning.proposal", action=AuditEvent.Action.READ)
    assert event.object_id == str(proposal.pk) and event.actor == coordinator
