from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from dozor.accounts.models import AuditEvent
from dozor.core.models import Region
from dozor.facilities.models import Facility, Occupancy
from dozor.facilities.tests.factories import FacilityFactory, OccupancyFactory, facility_type, health_facility

pytestmark = pytest.mark.django_db


def test_it_lists_places_for_npm_roles(as_coordinator, as_council, as_monitor):
    FacilityFactory(name_en="Colony Alpha")
    for client in (as_coordinator, as_council, as_monitor):
        response = client.get(reverse("facilities:list"))
        assert response.status_code == 200
        assert b"Colony Alpha" in response.content


def test_it_redirects_anonymous_to_login(anonymous):
    facility = FacilityFactory()
    for url in (
        reverse("facilities:list"),
        reverse("facilities:map"),
        reverse("facilities:detail", args=[facility.pk]),
        reverse("facilities:export_csv"),
        reverse("facilities:import"),
        reverse("facilities:create"),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]


def test_it_refuses_the_trainer(as_trainer):
    facility = FacilityFactory()
    assert as_trainer.get(reverse("facilities:list")).status_code == 403
    assert as_trainer.get(reverse("facilities:map")).status_code == 403
    assert as_trainer.get(reverse("facilities:detail", args=[facility.pk])).status_code == 404
    assert as_trainer.get(reverse("facilities:export_csv")).status_code == 403


def test_it_shows_a_liaison_only_their_authority(as_liaison):
    kuis = FacilityFactory(name_en="Penal place")  # SIZO, run by KUIS
    health = health_facility(name_en="Hospital place")
    response = as_liaison.get(reverse("facilities:list"))
    assert b"Penal place" in response.content
    assert b"Hospital place" not in response.content
    assert as_liaison.get(reverse("facilities:detail", args=[kuis.pk])).status_code == 200
    assert as_liaison.get(reverse("facilities:detail", args=[health.pk])).status_code == 404
    export = as_liaison.get(reverse("facilities:export_csv")).content.decode("utf-8")
    assert kuis.code in export and health.code not in export
    map_page = as_liaison.get(reverse("facilities:map")).content
    assert b"Hospital place" not in map_page
    # filtering on another authority yields nothing rather than revealing counts
    response = as_liaison.get(reverse("facilities:list"), {"authority": "MZ"})
    assert b"Hospital place" not in response.content


def test_it_lets_the_other_liaison_see_nothing_of_kuis(as_other_liaison):
    kuis = FacilityFactory(name_en="Penal place")
    response = as_other_liaison.get(reverse("facilities:list"))
    assert b"Penal place" not in response.content
    assert as_other_liaison.get(reverse("facilities:detail", args=[kuis.pk])).status_code == 404


def test_it_forbids_editing_to_non_coordinators(as_monitor, as_liaison, as_council):
    facility = FacilityFactory()
    for client in (as_monitor, as_liaison, as_council):
        assert client.get(reverse("facilities:edit", args=[facility.pk])).status_code == 403
        assert client.post(reverse("facilities:edit", args=[facility.pk]), {"code": "X"}).status_code == 403
        assert client.get(reverse("facilities:create")).status_code == 403
        assert client.get(reverse("facilities:import")).status_code == 403


def test_it_searches_by_name_in_any_language_case_insensitively(as_coordinator):
    FacilityFactory(
        name_kk="Қарағанды тергеу изоляторы", name_ru="Карагандинский изолятор", name_en="Karaganda SIZO"
    )
    # Elsewhere: a place in Karaganda Region is found by the region's name too (the gazetteer).
    FacilityFactory(
        name_kk="Басқа",
        name_ru="Другое",
        name_en="Unrelated Zeta",
        region=Region.objects.get(code="PVD"),
        settlement="Pavlodar",
    )
    for query in ("қарағанды", "ҚАРАҒАНДЫ", "карагандинский", "KARAGANDA sizo"):
        response = as_coordinator.get(reverse("facilities:list"), {"q": query})
        assert b"Karaganda SIZO" in response.content or "Карагандинский" in response.content.decode(), query
        assert b"Unrelated Zeta" not in response.content


def test_it_filters_by_region_type_status_and_overcrowding(as_coordinator):
    crowded = FacilityFactory(name_en="Crowded", capacity=10, population=15)
    closed = FacilityFactory(
        name_en="Shut", status=Facility.Status.CLOSED, closed_on=datetime.date(2020, 1, 1)
    )
    response = as_coordinator.get(reverse("facilities:list"), {"overcrowded": "on"})
    assert crowded.name_en.encode() in response.content and b"Shut" not in response.content
    response = as_coordinator.get(reverse("facilities:list"), {"status": "closed"})
    assert closed.name_en.encode() in response.content and b"Crowded" not in response.content
    response = as_coordinator.get(reverse("facilities:list"), {"region": "AST"})
    assert b"Crowded" not in response.content
    response = as_coordinator.get(reverse("facilities:list"), {"authority": "MVD"})  # includes KUIS subtree
    assert b"Crowded" in response.content


def test_it_returns_a_fragment_to_htmx(as_coordinator):
    FacilityFactory(name_en="Fragment place")
    response = as_coordinator.get(reverse("facilities:list"), HTTP_HX_REQUEST="true")
    assert b"Fragment place" in response.content
    assert b"<html" not in response.content


def test_it_keeps_list_queries_bounded(as_coordinator, django_assert_max_num_queries):
    FacilityFactory.create_batch(3)
    with django_assert_max_num_queries(12) as small:
        as_coordinator.get(reverse("facilities:list"))
    FacilityFactory.create_batch(60)
    with django_assert_max_num_queries(len(small.captured_queries)):
        as_coordinator.get(reverse("facilities:list"))
    with django_assert_max_num_queries(12):
        as_coordinator.get(reverse("facilities:map"))


def test_it_creates_a_place_and_audits_it(as_coordinator):
    response = as_coordinator.post(
        reverse("facilities:create"),
        {
            "code": "NEW-1",
            "name_ru": "Новое учреждение",
            "name_kk": "Жаңа мекеме",
            "type": facility_type("IVS").pk,
            "region": 1,
            "capacity": 20,
            "status": "active",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    facility = Facility.objects.get(code="NEW-1")
    assert facility.authority.code == "MVD-POLICE"  # the type's default
    event = AuditEvent.objects.get(
        action="create", object_type="facilities.facility", object_id=str(facility.pk)
    )
    assert event.changes["code"] == {"before": None, "after": "NEW-1"}


def test_it_refuses_negative_capacity_and_changes_nothing(as_coordinator):
    facility = FacilityFactory(capacity=50)
    data = {
        "code": facility.code,
        "name_ru": facility.name_ru,
        "type": facility.type.pk,
        "authority": facility.authority.pk,
        "region": facility.region.pk,
        "capacity": -5,
        "status": "active",
    }
    response = as_coordinator.post(reverse("facilities:edit", args=[facility.pk]), data)
    assert response.status_code == 200
    assert b"greater than or equal to 0" in response.content
    facility.refresh_from_db()
    assert facility.capacity == 50


def test_it_refuses_a_duplicate_code(as_coordinator):
    existing = FacilityFactory(code="DUP-1")
    data = {
        "code": "DUP-1",
        "name_ru": "X",
        "type": existing.type.pk,
        "region": existing.region.pk,
        "status": "active",
    }
    response = as_coordinator.post(reverse("facilities:create"), data)
    assert response.status_code == 200
    assert b"already exists" in response.content
    assert Facility.objects.filter(code="DUP-1").count() == 1


def test_it_edits_and_records_before_and_after(as_coordinator):
    facility = FacilityFactory(name_ru="Старое имя")
    data = {
        "code": facility.code,
        "name_ru": "Новое имя",
        "type": facility.type.pk,
        "authority": facility.authority.pk,
        "region": facility.region.pk,
        "capacity": 100,
        "status": "active",
    }
    response = as_coordinator.post(reverse("facilities:edit", args=[facility.pk]), data)
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.name_ru == "Новое имя"
    assert "новое имя" in facility.search_text
    event = AuditEvent.objects.filter(action="update", object_id=str(facility.pk)).latest("id")
    assert event.changes["name_ru"] == {"before": "Старое имя", "after": "Новое имя"}


def test_it_records_occupancy_and_updates_the_population(as_coordinator):
    facility = FacilityFactory(capacity=100)
    OccupancyFactory(facility=facility, date=datetime.date(2024, 1, 1), population=80)
    response = as_coordinator.post(
        reverse("facilities:occupancy_add", args=[facility.pk]),
        {"date": "2025-03-01", "capacity": 100, "population": 130, "source": "official"},
    )
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.population == 130 and facility.is_overcrowded
    detail = as_coordinator.get(reverse("facilities:detail", args=[facility.pk])).content.decode()
    assert "2025-03-01" in detail and "2024-01-01" in detail


def test_it_refuses_negative_population(as_coordinator):
    facility = FacilityFactory()
    response = as_coordinator.post(
        reverse("facilities:occupancy_add", args=[facility.pk]),
        {"date": "2025-03-01", "capacity": 100, "population": -1, "source": "official"},
    )
    assert response.status_code == 400
    assert not Occupancy.objects.filter(facility=facility).exists()


def test_it_draws_the_map_with_region_boundaries(as_coordinator):
    FacilityFactory(name_en="Mapped place")
    content = as_coordinator.get(reverse("facilities:map")).content.decode()
    assert content.count('class="map-region"') == 20
    assert "Mapped place" in content and "<circle" in content
    assert "http://" not in content.split("<svg", 1)[1].split("</svg>")[0].replace("http://www.w3.org", "")


def test_a_regional_scope_narrows_the_registry(monitor, client):
    from dozor.core.models import Region

    monitor.region = Region.objects.get(code="AST")
    monitor.save(update_fields=["region"])
    inside = FacilityFactory(name_en="Astana place", region=Region.objects.get(code="AST"))
    outside = FacilityFactory(name_en="Karaganda place")
    client.force_login(monitor)
    html = client.get(reverse("facilities:list")).content.decode()
    assert "Astana place" in html and "Karaganda place" not in html
    assert client.get(reverse("facilities:detail", args=[inside.pk])).status_code == 200
    assert client.get(reverse("facilities:detail", args=[outside.pk])).status_code == 404
