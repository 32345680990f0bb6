from __future__ import annotations

import datetime

import pytest
from knox.models import AuthToken

from dozor.accounts.models import AuditEvent
from dozor.api.conftest import PERSONAS
from dozor.core.models import Authority
from dozor.facilities.models import Facility, Occupancy
from dozor.facilities.tests.factories import FacilityFactory, OccupancyFactory, facility_type, health_facility

# Which of the two places (KUIS's SIZO, MZ's hospital) each persona sees.
SEES = {
    "coordinator": {"kuis", "mz"},
    "monitor": {"kuis", "mz"},
    "liaison": {"kuis"},
    "other_liaison": {"mz"},
    "trainer": set(),
}


@pytest.fixture
def places(db) -> dict[str, Facility]:
    return {"kuis": FacilityFactory(), "mz": health_facility()}


def new_place(**overrides):
    body = {
        "code": "API-001",
        "name_ru": "Новое учреждение",
        "name_en": "New place",
        "type": "SIZO",
        "authority": "KUIS",
        "region": "KGD",
        "population_categories": [],
        "capacity": 120,
        "latitude": "49.8",
        "longitude": "73.1",
    }
    return body | overrides


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_only_visible_places(client_as, places, persona):
    response = client_as(persona).get("/api/v1/facilities/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    body = response.json()
    codes = {row["code"] for row in body["results"]}
    expected = {places[key].code for key in SEES[persona]}
    assert codes == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_retrieves_a_place_only_when_visible(client_as, places, persona):
    client = client_as(persona)
    for key, place in places.items():
        response = client.get(f"/api/v1/facilities/{place.pk}/")
        if persona == "anonymous":
            assert response.status_code == 401
        elif key in SEES[persona]:
            assert response.status_code == 200
            assert response.json()["code"] == place.code
        else:
            assert response.status_code == 404


def test_it_gives_404_for_a_missing_or_malformed_id(as_coordinator):
    assert as_coordinator.get("/api/v1/facilities/999999/").status_code == 404
    assert as_coordinator.get("/api/v1/facilities/abc/").status_code == 404


def test_it_outputs_references_as_codes_with_names(as_monitor, places):
    body = as_monitor.get(f"/api/v1/facilities/{places['kuis'].pk}/").json()
    assert body["type"]["code"] == "SIZO"
    assert body["authority"]["code"] == "KUIS"
    assert body["region"]["code"] == "KGD"
    for ref in (body["type"], body["authority"], body["region"]):
        assert ref["name_kk"] and ref["name_ru"] and ref["name_en"]
    assert body["name_ru"].startswith("Тестовое")
    assert body["capacity"] == 100
    assert body["latitude"] == pytest.approx(49.806)


def test_it_lists_places_in_a_bounded_number_of_queries(as_coordinator, django_assert_max_num_queries):
    def make(n):
        for _ in range(n):
            place = FacilityFactory()
            place.population_categories.set(facility_type("SIZO").population_categories.all())

    make(3)
    with django_assert_max_num_queries(8):
        assert as_coordinator.get("/api/v1/facilities/").json()["count"] == 3
    make(27)
    with django_assert_max_num_queries(8):
        assert as_coordinator.get("/api/v1/facilities/").json()["count"] == 30


# ---------------------------------------------------------------- filters


def test_it_filters_by_region_type_and_status(as_coordinator, places):
    other_region = FacilityFactory(region=places["mz"].region.__class__.objects.get(code="AST"))
    closed = FacilityFactory(status=Facility.Status.CLOSED, closed_on=datetime.date(2024, 1, 1))

    def codes(**params):
        return {row["code"] for row in as_coordinator.get("/api/v1/facilities/", params).json()["results"]}

    assert codes(region="AST") == {other_region.code}
    assert codes(type="PSYCH_HOSPITAL") == {places["mz"].code}
    assert codes(status="closed") == {closed.code}
    assert codes(region="NOPE") == set()


def test_it_filters_by_authority_including_its_subtree(as_coordinator, places):
    assert Authority.objects.get(code="KUIS").parent.code == "MVD"
    rows = as_coordinator.get("/api/v1/facilities/", {"authority": "MVD"}).json()["results"]
    assert {row["code"] for row in rows} == {places["kuis"].code}
    assert as_coordinator.get("/api/v1/facilities/", {"authority": "NOPE"}).json()["count"] == 0


def test_it_never_widens_a_liaison_view_through_filters(as_liaison, places):
    assert as_liaison.get("/api/v1/facilities/", {"authority": "MZ"}).json()["count"] == 0
    assert as_liaison.get("/api/v1/facilities/", {"q": places["mz"].code}).json()["count"] == 0


def test_it_filters_overcrowded_places(as_coordinator, places):
    crowded = FacilityFactory(capacity=10, population=12)
    rows = as_coordinator.get("/api/v1/facilities/", {"overcrowded": "true"}).json()["results"]
    assert [row["code"] for row in rows] == [crowded.code]
    assert rows[0]["is_overcrowded"] is True


def test_it_searches_case_insensitively_in_cyrillic(as_coordinator):
    place = FacilityFactory(name_ru="Исправительная колония Жайык")
    FacilityFactory(name_ru="Другое")
    rows = as_coordinator.get("/api/v1/facilities/", {"q": "ЖАЙЫК"}).json()["results"]
    assert [row["code"] for row in rows] == [place.code]


def test_it_rejects_an_unknown_status_filter(as_coordinator):
    assert as_coordinator.get("/api/v1/facilities/", {"status": "sideways"}).status_code == 400


# ---------------------------------------------------------------- writing


def test_it_creates_a_place_through_the_service(as_coordinator):
    response = as_coordinator.post(
        "/api/v1/facilities/", new_place(population_categories=["men"]), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    place = Facility.objects.get(code="API-001")
    assert body["id"] == place.pk
    assert body["authority"]["code"] == "KUIS"
    assert [c["code"] for c in body["population_categories"]] == ["men"]
    assert "новое" in place.search_text  # built by facility_create
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_id=str(place.pk)).exists()


@pytest.mark.parametrize("persona", ["monitor", "liaison", "other_liaison", "trainer", "anonymous"])
def test_it_refuses_writes_to_those_who_cannot_edit(client_as, places, persona):
    client = client_as(persona)
    expected = 401 if persona == "anonymous" else 403
    pk = places["kuis"].pk
    assert (
        client.post("/api/v1/facilities/", new_place(), content_type="application/json").status_code
        == expected
    )
    response = client.patch(f"/api/v1/facilities/{pk}/", {"capacity": 5}, content_type="application/json")
    assert response.status_code == expected
    response = client.put(f"/api/v1/facilities/{pk}/", new_place(), content_type="application/json")
    assert response.status_code == expected
    assert not Facility.objects.filter(code="API-001").exists()
    places["kuis"].refresh_from_db()
    assert places["kuis"].capacity == 100


def test_it_does_not_delete(as_coordinator, places):
    assert as_coordinator.delete(f"/api/v1/facilities/{places['kuis'].pk}/").status_code == 405
    assert Facility.objects.filter(pk=places["kuis"].pk).exists()


def test_it_changes_only_the_fields_given_on_patch(as_coordinator, places):
    place = places["kuis"]
    place.population_categories.set(facility_type("SIZO").population_categories.all())
    before = set(place.population_categories.values_list("code", flat=True))
    response = as_coordinator.patch(
        f"/api/v1/facilities/{place.pk}/",
        {"capacity": 150, "name_en": "Renamed"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    place.refresh_from_db()
    assert (place.capacity, place.name_en, place.region.code) == (150, "Renamed", "KGD")
    assert set(place.population_categories.values_list("code", flat=True)) == before
    assert "renamed" in place.search_text
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(place.pk)).exists()


def test_it_replaces_a_place_on_put(as_coordinator, places):
    place = places["kuis"]
    response = as_coordinator.put(
        f"/api/v1/facilities/{place.pk}/",
        new_place(code=place.code, region="AST", settlement=""),
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    place.refresh_from_db()
    assert (place.region.code, place.capacity, place.name_kk, place.settlement) == ("AST", 120, "", "")


def test_it_closes_a_place_with_a_date(as_coordinator, places):
    place = places["kuis"]
    url = f"/api/v1/facilities/{place.pk}/"
    response = as_coordinator.patch(url, {"status": "closed"}, content_type="application/json")
    assert response.status_code == 400
    assert "closed_on" in response.json()
    response = as_coordinator.patch(
        url, {"status": "closed", "closed_on": "2025-01-31"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "closed"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": -1}, "capacity"),
        ({"region": "NOPE"}, "region"),
        ({"type": "NOPE"}, "type"),
        ({"population_categories": ["NOPE"]}, "population_categories"),
        ({"status": "sideways"}, "status"),
        ({"latitude": "95", "longitude": "73"}, "latitude"),
        ({"latitude": None}, "longitude"),
        ({"name_ru": "", "name_en": ""}, "name_ru"),
        ({"code": ""}, "code"),
    ],
)
def test_it_rejects_bad_input_with_a_message_and_changes_nothing(as_coordinator, overrides, field):
    count = Facility.objects.count()
    events = AuditEvent.objects.count()
    response = as_coordinator.post(
        "/api/v1/facilities/", new_place(**overrides), content_type="application/json"
    )
    assert response.status_code == 400
    messages = response.json()[field]
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert Facility.objects.count() == count
    assert AuditEvent.objects.count() == events


def test_it_rejects_a_duplicate_code(as_coordinator, places):
    response = as_coordinator.post(
        "/api/v1/facilities/", new_place(code=places["mz"].code), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"]
    assert Facility.objects.filter(code=places["mz"].code).count() == 1


def test_it_rejects_a_negative_capacity_on_patch_and_changes_nothing(as_coordinator, places):
    place = places["kuis"]
    response = as_coordinator.patch(
        f"/api/v1/facilities/{place.pk}/", {"capacity": -5, "name_en": "X"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["capacity"]
    place.refresh_from_db()
    assert (place.capacity, place.name_en) == (100, "Test facility No. " + place.name_en.split()[-1])


def test_it_writes_with_token_auth(client, coordinator, places):
    _instance, token = AuthToken.objects.create(user=coordinator)
    response = client.patch(
        f"/api/v1/facilities/{places['kuis'].pk}/",
        {"capacity": 99},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200
    assert response.json()["capacity"] == 99


# ---------------------------------------------------------------- occupancy


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_occupancy_history_only_of_visible_places(client_as, places, persona):
    for place in places.values():
        OccupancyFactory(facility=place)
    client = client_as(persona)
    for key, place in places.items():
        response = client.get(f"/api/v1/facilities/{place.pk}/occupancy/")
        if persona == "anonymous":
            assert response.status_code == 401
        elif key in SEES[persona]:
            assert response.status_code == 200
            assert [row["facility"] for row in response.json()["results"]] == [place.pk]
        else:
            assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_occupancy_only_of_visible_places(client_as, places, persona):
    for place in places.values():
        OccupancyFactory(facility=place)
        OccupancyFactory(facility=place)
    response = client_as(persona).get("/api/v1/occupancy/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    body = response.json()
    assert {row["facility_code"] for row in body["results"]} == {places[key].code for key in SEES[persona]}
    assert body["count"] == 2 * len(SEES[persona])


def test_it_filters_occupancy_by_place_and_dates(as_coordinator, places):
    kuis = places["kuis"]
    for day in (1, 10, 20):
        OccupancyFactory(facility=kuis, date=datetime.date(2025, 3, day))
    OccupancyFactory(facility=places["mz"], date=datetime.date(2025, 3, 10))
    params = {"facility": kuis.pk, "date_after": "2025-03-05", "date_before": "2025-03-20"}
    rows = as_coordinator.get("/api/v1/occupancy/", params).json()["results"]
    assert [row["date"] for row in rows] == ["2025-03-20", "2025-03-10"]
    rows = as_coordinator.get("/api/v1/occupancy/", {"facility_code": places["mz"].code}).json()["results"]
    assert len(rows) == 1


def test_it_lists_occupancy_in_a_bounded_number_of_queries(as_coordinator, django_assert_max_num_queries):
    OccupancyFactory.create_batch(3)
    with django_assert_max_num_queries(6):
        assert as_coordinator.get("/api/v1/occupancy/").json()["count"] == 3
    OccupancyFactory.create_batch(27)
    with django_assert_max_num_queries(6):
        assert as_coordinator.get("/api/v1/occupancy/").json()["count"] == 30


def test_it_records_occupancy_through_the_service(as_coordinator, places):
    place = places["kuis"]
    url = f"/api/v1/facilities/{place.pk}/occupancy/"
    response = as_coordinator.post(
        url, {"date": "2025-05-01", "capacity": 100, "population": 130}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["is_overcrowded"] is True
    place.refresh_from_db()
    assert (place.population, place.population_date) == (130, datetime.date(2025, 5, 1))
    # a second record on the same day replaces the first
    as_coordinator.post(
        url, {"date": "2025-05-01", "capacity": 100, "population": 90}, content_type="application/json"
    )
    assert Occupancy.objects.filter(facility=place).count() == 1
    place.refresh_from_db()
    assert place.population == 90


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2025-05-01", "capacity": -1, "population": 1}, "capacity"),
        ({"date": "2025-05-01", "capacity": 1, "population": -1}, "population"),
        ({"date": "2999-01-01", "capacity": 1, "population": 1}, "date"),
        ({"capacity": 1, "population": 1}, "date"),
    ],
)
def test_it_rejects_bad_occupancy_and_records_nothing(as_coordinator, places, body, field):
    response = as_coordinator.post(
        f"/api/v1/facilities/{places['kuis'].pk}/occupancy/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()[field]
    assert not Occupancy.objects.exists()


@pytest.mark.parametrize("persona", ["monitor", "liaison", "other_liaison", "trainer", "anonymous"])
def test_it_refuses_occupancy_writes_to_those_who_cannot_edit(client_as, places, persona):
    response = client_as(persona).post(
        f"/api/v1/facilities/{places['kuis'].pk}/occupancy/",
        {"date": "2025-05-01", "capacity": 100, "population": 90},
        content_type="application/json",
    )
    assert response.status_code == (401 if persona == "anonymous" else 403)
    assert not Occupancy.objects.exists()


def test_it_refuses_writes_to_the_flat_occupancy_list(as_coordinator, places):
    response = as_coordinator.post(
        "/api/v1/occupancy/",
        {"facility": places["kuis"].pk, "date": "2025-05-01", "capacity": 1, "population": 1},
        content_type="application/json",
    )
    assert response.status_code == 405
