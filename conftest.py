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

# Each audit entry takes PostgreSQL's advisory lock that orders the hash chain (one query more than on
# SQLite, whose writes are serialised anyway): query bounds that include an audit entry add this.
AUDIT_LOCK = 1 if os.environ.get("DATABASE_URL", "").startswith("postgres") else 0

# Fixtures kept beside the code they stand in for: a local SMTP server that can refuse mail, and one
# Chromium per test session for every journey (registered once here: a module importing the
# session fixture would start a second Playwright beside the first).
pytest_plugins = ["dozor.core.tests.smtp_stub", "dozor.web.tests.browser"]


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
def _immediate_tasks(settings) -> None:  # type: ignore[no-untyped-def]
    """Tasks run at once, in the test's own thread and transaction; the tests of the worker itself
    (core/tests/test_tasks_worker.py) switch back to the database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """The API's throttles count requests in the cache: each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()


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
    """Browser journeys and other transactional tests run last: their database is flushed
    afterwards (taking the session's country pack with it), which the tests after them need."""

    def flushes(item: pytest.Item) -> bool:
        marker = item.get_closest_marker("django_db")
        transactional = marker is not None and bool(
            marker.kwargs.get("transaction") or marker.args[:1] == (True,)
        )
        fixtures = set(getattr(item, "fixturenames", ()))
        return transactional or bool({"transactional_db", "live_server"} & fixtures)

    items.sort(key=lambda item: 2 if item.get_closest_marker("browser") else 1 if flushes(item) else 0)
