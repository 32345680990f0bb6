"""``request_actor``: the ``User`` an API write passes to a service, never an anonymous visitor."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from dozor.api.views import request_actor


def _request(user):
    request = Request(APIRequestFactory().post("/api/v1/facilities/"))
    request.user = user
    return request


def test_it_gives_the_signed_in_user(coordinator):
    assert request_actor(_request(coordinator)) == coordinator


def test_it_refuses_an_anonymous_visitor(db):
    with pytest.raises(NotAuthenticated):
        request_actor(_request(AnonymousUser()))


def test_it_refuses_a_deactivated_account(coordinator):
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    with pytest.raises(NotAuthenticated):
        request_actor(_request(coordinator))
