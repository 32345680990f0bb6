"""Encrypted submissions kept as instance folders: what ODK Central hands over for a form encrypted
with the NPM's own key (decision 0027).

Central cannot decrypt a form whose key it does not hold: its CSV export then carries no answers,
only "not decrypted" rows. The submissions themselves leave Central (or a phone) as *instance
folders*, one per submission, as ODK Briefcase pulls and stores them and as ODK Collect keeps them
on the device: ``<folder>/submission.xml`` (the manifest) with ``submission.xml.enc`` and the
``<media>.enc`` files. A ZIP of such folders (for example Briefcase's ``forms/<form>/instances``
folder, zipped) is read here: each folder is decrypted with the NPM's form keys, its signature
checked, and its XML read like a submission from ODK Collect. A folder whose ``submission.xml``
is a plain instance (a form without encryption) is read as it is.

The media inside are checked by the signature but not imported: photos go through the evidence
upload, as for the other file imports.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections import defaultdict

from django.utils.translation import gettext as _

from dozor.core.files import UploadError, open_zip
from dozor.visits.openrosa.encryption import (
    EncryptedSubmissionError,
    decrypt_submission,
    is_encrypted_manifest,
)
from dozor.visits.openrosa.instance import InstanceError, instance_head, parse_root, read_instance
from dozor.visits.submissions import ODK_CENTRAL, Form, ParsedFile, Problem, SubmissionFileError

MANIFEST = "submission.xml"


def is_instances_zip(names: list[str]) -> bool:
    """Whether the archive's member names look like instance folders (a ``submission.xml`` in one)."""
    return any(posixpath.basename(name) == MANIFEST for name in names)


def _folders(archive: zipfile.ZipFile) -> dict[str, dict[str, bytes]]:
    folders: dict[str, dict[str, bytes]] = defaultdict(dict)
    for info in archive.infolist():
        if info.is_dir():
            continue
        folder, name = posixpath.split(info.filename)
        if name.startswith(".") or "__MACOSX" in folder.split("/"):
            continue  # macOS leftovers
        folders[folder][name] = archive.read(info)
    return {folder: files for folder, files in folders.items() if MANIFEST in files}


def read_encrypted_instances(data: bytes, form: Form) -> ParsedFile:
    """Every instance folder of the ZIP ``data`` as a submission of ``form``; a folder that cannot
    be opened (missing file, another key, tampering) is a problem of the file, never skipped."""
    try:
        archive = open_zip(data)
    except UploadError as exc:
        raise SubmissionFileError([str(exc)]) from exc
    try:
        folders = _folders(archive)
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise SubmissionFileError([_("The file is not a valid ZIP archive.")]) from exc
    finally:
        archive.close()
    parsed = ParsedFile(ODK_CENTRAL, [])
    for folder, files in sorted(folders.items()):
        label = folder or MANIFEST
        manifest = files[MANIFEST]
        try:
            xml = decrypt_submission(manifest, files).xml if is_encrypted_manifest(manifest) else manifest
            root = parse_root(xml)
        except (EncryptedSubmissionError, InstanceError) as exc:
            parsed.problems.append(Problem(label, "", exc.message))
            continue
        raw = read_instance(root, form, label=label)
        head = instance_head(root)
        if head.deprecated_id:
            raw.replaces = (head.deprecated_id,)
        parsed.submissions.append(raw)
    return parsed
