"""Writes to consent records (``visits.Consent``): recording a person's answer for one use, its
withdrawal, and the follow-up task a late withdrawal leaves (docs/decisions/0021-consent-records.md).

Rules:

- Who: coordinators and the visit's team (``dozor.visits.access.can_record``), as for interviews.
  The follow-up task after a withdrawal is closed by a coordinator (``visits.manage``): they are the
  ones told about it and the ones who write to the authority.
- One current record per use: while a use has a record that is not withdrawn, a new answer for the
  same use is refused if the current one is a consent (withdraw it first, so that every documents'
  receiver hears of it); a refusal is simply superseded by the new answer.
- Capacity: anything other than "able to consent" needs the person who assessed it, and that person
  must be a coordinator or on the visit's team. "Capacity doubtful" is recorded but never relied on
  (``Consent.in_force`` is false). A consent for a child or for a person under guardianship needs
  the representative's consent as well: method "representative", or a note saying how both the
  person and the representative were asked. A refusal by either stands without more.
- Dates: not before the interview, not in the future.
- Withdrawal: at any time, of a consent not already withdrawn. ``visits.signals.consent_withdrawn``
  is sent inside the transaction; if any receiver answers that documents carrying the use were
  already sent, the follow-up task opens and every coordinator with an e-mail address gets a
  notification through the outbox (place, visit date and use only - never the person's words).

Every function is keyword-only, checks the actor, validates everything before writing, runs in one
transaction and writes the audit log.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dozor.accounts.access import active_user, can, users_with
from dozor.accounts.audit import audit_record, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Language
from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notification_queue
from dozor.visits.access import can_record
from dozor.visits.models import Consent, Interview, Visit
from dozor.visits.signals import consent_withdrawn

NEEDS_REPRESENTATIVE = frozenset({Consent.Capacity.CHILD, Consent.Capacity.GUARDIANSHIP})
NOTE_MAX = 500


def _require_recorder(actor: User, visit: Visit) -> None:
    if not can_record(actor, visit):
        raise PermissionDenied(_("Only coordinators and the visit's team record consent."))


def may_assess_capacity(user: User, visit: Visit) -> bool:
    """A coordinator, or a member of the visit's team (whoever was there to judge)."""
    staff = active_user(user)
    if staff is None:
        return False
    return can(staff, "visits.manage") or visit.team.filter(user=staff).exists()


def assessors_for(visit: Visit) -> list[User]:
    """Who may be named as having assessed capacity: the visit's team and the coordinators."""
    team = User.objects.filter(is_active=True, visit_memberships__visit=visit)
    coordinators = users_with("visits.manage")
    return list((team | coordinators).distinct().order_by("last_name", "first_name", "username"))


def consent_problems(
    *,
    visit: Visit,
    use: str,
    granted: bool,
    method: str,
    capacity: str,
    capacity_assessed_by: User | None,
    note: str,
    given_on: datetime.date | None,
    earliest: datetime.date | None,
) -> dict[str, list[str]]:
    """Every problem with one answer, by field (empty when it may be recorded)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if use not in Consent.Use.values:
        add("use", _("Choose what the consent is for."))
    if method not in Consent.Method.values:
        add("method", _("Choose how the answer was given."))
    if capacity not in Consent.Capacity.values:
        add("capacity", _("Choose the person's capacity to consent."))
    if len(note) > NOTE_MAX:
        add("note", _("The note may have at most %(max)d characters.") % {"max": NOTE_MAX})
    if given_on is None:
        add("given_on", _("Give the date of the answer."))
    elif given_on > timezone.localdate():
        add("given_on", _("The date cannot be in the future."))
    elif earliest is not None and given_on < earliest:
        add("given_on", _("The answer cannot be dated before the interview (%(date)s).") % {"date": earliest})
    if (
        capacity in Consent.Capacity.values
        and capacity != Consent.Capacity.FULL
        and capacity_assessed_by is None
    ):
        add("capacity_assessed_by", _("Name who assessed the person's capacity."))
    if capacity_assessed_by is not None and not may_assess_capacity(capacity_assessed_by, visit):
        add(
            "capacity_assessed_by",
            _("Capacity is assessed by a coordinator or a member of the visit's team."),
        )
    if granted and capacity in NEEDS_REPRESENTATIVE and method != Consent.Method.REPRESENTATIVE and not note:
        add(
            "note",
            _(
                "A child or a person under guardianship consents together with a representative: choose "
                "“By a parent, guardian or legal representative”, or say in the note how both were asked."
            ),
        )
    return problems


def _current(interview: Interview, use: str) -> Consent | None:
    return (
        Consent.objects.select_for_update()
        .filter(interview=interview, use=use, withdrawn_at__isnull=True)
        .first()
    )


@transaction.atomic
def consent_record(
    *,
    actor: User,
    interview: Interview,
    use: str,
    granted: bool = True,
    method: str = Consent.Method.ORAL,
    given_on: datetime.date | None,
    language: Language | None = None,
    capacity: str = Consent.Capacity.FULL,
    capacity_assessed_by: User | None = None,
    note: str = "",
) -> Consent:
    """Record the person's answer (consent or refusal) for one use of what they said."""
    visit = interview.visit
    _require_recorder(actor, visit)
    note = (note or "").strip()
    problems = consent_problems(
        visit=visit,
        use=use,
        granted=granted,
        method=method,
        capacity=capacity,
        capacity_assessed_by=capacity_assessed_by,
        note=note,
        given_on=given_on,
        earliest=interview.held_on,
    )
    current = _current(interview, use) if "use" not in problems else None
    if current is not None and current.granted:
        problems.setdefault("use", []).append(
            _("A consent for this use is already recorded; withdraw it first to record a new answer.")
        )
    if problems:
        raise ValidationError(problems)
    assert given_on is not None
    if current is not None:  # a refusal, superseded by the new answer
        current.withdrawn_at = timezone.now()
        current.withdrawn_recorded_by = actor
        current.withdrawal_note = "superseded"
        current.save(update_fields=["withdrawn_at", "withdrawn_recorded_by", "withdrawal_note"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=current,
            changes={"superseded": True, "withdrawn_at": current.withdrawn_at},
        )
    consent = Consent.objects.create(
        interview=interview,
        use=use,
        granted=granted,
        method=method,
        given_on=given_on,
        language=language,
        capacity=capacity,
        capacity_assessed_by=capacity_assessed_by,
        recorded_by=actor,
        note=note,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=consent, changes=snapshot(consent))
    return consent


def _withdrawal_message(consent: Consent, language: str) -> tuple[str, str]:
    """Subject and body in ``language``: place, visit date and use only (never the person's words)."""
    visit = consent.interview.visit
    with translation.override(language):
        values = {
            "facility": visit.facility.name,
            "date": f"{visit.started_on:%Y-%m-%d}",
            "use": consent.get_use_display(),
            "link": reverse("visits:consent_tasks"),
        }
        subject = _("Consent withdrawn after a document was sent: %(facility)s") % values
        body = (
            _(
                "A person interviewed during the visit to %(facility)s on %(date)s has withdrawn their "
                "consent (%(use)s) after a document using it was sent.\n\n"
                "Please decide what the NPM must do (ask the recipient to disregard the quote, check on "
                "the person) and record it in Dozor: %(link)s"
            )
            % values
        )
    return subject, body


def _notify_coordinators(*, actor: User, consent: Consent) -> list[int]:
    recipients = list(users_with("visits.manage").exclude(email="").order_by("last_name", "first_name", "pk"))
    default = settings.LANGUAGE_CODE
    for user in recipients:
        subject, body = _withdrawal_message(consent, user.preferred_language or default)
        notification_queue(
            kind=Notification.Kind.CONSENT_WITHDRAWN,
            recipient=user,
            address=user.email,
            subject=subject,
            body=body,
            topic=consent,
        )
    if recipients:
        from dozor.core.outbox.tasks import outbox_deliver

        # Saved with the withdrawal (database task backend): the worker sees it after the commit.
        outbox_deliver.enqueue(Notification.Kind.CONSENT_WITHDRAWN)
    return [user.pk for user in recipients]


def sent_documents(responses: list[tuple[Any, Any]]) -> list[str]:
    """The receivers' answers to ``consent_withdrawn`` flattened: documents already sent with the use."""
    found: list[str] = []
    for _receiver, answer in responses:
        if answer:
            found.extend(str(item) for item in answer)
    return found


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, note: str) -> Consent:
    """Record that the person withdrew the consent: documents not yet sent drop the use (the
    receivers of ``consent_withdrawn``); documents already sent open the follow-up task."""
    current = (
        Consent.objects.select_for_update().select_related("interview__visit__facility").get(pk=consent.pk)
    )
    _require_recorder(actor, current.interview.visit)
    note = (note or "").strip()
    problems: dict[str, list[str]] = {}
    if current.withdrawn_at is not None:
        problems["__all__"] = [_("This consent was already withdrawn.")]
    elif not current.granted:
        problems["__all__"] = [_("Only a consent can be withdrawn; this answer was a refusal.")]
    if not note:
        problems["note"] = [
            _("Say how the withdrawal was received (in person, by letter, through a relative...).")
        ]
    elif len(note) > NOTE_MAX:
        problems["note"] = [_("The note may have at most %(max)d characters.") % {"max": NOTE_MAX}]
    if problems:
        raise ValidationError(problems)
    current.withdrawn_at = timezone.now()
    current.withdrawn_recorded_by = actor
    current.withdrawal_note = note
    current.save(update_fields=["withdrawn_at", "withdrawn_recorded_by", "withdrawal_note"])
    changes: dict[str, Any] = {
        "withdrawn_at": current.withdrawn_at,
        "withdrawn_recorded_by": actor.pk,
        "withdrawal_note": note,
    }
    # Receivers (publishing) strip the person's words from every document not yet sent, in this
    # transaction: if one fails, the withdrawal is not recorded either.
    sent = sent_documents(consent_withdrawn.send(sender=Consent, consent=current, actor=actor))
    if sent:
        current.task_open = True
        current.save(update_fields=["task_open"])
        changes["task_open"] = True
        changes["sent_documents"] = sent
        changes["notified"] = _notify_coordinators(actor=actor, consent=current)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=current, changes=changes)
    consent.refresh_from_db()
    return current


@transaction.atomic
def consent_task_done(*, actor: User, consent: Consent, note: str) -> Consent:
    """Close the follow-up task of a late withdrawal, saying what was done."""
    if not can(actor, "visits.manage"):
        raise PermissionDenied(_("Only coordinators close the action after a withdrawal."))
    current = Consent.objects.select_for_update().get(pk=consent.pk)
    note = (note or "").strip()
    problems: dict[str, list[str]] = {}
    if not current.task_open:
        problems["__all__"] = [_("No action is open for this consent.")]
    if not note:
        problems["task_note"] = [_("Say what was done.")]
    elif len(note) > NOTE_MAX:
        problems["task_note"] = [_("The note may have at most %(max)d characters.") % {"max": NOTE_MAX}]
    if problems:
        raise ValidationError(problems)
    current.task_open = False
    current.task_done_at = timezone.now()
    current.task_note = note
    current.save(update_fields=["task_open", "task_done_at", "task_note"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=current,
        changes={"task_open": False, "task_done_at": current.task_done_at, "task_note": note},
    )
    consent.refresh_from_db()
    return current
