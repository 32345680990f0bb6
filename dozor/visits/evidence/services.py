"""Writes for a visit's evidence: photos and documents.

Decisions worth knowing:
- The type is judged from the bytes only, never from the file name or the browser's declared type
  (``dozor.core.files.sniff``): an image must decode with Pillow as JPEG, PNG or WebP; a PDF must
  start with ``%PDF-`` and end with ``%%EOF``.
- Unless the uploader chooses to keep it, an image's metadata (EXIF with the GPS position, XMP, ICC
  profile, comments) is removed by re-encoding the pixels into a fresh image of the same format,
  after applying the EXIF orientation. The capture time is read from EXIF before that.
- The file is sealed (encrypted at rest with the key ring, AES-GCM, bound to its row:
  ``dozor.core.sealed``) and opened only to be served. ``sha256`` and ``size`` describe the plain
  content, so the hash verifies the file actually served (``dozor files verify`` opens it first).
- The stored name is random (``uuid4`` + the detected extension); the user's file name is kept only
  for display and for the download's ``Content-Disposition``.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import uuid
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.files import (
    IMAGES,
    PDF,
    FileTooLarge,
    FileType,
    ImageTooLarge,
    clean_name,
    open_image,
    read_capped,
    sniff,
)
from dozor.core.sealed import read_plain, seal_for
from dozor.visits.access import can_record
from dozor.visits.models import Evidence, Visit

PHOTO_TYPES = IMAGES
DOCUMENT_TYPES = (*IMAGES, PDF)
# Re-encoding settings: high enough that stripping metadata does not visibly degrade evidence.
ENCODER_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 95},
    "PNG": {},
    "WEBP": {"quality": 95, "method": 4},
}
# What the audit log keeps of a piece of evidence (the description may be sensitive: not copied).
AUDITED_FIELDS = [
    "visit",
    "kind",
    "original_name",
    "content_type",
    "size",
    "sha256",
    "captured_at",
    "metadata_stripped",
]


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def too_large_message() -> str:
    limit = settings.DOZOR_MAX_EVIDENCE_BYTES
    return _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)}


def _read_upload(uploaded_file: IO[bytes], limit: int) -> bytes:
    """The whole upload, read once, refused if larger than ``limit`` (never read past it)."""
    try:
        content = read_capped(uploaded_file, limit)
    except FileTooLarge as exc:
        raise _fail("uploaded_file", too_large_message()) from exc
    if not content:
        raise _fail("uploaded_file", _("The file is empty."))
    return content


def _detect(content: bytes, kind: str) -> FileType:
    try:
        detected = sniff(content, PHOTO_TYPES if kind == Evidence.Kind.PHOTO else DOCUMENT_TYPES)
    except ImageTooLarge as exc:
        raise _fail("uploaded_file", str(exc)) from exc
    if detected is not None:
        return detected
    if kind == Evidence.Kind.PHOTO:
        raise _fail("uploaded_file", _("The file is not a JPEG, PNG or WebP image."))
    raise _fail("uploaded_file", _("The file is not a PDF document or a JPEG, PNG or WebP image."))


def _captured_at(image: Image.Image) -> datetime.datetime | None:
    """EXIF DateTimeOriginal (with OffsetTimeOriginal when the camera wrote it), else None."""
    try:
        exif_ifd = image.getexif().get_ifd(ExifTags.IFD.Exif)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError):
        return None
    raw = exif_ifd.get(ExifTags.Base.DateTimeOriginal)
    if not isinstance(raw, str):
        return None
    stamp = raw.strip("\x00 ")[:19]
    offset = exif_ifd.get(ExifTags.Base.OffsetTimeOriginal)
    if isinstance(offset, str):
        try:
            return datetime.datetime.strptime(stamp + offset.strip("\x00 "), "%Y:%m:%d %H:%M:%S%z")
        except ValueError:
            pass
    # Without an offset the camera's clock is taken to be local time, as it almost always is.
    try:
        return datetime.datetime.strptime(stamp, "%Y:%m:%d %H:%M:%S").replace(
            tzinfo=timezone.get_current_timezone()
        )
    except ValueError:
        return None


def _without_metadata(image: Image.Image, detected_format: str) -> bytes:
    """The pixels re-encoded into a fresh image: nothing of the original's metadata survives.

    A copy starts with an empty ``info`` (which encoders read for the ICC profile, comments and
    XMP); only PNG transparency, which is part of the picture, is carried over."""
    upright = ImageOps.exif_transpose(image)
    clean = upright.copy()
    clean.info = {}
    if detected_format == "PNG" and "transparency" in upright.info:
        clean.info["transparency"] = upright.info["transparency"]
    buffer = io.BytesIO()
    clean.save(buffer, format=detected_format, **ENCODER_OPTIONS[detected_format])
    return buffer.getvalue()


@transaction.atomic
def evidence_upload(
    *,
    actor: User,
    visit: Visit,
    uploaded_file: IO[bytes],
    kind: str,
    description: str = "",
    keep_metadata: bool = False,
) -> Evidence:
    """Store a photo or document for ``visit``; see the module docstring for what is checked."""
    if not can_record(actor, visit):
        raise PermissionDenied
    if kind not in Evidence.Kind.values:
        raise _fail("kind", _("Choose whether this is a photo or a document."))
    description = description.strip()
    if len(description) > 500:
        raise _fail("description", _("The description is longer than 500 characters."))
    content = _read_upload(uploaded_file, settings.DOZOR_MAX_EVIDENCE_BYTES)
    detected = _detect(content, kind)

    captured_at = None
    stored = content
    stripped = False
    if detected.image_format is not None:
        with open_image(content, PHOTO_TYPES) as image:
            if getattr(image, "n_frames", 1) > 1:
                raise _fail("uploaded_file", _("Animated images are not accepted."))
            captured_at = _captured_at(image)
            if not keep_metadata:
                stored = _without_metadata(image, detected.image_format)
                stripped = True

    evidence = Evidence(
        visit=visit,
        kind=kind,
        original_name=clean_name(
            str(getattr(uploaded_file, "name", "") or ""), detected.extension, stem="evidence"
        ),
        content_type=detected.content_type,
        size=len(stored),
        sha256=hashlib.sha256(stored).hexdigest(),
        captured_at=captured_at,
        description=description,
        metadata_stripped=stripped,
        uploaded_by=actor,
    )
    # The row first: the sealed file is bound to its id (dozor.core.sealed), then the file.
    evidence.save()
    try:
        evidence.file.save(
            f"{uuid.uuid4().hex}.{detected.extension}", ContentFile(seal_for(evidence, stored)), save=False
        )
        evidence.sealed = True
        evidence.save(update_fields=["file", "sealed"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=evidence,
            changes=snapshot(evidence, AUDITED_FIELDS),
        )
    except BaseException:
        if evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


def evidence_content(evidence: Evidence) -> bytes:
    """The plain content of a piece of evidence (opened if sealed). FileNotFoundError when the file
    is missing; DecryptionError when DOZOR_FIELD_KEYS cannot open it."""
    return read_plain(evidence)


def evidence_record_download(
    *, actor: User, evidence: Evidence, ip_address: str | None = None, via: str = "download"
) -> None:
    """Evidence is confidential: every download and every showing of its page is audited."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.READ,
        obj=evidence,
        changes={"visit": evidence.visit_id, "sha256": evidence.sha256, "via": via},
        ip_address=ip_address,
    )


@transaction.atomic
def evidence_delete(*, actor: User, evidence: Evidence) -> None:
    """Coordinators remove evidence; the file goes once the deletion is committed."""
    require(actor, "visits.manage")
    storage, name = evidence.file.storage, evidence.file.name
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=evidence,
        changes={**snapshot(evidence, AUDITED_FIELDS), "file": name},
    )
    evidence.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
