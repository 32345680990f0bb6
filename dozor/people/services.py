"""Writes about organisations, persons, participation, eligibility and conflicts of interest.

Each function checks the actor may edit people, validates, writes atomically and audits the
change with before/after values. Views, API endpoints and commands all call these.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.models import Authority, Language, Region
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility
from dozor.people.eligibility import evaluate_eligibility
from dozor.people.models import (
    ConflictOfInterest,
    EligibilityDeclaration,
    EligibilityRule,
    Expertise,
    Organisation,
    Participation,
    Person,
)

ORGANISATION_FIELDS = [
    "name_kk",
    "name_ru",
    "name_en",
    "kind",
    "region",
    "authority",
    "website",
    "email",
    "phone",
]
PERSON_FIELDS = [
    "last_name",
    "first_name",
    "patronymic",
    "gender",
    "organisation",
    "position",
    "region",
    "email",
    "phone",
    "user",
    "notes",
]
PARTICIPATION_FIELDS = ["term_start", "term_end", "status", "region", "decision_ref", "note"]

Errors = dict[str, list[str]]


def _raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _strip(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


def _assign(obj: models.Model, values: Mapping[str, Any], allowed: list[str]) -> list[str]:
    """Set the allowed fields that differ; return the names of those that changed."""
    changed = []
    for name, value in _strip(values).items():
        if name in allowed and getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _today() -> datetime.date:
    return timezone.localdate()


# Organisations ---------------------------------------------------------------------------------


def _check_organisation(organisation: Organisation) -> None:
    errors: Errors = {}
    if not (organisation.name_kk or organisation.name_ru or organisation.name_en):
        errors.setdefault("name_ru", []).append(_("Give the name in at least one language."))
    if organisation.authority_id and organisation.kind != Organisation.Kind.MINISTRY:
        errors.setdefault("authority", []).append(
            _("Only a ministry or state body is linked to a state authority.")
        )
    _raise_if(errors)
    organisation.full_clean()


@transaction.atomic
def organisation_create(*, actor: User, values: Mapping[str, Any]) -> Organisation:
    require(actor, "people.edit")
    organisation = Organisation()
    _assign(organisation, values, ORGANISATION_FIELDS)
    organisation.search_text = organisation.build_search_text()
    _check_organisation(organisation)
    organisation.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=organisation,
        changes=diff({}, snapshot(organisation)),
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, values: Mapping[str, Any]
) -> Organisation:
    require(actor, "people.edit")
    before = snapshot(organisation)
    changed = _assign(organisation, values, ORGANISATION_FIELDS)
    search_text = organisation.build_search_text()
    if search_text != organisation.search_text:
        organisation.search_text = search_text
        changed.append("search_text")
    try:
        _check_organisation(organisation)
    except ValidationError:
        organisation.refresh_from_db()  # leave the caller's object as it is in the database
        raise
    if changed:
        organisation.save(update_fields=changed)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=organisation,
            changes=diff(before, snapshot(organisation)),
        )
    return organisation


# Persons ---------------------------------------------------------------------------------------


def _check_person(person: Person) -> None:
    errors: Errors = {}
    if not person.last_name:
        errors.setdefault("last_name", []).append(_("Give the last name."))
    if not person.first_name:
        errors.setdefault("first_name", []).append(_("Give the first name."))
    _raise_if(errors)
    person.full_clean(exclude=["languages", "expertise"])


def _person_snapshot(person: Person) -> dict[str, Any]:
    return snapshot(person) | {
        "languages": sorted(person.languages.values_list("code", flat=True)),
        "expertise": sorted(person.expertise.values_list("code", flat=True)),
    }


@transaction.atomic
def person_create(
    *,
    actor: User,
    values: Mapping[str, Any],
    languages: list[Language] | None = None,
    expertise: list[Expertise] | None = None,
) -> Person:
    require(actor, "people.edit")
    person = Person()
    _assign(person, values, PERSON_FIELDS)
    person.search_text = person.build_search_text()
    _check_person(person)
    person.save()
    person.languages.set(languages or [])
    person.expertise.set(expertise or [])
    after = _person_snapshot(person)
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=person, changes=_without_timestamps(diff({}, after))
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor: User,
    person: Person,
    values: Mapping[str, Any],
    languages: list[Language] | None = None,
    expertise: list[Expertise] | None = None,
) -> Person:
    """Change the person; ``None`` for languages or expertise leaves that list as it is."""
    require(actor, "people.edit")
    before = _person_snapshot(person)
    changed = _assign(person, values, PERSON_FIELDS)
    search_text = person.build_search_text()
    if search_text != person.search_text:
        person.search_text = search_text
        changed.append("search_text")
    try:
        _check_person(person)
    except ValidationError:
        person.refresh_from_db()
        raise
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    if languages is not None:
        person.languages.set(languages)
    if expertise is not None:
        person.expertise.set(expertise)
    changes = _without_timestamps(diff(before, _person_snapshot(person)))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=person, changes=changes)
    return person


def _without_timestamps(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in changes.items() if k not in {"created_at", "updated_at"}}


# Participation ---------------------------------------------------------------------------------


def _check_participation(participation: Participation, *, activating: bool) -> None:
    errors: Errors = {}
    start, end = participation.term_start, participation.term_end
    if start is None:
        errors.setdefault("term_start", []).append(_("Give the date the term starts."))
    if start and end and end < start:
        errors.setdefault("term_end", []).append(_("The term cannot end before it starts."))
    if participation.status == Participation.Status.ENDED and end is None:
        errors.setdefault("term_end", []).append(_("An ended participation needs the date the term ended."))
    if participation.status not in Participation.Status.values:
        errors.setdefault("status", []).append(_("Choose a valid status."))
    _raise_if(errors)
    if participation.status == Participation.Status.ACTIVE:
        _check_no_overlapping_active_term(participation)
    if activating:
        _check_eligible(participation.person)
    participation.full_clean()


def _check_no_overlapping_active_term(participation: Participation) -> None:
    others = Participation.objects.filter(
        person_id=participation.person_id, status=Participation.Status.ACTIVE
    )
    if participation.pk:
        others = others.exclude(pk=participation.pk)
    others = others.filter(models.Q(term_end__isnull=True) | models.Q(term_end__gte=participation.term_start))
    if participation.term_end is not None:
        others = others.filter(term_start__lte=participation.term_end)
    if others.exists():
        raise ValidationError(
            {"status": [_("The person already has an active term overlapping these dates.")]}
        )


def _check_eligible(person: Person) -> None:
    result = evaluate_eligibility(person)
    if result.status == "excluded":
        reasons = ", ".join(rule.name for rule in result.excluded_by)
        message = _("This person cannot be made active: excluded by the rules (%(reasons)s).") % {
            "reasons": reasons
        }
    elif result.status == "incomplete":
        message = ngettext(
            "This person cannot be made active: %(count)d eligibility question is not answered yet.",
            "This person cannot be made active: %(count)d eligibility questions are not answered yet.",
            len(result.missing),
        ) % {"count": len(result.missing)}
    else:
        return
    raise ValidationError({"status": [message]})


@transaction.atomic
def participation_create(
    *,
    actor: User,
    person: Person,
    term_start: datetime.date,
    term_end: datetime.date | None = None,
    status: str = Participation.Status.CANDIDATE,
    region: Region | None = None,
    decision_ref: str = "",
    note: str = "",
) -> Participation:
    require(actor, "people.edit")
    participation = Participation(
        person=person,
        term_start=term_start,
        term_end=term_end,
        status=status,
        region=region,
        decision_ref=decision_ref.strip(),
        note=note.strip(),
    )
    _check_participation(participation, activating=status == Participation.Status.ACTIVE)
    participation.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=participation,
        changes=diff({}, snapshot(participation)),
    )
    return participation


@transaction.atomic
def participation_update(
    *, actor: User, participation: Participation, values: Mapping[str, Any]
) -> Participation:
    """Change a term. Moving it to "active" is refused unless the person is eligible today."""
    require(actor, "people.edit")
    before = snapshot(participation)
    was_active = participation.status == Participation.Status.ACTIVE
    changed = _assign(participation, values, PARTICIPATION_FIELDS)
    activating = not was_active and participation.status == Participation.Status.ACTIVE
    try:
        _check_participation(participation, activating=activating)
    except ValidationError:
        participation.refresh_from_db()  # leave the caller's object as it is in the database
        raise
    if changed:
        participation.save(update_fields=changed)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=participation,
            changes=diff(before, snapshot(participation)),
        )
    return participation


# Eligibility declarations ----------------------------------------------------------------------


@transaction.atomic
def eligibility_declare(
    *,
    actor: User,
    person: Person,
    answers: Mapping[EligibilityRule, bool],
    declared_on: datetime.date,
) -> list[EligibilityDeclaration]:
    """Record the person's answers, dated, one per rule in force (a new answer replaces the old).

    Every rule in force must be answered: a partial declaration would look complete later.
    """
    require(actor, "people.edit")
    rules = list(EligibilityRule.objects.filter(is_active=True).order_by("sort_order", "code"))
    errors: Errors = {}
    if declared_on is None or declared_on > _today():
        errors.setdefault("declared_on", []).append(_("The declaration date cannot be in the future."))
    active_ids = {rule.pk for rule in rules}
    if any(rule.pk not in active_ids for rule in answers):
        errors.setdefault(NON_FIELD_ERRORS, []).append(_("Some answers are to rules no longer in force."))
    unanswered = [rule for rule in rules if not isinstance(answers.get(rule), bool)]
    if unanswered:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("Answer every question (unanswered: %(rules)s).")
            % {"rules": ", ".join(r.name for r in unanswered)}
        )
    _raise_if(errors)

    existing = {d.rule_id: d for d in EligibilityDeclaration.objects.filter(person=person, rule__in=rules)}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    result = []
    for rule in rules:
        answer = answers[rule]
        declaration = existing.get(rule.pk)
        if declaration is not None:
            before[rule.code] = {
                "answer": declaration.answer,
                "declared_on": declaration.declared_on.isoformat(),
            }
            if (declaration.answer, declaration.declared_on) != (answer, declared_on):
                declaration.answer = answer
                declaration.declared_on = declared_on
                declaration.recorded_by = actor
                declaration.save(update_fields=["answer", "declared_on", "recorded_by"])
        else:
            declaration = EligibilityDeclaration.objects.create(
                person=person, rule=rule, answer=answer, declared_on=declared_on, recorded_by=actor
            )
        after[rule.code] = {"answer": answer, "declared_on": declared_on.isoformat()}
        result.append(declaration)
    changes = diff(before, after)
    if changes:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=person,
            object_type=EligibilityDeclaration._meta.label_lower,
            changes=changes,
        )
    return result


# Conflicts of interest -------------------------------------------------------------------------


@transaction.atomic
def conflict_create(
    *,
    actor: User,
    person: Person,
    reason: str,
    declared_on: datetime.date,
    authority: Authority | None = None,
    facility: Facility | None = None,
) -> ConflictOfInterest:
    require(actor, "people.edit")
    reason = (reason or "").strip()
    errors: Errors = {}
    if authority is None and facility is None:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("Choose the authority or the facility the person must not visit.")
        )
    if authority is not None and facility is not None:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("Choose either an authority or a facility, not both.")
        )
    if facility is not None and not facilities_visible_to(actor).filter(pk=facility.pk).exists():
        errors.setdefault("facility", []).append(_("Choose a facility from the list."))
    if not reason:
        errors.setdefault("reason", []).append(_("Give the reason for the conflict of interest."))
    if declared_on is None or declared_on > _today():
        errors.setdefault("declared_on", []).append(_("The declaration date cannot be in the future."))
    _raise_if(errors)
    conflict = ConflictOfInterest(
        person=person, authority=authority, facility=facility, reason=reason, declared_on=declared_on
    )
    conflict.full_clean()
    conflict.save()
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=conflict, changes=diff({}, snapshot(conflict))
    )
    return conflict


@transaction.atomic
def conflict_end(*, actor: User, conflict: ConflictOfInterest, ended_on: datetime.date) -> ConflictOfInterest:
    """Record the date from which the conflict no longer applies (the record is kept)."""
    require(actor, "people.edit")
    errors: Errors = {}
    if conflict.ended_on is not None:
        errors.setdefault("ended_on", []).append(_("This conflict of interest has already ended."))
    elif ended_on is None:
        errors.setdefault("ended_on", []).append(
            _("Give the date from which the conflict no longer applies.")
        )
    elif ended_on < conflict.declared_on:
        errors.setdefault("ended_on", []).append(_("The end date cannot be before the date it was declared."))
    _raise_if(errors)
    before = snapshot(conflict)
    conflict.ended_on = ended_on
    conflict.save(update_fields=["ended_on"])
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=conflict, changes=diff(before, snapshot(conflict))
    )
    return conflict
