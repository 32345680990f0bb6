"""django-axes on the sign-in page; Argon2 hashing; DRF throttles on the token endpoint."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import PASSWORD
from dozor.accounts.models import User

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_it_does_not_sign_in_after_30_wrong_passwords_even_with_the_right_one(client, coordinator):
    for _attempt in range(30):
        sign_in(client, "alice", "wrong-password")
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert "blocked" in response.content.decode()


def test_it_locks_only_the_user_name_from_that_address(client, coordinator, monitor, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong-password")
    assert sign_in(client, "alice", PASSWORD).status_code == 429
    assert sign_in(Client(), "bob", PASSWORD).status_code == 302  # another user is not locked
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert sign_in(other_address, "alice", PASSWORD).status_code == 302


def test_it_signs_in_after_fewer_failures_than_the_limit(client, coordinator, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong-password")
    assert sign_in(client, "alice", PASSWORD).status_code == 302


@pytest.mark.parametrize(("language", "text"), [("ru", "Вход заблокирован"), ("kk", "Кіру бұғатталды")])
def test_it_explains_the_lockout_in_the_readers_language(client, coordinator, settings, language, text):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong-password")
    with translation.override(language):
        response = client.post(
            reverse("accounts:login"),
            {"username": "alice", "password": PASSWORD},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 429
    assert text in response.content.decode()


def test_it_hashes_with_argon2_and_upgrades_an_old_hash_at_sign_in(client, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    from django.contrib.auth.hashers import make_password

    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user = User.objects.create(username="legacy", password=old, role="monitor")
    assert sign_in(client, "legacy", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def test_the_project_lists_argon2_first():
    from dozor import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
