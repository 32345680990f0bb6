"""Writes of the authority portal: a liaison's response to a recommendation, and the NPM's
assessment of it.

Decisions worth knowing (docs/decisions/0007-recommendations.md):

- Only a liaison who sees the recommendation answers it (``access.recommendations_visible_to``;
  anyone else: PermissionDenied). The response is their authority's (``Response.authority``), so
  another liaison of the same authority sees it and a liaison of a parent ministry answering for a
  place of a committee keeps its own answer.
- A recommendation whose follow-up is closed (implemented, rejected, no longer relevant) is not
  answered: refused with a message, under a row lock so a concurrent assessment cannot slip in.
- Attachments are judged by their bytes, never by name or declared type (``dozor.core.files.sniff``):
  PDF (``%PDF-`` ... ``%%EOF``), JPEG and PNG that Pillow decodes, DOCX and XLSX: a zip whose
  ``[Content_Types].xml`` declares the main part of a Word document or an Excel workbook (not the
  macro-enabled or template variants) and which holds that part. Images
  are stored as received: they are the authority's own pictures (not of detainees), served only as
  downloads with ``nosniff``.
- Every problem of the whole input is reported at once and nothing is written (no row, no file)
  unless all of it is acceptable. Stored names are random; ``sha256`` and ``size`` describe the
  stored bytes.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.audit import audit_record, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.files import (
    DOCX,
    JPEG,
    PDF,
    PNG,
    XLSX,
    FileTooLarge,
    FileType,
    ImageTooLarge,
    clean_name,
    read_capped,
    sniff,
)
from dozor.recommendations.access import can_assess, can_submit_responses, recommendations_visible_to
from dozor.recommendations.models import Recommendation, Response, ResponseAttachment, Status, StatusChange
from dozor.recommendations.services import status_change
from dozor.visits.models import Visit

MAX_ATTACHMENTS = 10
TEXT_MAX = 20_000
ATTACHMENT_TYPES = (PDF, DOCX, XLSX, JPEG, PNG)


def max_attachment_bytes() -> int:
    """``DOZOR_MAX_ATTACHMENT_BYTES`` when set, else the evidence limit (20 MB by default)."""
    return int(getattr(settings, "DOZOR_MAX_ATTACHMENT_BYTES", settings.DOZOR_MAX_EVIDENCE_BYTES))


@dataclass(frozen=True)
class Checked:
    name: str
    content: bytes
    content_type: str
    extension: str


def _detect(content: bytes) -> FileType | None:
    try:
        return sniff(content, ATTACHMENT_TYPES)
    except ImageTooLarge:  # more megapixels than accepted: refused like any other file
        return None


def _check_file(uploaded: IO[bytes], limit: int, errors: list[str]) -> Checked | None:
    """The file's bytes and detected type, or None with the reason appended to ``errors``."""
    raw_name = str(getattr(uploaded, "name", "") or "")
    shown = clean_name(raw_name, "bin", stem="evidence")
    try:
        content = read_capped(uploaded, limit)
    except FileTooLarge:
        errors.append(
            _("%(name)s: the file is larger than the limit of %(limit)s.")
            % {"name": shown, "limit": filesizeformat(limit)}
        )
        return None
    if not content:
        errors.append(_("%(name)s: the file is empty.") % {"name": shown})
        return None
    detected = _detect(content)
    if detected is None:
        errors.append(
            _("%(name)s: the file is not a PDF, JPEG, PNG, Word (DOCX) or Excel (XLSX) document.")
            % {"name": shown}
        )
        return None
    return Checked(
        clean_name(raw_name, detected.extension, stem="evidence"),
        content,
        detected.content_type,
        detected.extension,
    )


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


@transaction.atomic
def response_submit(
    *,
    actor: User,
    recommendation: Recommendation,
    text: str,
    action_plan: str = "",
    planned_by: datetime.date | None = None,
    files: Sequence[IO[bytes]] = (),
) -> Response:
    """A liaison's response (measures taken, an action plan) with its attachments."""
    if (
        not can_submit_responses(actor)
        or not recommendations_visible_to(actor).filter(pk=recommendation.pk).exists()
    ):
        raise PermissionDenied
    assert actor.authority is not None  # a liaison always has one (is_liaison)
    locked = Recommendation.objects.select_for_update().select_related("status").get(pk=recommendation.pk)
    errors: dict[str, list[str]] = {}
    if locked.status.closed:
        _add(
            errors,
            "__all__",
            _(
                "The follow-up of this recommendation is closed (%(status)s): a response to a closed recommendation is not accepted."
            )
            % {"status": locked.status.name},
        )
    text, action_plan = (text or "").strip(), (action_plan or "").strip()
    if not text:
        _add(errors, "text", _("Describe the measures taken."))
    elif len(text) > TEXT_MAX:
        _add(errors, "text", _("The text is longer than %(max)d characters.") % {"max": TEXT_MAX})
    if len(action_plan) > TEXT_MAX:
        _add(errors, "action_plan", _("The text is longer than %(max)d characters.") % {"max": TEXT_MAX})
    if planned_by is not None and planned_by < locked.issued_on:
        _add(errors, "planned_by", _("The completion date cannot be before the recommendation was issued."))
    files = list(files)
    checked: list[Checked] = []
    if len(files) > MAX_ATTACHMENTS:
        _add(errors, "files", _("Attach at most %(max)d files.") % {"max": MAX_ATTACHMENTS})
    else:
        problems: list[str] = []
        limit = max_attachment_bytes()
        for uploaded in files:
            item = _check_file(uploaded, limit, problems)
            if item is not None:
                checked.append(item)
        for problem in problems:
            _add(errors, "files", problem)
    if errors:
        raise ValidationError(errors)

    response = Response.objects.create(
        recommendation=locked,
        authority=actor.authority,
        text=text,
        action_plan=action_plan,
        planned_by=planned_by,
        submitted_by=actor,
    )
    stored: list[ResponseAttachment] = []
    try:
        for item in checked:
            attachment = ResponseAttachment(
                response=response,
                original_name=item.name,
                content_type=item.content_type,
                size=len(item.content),
                sha256=hashlib.sha256(item.content).hexdigest(),
            )
            attachment.file.save(
                f"{uuid.uuid4().hex}.{item.extension}", ContentFile(item.content), save=False
            )
            stored.append(attachment)
            attachment.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=response,
            changes={
                **snapshot(response, ["recommendation", "authority", "planned_by"]),
                "attachments": [
                    {"name": a.original_name, "type": a.content_type, "size": a.size, "sha256": a.sha256}
                    for a in stored
                ],
            },
        )
    except BaseException:
        for attachment in stored:
            if attachment.file.name:
                attachment.file.storage.delete(attachment.file.name)
        raise
    return response


def response_assess(
    *,
    actor: User,
    response: Response,
    status: Status,
    verification: str,
    evidence: str = "",
    changed_on: datetime.date | None = None,
    visit: Visit | None = None,
) -> StatusChange:
    """A coordinator's assessment of a response: a status change of its recommendation that
    names the response (``services.status_change`` checks the verification and the visit)."""
    if not can_assess(actor):
        raise PermissionDenied
    return status_change(
        actor=actor,
        recommendation=response.recommendation,
        status=status,
        changed_on=changed_on or timezone.localdate(),
        verification=verification,
        evidence=evidence,
        visit=visit,
        response=response,
    )


def attachment_record_download(
    *, actor: User, attachment: ResponseAttachment, ip_address: str | None = None
) -> None:
    """Downloads of an authority's attachments are logged (who read what, by hash)."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=attachment,
        changes={"response": attachment.response_id, "sha256": attachment.sha256, "via": "download"},
        ip_address=ip_address,
    )
