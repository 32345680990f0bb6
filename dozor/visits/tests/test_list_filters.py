"""Filters of the visit list (/visits/): place, region, authority, year and status - always inside
what the reader may open (``visits_visible_to``), counts included, in a bounded number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import client_for, make_user
from dozor.accounts.models import Role, User
from dozor.core.models import Region, VisitType
from dozor.facilities.tests.factories import FacilityFactory, health_facility
from dozor.visits.models import TeamMember, Visit
from dozor.visits.selectors import VisitFilters, visit_search

pytestmark = pytest.mark.django_db

LIST = reverse("visits:list")


def make_visit(facility: Any, started_on: datetime.date, *team: User, **values: Any) -> Visit:
    visit = Visit.objects.create(
        facility=facility,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=started_on,
        **values,
    )
    for user in team:
        TeamMember.objects.create(visit=visit, user=user)
    return visit


@pytest.fixture
def visits(monitor: User) -> dict[str, Visit]:
    """A SIZO of KUIS in Karaganda (two visits, one with the monitor), a hospital of the Ministry
    of Health in Almaty (one visit, completed in 2024)."""
    sizo = FacilityFactory(name_en="Sizo Karaganda")
    hospital = health_facility(name_en="Hospital Almaty", region=Region.objects.get(code="ALA"))
    return {
        "sizo_2025": make_visit(sizo, datetime.date(2025, 3, 4), monitor, status=Visit.Status.IN_PROGRESS),
        "sizo_2026": make_visit(sizo, datetime.date(2026, 2, 1)),
        "hospital_2024": make_visit(hospital, datetime.date(2024, 5, 6), status=Visit.Status.COMPLETED),
    }


def found(client: Client, **params: Any) -> set[Visit]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == len(page.object_list)  # the count is of the same rows
    return set(page)


def test_it_filters_by_place_region_authority_year_and_status(
    as_coordinator: Client, visits: dict[str, Visit]
):
    sizo, hospital = visits["sizo_2025"].facility, visits["hospital_2024"].facility
    assert found(as_coordinator) == set(visits.values())
    assert found(as_coordinator, facility=sizo.pk) == {visits["sizo_2025"], visits["sizo_2026"]}
    assert found(as_coordinator, region="ALA") == {visits["hospital_2024"]}
    assert found(as_coordinator, authority="MZ") == {visits["hospital_2024"]}
    assert found(as_coordinator, authority="MVD") == {visits["sizo_2025"], visits["sizo_2026"]}  # KUIS below
    assert found(as_coordinator, year=2026) == {visits["sizo_2026"]}
    assert found(as_coordinator, status="completed") == {visits["hospital_2024"]}
    assert found(as_coordinator, facility=sizo.pk, year=2025, status="in_progress") == {visits["sizo_2025"]}
    assert found(as_coordinator, facility=hospital.pk, region="KGD") == set()
    assert found(as_coordinator, authority="NO-SUCH") == set(visits.values())  # not a choice: ignored
    assert found(as_coordinator, year="not a year") == set(visits.values())  # ignored, and said so
    assert "Some filters were not understood" in as_coordinator.get(LIST, {"year": "x"}).content.decode()


def test_the_selector_finds_nothing_under_an_authority_the_reader_does_not_see(
    coordinator: User, liaison: User, visits: dict[str, Visit]
):
    assert set(visit_search(coordinator, VisitFilters(authority="NO-SUCH"))) == set()
    # A liaison reads no visits at all, whatever the filter.
    assert set(visit_search(liaison, VisitFilters(authority="KUIS"))) == set()


def test_the_place_filter_names_the_place_and_can_be_cleared(
    as_coordinator: Client, visits: dict[str, Visit]
):
    sizo = visits["sizo_2025"].facility
    html = as_coordinator.get(LIST, {"facility": sizo.pk, "year": 2025}).content.decode()
    assert 'data-testid="place-filter"' in html and "Sizo Karaganda" in html
    assert reverse("facilities:detail", args=[sizo.pk]) in html
    assert 'href="?year=2025" data-testid="clear-place"' in html


def test_a_monitor_finds_only_the_visits_of_their_team(as_monitor: Client, visits: dict[str, Visit]):
    sizo, hospital = visits["sizo_2025"].facility, visits["hospital_2024"].facility
    assert found(as_monitor) == {visits["sizo_2025"]}
    assert found(as_monitor, facility=sizo.pk) == {visits["sizo_2025"]}
    assert found(as_monitor, facility=hospital.pk) == set()
    assert found(as_monitor, year=2026) == set()
    assert found(as_monitor, status="completed") == set()


def test_a_place_outside_the_readers_scope_is_not_named(visits: dict[str, Visit]):
    """A regional monitor does not see the registry outside its region: an id names nothing."""
    regional = make_user("rita", Role.MONITOR)
    regional.region = Region.objects.get(code="KGD")
    regional.save(update_fields=["region"])
    hospital = visits["hospital_2024"].facility
    html = client_for(regional).get(LIST, {"facility": hospital.pk}).content.decode()
    assert "Hospital Almaty" not in html and 'data-testid="place-filter"' not in html


def test_liaisons_and_trainers_cannot_filter_visits(
    as_liaison: Client, as_trainer: Client, visits: dict[str, Visit]
):
    for client in (as_liaison, as_trainer):
        assert client.get(LIST, {"facility": visits["sizo_2025"].facility_id}).status_code == 403


def test_the_filtered_list_reads_a_bounded_number_of_queries(
    as_coordinator: Client, monitor: User, visits: dict[str, Visit], django_assert_max_num_queries
):
    sizo = visits["sizo_2025"].facility
    params = {
        "facility": sizo.pk,
        "region": "KGD",
        "authority": "KUIS",
        "year": 2025,
        "status": "in_progress",
    }
    with django_assert_max_num_queries(14) as small:
        as_coordinator.get(LIST, params)
    for n in range(20):
        make_visit(
            sizo, datetime.date(2025, 4, 1) + datetime.timedelta(days=n), monitor, status="in_progress"
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = as_coordinator.get(LIST, params)
    assert response.context["page"].paginator.count == 21
    assert response.content.decode().count('data-testid="visit-row"') == 21
