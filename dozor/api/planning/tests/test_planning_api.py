"""Visit planning over the API: plans, planned visits, risk scores, incidents, cost rates and
proposals, for every persona - above all, that an unannounced visit stays secret."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from dozor.accounts.models import AuditEvent, User
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.people.models import Person
from dozor.planning.budget.tests.helpers_budget import DAY, group, place
from dozor.planning.models import GroupMember, Incident, Plan, PlannedVisit, Proposal
from dozor.planning.tests.factories import YEAR, PlanFactory, participant, planned_visit

pytestmark = pytest.mark.django_db

SECRET_NAME = "Zeta Hidden Colony"
SECRET_DAY = datetime.date(YEAR, 3, 17)
OUTSIDERS = ["liaison", "other_liaison", "trainer"]


@dataclass
class World:
    plan: Plan
    announced: PlannedVisit
    secret: PlannedVisit  # unannounced, no persona in its group
    councils_own: PlannedVisit  # unannounced, the council member is in its group
    facility: Facility  # the secret visit's place
    incident: Incident
    proposal: Proposal


@pytest.fixture
def world(council: User) -> World:
    plan = PlanFactory()
    facility = FacilityFactory(
        type=facility_type("COLONY_MED"),
        name_en=SECRET_NAME,
        name_ru="Колония Зета скрытая",
        name_kk="Зета жасырын колониясы",
    )
    secret = planned_visit(
        plan,
        facility=facility,
        starts_on=SECRET_DAY,
        announced=False,
        objectives="Zeta objectives",
        estimated_cost=Decimal("777001"),
        members=[(participant(), "leader"), (participant(), "member"), (participant(), "member")],
    )
    announced = planned_visit(
        plan,
        announced=True,
        starts_on=datetime.date(YEAR, 3, 10),
        estimated_cost=Decimal("1000"),
        members=[(participant(), "leader")],
    )
    councils_own = planned_visit(
        plan,
        announced=False,
        starts_on=datetime.date(YEAR, 5, 5),
        estimated_cost=Decimal("2000"),
        members=[(participant(user=council), "leader")],
    )
    incident = Incident.objects.create(
        facility=facility,
        kind=Incident.Kind.COMPLAINT,
        occurred_on=datetime.date(YEAR - 1, 5, 2),
        summary="x",
    )
    proposal = Proposal.objects.create(
        plan=plan, method=Proposal.Method.GREEDY, budget=plan.budget, summary={"visits": 0}, payload=[]
    )
    return World(plan, announced, secret, councils_own, facility, incident, proposal)


def urls(world: World) -> list[tuple[str, str]]:
    """(method, url) of every planning endpoint."""
    v, p = world.secret.pk, world.plan.pk
    gets = [
        "/api/v1/plans/",
        f"/api/v1/plans/{p}/",
        "/api/v1/planned-visits/",
        f"/api/v1/planned-visits/{v}/",
        "/api/v1/risk-scores/",
        f"/api/v1/risk-scores/{world.facility.pk}/",
        "/api/v1/incidents/",
        f"/api/v1/incidents/{world.incident.pk}/",
        "/api/v1/cost-rates/",
        "/api/v1/proposals/",
        f"/api/v1/proposals/{world.proposal.pk}/",
    ]
    posts = [
        "/api/v1/plans/",
        f"/api/v1/plans/{p}/propose/",
        "/api/v1/planned-visits/",
        f"/api/v1/planned-visits/{v}/move/",
        f"/api/v1/planned-visits/{v}/cancel/",
        f"/api/v1/proposals/{world.proposal.pk}/accept/",
        f"/api/v1/proposals/{world.proposal.pk}/reject/",
    ]
    return [("get", u) for u in gets] + [("post", u) for u in posts]


def state() -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    return (
        sorted(Plan.objects.values_list("pk", "year", "quarter", "title")),
        sorted(PlannedVisit.objects.values_list("pk", "starts_on", "ends_on", "status")),
        GroupMember.objects.count(),
        sorted(Proposal.objects.values_list("pk", "status")),
        AuditEvent.objects.exclude(action__in=[AuditEvent.Action.LOGIN, AuditEvent.Action.READ]).count(),
    )


def assert_nothing_secret(body: str, world: World, url: str) -> None:
    assert SECRET_NAME not in body, url
    assert "Zeta objectives" not in body, url
    assert SECRET_DAY.isoformat() not in body, url
    assert "777001" not in body, url


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# ---------------------------------------------------------------- who gets nothing


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_it_refuses_liaisons_and_trainers_on_every_planning_endpoint(client_as, persona, world):
    client = client_as(persona)
    before = state()
    for method, url in urls(world):
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 403, (method, url, response.status_code)
        assert_nothing_secret(response.content.decode(), world, url)
    assert state() == before


def test_it_asks_anonymous_users_to_sign_in(anonymous, world):
    before = state()
    for method, url in urls(world):
        response = getattr(anonymous, method)(url, {}, content_type="application/json")
        assert response.status_code == 401, (method, url, response.status_code)
        assert_nothing_secret(response.content.decode(), world, url)
    assert state() == before


# ---------------------------------------------------------------- readers


def test_a_council_member_sees_announced_visits_and_those_of_own_group(as_council, council, world):
    listed = ids(as_council.get("/api/v1/planned-visits/"))
    assert listed == {world.announced.pk, world.councils_own.pk}
    for method, url in urls(world):
        if method == "get":
            assert_nothing_secret(as_council.get(url).content.decode(), world, url)
    assert as_council.get(f"/api/v1/planned-visits/{world.secret.pk}/").status_code == 404
    plan = as_council.get(f"/api/v1/plans/{world.plan.pk}/").json()
    assert plan["visits"]["total"] == 2 and plan["visits"]["unannounced"] == 1
    assert Decimal(plan["visits"]["estimated_cost"]) == Decimal("3000")
    event = AuditEvent.objects.filter(action=AuditEvent.Action.READ, actor=council).latest("id")
    assert event.changes == {"ids": [world.councils_own.pk], "via": "api"}


def test_a_monitor_outside_every_group_sees_only_announced_visits(as_monitor, monitor, world):
    assert ids(as_monitor.get("/api/v1/planned-visits/")) == {world.announced.pk}
    assert ids(as_monitor.get(f"/api/v1/planned-visits/?plan={world.plan.pk}&announced=false")) == set()
    assert as_monitor.get(f"/api/v1/planned-visits/{world.councils_own.pk}/").status_code == 404
    assert ids(as_monitor.get("/api/v1/proposals/")) == set()  # proposals are for coordinators
    assert as_monitor.get(f"/api/v1/proposals/{world.proposal.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ, actor=monitor).exists()


def test_a_coordinator_sees_every_visit_with_its_group_and_the_view_is_audited(
    as_coordinator, coordinator, world
):
    response = as_coordinator.get(f"/api/v1/planned-visits/?year={YEAR}")
    assert ids(response) == {world.announced.pk, world.secret.pk, world.councils_own.pk}
    row = next(r for r in response.json()["results"] if r["id"] == world.secret.pk)
    assert row["facility"]["name"] == SECRET_NAME and row["estimated_cost"] == "777001.00"
    assert [m["role"] for m in row["group"]] == ["leader", "member", "member"]
    assert all(m["person"]["full_name"] for m in row["group"])
    event = AuditEvent.objects.filter(action=AuditEvent.Action.READ, actor=coordinator).latest("id")
    assert event.changes == {"ids": sorted([world.secret.pk, world.councils_own.pk]), "via": "api"}
    assert ids(as_coordinator.get(f"/api/v1/planned-visits/?year={YEAR + 1}")) == set()
    plan = as_coordinator.get("/api/v1/plans/").json()["results"][0]
    assert plan["visits"]["total"] == 3 and plan["visits"]["unannounced"] == 2


def test_it_lists_risk_scores_incidents_and_cost_rates_to_planning_readers(as_monitor, world):
    scores = as_monitor.get("/api/v1/risk-scores/?page_size=500").json()["results"]
    assert scores and all(set(s) >= {"facility", "total", "parts"} for s in scores)
    totals = [s["total"] for s in scores]
    assert totals == sorted(totals, reverse=True)
    mine = next(s for s in scores if s["facility"]["id"] == world.facility.pk)
    assert {p["code"] for p in mine["parts"]} >= {"incidents", "type_weight"}
    assert round(sum(p["points"] for p in mine["parts"]), 2) == pytest.approx(mine["total"])
    detail = as_monitor.get(f"/api/v1/risk-scores/{world.facility.pk}/").json()
    assert detail["total"] == mine["total"]
    assert as_monitor.get("/api/v1/risk-scores.json").status_code == 200
    assert as_monitor.get("/api/v1/risk-scores/999999/").status_code == 404
    assert as_monitor.get("/api/v1/risk-scores/?on=not-a-date").status_code == 400
    assert ids(as_monitor.get("/api/v1/incidents/?kind=complaint")) == {world.incident.pk}
    rates = as_monitor.get("/api/v1/cost-rates/").json()["results"]
    assert {r["kind"] for r in rates if r["region"] is None} >= {"per_diem", "accommodation", "travel_km"}


# ---------------------------------------------------------------- writes


def visit_input(
    plan: Plan, facility: Facility, members: list[tuple[Person, str]], **extra: Any
) -> dict[str, Any]:
    return {
        "plan": plan.pk,
        "facility": facility.pk,
        "visit_type": "periodic",
        "starts_on": DAY.isoformat(),
        "ends_on": DAY.isoformat(),
        "announced": False,
        "objectives": "Check the conditions",
        "members": [{"person": p.pk, "role": role} for p, role in members],
        **extra,
    }


def test_a_coordinator_creates_a_plan_and_a_visit_then_moves_and_cancels_it(as_coordinator):
    response = as_coordinator.post(
        "/api/v1/plans/",
        {"year": YEAR + 3, "title": "Plan for the test", "budget": "1000000.00"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    plan = Plan.objects.get(pk=response.json()["id"])
    assert plan.year == YEAR + 3 and plan.quarter is None and response.json()["visits"]["total"] == 0

    plan = PlanFactory()
    members = group("SIZO")
    response = as_coordinator.post(
        "/api/v1/planned-visits/", visit_input(plan, place("SIZO"), members), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    visit = PlannedVisit.objects.get(pk=body["id"])
    assert visit.locked and not visit.announced and visit.group.count() == 3
    assert Decimal(body["estimated_cost"]) > 0 and body["cost_breakdown"]

    later = DAY + datetime.timedelta(days=7)
    response = as_coordinator.post(
        f"/api/v1/planned-visits/{visit.pk}/move/",
        {"starts_on": later.isoformat(), "ends_on": later.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["starts_on"] == later.isoformat()

    response = as_coordinator.post(
        f"/api/v1/planned-visits/{visit.pk}/cancel/",
        {"reason": "Quarantine"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_bad_input_is_refused_with_its_messages_and_writes_nothing(as_coordinator, world):
    plan = PlanFactory(year=YEAR + 1)
    members = group("SIZO")
    facility = place("SIZO")
    before = state()
    cases = [
        ("/api/v1/plans/", {"year": YEAR, "title": "Again", "budget": "10"}, "year"),  # already a plan
        ("/api/v1/plans/", {"year": YEAR + 5, "title": "Zero", "budget": "0"}, "budget"),
        ("/api/v1/planned-visits/", visit_input(plan, facility, members[:2]), "members"),  # too small
        (
            "/api/v1/planned-visits/",
            visit_input(plan, facility, [(m[0], "member") for m in members]),  # no leader
            "members",
        ),
        ("/api/v1/planned-visits/", visit_input(plan, facility, members, ends_on="2000-01-01"), "ends_on"),
        ("/api/v1/planned-visits/", {**visit_input(plan, facility, members), "facility": 999999}, "facility"),
        (
            "/api/v1/planned-visits/",
            {**visit_input(plan, facility, members), "members": [{"person": 999999, "role": "leader"}]},
            "members",
        ),
        (
            "/api/v1/planned-visits/",
            {**visit_input(plan, facility, members), "visit_type": "nope"},
            "visit_type",
        ),
        (f"/api/v1/planned-visits/{world.secret.pk}/move/", {"starts_on": "2000-01-01"}, "ends_on"),
        (f"/api/v1/planned-visits/{world.secret.pk}/cancel/", {"reason": ""}, "reason"),
        (f"/api/v1/plans/{world.plan.pk}/propose/", {"method": "magic"}, "method"),
    ]
    for url, data, field in cases:
        response = as_coordinator.post(url, data, content_type="application/json")
        assert response.status_code == 400, (url, data, response.content)
        assert field in response.json(), (url, response.json())
    assert state() == before


def test_a_council_member_and_a_monitor_may_not_write(as_council, as_monitor, world):
    before = state()
    for client in (as_council, as_monitor):
        for method, url in urls(world):
            if method == "post":
                response = client.post(url, {}, content_type="application/json")
                assert response.status_code == 403, (url, response.status_code)
    assert state() == before


# ---------------------------------------------------------------- proposals


def test_a_coordinator_asks_for_a_proposal(as_coordinator, world):
    response = as_coordinator.post(
        f"/api/v1/plans/{world.plan.pk}/propose/",
        {"method": "greedy", "budget": "5000000", "time_limit": 2},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    proposal = Proposal.objects.get(pk=response.json()["id"])
    assert proposal.plan == world.plan and proposal.method == "greedy"
    assert response.json()["status"] == "pending"


def test_a_coordinator_reads_and_rejects_a_proposal(as_coordinator, world):
    url = f"/api/v1/proposals/{world.proposal.pk}/"
    detail = as_coordinator.get(url).json()
    assert detail["status"] == "pending" and detail["rows"] == [] and detail["plan"]["id"] == world.plan.pk
    assert ids(as_coordinator.get(f"/api/v1/proposals/?plan={world.plan.pk}")) == {world.proposal.pk}
    response = as_coordinator.post(url + "reject/")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert as_coordinator.post(url + "accept/").status_code == 400  # already decided
    world.proposal.refresh_from_db()
    assert world.proposal.status == Proposal.Status.REJECTED


def test_the_schema_documents_the_planning_endpoints(as_monitor):
    paths = as_monitor.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in (
        "/api/v1/plans/",
        "/api/v1/plans/{id}/propose/",
        "/api/v1/planned-visits/",
        "/api/v1/planned-visits/{id}/move/",
        "/api/v1/planned-visits/{id}/cancel/",
        "/api/v1/risk-scores/",
        "/api/v1/incidents/",
        "/api/v1/cost-rates/",
        "/api/v1/proposals/{id}/accept/",
        "/api/v1/proposals/{id}/reject/",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/plans/"] and "post" in paths["/api/v1/planned-visits/"]
