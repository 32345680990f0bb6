"""Reprisal follow-up (SPT policy on reprisals, CAT/OP/6/Rev.1; OPCAT art. 21): an at-risk
interviewee or a reprisal allegation becomes a case that the next visits to the place must check.

Rules:

- Who: coordinators open, check and close any case. The team of a visit opens a case for an
  at-risk interviewee of *that* visit and records checks made during *that* visit (to the case's
  place). A case without an interview (an allegation received by letter or by phone) is opened by
  coordinators only; closing without a check is for coordinators only.
- An interview linked to a case must be marked at risk and belong to a visit to the case's place;
  an interview gets at most one case (also a database constraint). An at-risk case always names
  the interview (the pseudonym is how the next team finds the person).
- A check records what a later visit found: the visit must be to the case's place, start on or
  after the day the case was raised and not be the visit the case came from; it leaves the case
  "monitoring" (checked, still followed) or "closed" (closing keeps the check's outcome as the
  case's outcome). A closed case takes no more checks.
- Summaries and outcomes are confidential (encrypted at rest) and never written to the audit log:
  the log records which fields were set. Every page showing them logs a READ event
  (``reprisal_read``).

Every function is keyword-only, checks the actor's rights, validates everything (reporting every
problem at once) before writing, runs in one transaction and writes the audit log.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import AnyUser, can
from dozor.accounts.audit import audit_record, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.facilities.models import Facility
from dozor.recommendations.models import ReprisalCase, ReprisalCheck
from dozor.visits.access import can_record
from dozor.visits.models import Interview, Visit

Errors = dict[str, list[str]]

# Encrypted fields: their values never reach the audit log.
CONFIDENTIAL = ("summary", "outcome")
CASE_AUDITED = ["facility", "kind", "interview", "raised_on", "state", "closed_on", "created_by"]
CHECK_AUDITED = ["case", "visit", "checked_on", "author"]
FOLLOWED = (ReprisalCase.State.OPEN, ReprisalCase.State.MONITORING)


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _case_changes(case: ReprisalCase) -> dict[str, Any]:
    changes = snapshot(case, CASE_AUDITED)
    changes["confidential_fields_set"] = [name for name in CONFIDENTIAL if getattr(case, name)]
    return changes


def can_open_for(actor: AnyUser, interview: Interview | None) -> bool:
    """Coordinators always; the team of the interview's visit for its interviewees."""
    if can(actor, "reprisals.manage"):
        return True
    return interview is not None and can_record(actor, interview.visit)


@transaction.atomic
def reprisal_open(
    *,
    actor: User,
    facility: Facility,
    kind: str,
    raised_on: datetime.date,
    summary: str = "",
    interview: Interview | None = None,
) -> ReprisalCase:
    if not can_open_for(actor, interview):
        raise PermissionDenied
    summary = summary.strip()
    errors: Errors = {}
    if kind not in ReprisalCase.Kind.values:
        _add(errors, "kind", _("Choose whether the person is at risk or reprisals are alleged."))
    if raised_on > timezone.localdate():
        _add(errors, "raised_on", _("The date cannot be in the future."))
    if interview is None:
        if kind == ReprisalCase.Kind.AT_RISK:
            _add(errors, "interview", _("Name the interview (pseudonym) of the person at risk."))
    else:
        if not interview.at_risk:
            _add(
                errors, "interview", _("Only an interview marked as at risk of reprisal can be followed up.")
            )
        if interview.visit.facility_id != facility.pk:
            _add(errors, "interview", _("The interview must come from a visit to this place."))
        if raised_on < interview.held_on:
            _add(errors, "raised_on", _("The case cannot be raised before the interview took place."))
        if ReprisalCase.objects.filter(interview=interview).exists():
            _add(errors, "interview", _("A follow-up case is already open for this interviewee."))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            case = ReprisalCase.objects.create(
                facility=facility,
                kind=kind,
                interview=interview,
                raised_on=raised_on,
                summary=summary,
                created_by=actor,
            )
    except IntegrityError as exc:  # a second request for the same interview at the same moment
        raise ValidationError(
            {"interview": [_("A follow-up case is already open for this interviewee.")]}
        ) from exc
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=case, changes=_case_changes(case))
    return case


def _check_errors(*, case: ReprisalCase, visit: Visit, checked_on: datetime.date, outcome: str) -> Errors:
    errors: Errors = {}
    if case.state == ReprisalCase.State.CLOSED:
        _add(errors, "__all__", _("This case is closed; it takes no more checks."))
    if visit.facility_id != case.facility_id:
        _add(errors, "visit", _("Only a visit to the case's place can check on it."))
    if visit.started_on < case.raised_on:
        _add(errors, "visit", _("Only a visit made after the case was raised can check on it."))
    if case.interview_id is not None and case.interview is not None and case.interview.visit_id == visit.pk:
        _add(errors, "visit", _("The visit the case came from cannot check on it; a later visit must."))
    if checked_on > timezone.localdate():
        _add(errors, "checked_on", _("The date cannot be in the future."))
    if checked_on < visit.started_on or checked_on < case.raised_on:
        _add(errors, "checked_on", _("The check cannot be dated before the visit or before the case."))
    if not outcome:
        _add(errors, "outcome", _("Write down what the visit found."))
    return errors


@transaction.atomic
def reprisal_check(
    *,
    actor: User,
    case: ReprisalCase,
    visit: Visit,
    checked_on: datetime.date,
    outcome: str,
    state: str,
) -> ReprisalCheck:
    """Record what ``visit`` found about ``case``; ``state`` is the case's state afterwards."""
    if not can_record(actor, visit):
        raise PermissionDenied
    current = ReprisalCase.objects.select_for_update(of=("self",)).select_related("interview").get(pk=case.pk)
    outcome = outcome.strip()
    errors = _check_errors(case=current, visit=visit, checked_on=checked_on, outcome=outcome)
    if state not in (ReprisalCase.State.MONITORING, ReprisalCase.State.CLOSED):
        _add(errors, "state", _("Choose whether the case stays followed or is closed."))
    if errors:
        raise ValidationError(errors)
    check = ReprisalCheck.objects.create(
        case=current, visit=visit, checked_on=checked_on, outcome=outcome, author=actor
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=check,
        changes={**snapshot(check, CHECK_AUDITED), "confidential_fields_set": ["outcome"]},
    )
    _set_state(actor=actor, case=current, state=state, on=checked_on, outcome=outcome)
    case.state, case.closed_on, case.outcome = current.state, current.closed_on, current.outcome
    return check


def _set_state(*, actor: User, case: ReprisalCase, state: str, on: datetime.date, outcome: str) -> None:
    before = _case_changes(case)
    case.state = state
    fields = ["state"]
    if state == ReprisalCase.State.CLOSED:
        case.closed_on = on
        case.outcome = outcome
        fields += ["closed_on", "outcome"]
    case.save(update_fields=fields)
    after = _case_changes(case)
    changes = {k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v}
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=case, changes=changes)


@transaction.atomic
def reprisal_close(
    *, actor: User, case: ReprisalCase, closed_on: datetime.date, outcome: str
) -> ReprisalCase:
    """Close a case without a visit (the person was released or transferred, the allegation was
    found to be unfounded by other means). Coordinators only; the outcome says why."""
    if not can(actor, "reprisals.manage"):
        raise PermissionDenied
    current = ReprisalCase.objects.select_for_update().get(pk=case.pk)
    outcome = outcome.strip()
    errors: Errors = {}
    if current.state == ReprisalCase.State.CLOSED:
        _add(errors, "__all__", _("This case is already closed."))
    if not outcome:
        _add(errors, "outcome", _("Closing a case needs its outcome."))
    if closed_on > timezone.localdate():
        _add(errors, "closed_on", _("The date cannot be in the future."))
    if closed_on < current.raised_on:
        _add(errors, "closed_on", _("A case cannot be closed before it was raised."))
    if errors:
        raise ValidationError(errors)
    _set_state(actor=actor, case=current, state=ReprisalCase.State.CLOSED, on=closed_on, outcome=outcome)
    return current


def reprisal_read(
    *, actor: User, cases: Iterable[ReprisalCase], via: str, ip_address: str | None = None
) -> None:
    """Log that ``actor`` was shown these cases (one event per page, listing the ids)."""
    ids = sorted(case.pk for case in cases)
    if not ids:
        return
    audit_record(
        actor=actor,
        action=AuditEvent.Action.READ,
        object_type=ReprisalCase._meta.label_lower,
        object_id=str(ids[0]) if len(ids) == 1 else "",
        object_repr=f"{len(ids)} reprisal case(s) via {via}"[:300],
        changes={"ids": ids, "via": via},
        ip_address=ip_address,
    )
