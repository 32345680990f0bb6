"""Hostile input answers 400 with a translated message, never 500 (dozor.web.input_guard)."""

from __future__ import annotations

import pytest
from django.utils import translation

from dozor.recommendations.models import Recommendation

pytestmark = pytest.mark.django_db

NUL = "The request contains a NUL character, which no field accepts."
TOO_LARGE = "A number in the request is too large."


def test_it_refuses_a_nul_byte_on_the_public_portal(anonymous):
    response = anonymous.get("/public/en/reports/?region=%00")
    assert response.status_code == 400
    assert NUL in response.content.decode()


def test_it_refuses_a_nul_byte_in_the_readers_language(anonymous):
    with translation.override("ru"):
        expected = translation.gettext(NUL)
    assert expected != NUL  # the catalogue has it
    response = anonymous.get("/public/ru/reports/?region=%00", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert expected in response.content.decode()


def test_it_refuses_a_nul_byte_in_the_liaison_portal_search(as_liaison):
    response = as_liaison.get("/recommendations/portal/recommendations/?q=a%00b")
    assert response.status_code == 400
    assert NUL in response.content.decode()


def test_it_refuses_a_nul_byte_in_the_audit_filter(as_coordinator):
    response = as_coordinator.get("/accounts/audit/?model=%00&q=x")
    assert response.status_code == 400
    assert NUL in response.content.decode()


def test_it_refuses_a_nul_byte_in_a_parameter_name(as_coordinator):
    assert as_coordinator.get("/places/?re%00gion=1").status_code == 400


def test_it_refuses_a_nul_byte_in_a_form_and_changes_nothing(as_coordinator):
    before = Recommendation.objects.count()
    response = as_coordinator.post(
        "/recommendations/new/",
        "text_en=Ensure%00+exercise&theme=safeguards",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert NUL in response.content.decode()
    assert Recommendation.objects.count() == before


def test_it_leaves_multipart_forms_to_their_fields_which_refuse_nul_too(as_coordinator):
    # Multipart bodies are not read by the middleware (upload handlers); Django's CharField refuses.
    before = Recommendation.objects.count()
    response = as_coordinator.post("/recommendations/new/", {"text_en": "Ensure\x00 exercise"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert Recommendation.objects.count() == before


def test_it_answers_the_api_in_json(as_coordinator):
    response = as_coordinator.get("/api/v1/facilities/?q=%00")
    assert response.status_code == 400
    assert response.json() == {"detail": NUL}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/recommendations/?year=99999999999",
        "/api/v1/letters/?year=99999999999",
        "/api/v1/plans/?year=99999999999",
        "/api/v1/planned-visits/?year=0",
    ],
)
def test_it_refuses_a_year_out_of_range_in_the_api(as_coordinator, url):
    response = as_coordinator.get(url)
    assert response.status_code == 400
    assert "year" in response.json()


def test_it_answers_a_number_beyond_the_database_with_400(as_coordinator):
    response = as_coordinator.get("/api/v1/recommendations/?facility=100000000000000000000")
    assert response.status_code == 400
    assert response.json() == {"detail": TOO_LARGE}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/facilities/?page=100000000000000000000",  # 404: beyond the last page
        "/api/v1/facilities/?page_size=100000000000000000000",  # capped at the maximum size
        "/api/v1/facilities/99999999999999999999999/",
        "/api/v1/occupancy/?date_after=99999-01-01",
    ],
)
def test_it_never_answers_an_out_of_range_number_in_the_api_with_500(as_coordinator, url):
    assert as_coordinator.get(url).status_code < 500


@pytest.mark.parametrize(
    "url",
    [
        "/places/?page=100000000000000000000",
        "/recommendations/?year=99999999999",
        "/recommendations/?page=100000000000000000000",
        "/accounts/audit/?page=100000000000000000000",
        "/public/en/reports/?year=99999999999&page=100000000000000000000",
        "/visits/?page=100000000000000000000",
        "/places/99999999999999999999999/",
    ],
)
def test_it_never_answers_an_out_of_range_number_on_a_page_with_500(as_coordinator, url):
    response = as_coordinator.get(url)
    assert response.status_code < 500
