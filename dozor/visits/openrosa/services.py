"""Receiving a submission from ODK Collect: decrypt it when it is encrypted, read its XML, record
it through the same write path as imported files (``dozor.visits.services.submission_receive``),
and store its photos as the visit's evidence (sealed, metadata removed), all in one transaction.

Collect sends a large submission in several POSTs when it exceeds the size the server accepts
(``X-OpenRosa-Accept-Content-Length``), each with the same XML and some of the attachments: a
repeated submission with the same answers stores the photos not yet stored, and is otherwise a
duplicate that writes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dozor.accounts.models import User
from dozor.methodology.models import QuestionType
from dozor.visits.evidence.services import evidence_upload
from dozor.visits.models import Evidence, Submission, Visit
from dozor.visits.openrosa.instance import InstanceError, instance_head, parse_root, read_instance
from dozor.visits.openrosa.xforms import visit_pk_from_form_id
from dozor.visits.services import SubmissionConflict, submission_receive
from dozor.visits.submissions import Form


class OpenRosaError(Exception):
    """A submission refused: ``status`` is the HTTP status, ``message`` the user's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class SubmitResult:
    submission: Submission
    created: bool
    photos: list[Evidence] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def duplicate(self) -> bool:
        return not self.created and not self.photos


def _decrypted(xml: bytes, attachments: Mapping[str, bytes]) -> tuple[bytes, dict[str, bytes]]:
    from dozor.visits.openrosa.encryption import EncryptedSubmissionError, decrypt_submission

    try:
        plain = decrypt_submission(xml, attachments)
    except EncryptedSubmissionError as exc:
        raise OpenRosaError(400, exc.message) from exc
    return plain.xml, dict(plain.media)


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        lines = [
            f"{name}: {message}" for name, messages in error.message_dict.items() for message in messages
        ]
    else:
        lines = list(error.messages)
    return "\n".join(line.removeprefix("__all__: ") for line in lines)


def _photo_key(instance_id: str, name: str, index: int) -> str:
    """How a stored photo is recognised when Collect sends it again (the evidence's description)."""
    where = f"{name}[{index}]" if index else name
    return f"ODK Collect · {instance_id} · {where}"


def _store_photos(
    *, actor: User, visit: Visit, form: Form, submission: Submission, media: Mapping[str, bytes]
) -> tuple[list[Evidence], list[str]]:
    photos = [
        (name, index, value)
        for name, index, value in submission.answers.values_list("question__name", "repeat_index", "value")
        if name in form.fields and form.fields[name].question.type == QuestionType.PHOTO and value
    ]
    stored = set(
        Evidence.objects.filter(
            visit=visit, description__startswith=f"ODK Collect · {submission.instance_id} · "
        ).values_list("description", flat=True)
    )
    created: list[Evidence] = []
    missing: list[str] = []
    try:
        for name, index, filename in photos:
            key = _photo_key(submission.instance_id, name, index)
            if key in stored:
                continue
            if filename not in media:
                missing.append(filename)
                continue
            upload = io.BytesIO(media[filename])
            upload.name = filename
            created.append(
                evidence_upload(
                    actor=actor, visit=visit, uploaded_file=upload, kind=Evidence.Kind.PHOTO, description=key
                )
            )
    except BaseException:
        # The rows go with the transaction; the sealed files written so far must go too.
        for evidence in created:
            if evidence.file.name:
                evidence.file.storage.delete(evidence.file.name)
        raise
    return created, missing


@transaction.atomic
def openrosa_submit(*, actor: User, xml: bytes, attachments: Mapping[str, bytes]) -> SubmitResult:
    """Record one submission (``xml_submission_file`` and the other parts of the POST, by file
    name) from ``actor``'s device. All or nothing; raises OpenRosaError with the status to answer."""
    root = _root(xml)
    if instance_head(root).encrypted:
        xml, attachments = _decrypted(xml, attachments)
        root = _root(xml)
    head = instance_head(root)
    visit_pk = visit_pk_from_form_id(head.form_id)
    if visit_pk is None:
        raise OpenRosaError(
            404, _("The form %(form)s is not one of Dozor's visit forms.") % {"form": head.form_id}
        )
    visit = Visit.objects.select_related("template_version__template").filter(pk=visit_pk).first()
    forbidden = OpenRosaError(403, _("You may not send checklists for this visit."))
    if visit is None:
        raise forbidden  # the same answer as for a visit of another group: nothing to probe
    if visit.template_version is None:
        raise OpenRosaError(400, _("The visit has no checklist version; choose one first."))
    form = Form(visit.template_version)
    raw = read_instance(root, form)
    try:
        received = submission_receive(
            actor=actor,
            visit=visit,
            raw=raw,
            source=Submission.Source.OPENROSA,
            deprecated_id=head.deprecated_id,
        )
    except PermissionDenied as exc:
        raise forbidden from exc
    except ValidationError as exc:
        raise OpenRosaError(400, _messages(exc)) from exc
    except SubmissionConflict as exc:
        raise OpenRosaError(409, exc.message) from exc
    try:
        photos, missing = _store_photos(
            actor=actor, visit=visit, form=form, submission=received.submission, media=attachments
        )
    except ValidationError as exc:
        raise OpenRosaError(400, _messages(exc)) from exc
    return SubmitResult(
        submission=received.submission, created=received.created, photos=photos, missing=missing
    )


def _root(xml: bytes) -> Element:
    try:
        return parse_root(xml)
    except InstanceError as exc:
        raise OpenRosaError(400, exc.message) from exc
