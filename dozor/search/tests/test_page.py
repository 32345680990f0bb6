"""The results page: the header's box leads to it, it shows only what the user may open, and its
query count does not grow with the results."""

from __future__ import annotations

import pytest
from django.test import Client

from dozor.search.models import Entry
from dozor.search.tests.conftest import World


def test_anonymous_visitors_are_sent_to_sign_in(anonymous: Client) -> None:
    response = anonymous.get("/search/?q=тюрьма")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_header_has_one_search_box_for_signed_in_users(as_council: Client, anonymous: Client) -> None:
    page = as_council.get("/").content.decode()
    assert page.count('data-testid="header-search"') == 1 and 'action="/search/"' in page
    assert 'data-testid="header-search"' not in anonymous.get("/accounts/login/").content.decode()


def test_a_council_member_does_not_see_or_count_a_secret_finding(
    as_coordinator: Client, as_council: Client, world: World
) -> None:
    shown = as_coordinator.get("/search/", {"q": "маршрутолист"}).content.decode()
    assert "маршрутолист" in shown and f"/visits/findings/{world.secret_finding.pk}/" in shown
    page = as_council.get("/search/", {"q": "маршрутолист"})
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/visits/findings/{world.secret_finding.pk}/" not in text
    assert 'data-testid="search-kind-finding"' not in text
    assert "Nothing found" in text


def test_another_liaison_gets_nothing_of_kuis(as_other_liaison: Client, world: World) -> None:
    text = as_other_liaison.get("/search/", {"q": "дезинсекции 01-15/777"}).content.decode()
    assert 'data-testid="search-hit-letter"' not in text and "Nothing found" in text


def test_results_are_highlighted_filtered_and_escaped(as_coordinator: Client, world: World) -> None:
    Entry.objects.filter(kind="letter", object_id=world.letter.pk).update(
        texts={"en": {"title": "<b>дезинсекции</b>", "body": ""}}
    )
    page = as_coordinator.get("/search/", {"q": "дезинсекции", "type": "letter"}).content.decode()
    assert "&lt;b&gt;<mark>дезинсекции</mark>&lt;/b&gt;" in page
    assert 'data-testid="search-hit-letter"' in page and 'data-testid="search-hit-standard"' not in page


def test_bad_filters_are_ignored(as_coordinator: Client, world: World) -> None:
    page = as_coordinator.get(
        "/search/", {"q": "дезинсекции", "region": "x", "year": "99999", "type": "nope"}
    )
    assert page.status_code == 200 and 'data-testid="search-hit-letter"' in page.content.decode()


def test_the_page_is_translated(as_coordinator: Client, world: World) -> None:
    as_coordinator.cookies["django_language"] = "kk"
    page = as_coordinator.get("/search/", {"q": "түрмелерде"}, HTTP_ACCEPT_LANGUAGE="kk")
    assert page.status_code == 200 and 'lang="kk"' in page.content.decode()


@pytest.mark.parametrize("query", ["тюрьма", "дезинсекции", "а б в г"])
def test_the_page_keeps_a_bounded_number_of_queries(
    as_coordinator: Client, world: World, django_assert_max_num_queries, query: str
) -> None:
    as_coordinator.get("/")  # session and menu caches warm
    with django_assert_max_num_queries(15):
        response = as_coordinator.get("/search/", {"q": query, "page": 2})
    assert response.status_code == 200


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_finds_and_counts_only_what_the_user_may_open(
    as_coordinator: Client, as_council: Client, anonymous: Client, world: World
) -> None:
    body = as_coordinator.get("/api/v1/search/", {"q": "маршрутолист"}).json()
    assert body["counts"] == {"finding": 1} and body["results"][0]["title"].startswith("Подготовка")
    assert "<mark>" not in body["results"][0]["title"]
    body = as_council.get("/api/v1/search/", {"q": "маршрутолист"}).json()
    assert (body["count"], body["total"], body["counts"], body["results"]) == (0, 0, {}, [])
    assert anonymous.get("/api/v1/search/", {"q": "маршрутолист"}).status_code == 401


def test_the_api_filters_by_type(as_coordinator: Client, world: World) -> None:
    body = as_coordinator.get("/api/v1/search/", {"q": "дезинсекции", "type": "letter"}).json()
    assert body["count"] == 1 and {r["kind"] for r in body["results"]} == {"letter"}
    assert as_coordinator.get("/api/v1/search/", {"q": "x", "type": "nope"}).status_code == 400
