"""Risk, incident and factor pages: who sees them, what they show, bounded queries, and refusals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from dozor.accounts.models import AuditEvent
from dozor.core.models import Authority, Region
from dozor.facilities.tests.factories import FacilityFactory, facility_type, health_facility
from dozor.planning.models import Incident, RiskFactor
from dozor.planning.risk import scores as risk

pytestmark = pytest.mark.django_db

READERS = ["as_coordinator", "as_council", "as_monitor"]
OUTSIDERS = ["as_liaison", "as_other_liaison", "as_trainer"]


@pytest.fixture
def place():
    facility = FacilityFactory(name_en="Karaganda SIZO", capacity=100, population=130)
    Incident.objects.create(
        facility=facility,
        kind=Incident.Kind.DEATH,
        occurred_on=timezone.localdate() - datetime.timedelta(days=30),
        summary="Death of a detainee in a cell",
    )
    return facility


def read_pages(facility) -> list[str]:
    return [
        reverse("planning:risk_list"),
        reverse("planning:risk_detail", args=[facility.pk]),
        reverse("planning:incident_list"),
        reverse("planning:risk_factors"),
        reverse("planning:coverage"),
    ]


def write_pages(facility) -> list[str]:
    return [
        reverse("planning:incident_create"),
        reverse("planning:incident_create") + f"?facility={facility.pk}",
    ]


def incident_post(facility, **values) -> dict[str, str]:
    return {
        "facility": str(facility.pk),
        "kind": "injury",
        "occurred_on": timezone.localdate().isoformat(),
        "summary": "Bruises on two detainees",
        "source": "Lawyer",
        **values,
    }


# Who sees what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_it_shows_the_risk_pages_to_planning_readers(request, persona, place):
    client = request.getfixturevalue(persona)
    for url in read_pages(place):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Karaganda SIZO" in response.content.decode() or url.endswith("factors/"), url


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_it_refuses_every_risk_page_to_liaisons_and_trainers(request, persona, place):
    client = request.getfixturevalue(persona)
    for url in read_pages(place) + write_pages(place):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Karaganda SIZO" not in response.content.decode()
        assert "Death of a detainee" not in response.content.decode()
    assert client.post(reverse("planning:incident_create"), incident_post(place)).status_code == 403
    assert client.post(reverse("planning:risk_factors"), {"weight_occupancy": "1"}).status_code == 403
    assert Incident.objects.count() == 1


def test_it_sends_anonymous_visitors_to_sign_in(anonymous, place):
    for url in read_pages(place) + write_pages(place):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["as_council", "as_monitor"])
def test_it_refuses_writes_to_readers(request, persona, place):
    client = request.getfixturevalue(persona)
    for url in write_pages(place):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("planning:incident_create"), incident_post(place)).status_code == 403
    assert client.post(reverse("planning:risk_factors"), {"weight_occupancy": "1"}).status_code == 403
    assert Incident.objects.count() == 1
    assert RiskFactor.objects.get(code="occupancy").weight == Decimal("15")


def test_it_limits_a_regional_monitor_to_the_places_of_the_region(monitor, as_monitor, place):
    monitor.region = Region.objects.get(code="ALA")
    monitor.save()
    elsewhere = FacilityFactory(region=Region.objects.get(code="ALA"), name_en="Almaty place")
    page = as_monitor.get(reverse("planning:risk_list")).content.decode()
    assert "Almaty place" in page and "Karaganda SIZO" not in page
    assert as_monitor.get(reverse("planning:risk_detail", args=[place.pk])).status_code == 404
    assert as_monitor.get(reverse("planning:risk_detail", args=[elsewhere.pk])).status_code == 200
    incidents = as_monitor.get(reverse("planning:incident_list")).content.decode()
    assert "Death of a detainee" not in incidents


# Risk list ------------------------------------------------------------------------------------------


def test_it_ranks_places_by_score_with_a_bar_of_factors(as_coordinator, place):
    calm = FacilityFactory(type=facility_type("COLONY_MIN"), name_en="Calm colony")
    response = as_coordinator.get(reverse("planning:risk_list"))
    page = response.content.decode()
    assert page.index("Karaganda SIZO") < page.index("Calm colony")
    scores = risk.score_facilities([place.pk, calm.pk])
    assert f"{scores[place.pk].total:.1f}" in page
    assert f'data-testid="risk-row-{place.pk}"' in page
    assert "<svg" in page and "<title>Time since the last visit: 30</title>" in page


def test_it_filters_the_risk_list_by_region_type_and_authority(as_coordinator, place):
    FacilityFactory(region=Region.objects.get(code="ALA"), name_en="Almaty place")
    health_facility(name_en="Psychiatric hospital")
    url = reverse("planning:risk_list")
    by_region = as_coordinator.get(url, {"region": "ALA"}).content.decode()
    assert "Almaty place" in by_region and "Karaganda SIZO" not in by_region
    by_type = as_coordinator.get(url, {"type": "PSYCH_HOSPITAL"}).content.decode()
    assert "Psychiatric hospital" in by_type and "Karaganda SIZO" not in by_type
    by_authority = as_coordinator.get(url, {"authority": "MZ"}).content.decode()
    assert "Psychiatric hospital" in by_authority and "Almaty place" not in by_authority
    parent = Authority.objects.get(code="KUIS").path.strip("/").split("/")[0]
    by_parent = as_coordinator.get(url, {"authority": parent}).content.decode()
    assert "Karaganda SIZO" in by_parent and "Psychiatric hospital" not in by_parent


def test_it_answers_the_filters_with_a_fragment_for_htmx(as_coordinator, place):
    response = as_coordinator.get(reverse("planning:risk_list"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Karaganda SIZO" in page and "<html" not in page


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("planning:risk_list")).status_code == 200
    return len(ctx.captured_queries)


def test_it_lists_risk_in_a_bounded_number_of_queries(as_coordinator, django_assert_max_num_queries, place):
    for _ in range(4):
        FacilityFactory()
    few = _list_queries(as_coordinator)
    for n in range(60):
        facility = FacilityFactory(population=90 + n)
        Incident.objects.create(
            facility=facility, kind="complaint", occurred_on=timezone.localdate(), summary="x"
        )
    assert _list_queries(as_coordinator) == few
    with django_assert_max_num_queries(15):
        as_coordinator.get(reverse("planning:risk_list"), {"page": 2})


# Risk detail --------------------------------------------------------------------------------------------


def test_it_explains_each_factor_of_a_place(as_council, place):
    page = as_council.get(reverse("planning:risk_detail", args=[place.pk])).content.decode()
    for factor in RiskFactor.objects.all():
        assert escape(factor.name) in page
        assert escape(factor.description) in page
    assert "never visited; interval 2 years" in page
    assert "occupancy 130% (130 held, capacity 100)" in page
    assert "0 open recommendations, 0 of them overdue" in page
    assert "1 incident in the last 24 months, weighted 5.0" in page
    assert "Death of a detainee in a cell" in page
    assert 'data-testid="incident-form"' not in page


def test_it_gives_the_coordinator_a_form_to_record_an_incident(as_coordinator, place):
    page = as_coordinator.get(reverse("planning:risk_detail", args=[place.pk])).content.decode()
    assert 'data-testid="incident-form"' in page
    assert reverse("planning:incident_create") + f"?facility={place.pk}" in page


def test_it_answers_404_for_an_unknown_place(as_coordinator):
    assert as_coordinator.get(reverse("planning:risk_detail", args=[999999])).status_code == 404
    assert as_coordinator.get(reverse("planning:incident_create") + "?facility=999999").status_code == 404
    assert as_coordinator.get(reverse("planning:incident_create") + "?facility=abc").status_code == 404


# Incidents ------------------------------------------------------------------------------------------------


def test_it_records_an_incident_from_the_form(as_coordinator, coordinator, place):
    url = reverse("planning:incident_create") + f"?facility={place.pk}"
    assert "Karaganda SIZO" in as_coordinator.get(url).content.decode()
    response = as_coordinator.post(url, incident_post(place))
    assert response.status_code == 302
    assert response["Location"] == reverse("planning:risk_detail", args=[place.pk])
    created = Incident.objects.get(summary="Bruises on two detainees")
    assert (created.facility, created.kind, created.recorded_by) == (place, "injury", coordinator)
    assert AuditEvent.objects.filter(object_type="planning.incident", object_id=str(created.pk)).exists()
    detail = as_coordinator.get(response["Location"]).content.decode()
    assert "The incident was recorded." in detail and "Bruises on two detainees" in detail


def test_it_records_an_incident_choosing_the_place_from_a_list(as_coordinator, place):
    page = as_coordinator.get(reverse("planning:incident_create")).content.decode()
    assert f'<option value="{place.pk}"' in page
    response = as_coordinator.post(reverse("planning:incident_create"), incident_post(place))
    assert response.status_code == 302
    assert Incident.objects.count() == 2


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"occurred_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()},
            "The date of the incident is in the future.",
        ),
        ({"summary": ""}, "Describe the incident in a few words."),
        ({"summary": "   "}, "Describe the incident in a few words."),
        ({"occurred_on": ""}, "Give the date of the incident."),
    ],
)
def test_it_refuses_a_bad_incident_with_a_clear_message(as_coordinator, place, values, message):
    url = reverse("planning:incident_create") + f"?facility={place.pk}"
    response = as_coordinator.post(url, incident_post(place, **values))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Incident.objects.count() == 1
    assert not AuditEvent.objects.filter(object_type="planning.incident").exists()


def test_it_lists_and_filters_incidents(as_monitor, place):
    other = FacilityFactory(region=Region.objects.get(code="ALA"), name_en="Almaty place")
    Incident.objects.create(
        facility=other, kind="complaint", occurred_on=timezone.localdate(), summary="Complaint about food"
    )
    url = reverse("planning:incident_list")
    page = as_monitor.get(url).content.decode()
    assert "Death of a detainee" in page and "Complaint about food" in page
    assert 'data-testid="new-incident"' not in page
    by_kind = as_monitor.get(url, {"kind": "complaint"}).content.decode()
    assert "Complaint about food" in by_kind and "Death of a detainee" not in by_kind
    by_region = as_monitor.get(url, {"region": "KGD"}).content.decode()
    assert "Death of a detainee" in by_region and "Complaint about food" not in by_region


# Factor weights ----------------------------------------------------------------------------------------------


def weights_post(**changes) -> dict[str, str]:
    data = {f"weight_{f.code}": str(f.weight) for f in RiskFactor.objects.all()}
    data.update({f"weight_{code}": value for code, value in changes.items()})
    return data


def test_it_lets_the_coordinator_change_the_weights(as_coordinator):
    response = as_coordinator.post(
        reverse("planning:risk_factors"), weights_post(occupancy="25", incidents="10.5")
    )
    assert response.status_code == 302
    assert RiskFactor.objects.get(code="occupancy").weight == Decimal("25")
    assert RiskFactor.objects.get(code="incidents").weight == Decimal("10.5")
    assert AuditEvent.objects.filter(object_type="planning.riskfactor").count() == 2
    page = as_coordinator.get(response["Location"]).content.decode()
    assert "The weights were saved." in page and 'name="weight_occupancy"' in page


@pytest.mark.parametrize("value", ["101", "-5", "abc", ""])
def test_it_refuses_a_weight_out_of_range(as_coordinator, value):
    response = as_coordinator.post(
        reverse("planning:risk_factors"), weights_post(occupancy="30", incidents=value)
    )
    assert response.status_code == 400
    assert "Please correct the errors below." in response.content.decode()
    assert RiskFactor.objects.get(code="occupancy").weight == Decimal("15")
    assert RiskFactor.objects.get(code="incidents").weight == Decimal("20")
    assert not AuditEvent.objects.filter(object_type="planning.riskfactor").exists()


def test_it_shows_the_factors_read_only_to_readers(as_council):
    page = as_council.get(reverse("planning:risk_factors")).content.decode()
    assert "Occupancy against capacity" in page and "Nothing below 80% of capacity" in page
    assert '<form method="post"' not in page.split("<main", 1)[1]
    assert 'name="weight_occupancy"' not in page
