"""Searching the roster folds names as they are stored (dozor.core.search) and keeps e-mails apart."""

from __future__ import annotations

import pytest

from dozor.accounts.models import User
from dozor.people.selectors import person_search
from dozor.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_it_finds_a_name_with_or_without_its_dash_and_yo(coordinator: User):
    person = PersonFactory(last_name="Сейткали-Нур", first_name="Алёна", email="alena.s@example.org")
    PersonFactory(last_name="Другая", first_name="Айгерим")
    for q in ("Сейткали-Нур", "сейткали нур", "СЕЙТКАЛИ НУР алена", "Алёна", "alena.s@example.org"):
        assert list(person_search(coordinator, q=q)) == [person], q
