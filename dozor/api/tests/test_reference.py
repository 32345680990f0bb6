from __future__ import annotations

import pytest
from knox.models import AuthToken

from dozor.api.conftest import PERSONAS
from dozor.core.models import Authority, PopulationCategory, Region, VisitType
from dozor.facilities.models import FacilityType

REFERENCE = {
    "regions": Region,
    "facility-types": FacilityType,
    "population-categories": PopulationCategory,
    "visit-types": VisitType,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", sorted(REFERENCE))
def test_it_lists_reference_data_to_every_staff_role(client_as, persona, endpoint):
    response = client_as(persona).get(f"/api/v1/{endpoint}/")
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response.json()["count"] == REFERENCE[endpoint].objects.count() > 0


def test_it_retrieves_reference_rows_by_code_with_names_in_three_languages(as_monitor):
    body = as_monitor.get("/api/v1/regions/KGD/").json()
    assert body["code"] == "KGD"
    assert body["name_ru"] and body["name_kk"] and body["name_en"]
    assert body["name"] == body["name_en"]

    kind = as_monitor.get("/api/v1/facility-types/SIZO/").json()
    assert kind["authority"]["code"] == "KUIS"


def test_it_gives_404_for_unknown_code(as_monitor):
    assert as_monitor.get("/api/v1/regions/NOPE/").status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("coordinator", "all"),
        ("monitor", "all"),
        ("trainer", "all"),
        ("liaison", "/MVD/KUIS/"),
        ("other_liaison", "/MZ/"),
    ],
)
def test_it_shows_a_liaison_only_its_authority_subtree(client_as, persona, expected):
    body = client_as(persona).get("/api/v1/authorities/", {"page_size": 500}).json()
    paths = {row["path"] for row in body["results"]}
    if expected == "all":
        assert body["count"] == Authority.objects.count()
    else:
        assert paths and all(p.startswith(expected) for p in paths)
        assert body["count"] == Authority.objects.filter(path__startswith=expected).count()


def test_it_hides_other_authorities_from_a_liaison(as_liaison):
    assert as_liaison.get("/api/v1/authorities/KUIS/").status_code == 200
    assert as_liaison.get("/api/v1/authorities/MZ/").status_code == 404
    assert as_liaison.get("/api/v1/authorities/MVD/").status_code == 404  # the parent is outside the subtree


def test_it_gives_the_parent_code_of_an_authority(as_monitor):
    body = as_monitor.get("/api/v1/authorities/KUIS/").json()
    assert body["parent"] == "MVD"
    assert as_monitor.get("/api/v1/authorities/MVD/").json()["parent"] is None


def test_it_accepts_token_auth(client, monitor):
    _instance, token = AuthToken.objects.create(user=monitor)
    response = client.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200


def test_it_rejects_a_bad_token(client, db):
    response = client.get("/api/v1/regions/", HTTP_AUTHORIZATION="Token not-a-real-key")
    assert response.status_code == 401


def test_it_rejects_a_token_of_an_inactive_user(client, monitor):
    _instance, token = AuthToken.objects.create(user=monitor)
    monitor.is_active = False
    monitor.save(update_fields=["is_active"])
    response = client.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "endpoint", ["regions", "authorities", "facility-types", "population-categories", "visit-types"]
)
def test_it_lists_reference_data_in_few_queries(as_coordinator, django_assert_max_num_queries, endpoint):
    with django_assert_max_num_queries(6):
        assert as_coordinator.get(f"/api/v1/{endpoint}/", {"page_size": 500}).status_code == 200
