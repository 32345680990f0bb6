"""Files sealed at rest (dozor.core.crypto seal_bytes, dozor.core.sealed): round trip, binding to
the row, `dozor files seal`, `dozor keys rotate`, `dozor files verify`, and downloads."""

from __future__ import annotations

import base64
import datetime
import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from conftest import make_user
from dozor.accounts.models import Role
from dozor.core import crypto
from dozor.core.backup import files_verify
from dozor.core.canary import key_canary_forget
from dozor.core.models import VisitType
from dozor.core.sealed import read_plain
from dozor.facilities.tests.factories import FacilityFactory
from dozor.visits.models import Evidence, Visit
from dozor.visits.services import visit_create

KEY_A = "A:" + base64.b64encode(b"a" * 32).decode()
KEY_B = "B:" + base64.b64encode(b"b" * 32).decode()
PLAIN = b"%PDF-1.4\n(injury photograph description)\n%%EOF\n"


def test_it_round_trips_bytes_and_names_the_key() -> None:
    ring = crypto.parse_keys(KEY_A)
    blob = crypto.seal_bytes(PLAIN, context="visits.evidence.file#1", ring=ring)
    assert crypto.is_sealed(blob) and crypto.sealed_key_id(blob) == "A"
    assert PLAIN not in blob and b"injury" not in blob
    assert crypto.unseal_bytes(blob, context="visits.evidence.file#1", ring=ring) == PLAIN
    assert crypto.seal_bytes(PLAIN, context="visits.evidence.file#1", ring=ring) != blob  # fresh nonce


def test_it_refuses_a_file_moved_to_another_row_tampered_or_under_an_unknown_key() -> None:
    ring = crypto.parse_keys(KEY_A)
    blob = crypto.seal_bytes(PLAIN, context="visits.evidence.file#1", ring=ring)
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal_bytes(blob, context="visits.evidence.file#2", ring=ring)
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal_bytes(flipped, context="visits.evidence.file#1", ring=ring)
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal_bytes(blob, context="visits.evidence.file#1", ring=crypto.parse_keys(KEY_B))
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal_bytes(PLAIN, context="visits.evidence.file#1", ring=ring)


@pytest.fixture
def keyed(db, settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings.DOZOR_FIELD_KEYS = KEY_A
    settings.MEDIA_ROOT = tmp_path / "media"
    key_canary_forget()
    yield settings
    key_canary_forget()


@pytest.fixture
def visit(keyed) -> Visit:  # type: ignore[no-untyped-def]
    coordinator = make_user("coord", Role.COORDINATOR)
    return visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
    )


def plain_evidence(visit: Visit, content: bytes = PLAIN) -> Evidence:
    """Evidence as it was stored before sealing existed: the plain file, its hash in the row."""
    name = default_storage.save("evidence/2025/03/old.pdf", ContentFile(content))
    return Evidence.objects.create(
        visit=visit,
        kind=Evidence.Kind.DOCUMENT,
        file=name,
        original_name="old.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def stored_bytes(evidence: Evidence) -> bytes:
    with default_storage.open(evidence.file.name, "rb") as handle:
        return handle.read()


def test_files_seal_seals_plain_evidence_and_verify_still_passes(  # type: ignore[no-untyped-def]
    visit, keyed, django_capture_on_commit_callbacks
) -> None:
    evidence = plain_evidence(visit)
    old_name = evidence.file.name
    out = StringIO()
    call_command("files", "seal", "--dry-run", stdout=out)
    evidence.refresh_from_db()
    assert not evidence.sealed and stored_bytes(evidence) == PLAIN
    assert "1 files sealed, 0 re-sealed (dry run" in out.getvalue()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("files", "seal", stdout=StringIO())
    evidence.refresh_from_db()
    assert evidence.sealed and evidence.file.name != old_name
    assert not default_storage.exists(old_name)
    assert crypto.sealed_key_id(stored_bytes(evidence)) == "A" and b"injury" not in stored_bytes(evidence)
    assert read_plain(evidence) == PLAIN
    assert files_verify() == (1, [])
    call_command("files", "verify", stdout=StringIO())


def test_files_verify_names_a_sealed_file_that_was_changed(visit, keyed) -> None:  # type: ignore[no-untyped-def]
    evidence = plain_evidence(visit)
    call_command("files", "seal", stdout=StringIO())
    evidence.refresh_from_db()
    path = Path(keyed.MEDIA_ROOT) / evidence.file.name
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    checked, problems = files_verify()
    assert checked == 1 and len(problems) == 1 and "cannot be opened" in problems[0]


def test_keys_rotate_reseals_files_with_the_new_key(visit, keyed) -> None:  # type: ignore[no-untyped-def]
    evidence = plain_evidence(visit)
    call_command("files", "seal", stdout=StringIO())
    keyed.DOZOR_FIELD_KEYS = f"{KEY_B},{KEY_A}"
    key_canary_forget()
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    evidence.refresh_from_db()
    assert "0 files sealed, 1 re-sealed with key B" in out.getvalue()
    assert crypto.sealed_key_id(stored_bytes(evidence)) == "B"
    keyed.DOZOR_FIELD_KEYS = KEY_B  # the old key can go: the file opens without it
    assert read_plain(evidence) == PLAIN


def test_uploads_are_sealed_and_downloads_are_plain_for_the_team_only(keyed) -> None:  # type: ignore[no-untyped-def]
    import io

    from conftest import client_for
    from dozor.visits.evidence.services import evidence_upload

    coordinator = make_user("coord", Role.COORDINATOR)
    monitor = make_user("mon", Role.MONITOR)
    other = make_user("other", Role.MONITOR)
    council = make_user("council", Role.COUNCIL)
    visit = visit_create(
        actor=coordinator,
        facility=FacilityFactory(),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 3, 1),
        team=[monitor],
    )
    upload = io.BytesIO(PLAIN)
    upload.name = "injury.pdf"  # type: ignore[attr-defined]
    evidence = evidence_upload(actor=monitor, visit=visit, uploaded_file=upload, kind=Evidence.Kind.DOCUMENT)
    assert evidence.sealed and crypto.is_sealed(stored_bytes(evidence))
    assert evidence.sha256 == hashlib.sha256(PLAIN).hexdigest() and evidence.size == len(PLAIN)
    url = reverse("visits:evidence_file", args=[evidence.pk])
    for user in (monitor, coordinator):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PLAIN  # type: ignore[attr-defined]
    for user in (council, other):
        assert client_for(user).get(url).status_code == 404
