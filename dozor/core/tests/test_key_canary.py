"""Key canaries (dozor.core.canary): the right key id with the wrong bytes is refused at start-up
and before any write, so nothing is ever encrypted under a key that cannot read the data."""

from __future__ import annotations

import base64
import datetime
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import checks

from conftest import make_user
from dozor.accounts.models import AuditEvent, Role, User
from dozor.core import crypto
from dozor.core.canary import (
    CANARY_CONTEXT,
    CANARY_TEXT,
    KeyCanaryError,
    key_canary_forget,
    key_canary_problems,
    key_canary_refuse_start,
)
from dozor.core.checks import key_canaries
from dozor.core.models import KeyCanary, VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Interview, Visit

pytestmark = pytest.mark.django_db

KEY_A = "A:" + base64.b64encode(b"a" * 32).decode()
WRONG_A = "A:" + base64.b64encode(b"x" * 32).decode()
KEY_B = "B:" + base64.b64encode(b"b" * 32).decode()


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    key_canary_forget()
    yield
    key_canary_forget()


@pytest.fixture
def recorder(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("alice", Role.COORDINATOR)


@pytest.fixture
def visit(recorder) -> Visit:  # type: ignore[no-untyped-def]
    return Visit.objects.create(
        facility=FacilityFactory(),
        visit_type=VisitType.objects.order_by("sort_order").first(),
        started_on=datetime.date(2025, 3, 1),
        created_by=recorder,
    )


def record(recorder: User, visit: Visit, code: str) -> Interview:
    return interview_record(
        actor=recorder,
        visit=visit,
        code=code,
        category=Interview.Category.DETAINEE,
        held_on=datetime.date(2025, 3, 1),
        consents=["quote_authority", "quote_public"],
        notes=f"what {code} said",
    )


def restart_with(settings, keys: str) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_FIELD_KEYS = keys
    key_canary_forget()


def test_it_stores_a_canary_the_first_time_a_key_id_writes(settings, recorder, visit):
    restart_with(settings, KEY_A)
    assert not KeyCanary.objects.exists()
    record(recorder, visit, "D-1")
    canary = KeyCanary.objects.get()
    assert canary.key_id == "A" and canary.token.startswith("enc1:A:")
    assert crypto.decrypt(canary.token, context=CANARY_CONTEXT, ring=crypto.parse_keys(KEY_A)) == CANARY_TEXT
    record(recorder, visit, "D-2")
    assert KeyCanary.objects.count() == 1


def test_it_refuses_a_write_under_the_right_key_id_with_the_wrong_bytes(settings, recorder, visit):
    restart_with(settings, KEY_A)
    record(recorder, visit, "D-1")
    interviews, events = Interview.objects.count(), AuditEvent.objects.count()
    restart_with(settings, WRONG_A)
    with pytest.raises(KeyCanaryError, match="key 'A' does not decrypt its stored canary") as refused:
        record(recorder, visit, "D-2")
    assert "Nothing was written" in str(refused.value)
    assert Interview.objects.count() == interviews
    assert AuditEvent.objects.count() == events
    assert not Interview.objects.filter(code="D-2").exists()


def test_it_refuses_to_start_with_the_wrong_bytes(settings, recorder, visit):
    restart_with(settings, KEY_A)
    record(recorder, visit, "D-1")
    assert key_canaries() == []
    key_canary_refuse_start()  # the right key starts
    restart_with(settings, WRONG_A)
    errors = key_canaries()
    assert [error.id for error in errors] == ["dozor.E001"]
    assert "key 'A' does not decrypt its stored canary" in errors[0].msg
    assert errors[0].level == checks.ERROR
    with pytest.raises(KeyCanaryError, match="Put back the right key for id 'A'"):
        key_canary_refuse_start()


def test_it_runs_as_a_system_check():
    assert key_canaries in checks.registry.registry.get_checks()


def test_it_refuses_a_wrong_older_key_at_start_up(settings, recorder, visit):
    restart_with(settings, KEY_A)
    record(recorder, visit, "D-1")
    restart_with(settings, f"{KEY_B},{WRONG_A}")
    assert key_canary_problems() and "key 'A'" in key_canary_problems()[0]
    restart_with(settings, f"{KEY_B},{KEY_A}")
    assert key_canary_problems() == []


def test_it_checks_a_key_without_a_canary_against_the_values_stored_under_it(settings, recorder, visit):
    """A database written before the canaries existed: the first canary is never made with the
    wrong bytes."""
    restart_with(settings, KEY_A)
    record(recorder, visit, "D-1")
    KeyCanary.objects.all().delete()
    restart_with(settings, WRONG_A)
    with pytest.raises(KeyCanaryError, match=r"values stored under it \(visits.interview.notes\)"):
        record(recorder, visit, "D-2")
    assert not KeyCanary.objects.exists()
    assert not Interview.objects.filter(code="D-2").exists()
    restart_with(settings, KEY_A)
    record(recorder, visit, "D-2")
    assert KeyCanary.objects.get().key_id == "A"


def test_it_refuses_a_rotation_to_a_current_key_with_the_wrong_bytes(settings, recorder, visit):
    from io import StringIO

    from django.core.management import call_command

    restart_with(settings, KEY_B)
    record(recorder, visit, "D-1")
    restart_with(settings, f"{KEY_A},{KEY_B}")
    record(recorder, visit, "D-2")  # A's canary
    stored = list(Interview.objects.order_by("pk").values_list("notes", flat=True))
    restart_with(settings, f"{WRONG_A},{KEY_B}")
    with pytest.raises(KeyCanaryError):
        call_command("keys", "rotate", stdout=StringIO())
    restart_with(settings, f"{KEY_A},{KEY_B}")
    assert list(Interview.objects.order_by("pk").values_list("notes", flat=True)) == stored


def _canary_database(path: Path, keys: str) -> None:
    """A database holding only the canary table: enough for the start-up check, quick to make."""
    token = crypto.encrypt(CANARY_TEXT, context=CANARY_CONTEXT, ring=crypto.parse_keys(keys))
    database = sqlite3.connect(path)
    with database:
        database.execute(
            "CREATE TABLE core_keycanary (id INTEGER PRIMARY KEY, key_id VARCHAR(40) UNIQUE, "
            "token TEXT, created_at DATETIME)"
        )
        database.execute(
            "INSERT INTO core_keycanary (key_id, token, created_at) VALUES ('A', ?, '2026-01-01')", [token]
        )
    database.close()


@pytest.mark.slow
def test_a_command_and_the_wsgi_server_exit_non_zero_with_the_wrong_bytes(tmp_path):
    _canary_database(tmp_path / "dozor.sqlite3", KEY_A)
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_") and k != "DATABASE_URL"}
    env = {**base, "DATABASE_URL": f"sqlite:///{tmp_path / 'dozor.sqlite3'}", "DOZOR_FIELD_KEYS": WRONG_A}
    root = Path(__file__).resolve().parents[3]
    for command in (["-m", "dozor.cli", "check"], ["-c", "import dozor.wsgi"]):
        done = subprocess.run(
            [sys.executable, *command], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode != 0, command
        assert "key 'A' does not decrypt its stored canary" in done.stderr, command
    right = {**env, "DOZOR_FIELD_KEYS": KEY_A}
    done = subprocess.run(
        [sys.executable, "-m", "dozor.cli", "check"],
        cwd=root,
        env=right,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
