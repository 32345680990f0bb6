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
