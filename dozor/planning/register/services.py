"""Writes of the register of deaths and serious incidents in custody: what is known of the State's
response (relatives informed, investigation) and what the NPM did about it. Each function checks
``planning.manage``, validates everything before writing, writes atomically and audits (encrypted
notes as fingerprints only)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.revisions import revision_check, revision_claim
from dozor.planning.models import Incident, IncidentAction, Investigation, Known, LearnedFrom

TEXT_MAX = 4000


@dataclass(frozen=True)
class RegisterData:
    """The register's facts about one incident, as an editor gives them."""

    serious: bool
    learned_on: datetime.date | None
    learned_from: str
    relatives_informed: str
    relatives_informed_on: datetime.date | None
    investigation: str
    investigating_body: str
    case_reference: str
    closed_on: datetime.date | None


def _check(incident: Incident, data: RegisterData) -> dict[str, list[str]]:
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}

    def date_check(name: str, value: datetime.date | None) -> None:
        if value is None:
            return
        if value > today:
            errors[name] = [_("The date is in the future.")]
        elif value < incident.occurred_on:
            errors[name] = [_("The date is before the incident.")]

    date_check("learned_on", data.learned_on)
    date_check("relatives_informed_on", data.relatives_informed_on)
    date_check("closed_on", data.closed_on)
    if data.learned_from and data.learned_from not in LearnedFrom.values:
        errors["learned_from"] = [_("Choose how the NPM learned of it.")]
    if data.relatives_informed not in Known.values:
        errors["relatives_informed"] = [_("Choose whether the relatives were informed.")]
    elif data.relatives_informed_on is not None and data.relatives_informed != Known.YES:
        errors["relatives_informed_on"] = [_("Give a date only when the relatives were informed.")]
    if data.investigation not in Investigation.values:
        errors["investigation"] = [_("Choose where the investigation stands.")]
    if len(data.investigating_body) > 200:
        errors["investigating_body"] = [_("Keep it under 200 characters.")]
    if len(data.case_reference) > 100:
        errors["case_reference"] = [_("Keep it under 100 characters.")]
    if not data.serious and incident.kind != Incident.Kind.DEATH and incident.actions.exists():
        errors["serious"] = [_("The NPM has followed it up: it stays in the register.")]
    return errors


@transaction.atomic
def incident_register_update(
    *, actor: User, incident: Incident, data: RegisterData, base_revision: int | None = None
) -> Incident:
    """Record what is known of the State's response and whether the NPM's follow-up is closed. A
    death is always in the register (``serious`` is kept true for it)."""
    staff = require(actor, "planning.manage")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    revision_check(incident, base_revision=base_revision)
    data = RegisterData(
        serious=data.serious or incident.kind == Incident.Kind.DEATH,
        learned_on=data.learned_on,
        learned_from=data.learned_from or "",
        relatives_informed=data.relatives_informed or Known.UNKNOWN,
        relatives_informed_on=data.relatives_informed_on,
        investigation=data.investigation or Investigation.UNKNOWN,
        investigating_body=(data.investigating_body or "").strip(),
        case_reference=(data.case_reference or "").strip(),
        closed_on=data.closed_on,
    )
    errors = _check(incident, data)
    if errors:
        raise ValidationError(errors)
    before = snapshot(incident)
    for name, value in vars(data).items():
        setattr(incident, name, value)
    incident.save()
    changes = diff(before, snapshot(incident))
    if changes:
        revision_claim(incident, base_revision=base_revision)
        audit_record(actor=staff, action=AuditEvent.Action.UPDATE, obj=incident, changes=changes)
    return incident


@transaction.atomic
def incident_action_add(
    *,
    actor: User,
    incident: Incident,
    kind: str,
    taken_on: datetime.date | None,
    note: str = "",
    outcome: str = "",
) -> IncidentAction:
    """Record an action of the NPM about a register entry (a death, or an incident marked
    serious, which this marks serious if it was not)."""
    staff = require(actor, "planning.manage")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    note, outcome = (note or "").strip(), (outcome or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in IncidentAction.Kind.values:
        errors["kind"] = [_("Choose the action.")]
    if taken_on is None:
        errors["taken_on"] = [_("Give the date of the action.")]
    elif taken_on > timezone.localdate():
        errors["taken_on"] = [_("The date is in the future.")]
    elif taken_on < incident.occurred_on:
        errors["taken_on"] = [_("The date is before the incident.")]
    if len(note) > TEXT_MAX:
        errors["note"] = [_("Keep it under 4000 characters.")]
    if len(outcome) > TEXT_MAX:
        errors["outcome"] = [_("Keep it under 4000 characters.")]
    if errors:
        raise ValidationError(errors)
    assert taken_on is not None
    if not incident.serious:
        before = snapshot(incident)
        incident.serious = True
        incident.save(update_fields=["serious"])
        revision_claim(incident, base_revision=None)
        audit_record(
            actor=staff,
            action=AuditEvent.Action.UPDATE,
            obj=incident,
            changes=diff(before, snapshot(incident)),
        )
    action = IncidentAction.objects.create(
        incident=incident, kind=kind, taken_on=taken_on, note=note, outcome=outcome, recorded_by=staff
    )
    audit_record(actor=staff, action=AuditEvent.Action.CREATE, obj=action, changes=diff({}, snapshot(action)))
    return action
