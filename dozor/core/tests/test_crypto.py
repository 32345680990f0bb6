"""Field encryption (dozor.core.crypto, dozor.core.fields.EncryptedTextField) and `dozor keys`."""

from __future__ import annotations

import base64
import datetime
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from conftest import make_user
from dozor.accounts.models import Role
from dozor.core import crypto
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.visits.models import Interview, Visit

KEY_A = "A:" + base64.b64encode(b"a" * 32).decode()
KEY_B = "B:" + base64.b64encode(b"b" * 32).decode()


def ring(raw: str) -> crypto.Keyring:
    return crypto.parse_keys(raw)


def test_it_round_trips_text_with_the_current_key() -> None:
    keys = ring(f"{KEY_B},{KEY_A}")
    token = crypto.encrypt("Жанар 870412400123", context="visits.interview.notes", ring=keys)
    assert token.startswith("enc1:B:")
    assert "870412400123" not in token
    assert crypto.key_id_of(token) == "B"
    assert crypto.decrypt(token, context="visits.interview.notes", ring=keys) == "Жанар 870412400123"


def test_it_encrypts_the_same_text_differently_each_time() -> None:
    keys = ring(KEY_A)
    assert crypto.encrypt("x", context="c", ring=keys) != crypto.encrypt("x", context="c", ring=keys)


def test_it_reads_values_of_an_older_key() -> None:
    token = crypto.encrypt("old", context="c", ring=ring(KEY_A))
    assert crypto.decrypt(token, context="c", ring=ring(f"{KEY_B},{KEY_A}")) == "old"


def test_it_refuses_a_tampered_value() -> None:
    keys = ring(KEY_A)
    token = crypto.encrypt("secret notes", context="c", ring=keys)
    prefix, key_id, encoded = token.split(":", 2)
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    tampered = f"{prefix}:{key_id}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, context="c", ring=keys)


def test_it_refuses_a_value_moved_to_another_field() -> None:
    keys = ring(KEY_A)
    token = crypto.encrypt("identity", context="visits.interview.identity", ring=keys)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="visits.interview.notes", ring=keys)


def test_it_refuses_a_value_relabelled_with_another_key_id() -> None:
    keys = ring(f"{KEY_A},{KEY_B}")
    token = crypto.encrypt("x", context="c", ring=keys)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token.replace("enc1:A:", "enc1:B:"), context="c", ring=keys)


def test_it_refuses_an_unknown_key_id() -> None:
    token = crypto.encrypt("x", context="c", ring=ring(KEY_A))
    with pytest.raises(crypto.DecryptionError, match="unknown key"):
        crypto.decrypt(token, context="c", ring=ring(KEY_B))


def test_it_refuses_text_that_is_not_encrypted() -> None:
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("plain text", context="c", ring=ring(KEY_A))


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " , ",
        "nokey",
        ":" + base64.b64encode(b"a" * 32).decode(),
        "bad-id:" + base64.b64encode(b"a" * 32).decode(),
        "A:not base64!",
        "A:" + base64.b64encode(b"short").decode(),
        "A:" + base64.b64encode(b"a" * 16).decode(),
        f"{KEY_A},{KEY_A}",
    ],
)
def test_it_refuses_bad_keys(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keys(raw)


def test_it_takes_the_first_key_as_current() -> None:
    keys = ring(f"{KEY_B}, {KEY_A}")
    assert keys.current == "B" and set(keys.keys) == {"A", "B"}


def test_it_requires_keys_in_production(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DOZOR_FIELD_KEYS", raising=False)
    settings.DOZOR_FIELD_KEYS = ""
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        crypto.keyring()


def test_it_prints_a_usable_new_key() -> None:
    out = StringIO()
    call_command("keys", "new", "--id", "k2", stdout=out, stderr=StringIO())
    line = out.getvalue().strip()
    assert line.startswith("k2:")
    assert crypto.parse_keys(line).current == "k2"
    other = StringIO()
    call_command("keys", "new", stdout=other, stderr=StringIO())
    assert other.getvalue().strip() != line


# --- stored values and `dozor keys rotate|check` ------------------------------------------------


def stored(interview: Interview) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes, identity FROM visits_interview WHERE id = %s", [interview.pk])
        notes, identity = cursor.fetchone()
    return notes, identity


@pytest.fixture
def interviews(db, settings) -> list[Interview]:  # type: ignore[no-untyped-def]
    settings.DOZOR_FIELD_KEYS = KEY_A
    user = make_user("alice", Role.COORDINATOR)
    visit = Visit.objects.create(
        facility=FacilityFactory(),
        visit_type=VisitType.objects.order_by("sort_order").first(),
        started_on=datetime.date(2025, 3, 1),
        created_by=user,
    )
    return [
        Interview.objects.create(
            visit=visit,
            code=f"D-{n}",
            category=Interview.Category.DETAINEE,
            held_on=datetime.date(2025, 3, 1),
            notes=f"notes {n}",
            identity=f"identity {n}" if n != 2 else "",
        )
        for n in range(3)
    ]


def test_it_stores_only_ciphertext(interviews) -> None:  # type: ignore[no-untyped-def]
    notes, identity = stored(interviews[0])
    assert notes.startswith("enc1:A:") and "notes 0" not in notes
    assert identity.startswith("enc1:A:") and "identity 0" not in identity
    assert stored(interviews[2])[1] == ""
    assert Interview.objects.get(pk=interviews[0].pk).notes == "notes 0"


def test_it_rotates_every_value_to_the_current_key(interviews, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_FIELD_KEYS = f"{KEY_B},{KEY_A}"
    before = Interview.objects.get(pk=interviews[0].pk).updated_at
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "visits.interview: 5 values in 3 of 3 rows re-encrypted with key B" in out.getvalue()
    for interview in interviews:
        for value in stored(interview):
            assert value == "" or crypto.key_id_of(value) == "B"
    assert Interview.objects.get(pk=interviews[0].pk).updated_at == before
    settings.DOZOR_FIELD_KEYS = KEY_B
    assert [(i.notes, i.identity) for i in Interview.objects.order_by("code")] == [
        ("notes 0", "identity 0"),
        ("notes 1", "identity 1"),
        ("notes 2", ""),
    ]
    again = StringIO()
    call_command("keys", "rotate", stdout=again)
    assert "0 values re-encrypted with key B" in again.getvalue()


def test_it_writes_nothing_in_a_dry_run(interviews, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_FIELD_KEYS = f"{KEY_B},{KEY_A}"
    before = [stored(interview) for interview in interviews]
    out = StringIO()
    call_command("keys", "rotate", "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and "5 values" in out.getvalue()
    assert [stored(interview) for interview in interviews] == before


def corrupt(interview: Interview, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE visits_interview SET notes = %s WHERE id = %s", [value, interview.pk])


def test_it_rotates_nothing_when_a_value_cannot_be_read(interviews, settings) -> None:  # type: ignore[no-untyped-def]
    notes, _identity = stored(interviews[1])
    corrupt(interviews[1], notes[:-6] + ("AAAA==" if not notes.endswith("AAAA==") else "BBBB=="))
    settings.DOZOR_FIELD_KEYS = f"{KEY_B},{KEY_A}"
    before = [stored(interview) for interview in interviews]
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("keys", "rotate", stdout=StringIO(), stderr=StringIO())
    assert [stored(interview) for interview in interviews] == before


def test_it_checks_every_value(interviews, settings) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("keys", "check", stdout=out, stderr=StringIO())
    assert "visits.interview: 5 values (by key A: 5)" in out.getvalue()
    assert "all 5 encrypted values decrypt" in out.getvalue()


def test_it_reports_a_corrupted_value(interviews, settings) -> None:  # type: ignore[no-untyped-def]
    corrupt(interviews[1], crypto.encrypt("moved", context="visits.interview.identity"))
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 5 encrypted values cannot be decrypted"):
        call_command("keys", "check", stdout=StringIO(), stderr=err)
    assert f"visits.interview #{interviews[1].pk} notes" in err.getvalue()


def test_it_reports_a_garbled_value(interviews, settings) -> None:  # type: ignore[no-untyped-def]
    corrupt(interviews[0], "enc1:A:!!not base64")
    corrupt(interviews[2], "plain text written around the field")
    err = StringIO()
    with pytest.raises(CommandError, match="2 of 5"):
        call_command("keys", "check", stdout=StringIO(), stderr=err)
    assert f"#{interviews[0].pk} notes: the value is damaged" in err.getvalue()
    assert f"#{interviews[2].pk} notes: not an encrypted value" in err.getvalue()


def test_it_reports_values_under_a_removed_key(interviews, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOZOR_FIELD_KEYS = KEY_B
    err = StringIO()
    with pytest.raises(CommandError, match="5 of 5"):
        call_command("keys", "check", stdout=StringIO(), stderr=err)
    assert "unknown key 'A'" in err.getvalue()
