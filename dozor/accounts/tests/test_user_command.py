from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from dozor.accounts.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def test_it_creates_a_liaison_with_an_authority():
    call_command(
        "user",
        "add",
        "kuis1",
        "--role",
        "liaison",
        "--authority",
        "KUIS",
        "--password",
        "long-enough-pass-42",
    )
    user = User.objects.get(username="kuis1")
    assert user.role == "liaison" and user.authority.code == "KUIS"
    assert user.check_password("long-enough-pass-42")
    assert AuditEvent.objects.filter(action="create", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "liaison"], "needs an authority"),
        (["--role", "monitor", "--authority", "KUIS"], "Only authority liaisons"),
        (["--role", "monitor", "--region", "NOREGION"], "Unknown region code"),
        (["--role", "monitor", "--password", "123"], "too short"),
    ],
)
def test_it_refuses_bad_input_and_creates_nothing(args, message):
    if "--password" not in args:
        args = [*args, "--password", "long-enough-pass-42"]
    with pytest.raises(CommandError, match=message):
        call_command("user", "add", "someone", *args)
    assert not User.objects.filter(username="someone").exists()


def test_it_changes_a_role_and_scope(monitor):
    call_command("user", "set", monitor.username, "--role", "monitor", "--region", "AST")
    monitor.refresh_from_db()
    assert monitor.region.code == "AST"


NEW_PASSWORD = "a-new-long-passphrase-2026"


def test_it_really_sets_a_password_and_ends_the_tokens(monitor):
    from knox.models import AuthToken

    from dozor.accounts.services import api_token_create

    api_token_create(user=monitor)
    call_command("user", "set", monitor.username, "--password", NEW_PASSWORD)
    monitor.refresh_from_db()
    assert monitor.check_password(NEW_PASSWORD)
    assert not AuthToken.objects.filter(user=monitor).exists()


def test_it_reads_the_password_from_standard_input(monitor, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n"))
    call_command("user", "set", monitor.username, "--password-stdin")
    monitor.refresh_from_db()
    assert monitor.check_password(NEW_PASSWORD)


def test_it_refuses_a_weak_password_and_keeps_the_old_one(monitor):
    from conftest import PASSWORD

    with pytest.raises(CommandError, match="too short"):
        call_command("user", "set", monitor.username, "--password", "123")
    monitor.refresh_from_db()
    assert monitor.check_password(PASSWORD)


def test_a_refused_password_leaves_the_role_unchanged_too(monitor):
    with pytest.raises(CommandError, match="too short"):
        call_command("user", "set", monitor.username, "--role", "council", "--password", "123")
    monitor.refresh_from_db()
    assert monitor.role == "monitor"


def test_set_needs_something_to_set(monitor):
    with pytest.raises(CommandError, match="needs --role"):
        call_command("user", "set", monitor.username)


def test_it_deactivates_and_reactivates(monitor):
    call_command("user", "deactivate", monitor.username)
    monitor.refresh_from_db()
    assert not monitor.is_active
    call_command("user", "reactivate", monitor.username)
    monitor.refresh_from_db()
    assert monitor.is_active
    assert AuditEvent.objects.filter(object_id=str(monitor.pk), action="update").count() == 2


def test_it_removes_the_second_factor(monitor):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dozor.accounts.signin.tests.helpers import enrol

    enrol(monitor)
    call_command("user", "reset-mfa", monitor.username, "--identity-check", "video call, ID shown")
    assert not TOTPDevice.objects.filter(user=monitor).exists()
    assert AuditEvent.objects.get(action="delete", object_id=str(monitor.pk)).changes["identity_check"] == (
        "video call, ID shown"
    )


def test_it_names_an_unknown_user():
    with pytest.raises(CommandError, match="There is no user ghost"):
        call_command("user", "deactivate", "ghost")
