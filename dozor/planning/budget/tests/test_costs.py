from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dozor.planning.budget.costs import (
    FAR_KM,
    CostTable,
    MissingCostRate,
    VisitFacts,
    haversine_km,
    plan_estimates,
    tenge,
)
from dozor.planning.budget.tests.helpers_budget import DAY, place
from dozor.planning.models import CostRate
from dozor.planning.optimiser.engine import PersonInfo, PlaceInfo
from dozor.planning.tests.factories import PlanFactory, participant, planned_visit

RATES = {
    "per_diem": Decimal("1000"),
    "accommodation": Decimal("5000"),
    "travel_km": Decimal("10"),
    "local_km": Decimal("100"),
    "compensation": Decimal("2000"),
    "interpreter": Decimal("3000"),
    "expert": Decimal("4000"),
}
# region centres on the equator: A at 0°, B one degree east (~111 km), C far away
CENTRES = {"A": (0.0, 0.0), "B": (0.0, 1.0), "C": (0.0, 20.0)}
KM_AB = haversine_km(0, 0, 0, 1)


def table(**overrides: object) -> CostTable:
    values: dict[str, object] = {
        "defaults": dict(RATES),
        "regional": {("accommodation", "B"): Decimal("7000")},
        "fares": {("C", "A"): Decimal("50000"), ("A", "C"): Decimal("45000")},
        "centres": CENTRES,
    }
    values.update(overrides)
    return CostTable(**values)  # type: ignore[arg-type]


def where(region: str = "A", lat: float | None = 0.0, lon: float | None = 0.5) -> PlaceInfo:
    return PlaceInfo(
        id=1, name="P", region=region, type_code="SIZO", authority_path="/X/", latitude=lat, longitude=lon
    )


def who(region: str | None = "A", pid: int = 1) -> PersonInfo:
    return PersonInfo(id=pid, name=f"Person {pid}", female=False, region=region)


def test_haversine_and_rounding() -> None:
    assert 111.1 < KM_AB < 111.3
    assert tenge(Decimal("2.5")) == 3 and tenge(Decimal("3.5")) == 4 and tenge(Decimal("2.49")) == 2


def test_same_region_near_pays_per_diem_and_compensation_only() -> None:
    t = table()
    assert t.member_cost(who("A"), where(), 2) == 2 * 1000 + 2 * 2000
    assert t.member_cost(who(None), where(), 2) == 6000  # no home region = the facility's region


def test_same_region_far_adds_accommodation() -> None:
    far = where(lon=2.0)  # ~222 km from the centre of A
    assert haversine_km(0, 0, 0, 2) > FAR_KM
    assert table().member_cost(who("A"), far, 2) == 2 * 1000 + 2 * 2000 + 2 * 5000


def test_other_region_pays_the_fare_table_both_ways_a_travel_day_and_nights() -> None:
    cost = table().member_cost(who("C"), where("A"), 1)
    assert cost == 50000 + 45000 + 2 * 1000 + 1 * 5000 + 1 * 2000


def test_other_region_without_a_fare_pays_the_distance() -> None:
    one_way = tenge(Decimal(str(KM_AB)) * Decimal("1.2") * 10)
    cost = table().member_cost(who("B"), where("A"), 1)
    assert cost == 2 * one_way + 2 * 1000 + 5000 + 2000


def test_interpreter_and_expert_are_paid_their_fee_instead_of_compensation() -> None:
    t = table()
    assert t.member_cost(who("A"), where(), 2, "interpreter") == 2 * 1000 + 2 * 3000
    assert t.member_cost(who("A"), where(), 2, "expert") == 2 * 1000 + 2 * 4000
    assert t.member_cost(who("A"), where(), 2, "leader") == 2 * 1000 + 2 * 2000


def test_a_regional_rate_replaces_the_default() -> None:
    t = table()
    at_b = where("B", lat=0.0, lon=1.0)
    assert t.member_cost(who("A"), at_b, 1) - t.member_cost(who("A", 2), where("A"), 1) > 0
    lines = {line.category: line.amount for line in t.member_lines(who("A"), at_b, 1)}
    assert lines["accommodation"] == 7000


def test_the_group_pays_the_car_from_the_centre_and_back() -> None:
    t = table()
    km = haversine_km(0, 0, 0, 0.5)
    assert t.fixed_cost(where(), 1) == tenge(Decimal(2) * Decimal(str(km)) * Decimal("1.2") * 100)
    assert t.fixed_cost(where(lat=None, lon=None), 1) == 0


def test_the_estimate_adds_up_and_serialises() -> None:
    t = table()
    members = [(who("A", 1), "leader"), (who("C", 2), "member"), (who("A", 3), "interpreter")]
    estimate = t.estimate(where(), members, 1)
    expected = t.fixed_cost(where(), 1) + sum(t.member_cost(p, where(), 1, r) for p, r in members)
    assert estimate.total == expected
    data = estimate.as_json()
    assert data["total"] == expected and sum(line["amount"] for line in data["lines"]) == expected
    assert {line["category"] for line in data["lines"]} >= {
        "travel",
        "per_diem",
        "compensation",
        "interpreter",
    }


def test_trip_sharing_counts_travel_once_and_splits_it() -> None:
    t = table()
    members = ((who("C", 1), "leader"), (who("C", 2), "member"), (who("C", 3), "member"))

    def facts(
        vid: int, day: int, settlement: str = "Town", people: tuple[tuple[PersonInfo, str], ...] = members
    ) -> VisitFacts:
        start = datetime.date(2027, 3, day)
        return VisitFacts(
            id=vid,
            plan_id=1,
            place=where(),
            settlement=settlement,
            starts_on=start,
            ends_on=start,
            members=people,
        )

    first, second, later = facts(1, 10), facts(2, 11, "town "), facts(3, 20)
    solo = t.estimate(where(), list(members), 1)
    result = t.trip_estimates([first, second, later])
    assert result[3].total == solo.total  # not consecutive: its own trip
    assert result[1].travel + result[2].travel == solo.travel
    assert abs(result[1].travel - result[2].travel) <= 1
    assert result[1].total + result[2].total == 2 * solo.total - solo.travel
    # an empty settlement or another group never shares
    other = ((who("C", 9), "leader"), *members[1:])
    apart = t.trip_estimates([facts(1, 10, ""), facts(2, 11, ""), facts(4, 11, people=other)])
    assert all(e.total == solo.total for e in apart.values())


@pytest.mark.django_db
def test_it_loads_the_pack_in_three_queries() -> None:
    with CaptureQueriesContext(connection) as queries:
        t = CostTable.load()
    assert len(queries) == 3
    assert t.rate("accommodation", "AST") == Decimal("43250")
    assert t.rate("accommodation", "KGD") == Decimal("30275")
    assert t.one_way_fare("AST", "ALA") == 35000


@pytest.mark.django_db
def test_a_missing_default_rate_is_named() -> None:
    CostRate.objects.filter(kind="per_diem", region__isnull=True).delete()
    with pytest.raises(MissingCostRate) as exc:
        CostTable.load()
    assert "per_diem" in " ".join(exc.value.messages)
    assert exc.value.kinds == ["per_diem"]


@pytest.mark.django_db
def test_plan_estimates_share_a_trip_from_the_database() -> None:
    plan = PlanFactory()
    people = [participant(region="AST") for _ in range(3)]
    members = [(people[0], "leader"), (people[1], "member"), (people[2], "member")]
    one = planned_visit(plan, members=members, facility=place(settlement="Temirtau"), starts_on=DAY)
    two = planned_visit(
        plan,
        members=members,
        facility=place(settlement="TEMIRTAU"),
        starts_on=DAY + datetime.timedelta(days=1),
    )
    alone = planned_visit(PlanFactory(year=2028), members=members, facility=place(settlement="Temirtau"))
    with CaptureQueriesContext(connection) as queries:
        estimates = plan_estimates([one, two, alone])
    assert len(queries) <= 5
    assert estimates[one.pk].travel + estimates[two.pk].travel == estimates[alone.pk].travel
    assert estimates[alone.pk].travel > 0
