"""Shared test set-up: the Kazakhstan pack loaded once per test database, and named personas.

Personas (docs/permissions.md): coordinator, council member, monitor, liaison of the Penal
Correction System Committee (KUIS), liaison of the Ministry of Health (MZ), trainer, anonymous.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import translation

from dozor.accounts.models import Role, User
from dozor.core.models import Authority

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from dozor.packs import pack_load

    with django_db_blocker.unblock():
        pack_load(code="kz")


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    """Hashing every persona's password with PBKDF2 cost most of many tests' time; the hasher
    itself is Django's and is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def make_user(username: str, role: str, authority_code: str | None = None) -> User:
    authority = Authority.objects.get(code=authority_code) if authority_code else None
    user = User.objects.create_user(
        username=username, password=PASSWORD, role=role, authority=authority, first_name=username.title()
    )
    return user


@pytest.fixture
def coordinator(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("alice", Role.COORDINATOR)


@pytest.fixture
def council(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("carol", Role.COUNCIL)


@pytest.fixture
def monitor(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("bob", Role.MONITOR)


@pytest.fixture
def liaison(db) -> User:  # type: ignore[no-untyped-def]
    """Liaison of the Penal Correction System Committee (KUIS, under the Interior Ministry)."""
    return make_user("lena", Role.LIAISON, "KUIS")


@pytest.fixture
def other_liaison(db) -> User:  # type: ignore[no-untyped-def]
    """Liaison of the Ministry of Health: must never see KUIS data."""
    return make_user("omar", Role.LIAISON, "MZ")


@pytest.fixture
def trainer(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("tom", Role.TRAINER)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_coordinator(coordinator: User) -> Client:
    return client_for(coordinator)


@pytest.fixture
def as_council(council: User) -> Client:
    return client_for(council)


@pytest.fixture
def as_monitor(monitor: User) -> Client:
    return client_for(monitor)


@pytest.fixture
def as_liaison(liaison: User) -> Client:
    return client_for(liaison)


@pytest.fixture
def as_other_liaison(other_liaison: User) -> Client:
    return client_for(other_liaison)


@pytest.fixture
def as_trainer(trainer: User) -> Client:
    return client_for(trainer)


@pytest.fixture
def anonymous() -> Client:
    return Client()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys run last: their live server needs a transactional database, which is
    flushed afterwards (taking the session's country pack with it)."""
    items.sort(key=lambda item: 1 if item.get_closest_marker("browser") else 0)
