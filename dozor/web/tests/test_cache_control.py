"""Confidential pages and every API response say ``Cache-Control: private, no-store``; the public
portal stays cacheable (dozor/web/middleware.py)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _no_store(response: HttpResponse) -> bool:
    value = response.get("Cache-Control", "")
    return "no-store" in value and "private" in value


def test_it_forbids_caching_a_confidential_page(as_coordinator: Client, as_liaison: Client) -> None:
    for client, url in (
        (as_coordinator, reverse("facilities:list")),
        (as_coordinator, reverse("web:home")),
        (as_liaison, reverse("recommendations:portal")),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), url


def test_it_forbids_caching_every_api_response(as_coordinator: Client, anonymous: Client) -> None:
    signed_in = as_coordinator.get("/api/v1/facilities/")
    assert signed_in.status_code == 200 and _no_store(signed_in)
    refused = anonymous.get("/api/v1/facilities/")
    assert refused.status_code in (401, 403) and _no_store(refused)


def test_it_keeps_the_public_portal_cacheable(anonymous: Client, as_coordinator: Client) -> None:
    url = reverse("public:home", kwargs={"lang": "kk"})
    for client in (anonymous, as_coordinator):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" not in response["Cache-Control"] and "public" in response["Cache-Control"]
