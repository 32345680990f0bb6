"""Writes to a visit's confidential interviews: recording, changing, and logging every read.

Notes and the optional identity are encrypted at rest (``dozor.core.fields.EncryptedTextField``). The
audit log must not become a plaintext copy of them: CREATE and UPDATE events record the other
fields' values but, for the encrypted ones, only *that* they were set or changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Language
from dozor.core.revisions import revision_check, revision_claim
from dozor.visits.access import can_record
from dozor.visits.interviews.consent_services import consent_problems, consent_record
from dozor.visits.models import Consent, Interview, Visit

CODE_MAX = 20
ENCRYPTED_FIELDS = ("notes", "excerpt", "identity")
# The fields whose values may appear in the audit log (everything but the encrypted ones).
AUDITED_FIELDS = [
    "visit",
    "code",
    "category",
    "held_on",
    "language",
    "interpreter",
    "at_risk",
]


def _code_problems(code: str) -> list[str]:
    """A pseudonym: 1-20 letters, digits or dashes, with at least one digit so that a person's
    name (which would be stored and shown in clear) cannot be used as the code."""
    if not code:
        return [_("Give the interview a pseudonym code.")]
    problems = []
    if len(code) > CODE_MAX:
        problems.append(_("The code may have at most %(max)d characters.") % {"max": CODE_MAX})
    if not all(ch.isalnum() or ch == "-" for ch in code):
        problems.append(
            _(
                "The code may contain only letters, digits and dashes (no spaces): it is a pseudonym, not a name."
            )
        )
    if not any(ch.isdigit() for ch in code):
        problems.append(
            _("The code must contain at least one digit (for example D-07), so that it cannot be a name.")
        )
    return problems


def _validate(
    *,
    visit: Visit,
    code: str,
    category: str,
    held_on: datetime.date | None,
    exclude_pk: int | None = None,
    more: dict[str, list[str]] | None = None,
) -> None:
    problems: dict[str, list[str]] = dict(more or {})
    code_problems = _code_problems(code)
    if not code_problems:
        taken = Interview.objects.filter(visit=visit, code=code)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            code_problems.append(
                _("This visit already has an interview with the code %(code)s.") % {"code": code}
            )
    if code_problems:
        problems["code"] = code_problems
    if category not in Interview.Category.values:
        problems["category"] = [_("Choose a category of interviewee.")]
    if held_on is None:
        problems["held_on"] = [_("Give the date of the interview.")]
    else:
        last = visit.ended_on or timezone.localdate()
        if held_on < visit.started_on or held_on > last:
            problems["held_on"] = [
                _("The interview must be held during the visit (%(start)s – %(end)s).")
                % {"start": visit.started_on.isoformat(), "end": last.isoformat()}
            ]
    if problems:
        raise ValidationError(problems)


def _require_recorder(actor: User, visit: Visit) -> None:
    if not can_record(actor, visit):
        raise PermissionDenied(_("Only coordinators and the visit's team record interviews."))


@transaction.atomic
def interview_record(
    *,
    actor: User,
    visit: Visit,
    code: str,
    category: str,
    held_on: datetime.date | None,
    language: Language | None = None,
    interpreter: bool = False,
    at_risk: bool = False,
    notes: str = "",
    excerpt: str = "",
    identity: str = "",
    consents: Collection[str] = (),
    consent_method: str = Consent.Method.ORAL,
    consent_capacity: str = Consent.Capacity.FULL,
    consent_capacity_assessed_by: User | None = None,
    consent_note: str = "",
) -> Interview:
    """Record a confidential interview held during ``visit``.

    ``consents`` are the uses the person consented to when asked at the interview (the quick
    boxes of the form): each becomes a consent record dated on the interview, in its language,
    given in the way ``consent_method`` says, with the capacity and note given (see
    ``consent_services.consent_record``). Refusals and later answers are recorded one by one."""
    _require_recorder(actor, visit)
    code = (code or "").strip()
    consent_note = (consent_note or "").strip()
    more: dict[str, list[str]] = {}
    for use in dict.fromkeys(consents):
        for field, messages in consent_problems(
            visit=visit,
            use=use,
            granted=True,
            method=consent_method,
            capacity=consent_capacity,
            capacity_assessed_by=consent_capacity_assessed_by,
            note=consent_note,
            given_on=held_on or visit.started_on,
            earliest=None,
        ).items():
            if field == "given_on":
                continue  # the interview's date, checked with it
            key = "consents" if field == "use" else f"consent_{field}"
            more.setdefault(key, [])
            more[key] += [m for m in messages if m not in more[key]]
    _validate(visit=visit, code=code, category=category, held_on=held_on, more=more)
    assert held_on is not None  # checked by _validate
    interview = Interview.objects.create(
        visit=visit,
        code=code,
        category=category,
        held_on=held_on,
        language=language,
        interpreter=interpreter,
        at_risk=at_risk,
        notes=notes or "",
        excerpt=excerpt or "",
        identity=identity or "",
        created_by=actor,
    )
    changes: dict[str, Any] = snapshot(interview, AUDITED_FIELDS)
    changes["encrypted_fields_set"] = [name for name in ENCRYPTED_FIELDS if getattr(interview, name)]
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=interview, changes=changes)
    for use in dict.fromkeys(consents):
        consent_record(
            actor=actor,
            interview=interview,
            use=use,
            method=consent_method,
            given_on=held_on,
            language=language,
            capacity=consent_capacity,
            capacity_assessed_by=consent_capacity_assessed_by,
            note=consent_note,
        )
    return interview


@transaction.atomic
def interview_update(
    *,
    actor: User,
    interview: Interview,
    code: str,
    category: str,
    held_on: datetime.date | None,
    language: Language | None = None,
    interpreter: bool = False,
    at_risk: bool = False,
    notes: str = "",
    excerpt: str = "",
    identity: str = "",
    base_revision: int | None = None,
) -> Interview:
    """Change an interview; every field is given (the edit form shows them all). Consent is not
    changed here: it is a record of its own (``consent_services``).
    ``base_revision`` is the revision the editor loaded: an interview saved by somebody else since
    raises ``StaleRevision`` and changes nothing."""
    _require_recorder(actor, interview.visit)
    revision_check(Interview.objects.select_for_update().get(pk=interview.pk), base_revision=base_revision)
    code = (code or "").strip()
    _validate(visit=interview.visit, code=code, category=category, held_on=held_on, exclude_pk=interview.pk)
    before_values = snapshot(interview, AUDITED_FIELDS)
    before_secret = {name: getattr(interview, name) for name in ENCRYPTED_FIELDS}
    values: dict[str, Any] = {
        "code": code,
        "category": category,
        "held_on": held_on,
        "language": language,
        "interpreter": interpreter,
        "at_risk": at_risk,
        "notes": notes or "",
        "excerpt": excerpt or "",
        "identity": identity or "",
    }
    for name, value in values.items():
        setattr(interview, name, value)
    changes: dict[str, Any] = diff(before_values, snapshot(interview, AUDITED_FIELDS))
    changed_secret = [name for name in ENCRYPTED_FIELDS if before_secret[name] != getattr(interview, name)]
    if not changes and not changed_secret:
        return interview
    revision_claim(interview, base_revision=base_revision)
    # Only the changed fields are written: an unchanged encrypted value is not re-encrypted.
    update_fields = [
        "language" if key == "language_id" else "visit" if key == "visit_id" else key for key in changes
    ]
    interview.save(update_fields=[*update_fields, *changed_secret, "updated_at"])
    if changed_secret:
        changes["encrypted_fields_changed"] = changed_secret
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=interview, changes=changes)
    return interview


def interview_read(*, actor: User, interview: Interview, ip_address: str | None = None) -> None:
    """Log that ``actor`` was shown the decrypted notes and identity (every view of them)."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.READ,
        obj=interview,
        changes={"visit": interview.visit_id, "fields": list(ENCRYPTED_FIELDS)},
        ip_address=ip_address,
    )
