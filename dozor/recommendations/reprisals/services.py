"""Reprisal follow-up (SPT policy on reprisals, CAT/OP/6/Rev.1; OPCAT art. 21): an at-risk
interviewee or a reprisal allegation becomes a case about a *protected person* (a pseudonymous
code, decision 0024) that the later visits to whichever place holds the person must check.

Rules:

- Every case belongs to a protected person. A case from an interview creates the person (held at
  the visit's place since the interview, in the interviewee's category) unless a coordinator names
  an existing person; a case without an interview is a coordinator's, for a new person of any
  category (detainee, relative, staff, NPM member, other; a place is optional) or an existing one.
- Transfers and release (``person_move``, coordinators): each move is a dated row of the person's
  history; the latest is where the person is. Cases are not moved: they follow the person.
- A visit checks on a case if the person was held at the visit's place on the day the visit started
  (whatever place the case began at); for a person held nowhere that day who is not a detainee
  (staff, relatives...) the place the case was raised at (``ReprisalCase.checkable_at``).
- Actions (letter, urgent visit, prosecutor, SPT, Ombudsman...) and their outcome: coordinators.

- Who: coordinators open, check and close any case. The team of a visit opens a case for an
  at-risk interviewee of *that* visit and records checks made during *that* visit (to the case's
  place). A case without an interview (an allegation received by letter or by phone) is opened by
  coordinators only; closing without a check is for coordinators only.
- An interview linked to a case must be marked at risk and belong to a visit to the case's place;
  an interview gets at most one case (also a database constraint). An at-risk case always names
  the interview (the pseudonym is how the next team finds the person).
- A check records what a later visit found: the visit must be to a place where the case is
  checkable (above), start on or after the day the case was raised and not be the visit the case
  came from; it leaves the case
  "monitoring" (checked, still followed) or "closed" (closing keeps the check's outcome as the
  case's outcome). A closed case takes no more checks.
- Summaries, outcomes, identities, notes and sources are confidential (encrypted at rest) and never
  written to the audit log: the log records which fields were set. Every page showing them logs a
  READ event (``reprisal_read``, ``person_read``).

Every function is keyword-only, checks the actor's rights, validates everything (reporting every
problem at once) before writing, runs in one transaction and writes the audit log.
"""

from __future__ import annotations

import datetime
import secrets
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
from dozor.recommendations.models import (
    PERSON_CODE_ALPHABET,
    PersonLocation,
    ProtectedPerson,
    ReprisalAction,
    ReprisalCase,
    ReprisalCheck,
)
from dozor.visits.access import can_record
from dozor.visits.models import Interview, Visit

Errors = dict[str, list[str]]

# Encrypted fields: their values never reach the audit log.
CONFIDENTIAL = ("summary", "outcome")
CASE_AUDITED = ["person", "facility", "kind", "interview", "raised_on", "state", "closed_on", "created_by"]
CHECK_AUDITED = ["case", "visit", "checked_on", "author"]
PERSON_AUDITED = ["code", "category", "facility", "whereabouts", "since", "created_by"]
MOVE_AUDITED = ["person", "whereabouts", "facility", "since", "recorded_by"]
ACTION_AUDITED = ["case", "kind", "taken_on", "outcome_on", "author"]
FOLLOWED = (ReprisalCase.State.OPEN, ReprisalCase.State.MONITORING)
HELD = ProtectedPerson.Whereabouts.HELD
# The interviewee's category -> the protected person's.
INTERVIEW_CATEGORIES: dict[str, str] = {
    Interview.Category.DETAINEE.value: ProtectedPerson.Category.DETAINEE.value,
    Interview.Category.STAFF.value: ProtectedPerson.Category.STAFF.value,
    Interview.Category.MEDICAL.value: ProtectedPerson.Category.STAFF.value,
    Interview.Category.FAMILY.value: ProtectedPerson.Category.RELATIVE.value,
}


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


def person_code_new() -> str:
    """A fresh random code such as "P-7K3Q" (no 0/O, 1/I), unused so far. Random, not a
    sequence: the code says nothing about when or where the person was met."""
    for length in (4, 4, 4, 5, 5, 6):
        code = "P-" + "".join(secrets.choice(PERSON_CODE_ALPHABET) for _ in range(length))
        if not ProtectedPerson.objects.filter(code=code).exists():
            return code
    raise RuntimeError("no free person code")  # pragma: no cover - 32**6 codes


def _person_create(
    *,
    actor: User,
    category: str,
    identity: str,
    facility: Facility | None,
    whereabouts: str,
    since: datetime.date,
) -> ProtectedPerson:
    person = ProtectedPerson.objects.create(
        code=person_code_new(),
        category=category,
        identity=identity,
        facility=facility if whereabouts == HELD else None,
        whereabouts=whereabouts,
        since=since,
        created_by=actor,
    )
    move = PersonLocation.objects.create(
        person=person, whereabouts=whereabouts, facility=person.facility, since=since, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=person,
        changes={
            **snapshot(person, PERSON_AUDITED),
            "confidential_fields_set": ["identity"] if identity else [],
            "location": move.pk,
        },
    )
    return person


@transaction.atomic
def reprisal_open(
    *,
    actor: User,
    kind: str,
    raised_on: datetime.date,
    summary: str = "",
    interview: Interview | None = None,
    facility: Facility | None = None,
    person: ProtectedPerson | None = None,
    category: str = "",
    identity: str = "",
) -> ReprisalCase:
    """Open a case. With ``interview`` (the visit's team or a coordinator) the person is created
    from the interviewee, held at the visit's place; a coordinator may instead name an existing
    ``person``, or open a case without an interview for a new person of ``category`` (held at
    ``facility`` if a detainee and a place is given) - ``facility`` is where the case is raised."""
    if not can_open_for(actor, interview) or (person is not None and not can(actor, "reprisals.manage")):
        raise PermissionDenied
    summary, identity = summary.strip(), identity.strip()
    errors: Errors = {}
    if kind not in ReprisalCase.Kind.values:
        _add(errors, "kind", _("Choose whether the person is at risk or reprisals are alleged."))
    if raised_on > timezone.localdate():
        _add(errors, "raised_on", _("The date cannot be in the future."))
    if interview is None:
        if kind == ReprisalCase.Kind.AT_RISK:
            _add(errors, "interview", _("Name the interview (pseudonym) of the person at risk."))
        if person is None and category not in ProtectedPerson.Category.values:
            _add(errors, "category", _("Choose who the person is (detainee, relative, staff, NPM member)."))
    else:
        facility = facility or interview.visit.facility
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
    if person is None:
        if interview is not None:
            category = INTERVIEW_CATEGORIES.get(interview.category, ProtectedPerson.Category.OTHER)
            held_at: Facility | None = interview.visit.facility
            since = interview.held_on
        else:
            detainee = category == ProtectedPerson.Category.DETAINEE
            held_at = facility if detainee else None
            since = raised_on
        if held_at is not None:
            whereabouts = HELD
        elif category == ProtectedPerson.Category.DETAINEE:
            whereabouts = ProtectedPerson.Whereabouts.UNKNOWN
        else:
            whereabouts = ProtectedPerson.Whereabouts.OUTSIDE
        person = _person_create(
            actor=actor,
            category=category,
            identity=identity,
            facility=held_at,
            whereabouts=whereabouts,
            since=since,
        )
    try:
        with transaction.atomic():
            case = ReprisalCase.objects.create(
                person=person,
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


@transaction.atomic
def person_move(
    *,
    actor: User,
    person: ProtectedPerson,
    whereabouts: str,
    since: datetime.date,
    facility: Facility | None = None,
    source: str = "",
) -> PersonLocation:
    """Record a transfer (``whereabouts`` "held" at another ``facility``), a release or a loss of
    trace from ``since`` on. Coordinators only. The person's cases follow: later visits to the new
    place check on them."""
    if not can(actor, "reprisals.manage"):
        raise PermissionDenied
    current = ProtectedPerson.objects.select_for_update().get(pk=person.pk)
    source = source.strip()
    errors: Errors = {}
    if whereabouts not in ProtectedPerson.Whereabouts.values:
        _add(errors, "whereabouts", _("Choose where the person is now."))
    elif whereabouts == HELD and facility is None:
        _add(errors, "facility", _("Name the place that holds the person now."))
    elif whereabouts != HELD and facility is not None:
        _add(errors, "facility", _("A place is named only for a person held there."))
    elif whereabouts == current.whereabouts and (facility.pk if facility else None) == current.facility_id:
        _add(errors, "__all__", _("This is already where the person is."))
    if since > timezone.localdate():
        _add(errors, "since", _("The date cannot be in the future."))
    if current.since is not None and since < current.since:
        _add(errors, "since", _("A move cannot be dated before the last recorded one."))
    if errors:
        raise ValidationError(errors)
    before = snapshot(current, PERSON_AUDITED)
    move = PersonLocation.objects.create(
        person=current,
        whereabouts=whereabouts,
        facility=facility,
        since=since,
        source=source,
        recorded_by=actor,
    )
    current.whereabouts, current.facility, current.since = whereabouts, facility, since
    current.save(update_fields=["whereabouts", "facility", "since"])
    after = snapshot(current, PERSON_AUDITED)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=move,
        changes={**snapshot(move, MOVE_AUDITED), "confidential_fields_set": ["source"] if source else []},
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=current,
        changes={k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v},
    )
    person.whereabouts, person.facility, person.since = whereabouts, facility, since
    return move


def _action_errors(
    *, case: ReprisalCase, taken_on: datetime.date, outcome: str, outcome_on: datetime.date | None
) -> Errors:
    errors: Errors = {}
    today = timezone.localdate()
    if taken_on > today:
        _add(errors, "taken_on", _("The date cannot be in the future."))
    if taken_on < case.raised_on:
        _add(errors, "taken_on", _("An action cannot be dated before the case was raised."))
    if outcome_on is not None:
        if not outcome:
            _add(errors, "outcome", _("Write down the outcome, or leave its date empty."))
        if outcome_on > today:
            _add(errors, "outcome_on", _("The date cannot be in the future."))
        if outcome_on < taken_on:
            _add(errors, "outcome_on", _("The outcome cannot be dated before the action."))
    elif outcome:
        _add(errors, "outcome_on", _("Give the date of the outcome."))
    return errors


@transaction.atomic
def reprisal_action_add(
    *,
    actor: User,
    case: ReprisalCase,
    kind: str,
    taken_on: datetime.date,
    note: str = "",
    outcome: str = "",
    outcome_on: datetime.date | None = None,
) -> ReprisalAction:
    """Record what the NPM did about a case (coordinators), with its outcome if already known."""
    if not can(actor, "reprisals.manage"):
        raise PermissionDenied
    note, outcome = note.strip(), outcome.strip()
    errors = _action_errors(case=case, taken_on=taken_on, outcome=outcome, outcome_on=outcome_on)
    if kind not in ReprisalAction.Kind.values:
        _add(errors, "kind", _("Choose what was done."))
    if errors:
        raise ValidationError(errors)
    action = ReprisalAction.objects.create(
        case=case,
        kind=kind,
        taken_on=taken_on,
        note=note,
        outcome=outcome,
        outcome_on=outcome_on,
        author=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=action,
        changes={
            **snapshot(action, ACTION_AUDITED),
            "confidential_fields_set": [name for name in ("note", "outcome") if getattr(action, name)],
        },
    )
    return action


@transaction.atomic
def reprisal_action_outcome(
    *, actor: User, action: ReprisalAction, outcome: str, outcome_on: datetime.date | None
) -> ReprisalAction:
    """Record (or correct) what came of an action. Coordinators only; both fields are needed."""
    if not can(actor, "reprisals.manage"):
        raise PermissionDenied
    current = ReprisalAction.objects.select_for_update().select_related("case").get(pk=action.pk)
    outcome = outcome.strip()
    errors = _action_errors(
        case=current.case, taken_on=current.taken_on, outcome=outcome, outcome_on=outcome_on
    )
    if not outcome:
        errors.pop("outcome", None)
        _add(errors, "outcome", _("Write down the outcome."))
    if errors:
        raise ValidationError(errors)
    current.outcome, current.outcome_on = outcome, outcome_on
    current.save(update_fields=["outcome", "outcome_on"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=current,
        changes={"outcome_on": str(outcome_on), "confidential_fields_set": ["outcome"]},
    )
    return current


def _check_errors(*, case: ReprisalCase, visit: Visit, checked_on: datetime.date, outcome: str) -> Errors:
    errors: Errors = {}
    if case.state == ReprisalCase.State.CLOSED:
        _add(errors, "__all__", _("This case is closed; it takes no more checks."))
    if visit.started_on >= case.raised_on and not case.checkable_at(visit.facility_id, visit.started_on):
        _add(errors, "visit", _("Only a visit to a place that held the person then can check on them."))
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
    current = (
        ReprisalCase.objects.select_for_update(of=("self",))
        .select_related("interview", "person")
        .prefetch_related("person__locations")
        .get(pk=case.pk)
    )
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


def person_read(
    *, actor: User, person: ProtectedPerson, identity: bool, ip_address: str | None = None
) -> None:
    """Log that ``actor`` was shown a protected person's page (and whether its identity)."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.READ,
        obj=person,
        changes={"via": "reprisal_person", "identity_shown": identity},
        ip_address=ip_address,
    )
