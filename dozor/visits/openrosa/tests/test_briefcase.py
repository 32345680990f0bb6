"""A ZIP of instance folders (ODK Briefcase's storage of submissions pulled from ODK Central, or
Collect's instances folder) for a form encrypted with the NPM's key: every folder decrypted, its
signature checked and its XML read like a submission from Collect."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from dozor.core.formkeys import form_key_create
from dozor.methodology.models import TemplateVersion
from dozor.visits.models import Submission, Visit
from dozor.visits.openrosa.briefcase import is_instances_zip, read_encrypted_instances
from dozor.visits.openrosa.encryption import form_settings
from dozor.visits.openrosa.tests.collect_crypto import encrypt_like_collect
from dozor.visits.selectors import submission_answer_values
from dozor.visits.services import submissions_import
from dozor.visits.submissions import Form, validate

SAMPLES = Path(__file__).parent / "samples"


def instance(version: TemplateVersion, instance_id: str, cell: str) -> bytes:
    return (
        f'<?xml version="1.0"?><data id="{version.form_id}" version="{version.number}">'
        f"<dozor_template>{version.template.code}</dozor_template><dozor_version>{version.number}</dozor_version>"
        "<general><visit_date>2025-03-01</visit_date><holds_women>no</holds_women><population>12</population>"
        "<area/><regime>strict</regime><problems>crowding heat</problems><notes>Терезе жоқ</notes><gps/>"
        "<entrance_photo>door.jpg</entrance_photo></general>"
        f"<cell_inspection><cell_number>{cell}</cell_number><cell_persons>3</cell_persons>"
        "<cell_window>yes</cell_window><window_note/></cell_inspection>"
        f"<women><women_note/></women><meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def folders_zip(folders: dict[str, dict[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for folder, files in folders.items():
            for name, data in files.items():
                archive.writestr(f"{folder}/{name}", data)
    return buffer.getvalue()


@pytest.fixture
def encrypted_folders(small_version: TemplateVersion, settings) -> dict[str, dict[str, bytes]]:  # type: ignore[no-untyped-def]
    settings.DOZOR_FORM_ENCRYPTION = True
    key = form_settings()["public_key"]
    folders = {}
    for n, cell in ((1, "4"), (2, "7")):
        instance_id = f"uuid:000{n}"
        folders[f"instances/uuid000{n}"] = encrypt_like_collect(
            instance(small_version, instance_id, cell),
            form_id=small_version.form_id,
            version=str(small_version.number),
            instance_id=instance_id,
            public_key_b64=key,
            media={"door.jpg": b"\xff\xd8 a photo"},
        )
    return folders


def test_it_reads_every_encrypted_instance_folder(small_version, encrypted_folders) -> None:  # type: ignore[no-untyped-def]
    data = folders_zip(encrypted_folders)
    assert is_instances_zip(zipfile.ZipFile(io.BytesIO(data)).namelist())
    form = Form(small_version)
    parsed = read_encrypted_instances(data, form)
    assert parsed.problems == []
    assert [raw.instance_id for raw in parsed.submissions] == ["uuid:0001", "uuid:0002"]
    answers, problems = validate(form, parsed.submissions[1])
    assert problems == []
    assert answers[("cell_number", 1)] == "7"
    assert answers[("notes", 0)] == "Терезе жоқ"
    assert answers[("problems", 0)] == "crowding heat"


def test_a_tampered_folder_is_a_problem_of_the_file(small_version, encrypted_folders) -> None:  # type: ignore[no-untyped-def]
    damaged = bytearray(encrypted_folders["instances/uuid0002"]["door.jpg.enc"])
    damaged[0] ^= 0x01
    encrypted_folders["instances/uuid0002"]["door.jpg.enc"] = bytes(damaged)
    del encrypted_folders["instances/uuid0001"]["submission.xml.enc"]
    parsed = read_encrypted_instances(folders_zip(encrypted_folders), Form(small_version))
    assert parsed.submissions == []
    assert [str(problem) for problem in parsed.problems] == [
        "instances/uuid0001: The encrypted submission is incomplete: the file(s) submission.xml.enc are missing.",
        "instances/uuid0002: The encrypted submission's signature does not match its content: a file was "
        "changed, swapped or left out on the way.",
    ]


def test_it_reads_a_real_briefcase_folder_with_the_imported_key(small_version, settings) -> None:  # type: ignore[no-untyped-def]
    form_key_create(private_pem=(SAMPLES / "encrypted-form-key.pem").read_bytes())
    data = folders_zip(
        {
            "ODK Briefcase Storage/forms/Encrypted Form/instances/uuid494cd080-3bf4-47be-b40f-c706a950d58a": {
                "submission.xml": (SAMPLES / "encrypted-form-submission.xml").read_bytes(),
                "submission.xml.enc": (SAMPLES / "encrypted-form-submission.xml.enc").read_bytes(),
            }
        }
    )
    parsed = read_encrypted_instances(data, Form(small_version))
    assert parsed.problems == []
    (raw,) = parsed.submissions
    assert raw.instance_id == "uuid:494cd080-3bf4-47be-b40f-c706a950d58a"
    assert raw.values[("name", 0)] == "Guillermo"


# --- through the submissions file import (dozor.visits.submissions.read dispatches the ZIP here) ---


def test_the_submissions_import_takes_the_zip_of_encrypted_folders(
    coordinator, visit: Visit, encrypted_folders
) -> None:  # type: ignore[no-untyped-def]
    result = submissions_import(
        actor=coordinator, visit=visit, data=folders_zip(encrypted_folders), filename="instances.zip"
    )
    assert result.ok, [str(problem) for problem in result.problems]
    assert result.created == ["uuid:0001", "uuid:0002"]
    answers = submission_answer_values(Submission.objects.get(instance_id="uuid:0002"))
    assert answers[("cell_number", 1)] == "7" and answers[("notes", 0)] == "Терезе жоқ"


def test_the_submissions_import_refuses_a_tampered_folder_and_writes_nothing(
    coordinator, visit: Visit, encrypted_folders
) -> None:  # type: ignore[no-untyped-def]
    damaged = bytearray(encrypted_folders["instances/uuid0002"]["submission.xml.enc"])
    damaged[3] ^= 0x01
    encrypted_folders["instances/uuid0002"]["submission.xml.enc"] = bytes(damaged)
    result = submissions_import(
        actor=coordinator, visit=visit, data=folders_zip(encrypted_folders), filename="instances.zip"
    )
    assert not result.ok
    assert any("signature does not match" in str(problem) for problem in result.problems)
    assert not Submission.objects.filter(visit=visit).exists()
