"""The recommendation list's place filter, its follow-up group ("all open", "closed", both) and a
text search that also matches the place's names in Kazakh, Russian and English - inside what the
reader may see, counts included, and without changing the API's filters."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import User
from dozor.recommendations.models import Recommendation
from dozor.recommendations.selectors import RecommendationFilters, recommendation_search
from dozor.recommendations.tests.factories import health_place, kuis_place, recommendation, report_for

pytestmark = pytest.mark.django_db

LIST = reverse("recommendations:list")
API = "/api/v1/recommendations/"


@pytest.fixture
def recs(coordinator: User) -> dict[str, Recommendation]:
    colony = kuis_place(
        name_kk="Өскемен түзеу колониясы",
        name_ru="Исправительная колония Усть-Каменогорска",
        name_en="Oskemen colony",
    )
    hospital = health_place(
        name_kk="Павлодар ауруханасы", name_ru="Павлодарская больница", name_en="Pavlodar hospital"
    )
    return {
        "colony_open": recommendation(
            coordinator, report_for(coordinator, colony), text="Fix the ventilation."
        ),
        "colony_closed": recommendation(
            coordinator, facility=colony, text="Repair the roof.", status="implemented"
        ),
        "colony_2024": recommendation(
            coordinator,
            facility=colony,
            text="Train the staff.",
            status="in_progress",
            issued_on=datetime.date(2024, 6, 1),
        ),
        "hospital_open": recommendation(coordinator, facility=hospital, text="Provide drinking water."),
    }


def found(client: Client, **params: Any) -> set[Recommendation]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == len(page.object_list)  # the count is of the same rows
    return set(page)


def test_it_filters_by_place_and_follow_up(as_coordinator: Client, recs: dict[str, Recommendation]):
    colony = recs["colony_open"].facility
    assert colony is not None
    everything = set(recs.values())
    assert found(as_coordinator) == everything
    assert found(as_coordinator, facility=colony.pk) == {
        recs["colony_open"],
        recs["colony_closed"],
        recs["colony_2024"],
    }
    assert found(as_coordinator, facility=colony.pk, status_group="open") == {
        recs["colony_open"],
        recs["colony_2024"],
    }
    assert found(as_coordinator, facility=colony.pk, status_group="closed") == {recs["colony_closed"]}
    assert found(as_coordinator, status_group="open") == everything - {recs["colony_closed"]}
    assert found(as_coordinator, status_group="open", year=2024) == {recs["colony_2024"]}
    assert found(as_coordinator, status_group="open", authority="MZ") == {recs["hospital_open"]}
    assert found(as_coordinator, status_group="open", region=colony.region.code) >= {recs["colony_open"]}
    assert found(as_coordinator, status_group="nonsense") == everything  # not understood: ignored


def test_the_text_search_matches_the_place_names_in_every_language(
    as_coordinator: Client, recs: dict[str, Recommendation]
):
    colony = {recs["colony_open"], recs["colony_closed"], recs["colony_2024"]}
    assert found(as_coordinator, q="ӨСКЕМЕН") == colony  # Kazakh, any case (Cyrillic folded too)
    assert found(as_coordinator, q="усть-каменогорска") == colony
    assert found(as_coordinator, q="Oskemen") == colony
    assert found(as_coordinator, q="өскемен ventilation") == {recs["colony_open"]}  # every word must match
    assert found(as_coordinator, q="павлодар", status_group="open") == {recs["hospital_open"]}
    assert found(as_coordinator, q="drinking") == {recs["hospital_open"]}  # the text still counts


def test_the_place_filter_names_the_place_and_links_its_visit_history(
    as_coordinator: Client, recs: dict[str, Recommendation]
):
    colony = recs["colony_open"].facility
    assert colony is not None
    html = as_coordinator.get(LIST, {"facility": colony.pk, "status_group": "open"}).content.decode()
    assert 'data-testid="place-filter"' in html and "Oskemen colony" in html
    assert f'href="/visits/?facility={colony.pk}"' in html
    assert 'href="?status_group=open" data-testid="clear-place"' in html
    assert 'value="open" selected' in html


def test_a_monitor_also_gets_the_link_to_the_places_visit_history(
    as_monitor: Client, recs: dict[str, Recommendation]
):
    colony = recs["colony_open"].facility
    assert colony is not None
    html = as_monitor.get(LIST, {"facility": colony.pk}).content.decode()
    assert f'href="/visits/?facility={colony.pk}"' in html  # monitors read visits (their own)


def test_a_liaison_never_finds_another_authoritys_place(
    as_liaison: Client, liaison: User, recs: dict[str, Recommendation]
):
    hospital = recs["hospital_open"].facility
    assert hospital is not None
    by_place = RecommendationFilters(facility=hospital.pk, status_group="open")
    assert set(recommendation_search(liaison, by_place)) == set()
    assert set(recommendation_search(liaison, RecommendationFilters(q="павлодар"))) == set()
    # Its own place: the recommendation of the sent report and the one from another source.
    own = recommendation_search(liaison, RecommendationFilters(q="өскемен", status_group="open"))
    assert set(own) == {recs["colony_open"], recs["colony_2024"]}
    api = as_liaison.get(API, {"q": "павлодар"})
    assert api.status_code == 200 and api.json()["count"] == 0
    assert as_liaison.get(API, {"facility": hospital.pk}).json()["count"] == 0
    # The page sends a liaison to the portal; the portal's place filter names nothing it cannot see.
    portal = as_liaison.get(reverse("recommendations:portal_recommendations"), {"facility": hospital.pk})
    assert portal.context["page"].paginator.count == 0 and "Pavlodar" not in portal.content.decode()


def test_the_api_filters_are_unchanged(as_coordinator: Client, recs: dict[str, Recommendation]):
    colony = recs["colony_open"].facility
    assert colony is not None

    def ids(**params: Any) -> set[int]:
        response = as_coordinator.get(API, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(facility=colony.pk) == {recs[k].pk for k in ("colony_open", "colony_closed", "colony_2024")}
    assert ids(q="drinking") == {recs["hospital_open"].pk}
    assert ids(year=2024) == {recs["colony_2024"].pk}
    assert ids(status="implemented") == {recs["colony_closed"].pk}
    assert ids(authority="MZ") == {recs["hospital_open"].pk}


def test_the_filtered_list_reads_a_bounded_number_of_queries(
    as_coordinator: Client, coordinator: User, recs: dict[str, Recommendation], django_assert_max_num_queries
):
    colony = recs["colony_open"].facility
    assert colony is not None
    params = {"facility": colony.pk, "status_group": "open", "q": "өскемен", "year": 2025}
    with django_assert_max_num_queries(14) as small:
        as_coordinator.get(LIST, params)
    for n in range(25):
        recommendation(coordinator, facility=colony, text=f"Further recommendation {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = as_coordinator.get(LIST, params)
    assert response.context["page"].paginator.count == 26
    assert response.content.decode().count('data-testid="recommendation-row"') == 26
