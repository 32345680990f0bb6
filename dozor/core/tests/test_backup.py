"""Whole backups (dozor.core.backup): backup -> wipe -> restore gives the same rows and files; a
damaged, foreign or wrongly keyed archive is refused before anything is written; `dozor files
verify` names a stored file that was changed or lost.

These tests commit to the test database (a backup reads committed data, pg_dump from another
process), so they do not use the django_db marker's transaction: each starts by backing up the
test database as it is and ends by restoring that state, so the tests after them find it unchanged.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import shutil
import tarfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from conftest import make_user
from dozor.accounts.models import AuditEvent, Role
from dozor.core.backup import backup_create, backup_restore, database_is_empty, row_counts, stored_files
from dozor.core.canary import key_canary_forget
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Evidence, Interview, Visit

WRONG_DEV_KEY = "dev:" + base64.b64encode(b"y" * 32).decode()
OTHER_KEY = "Z:" + base64.b64encode(b"z" * 32).decode()


def wipe(media: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media, ignore_errors=True)
    key_canary_forget()


@pytest.fixture
def live(django_db_setup, django_db_blocker, settings, tmp_path) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """Committed access to the test database; put back as it was afterwards."""
    if connection.vendor == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not on PATH (Debian package postgresql-client)")
    settings.MEDIA_ROOT = tmp_path / "media"
    key_canary_forget()
    with django_db_blocker.unblock():
        start = tmp_path / "start.tar"
        backup_create(out=start)
        try:
            yield tmp_path
        finally:
            wipe(settings.MEDIA_ROOT)
            backup_restore(path=start)
            key_canary_forget()


def add_data() -> None:
    alice = make_user("alice", Role.COORDINATOR)
    visit = Visit.objects.create(
        facility=FacilityFactory(),
        visit_type=VisitType.objects.order_by("sort_order").first(),
        started_on=datetime.date(2025, 3, 1),
        created_by=alice,
    )
    interview_record(
        actor=alice,
        visit=visit,
        code="D-1",
        category=Interview.Category.DETAINEE,
        held_on=datetime.date(2025, 3, 1),
        consents=["quote_authority", "quote_public"],
        notes="what D-1 said",
    )
    for number in (1, 2):
        content = f"%PDF-1.4 evidence {number}\n%%EOF\n".encode()
        name = default_storage.save(f"evidence/2025/03/e{number}.pdf", ContentFile(content))
        Evidence.objects.create(
            visit=visit,
            kind=Evidence.Kind.DOCUMENT,
            file=name,
            original_name=f"e{number}.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=alice,
        )


def file_hashes() -> dict[str, str]:
    hashes = {}
    for evidence in Evidence.objects.all():
        with default_storage.open(evidence.file.name, "rb") as handle:
            hashes[evidence.file.name] = hashlib.sha256(handle.read()).hexdigest()
    return hashes


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def member_offset(path: Path, name: str) -> tuple[int, int]:
    with tarfile.open(path) as archive:
        member = archive.getmember(name)
        return member.offset_data, member.size


def restore(path: Path) -> str:
    out = StringIO()
    call_command("restore", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_restores_a_backup_with_the_same_rows_and_files(live, settings):
    add_data()
    counts = row_counts()
    hashes = file_hashes()
    archive = live / "dozor.tar"
    call_command("backup", "--out", str(archive), stdout=StringIO(), stderr=StringIO())
    assert archive.stat().st_mode & 0o777 == 0o600
    checked = StringIO()
    call_command("restore", "--check", str(archive), stdout=checked)
    assert "is an intact Dozor backup" in checked.getvalue()

    wipe(settings.MEDIA_ROOT)
    assert database_is_empty()
    assert not Evidence.objects.exists()

    assert "restored" in restore(archive)
    assert row_counts() == counts
    assert file_hashes() == hashes
    assert Interview.objects.get(code="D-1").notes == "what D-1 said"
    call_command("files", "verify", stdout=StringIO())
    call_command("audit", "verify", stdout=StringIO())
    assert AuditEvent.objects.count() == counts[AuditEvent._meta.db_table]


def test_it_refuses_a_damaged_archive_and_writes_nothing(live, settings):
    add_data()
    archive = live / "dozor.tar"
    backup_create(out=archive)
    wipe(settings.MEDIA_ROOT)
    database = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    for member in (database, "manifest.json", "files/evidence/2025/03/e1.pdf"):
        damaged = live / "damaged.tar"
        shutil.copy(archive, damaged)
        offset, size = member_offset(damaged, member)
        flip_byte(damaged, offset + size // 2)
        with pytest.raises(CommandError, match="is damaged") as refused:
            restore(damaged)
        assert "nothing was restored" in str(refused.value) or "does not match" in str(refused.value)
        assert database_is_empty()
        assert not (settings.MEDIA_ROOT / "evidence").exists()


def test_it_refuses_a_foreign_archive(live):
    foreign = live / "foreign.tar"
    with tarfile.open(foreign, "w") as archive:
        info = tarfile.TarInfo("manifest.json")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"{}"))
    with pytest.raises(CommandError, match="not a Dozor backup"):
        restore(foreign)
    (live / "junk.tar").write_bytes(b"this is not an archive at all" * 100)
    with pytest.raises(CommandError, match="not a Dozor backup"):
        restore(live / "junk.tar")


def test_it_restores_only_into_an_empty_database(live):
    add_data()
    archive = live / "dozor.tar"
    backup_create(out=archive)
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="already holds data"):
        restore(archive)
    assert AuditEvent.objects.count() == events


def test_it_refuses_a_backup_the_configured_keys_cannot_read(live, settings):
    add_data()
    archive = live / "dozor.tar"
    backup_create(out=archive)
    wipe(settings.MEDIA_ROOT)
    keys = settings.DOZOR_FIELD_KEYS
    settings.DOZOR_FIELD_KEYS = OTHER_KEY
    with pytest.raises(CommandError, match="key ids dev") as refused:
        restore(archive)
    settings.DOZOR_FIELD_KEYS = WRONG_DEV_KEY  # the right id with the wrong bytes
    with pytest.raises(CommandError, match="'dev' is not the key the backup's data was encrypted with"):
        restore(archive)
    settings.DOZOR_FIELD_KEYS = keys  # before the fixture puts the test database back
    assert "nothing was restored" in str(refused.value)
    assert database_is_empty()


def test_files_verify_names_a_changed_and_a_missing_file(live, settings):
    add_data()
    call_command("files", "verify", stdout=StringIO())
    changed, lost = Evidence.objects.order_by("pk")
    (settings.MEDIA_ROOT / changed.file.name).write_bytes(b"%PDF-1.4 forged\n%%EOF\n")
    (settings.MEDIA_ROOT / lost.file.name).unlink()
    errors = StringIO()
    with pytest.raises(CommandError, match="2 of 2 stored files are missing or changed"):
        call_command("files", "verify", stdout=StringIO(), stderr=errors)
    assert f"visits.evidence #{changed.pk} file: {changed.file.name} was changed" in errors.getvalue()
    assert f"visits.evidence #{lost.pk} file: {lost.file.name} is missing" in errors.getvalue()
    with pytest.raises(CommandError, match="1 stored files are missing"):
        call_command("backup", "--out", str(live / "b.tar"), stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db  # also makes pytest-django create the test database when this file runs alone
def test_it_finds_every_stored_file_with_the_hash_its_row_keeps(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    add_data()
    found = {(stored.label, stored.name): stored.sha256 for stored in stored_files()}
    assert found == {("visits.evidence", e.file.name): e.sha256 for e in Evidence.objects.all()}
