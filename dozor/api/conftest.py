"""Helpers for the API tests: a client per persona (or anonymous) by name."""

from __future__ import annotations

import pytest
from django.test import Client

PERSONAS = ["coordinator", "monitor", "liaison", "other_liaison", "trainer", "anonymous"]


@pytest.fixture
def client_as(request: pytest.FixtureRequest, db: None):  # type: ignore[no-untyped-def]
    """``client_as("liaison")`` -> a signed-in test client; ``client_as("anonymous")`` -> no session."""

    def make(persona: str) -> Client:
        if persona == "anonymous":
            return request.getfixturevalue("anonymous")
        return request.getfixturevalue(f"as_{persona}")

    return make
