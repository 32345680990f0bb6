"""Writes about organisations, persons, participation, eligibility and conflicts of interest.

Each function checks the actor may edit people, validates, writes atomically and audits the
change with before/after values. Views, API endpoints and commands all call these.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record, diff, sealed_mark, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.data import D, data_apply, data_values
from dozor.core.models import Authority, Language, Region
from dozor.core.revisions import revision_check, revision_claim
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


@dataclass(frozen=True, kw_only=True)
class OrganisationData:
    """An organisation's own fields, for ``organisation_create`` and ``organisation_update``."""

    kind: str
    name_kk: str = ""
    name_ru: str = ""
    name_en: str = ""
    region: Region | None = None
    authority: Authority | None = None
    website: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, kw_only=True)
class PersonData:
    """A person's own fields, for ``person_create`` and ``person_update`` (their languages and
    expertise are passed beside it; the link to a user account is not set here)."""

    last_name: str
    first_name: str
    patronymic: str = ""
    gender: str = Person.Gender.UNDISCLOSED
    organisation: Organisation | None = None
    position: str = ""
    region: Region | None = None
    email: str = ""
    phone: str = ""
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class ParticipationData:
    """A term of NPM participation, for ``participation_create`` and ``participation_update``."""

    term_start: datetime.date
    term_end: datetime.date | None = None
    status: str = Participation.Status.CANDIDATE
    region: Region | None = None
    decision_ref: str = ""
    note: str = ""


Errors = dict[str, list[str]]


def _raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _stripped(data: D) -> D:
    """``data`` with surrounding blanks removed from its text (forms strip, other callers may not)."""
    values = data_values(data)
    return replace(data, **{k: v.strip() for k, v in values.items() if isinstance(v, str)})


def _today() -> datetime.date:
    return timezone.localdate()


# Organisations ---------------------------------------------------------------------------------


def _check_organisation(organisation: Organisation) -> None:
    organisation.clean()  # its own messages first, without the generic ones for the same fields
    organisation.full_clean()


@transaction.atomic
def organisation_create(*, actor: User, data: OrganisationData) -> Organisation:
    require(actor, "people.edit")
    organisation = Organisation(**data_values(_stripped(data)))
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
def organisation_update(*, actor: User, organisation: Organisation, data: OrganisationData) -> Organisation:
    """Change an organisation to ``data``; returns it as saved (read again under a row lock: the
    audit compares the database row with ``data``, whatever the caller's instance holds)."""
    require(actor, "people.edit")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = snapshot(organisation)
    changed = data_apply(organisation, _stripped(data))
    search_text = organisation.build_search_text()
    if search_text != organisation.search_text:
        organisation.search_text = search_text
        changed.append("search_text")
    _check_organisation(organisation)
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
    person.clean()  # its own messages first, without the generic ones for the same fields
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
    data: PersonData,
    languages: list[Language] | None = None,
    expertise: list[Expertise] | None = None,
) -> Person:
    require(actor, "people.edit")
    person = Person(**data_values(_stripped(data)))
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
    data: PersonData,
    languages: list[Language] | None = None,
    expertise: list[Expertise] | None = None,
    base_revision: int | None = None,
) -> Person:
    """Change the person to ``data``; ``None`` for languages or expertise leaves that list as it
    is. Returns the person as saved (read again under a row lock, as ``organisation_update``).
    ``base_revision`` is the revision the editor loaded: a person saved by somebody else since
    raises ``StaleRevision`` and changes nothing."""
    require(actor, "people.edit")
    person = Person.objects.select_for_update().get(pk=person.pk)
    revision_check(person, base_revision=base_revision)
    before = _person_snapshot(person)
    changed = data_apply(person, _stripped(data))
    search_text = person.build_search_text()
    if search_text != person.search_text:
        person.search_text = search_text
        changed.append("search_text")
    _check_person(person)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    if languages is not None:
        person.languages.set(languages)
    if expertise is not None:
        person.expertise.set(expertise)
    changes = _without_timestamps(diff(before, _person_snapshot(person)))
    if changes:
        revision_claim(person, base_revision=base_revision)
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=person, changes=changes)
    return person


def _without_timestamps(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in changes.items() if k not in {"created_at", "updated_at"}}


# Participation ---------------------------------------------------------------------------------


def _check_participation(participation: Participation, *, activating: bool) -> None:
    participation.clean()  # its own messages first, without the generic ones for the same fields
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
    data: ParticipationData,
) -> Participation:
    require(actor, "people.edit")
    participation = Participation(person=person, **data_values(_stripped(data)))
    _check_participation(participation, activating=participation.status == Participation.Status.ACTIVE)
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
    *, actor: User, participation: Participation, data: ParticipationData
) -> Participation:
    """Change a term to ``data``. Moving it to "active" is refused unless the person is eligible
    today. Returns the term as saved (read again under a row lock, as ``organisation_update``)."""
    require(actor, "people.edit")
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    before = snapshot(participation)
    was_active = participation.status == Participation.Status.ACTIVE
    changed = data_apply(participation, _stripped(data))
    activating = not was_active and participation.status == Participation.Status.ACTIVE
    _check_participation(participation, activating=activating)
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


def _answer_mark(person: Person, rule: EligibilityRule, answer: bool | None) -> str:
    """An eligibility answer as the audit log keeps it: a fingerprint that shows a change, never
    the answer itself (it is kept encrypted; docs/decisions/0022)."""
    if answer is None:
        return ""
    return sealed_mark(
        f"people.eligibilitydeclaration.answer#{person.pk}:{rule.code}", "yes" if answer else "no"
    )


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
                "answer": _answer_mark(person, rule, declaration.answer),
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
        after[rule.code] = {
            "answer": _answer_mark(person, rule, answer),
            "declared_on": declared_on.isoformat(),
        }
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
