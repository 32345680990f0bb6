"""The risk score: each factor's arithmetic and explanation, bulk scoring in a bounded number of
queries, the last-visit and recommendation sources, and the incident and weight writes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dozor.accounts.models import AuditEvent
from dozor.core.models import PopulationCategory
from dozor.facilities.models import Facility
from dozor.facilities.services import facility_facts_set
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.planning.models import Incident, PlannedVisit, RiskFactor
from dozor.planning.risk import scores as risk
from dozor.planning.risk import services as risk_services
from dozor.planning.tests.factories import PlanFactory, planned_visit

pytestmark = pytest.mark.django_db

ON = datetime.date(2027, 6, 1)


@pytest.fixture
def plan():
    return PlanFactory()


def done(plan, facility: Facility, ends_on: datetime.date, **kwargs) -> PlannedVisit:
    return planned_visit(
        plan,
        facility=facility,
        starts_on=ends_on,
        ends_on=ends_on,
        status=kwargs.pop("status", PlannedVisit.Status.DONE),
        **kwargs,
    )


def part(facility: Facility, code: str, on: datetime.date = ON) -> risk.FactorPart:
    found = risk.score_facilities([facility.pk], on=on)[facility.pk].part(code)
    assert found is not None
    return found


def incident(facility: Facility, kind: str, occurred_on: datetime.date) -> Incident:
    return Incident.objects.create(facility=facility, kind=kind, occurred_on=occurred_on, summary="x")


# Time since the last visit -------------------------------------------------------------------------


def test_it_gives_full_points_to_a_place_never_visited():
    facility = FacilityFactory()
    p = part(facility, "since_last_visit")
    assert (p.share, p.points, p.weight) == (1.0, 30.0, 30.0)
    assert "never visited" in p.value_text
    assert "interval 2 years" in p.value_text  # SIZO: every two years


def test_it_scores_the_time_since_the_last_completed_visit_against_the_types_interval(plan):
    facility = FacilityFactory()  # SIZO: interval 2 years
    done(plan, facility, datetime.date(2026, 6, 1))
    p = part(facility, "since_last_visit")
    assert p.share == pytest.approx(365 / 365.25 / 2)
    assert p.points == pytest.approx(30 * 365 / 365.25 / 2, abs=0.01)
    assert "last visit 1.0 years ago (2026-06-01)" in p.value_text
    assert "interval 2 years" in p.value_text


def test_it_caps_the_time_since_the_last_visit_at_the_interval(plan):
    facility = FacilityFactory(type=facility_type("COLONY_MIN"))  # interval 4 years
    done(plan, facility, datetime.date(2020, 1, 1))
    p = part(facility, "since_last_visit")
    assert (p.share, p.points) == (1.0, 30.0)
    assert "interval 4 years" in p.value_text


def test_it_ignores_planned_cancelled_and_later_visits(plan):
    facility = FacilityFactory()
    done(plan, facility, datetime.date(2027, 5, 1), status=PlannedVisit.Status.PLANNED)
    done(plan, facility, datetime.date(2027, 5, 2), status=PlannedVisit.Status.CANCELLED)
    done(plan, facility, datetime.date(2027, 7, 1))  # after the scoring date
    assert part(facility, "since_last_visit").share == 1.0


def test_it_takes_the_latest_date_over_planned_visits_and_the_stored_latest_visit(plan):
    facility, other, ongoing = FacilityFactory(), FacilityFactory(), FacilityFactory()
    done(plan, facility, datetime.date(2025, 6, 1))
    facility_facts_set(
        last_visits={
            facility.pk: (datetime.date(2026, 5, 30), datetime.date(2026, 6, 1)),
            other.pk: (datetime.date(2030, 1, 1), datetime.date(2030, 1, 2)),
            ongoing.pk: (datetime.date(2027, 5, 30), datetime.date(2027, 6, 3)),
        }
    )
    scores = risk.score_facilities([facility.pk, other.pk, ongoing.pk], on=ON)
    assert "2026-06-01" in scores[facility.pk].part("since_last_visit").value_text
    # A visit still in progress on the scoring day counts as that day.
    assert "2027-06-01" in scores[ongoing.pk].part("since_last_visit").value_text
    # A date after the scoring day is not a past visit.
    assert scores[other.pk].part("since_last_visit").share == 1.0


def test_it_uses_the_never_visited_parameter():
    RiskFactor.objects.filter(code="since_last_visit").update(params={"never_visited": 0.5})
    assert part(FacilityFactory(), "since_last_visit").points == 15.0


# Occupancy --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "share"), [(70, 0.0), (80, 0.0), (100, 0.5), (110, 0.75), (120, 1.0), (150, 1.0)]
)
def test_it_scores_occupancy_linearly_between_the_thresholds(population, share):
    facility = FacilityFactory(capacity=100, population=population)
    p = part(facility, "occupancy")
    assert p.share == pytest.approx(share)
    assert p.points == pytest.approx(15 * share)
    assert f"occupancy {population}%" in p.value_text


def test_it_gives_no_occupancy_points_without_data():
    for facility in (
        FacilityFactory(capacity=100, population=None),
        FacilityFactory(capacity=None, population=50),
    ):
        p = part(facility, "occupancy")
        assert (p.share, p.points) == (0.0, 0.0)
        assert p.value_text == "no occupancy data"


# Recommendations -------------------------------------------------------------------------------------


def test_it_gives_no_recommendation_points_without_open_recommendations():
    p = part(FacilityFactory(), "recommendations")
    assert (p.share, p.points) == (0.0, 0.0)
    assert p.value_text == "0 open recommendations, 0 of them overdue"


def test_it_counts_overdue_recommendations_twice():
    facility, quiet = FacilityFactory(), FacilityFactory()
    # deadlines before ON are overdue; one without a deadline never is
    facility_facts_set(follow_up={facility.pk: (4, ["2027-01-01", "2027-05-31", "2027-06-01", ""])})
    scores = risk.score_facilities([facility.pk, quiet.pk], on=ON)
    p = scores[facility.pk].part("recommendations")
    # open 4, overdue 2 counting twice: 4 + 2 = 6 of 10
    assert p.share == pytest.approx(0.6)
    assert p.points == pytest.approx(9.0)
    assert p.value_text == "4 open recommendations, 2 of them overdue"
    assert scores[quiet.pk].part("recommendations").points == 0.0


def test_it_caps_recommendations_at_full_points():
    facility = FacilityFactory()
    facility_facts_set(follow_up={facility.pk: (9, ["2027-01-01"] * 5 + [""] * 4)})
    assert part(facility, "recommendations").points == 15.0


# Incidents -------------------------------------------------------------------------------------------


def test_it_weights_incidents_by_kind():
    facility = FacilityFactory()
    incident(facility, Incident.Kind.DEATH, datetime.date(2027, 1, 10))  # 5
    incident(facility, Incident.Kind.COMPLAINT, datetime.date(2026, 3, 1))  # 1
    incident(facility, Incident.Kind.COMPLAINT, datetime.date(2026, 4, 1))  # 1
    p = part(facility, "incidents")
    assert p.share == pytest.approx(0.7)
    assert p.points == pytest.approx(14.0)
    assert p.value_text == "3 incidents in the last 24 months, weighted 7.0"


def test_it_counts_incidents_from_the_first_day_of_the_window_to_the_scoring_day():
    facility = FacilityFactory()
    incident(facility, Incident.Kind.REPRISAL, datetime.date(2025, 6, 1))  # exactly 24 months: counted
    incident(facility, Incident.Kind.DEATH, datetime.date(2025, 5, 31))  # a day older: not counted
    incident(facility, Incident.Kind.DEATH, datetime.date(2027, 6, 2))  # after the scoring day
    p = part(facility, "incidents")
    assert p.share == pytest.approx(0.4)
    assert p.value_text.startswith("1 incident in the last 24 months")


def test_it_caps_incidents_and_follows_the_window_parameter():
    facility = FacilityFactory()
    for month in range(1, 4):
        incident(facility, Incident.Kind.DEATH, datetime.date(2027, month, 1))
    assert part(facility, "incidents").points == 20.0
    factor = RiskFactor.objects.get(code="incidents")
    factor.params = {**factor.params, "window_months": 3}
    factor.save()
    # window from 2027-03-01: one death = 5 of 10
    assert part(facility, "incidents").points == pytest.approx(10.0)


# Vulnerable groups and type ----------------------------------------------------------------------------


def test_it_counts_the_vulnerable_groups_listed_in_the_pack():
    facility = FacilityFactory()
    facility.population_categories.set(
        PopulationCategory.objects.filter(code__in=["women", "foreigners", "men"])
    )
    p = part(facility, "vulnerable_groups")
    assert p.share == pytest.approx(2 / 3)
    assert p.points == pytest.approx(6.67)
    assert p.value_text.startswith("2 vulnerable groups: ")
    assert "Women" in p.value_text and "Foreign nationals" in p.value_text and "Men" not in p.value_text
    facility.population_categories.add(*PopulationCategory.objects.filter(code__in=["elderly", "patients"]))
    assert part(facility, "vulnerable_groups").points == 10.0


def test_it_gives_no_vulnerable_group_points_to_a_place_without_one():
    p = part(FacilityFactory(), "vulnerable_groups")
    assert (p.points, p.value_text) == (0.0, "no vulnerable group recorded")


def test_it_scores_the_type_weight():
    sizo = part(FacilityFactory(), "type_weight")  # weight 5 of 5
    colony = part(FacilityFactory(type=facility_type("COLONY_MIN")), "type_weight")  # 2 of 5
    assert (sizo.points, colony.points) == (10.0, 4.0)
    assert colony.value_text == "type weight 2 of 5"


# The whole score -----------------------------------------------------------------------------------------


def test_it_adds_the_factors_up_in_the_packs_order_with_names_and_descriptions():
    facility = FacilityFactory(capacity=100, population=100)
    score = risk.score_facilities([facility.pk], on=ON)[facility.pk]
    assert [p.code for p in score.parts] == [
        "since_last_visit",
        "occupancy",
        "recommendations",
        "incidents",
        "vulnerable_groups",
        "type_weight",
    ]
    # never visited 30 + occupancy 100% 7.5 + type 10
    assert score.total == pytest.approx(47.5)
    assert score.total == pytest.approx(sum(p.points for p in score.parts))
    assert all(p.name and p.description and p.value_text for p in score.parts)
    assert risk.risk_totals([facility.pk], on=ON) == {facility.pk: score.total}


def test_it_follows_edited_weights(coordinator):
    facility = FacilityFactory()
    risk_services.risk_factor_update(
        actor=coordinator, factor=RiskFactor.objects.get(code="type_weight"), weight=60
    )
    risk_services.risk_factor_update(
        actor=coordinator, factor=RiskFactor.objects.get(code="since_last_visit"), weight=0
    )
    p = part(facility, "type_weight")
    assert (p.weight, p.points) == (60.0, 60.0)
    assert part(facility, "since_last_visit").points == 0.0


def test_it_scores_every_active_place_by_default():
    active = FacilityFactory()
    closed = FacilityFactory(status=Facility.Status.CLOSED, closed_on=datetime.date(2020, 1, 1))
    scores = risk.score_facilities(on=ON)
    assert active.pk in scores and closed.pk not in scores
    assert risk.score_facilities([], on=ON) == {}


def test_it_scores_the_places_of_a_query_like_those_given_by_id(plan):
    incident_place, visited_place = FacilityFactory(), FacilityFactory(population=110)
    incident(incident_place, Incident.Kind.DEATH, datetime.date(2027, 1, 1))
    done(plan, visited_place, datetime.date(2026, 1, 1))
    by_query = risk.score_facilities(Facility.objects.filter(region__code="KGD").order_by("-pk"), on=ON)
    by_id = risk.score_facilities([incident_place.pk, visited_place.pk], on=ON)
    assert by_query == by_id
    assert risk.risk_totals(on=ON) == {pk: score.total for pk, score in by_id.items()}
    assert all(
        p.value_text == "" for p in risk.score_facilities(on=ON, explain=False)[incident_place.pk].parts
    )


def _queries(ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        risk.score_facilities(ids, on=ON)
    return len(ctx.captured_queries)


def test_it_scores_many_places_in_the_same_few_queries(plan):
    women = PopulationCategory.objects.get(code="women")
    facilities = []
    for n in range(30):
        facility = FacilityFactory(population=80 + n)
        facility.population_categories.add(women)
        incident(facility, Incident.Kind.INJURY, datetime.date(2027, 1, 1))
        if n % 3 == 0:
            done(plan, facility, datetime.date(2026, 1, 1))
        facilities.append(facility)
    few = _queries([f.pk for f in facilities[:5]])
    many = _queries([f.pk for f in facilities])
    assert few == many
    assert many <= 6


# Writes ----------------------------------------------------------------------------------------------------


def test_it_records_an_incident_with_an_audit_entry(coordinator):
    facility = FacilityFactory()
    created = risk_services.incident_record(
        actor=coordinator,
        facility=facility,
        kind=Incident.Kind.HUNGER_STRIKE,
        occurred_on=timezone.localdate(),
        summary="  Hunger strike of 12 detainees  ",
        source="Complaint letter",
    )
    assert created.summary == "Hunger strike of 12 detainees"
    assert created.recorded_by == coordinator
    event = AuditEvent.objects.get(object_type="planning.incident", object_id=str(created.pk))
    assert event.action == AuditEvent.Action.CREATE


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"occurred_on": None}, "occurred_on", "Give the date of the incident."),
        ({"summary": "   "}, "summary", "Describe the incident in a few words."),
        ({"kind": "riot"}, "kind", "Choose the kind of incident."),
        ({"summary": "x" * 401}, "summary", "Keep the summary under 400 characters."),
    ],
)
def test_it_refuses_an_incomplete_incident(coordinator, values, field, message):
    arguments = {
        "kind": Incident.Kind.INJURY,
        "occurred_on": datetime.date(2027, 1, 1),
        "summary": "Injury",
        **values,
    }
    with pytest.raises(ValidationError) as exc:
        risk_services.incident_record(actor=coordinator, facility=FacilityFactory(), **arguments)
    assert exc.value.message_dict[field] == [message]
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(object_type="planning.incident").exists()


def test_it_refuses_an_incident_dated_in_the_future(coordinator):
    with pytest.raises(ValidationError) as exc:
        risk_services.incident_record(
            actor=coordinator,
            facility=FacilityFactory(),
            kind=Incident.Kind.DEATH,
            occurred_on=timezone.localdate() + datetime.timedelta(days=1),
            summary="Death",
        )
    assert exc.value.message_dict["occurred_on"] == ["The date of the incident is in the future."]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("persona", ["council", "monitor", "liaison", "trainer"])
def test_it_lets_only_coordinators_write(request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        risk_services.incident_record(
            actor=user,
            facility=FacilityFactory(),
            kind="death",
            occurred_on=datetime.date(2027, 1, 1),
            summary="x",
        )
    with pytest.raises(PermissionDenied):
        risk_services.risk_factor_update(
            actor=user, factor=RiskFactor.objects.get(code="occupancy"), weight=5
        )
    assert not Incident.objects.exists()
    assert RiskFactor.objects.get(code="occupancy").weight == Decimal("15")


def test_it_audits_a_weight_change(coordinator):
    factor = risk_services.risk_factor_update(
        actor=coordinator, factor=RiskFactor.objects.get(code="occupancy"), weight="22.5"
    )
    assert RiskFactor.objects.get(pk=factor.pk).weight == Decimal("22.50")
    event = AuditEvent.objects.get(object_type="planning.riskfactor", object_id=str(factor.pk))
    assert event.changes == {"weight": {"before": "15.00", "after": "22.50"}}


@pytest.mark.parametrize("weight", [-1, "100.01", 250, "abc", "NaN", None])
def test_it_refuses_a_weight_out_of_range(coordinator, weight):
    with pytest.raises(ValidationError) as exc:
        risk_services.risk_factor_update(
            actor=coordinator, factor=RiskFactor.objects.get(code="occupancy"), weight=weight
        )
    assert "weight" in exc.value.message_dict
    assert RiskFactor.objects.get(code="occupancy").weight == Decimal("15")
    assert not AuditEvent.objects.filter(object_type="planning.riskfactor").exists()


def test_it_saves_no_weight_when_one_of_several_is_wrong(coordinator):
    with pytest.raises(ValidationError):
        risk_services.risk_factor_weights_update(
            actor=coordinator, weights={"occupancy": 20, "incidents": 101}
        )
    assert RiskFactor.objects.get(code="occupancy").weight == Decimal("15")
    changed = risk_services.risk_factor_weights_update(
        actor=coordinator, weights={"occupancy": 20, "incidents": 20}
    )
    assert [f.code for f in changed] == ["occupancy"]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2027, 6, 1), 24, datetime.date(2025, 6, 1)),
        (datetime.date(2027, 3, 31), 1, datetime.date(2027, 2, 28)),
        (datetime.date(2024, 3, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2027, 1, 15), 13, datetime.date(2025, 12, 15)),
    ],
)
def test_it_counts_calendar_months_back(day, months, expected):
    assert risk.months_before(day, months) == expected
