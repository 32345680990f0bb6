from __future__ import annotations

import datetime
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dozor.accounts.models import AuditEvent
from dozor.core.data import data_of
from dozor.core.models import Authority, Language, Region
from dozor.facilities.tests.factories import FacilityFactory
from dozor.people import services
from dozor.people.models import (
    ConflictOfInterest,
    EligibilityDeclaration,
    EligibilityRule,
    Expertise,
    Organisation,
    Participation,
    Person,
)
from dozor.people.services import OrganisationData, ParticipationData, PersonData
from dozor.people.tests.factories import (
    ConflictFactory,
    OrganisationFactory,
    ParticipationFactory,
    PersonFactory,
    declare_all,
    eligible_person,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 2, 1)


def events(action: str, object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_type=object_type))


# Organisations


def test_it_creates_an_organisation_with_search_text_and_audit(coordinator):
    organisation = services.organisation_create(
        actor=coordinator,
        data=OrganisationData(name_ru="Хартия ", name_en="Charter NGO", kind=Organisation.Kind.NGO),
    )

    assert organisation.name_ru == "Хартия"
    assert organisation.search_text == "хартия | charter ngo"
    [event] = events(AuditEvent.Action.CREATE, "people.organisation")
    assert event.changes["name_en"] == {"before": None, "after": "Charter NGO"}


def test_it_refuses_an_organisation_without_a_name(coordinator):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(actor=coordinator, data=OrganisationData(kind=Organisation.Kind.NGO))

    assert "Give the name in at least one language." in exc.value.message_dict["name_ru"]
    assert not Organisation.objects.exists()


def test_it_updates_an_organisation_and_audits_only_the_change(coordinator):
    organisation = OrganisationFactory(name_en="Old name")

    services.organisation_update(
        actor=coordinator,
        organisation=organisation,
        data=replace(data_of(OrganisationData, organisation), name_en="New name"),
    )

    organisation.refresh_from_db()
    assert "new name" in organisation.search_text
    [event] = events(AuditEvent.Action.UPDATE, "people.organisation")
    assert event.changes["name_en"] == {"before": "Old name", "after": "New name"}
    assert set(event.changes) == {"name_en", "search_text"}


def test_it_does_not_audit_an_update_that_changes_nothing(coordinator):
    organisation = OrganisationFactory()

    services.organisation_update(
        actor=coordinator, organisation=organisation, data=data_of(OrganisationData, organisation)
    )

    assert not events(AuditEvent.Action.UPDATE, "people.organisation")


@pytest.mark.parametrize("persona", ["monitor", "council", "trainer", "liaison"])
def test_it_lets_only_coordinators_write(persona, request):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.organisation_create(
            actor=actor, data=OrganisationData(name_en="X", kind=Organisation.Kind.NGO)
        )
    with pytest.raises(PermissionDenied):
        services.person_create(actor=actor, data=PersonData(last_name="X", first_name="Y"))


# Persons


def test_it_creates_a_person_with_languages_and_expertise(coordinator):
    person = services.person_create(
        actor=coordinator,
        data=PersonData(last_name="Абенова", first_name="Dana", email="dana@example.org", gender="female"),
        languages=list(Language.objects.filter(code__in=["kk", "ru"])),
        expertise=list(Expertise.objects.filter(code="lawyer")),
    )

    assert person.search_text == "абенова | dana"
    assert sorted(person.languages.values_list("code", flat=True)) == ["kk", "ru"]
    [event] = events(AuditEvent.Action.CREATE, "people.person")
    assert event.changes["expertise"] == {"before": None, "after": ["lawyer"]}
    assert "updated_at" not in event.changes


def test_it_audits_expertise_changes_on_update(coordinator):
    person = PersonFactory(expertise=["lawyer"])

    services.person_update(
        actor=coordinator,
        person=person,
        data=data_of(PersonData, person),
        expertise=list(Expertise.objects.filter(code="doctor")),
    )

    [event] = events(AuditEvent.Action.UPDATE, "people.person")
    assert event.changes == {"expertise": {"before": ["lawyer"], "after": ["doctor"]}}


def test_it_refuses_a_person_without_names_and_keeps_the_record(coordinator):
    person = PersonFactory(last_name="Kept")

    with pytest.raises(ValidationError) as exc:
        services.person_update(
            actor=coordinator,
            person=person,
            data=replace(data_of(PersonData, person), last_name=" ", email="bad"),
        )

    assert "Give the last name." in exc.value.message_dict["last_name"]
    assert person.last_name == "Kept"
    assert Person.objects.get(pk=person.pk).last_name == "Kept"
    assert not events(AuditEvent.Action.UPDATE, "people.person")


# Participation


def test_it_creates_a_candidate_without_checking_eligibility(coordinator):
    person = PersonFactory()

    participation = services.participation_create(
        actor=coordinator, person=person, data=ParticipationData(term_start=START)
    )

    assert participation.status == Participation.Status.CANDIDATE
    assert events(AuditEvent.Action.CREATE, "people.participation")


def test_it_activates_an_eligible_person(coordinator):
    person = eligible_person()
    participation = ParticipationFactory(person=person)

    services.participation_update(
        actor=coordinator,
        participation=participation,
        data=replace(data_of(ParticipationData, participation), status=Participation.Status.ACTIVE),
    )

    participation.refresh_from_db()
    assert participation.status == Participation.Status.ACTIVE
    [event] = events(AuditEvent.Action.UPDATE, "people.participation")
    assert event.changes["status"] == {"before": "candidate", "after": "active"}


def test_it_refuses_to_activate_an_excluded_person_and_changes_nothing(coordinator):
    person = PersonFactory()
    declare_all(person, yes=("judge",))
    participation = ParticipationFactory(person=person)

    with pytest.raises(ValidationError) as exc:
        services.participation_update(
            actor=coordinator,
            participation=participation,
            data=replace(data_of(ParticipationData, participation), status=Participation.Status.ACTIVE),
        )

    assert (
        "cannot be made active: excluded by the rules (Serving judge)" in exc.value.message_dict["status"][0]
    )
    assert participation.status == Participation.Status.CANDIDATE
    participation.refresh_from_db()
    assert participation.status == Participation.Status.CANDIDATE
    assert not events(AuditEvent.Action.UPDATE, "people.participation")


def test_it_refuses_to_create_an_active_term_for_an_incomplete_person(coordinator):
    person = PersonFactory()
    declare_all(person, skip=("advocate",))

    with pytest.raises(ValidationError) as exc:
        services.participation_create(
            actor=coordinator,
            person=person,
            data=ParticipationData(term_start=START, status=Participation.Status.ACTIVE),
        )

    assert "1 eligibility question is not answered yet" in exc.value.message_dict["status"][0]
    assert not Participation.objects.filter(person=person).exists()


def test_it_refuses_a_term_that_ends_before_it_starts(coordinator):
    person = PersonFactory()

    with pytest.raises(ValidationError) as exc:
        services.participation_create(
            actor=coordinator,
            person=person,
            data=ParticipationData(term_start=START, term_end=START - datetime.timedelta(days=1)),
        )

    assert exc.value.message_dict["term_end"] == ["The term cannot end before it starts."]
    assert not Participation.objects.exists()


def test_it_refuses_two_overlapping_active_terms(coordinator):
    person = eligible_person()
    ParticipationFactory(person=person, status=Participation.Status.ACTIVE, term_start=START)

    with pytest.raises(ValidationError) as exc:
        services.participation_create(
            actor=coordinator,
            person=person,
            data=ParticipationData(term_start=START.replace(year=2026), status=Participation.Status.ACTIVE),
        )

    assert "overlapping" in exc.value.message_dict["status"][0]


def test_it_lets_an_active_term_be_edited_without_rechecking_eligibility(coordinator):
    """Eligibility gates activation; an already active term can still be ended or annotated."""
    person = PersonFactory()
    participation = ParticipationFactory(person=person, status=Participation.Status.ACTIVE)
    declare_all(person, yes=("judge",))

    services.participation_update(
        actor=coordinator,
        participation=participation,
        data=replace(
            data_of(ParticipationData, participation), status=Participation.Status.ENDED, term_end=START
        ),
    )

    participation.refresh_from_db()
    assert participation.status == Participation.Status.ENDED


# Eligibility declarations


def test_it_records_an_answer_to_every_rule(coordinator):
    person = PersonFactory()
    rules = list(EligibilityRule.objects.filter(is_active=True))
    answers = {rule: rule.code == "military" for rule in rules}

    declarations = services.eligibility_declare(
        actor=coordinator, person=person, answers=answers, declared_on=START
    )

    assert len(declarations) == len(rules)
    assert EligibilityDeclaration.objects.get(person=person, rule__code="military").answer is True
    [event] = events(AuditEvent.Action.UPDATE, "people.eligibilitydeclaration")
    # The audit log keeps a fingerprint of the answer, never the answer (docs/decisions/0022).
    after = event.changes["military"]["after"]
    assert after["declared_on"] == "2025-02-01"
    assert after["answer"].startswith("[encrypted ") and "True" not in after["answer"]


def test_it_replaces_earlier_answers_rather_than_adding_rows(coordinator):
    person = PersonFactory()
    declare_all(person, yes=("judge",))
    rules = list(EligibilityRule.objects.filter(is_active=True))

    services.eligibility_declare(
        actor=coordinator, person=person, answers=dict.fromkeys(rules, False), declared_on=START
    )

    assert EligibilityDeclaration.objects.filter(person=person).count() == len(rules)
    judge = EligibilityDeclaration.objects.get(person=person, rule__code="judge")
    assert (judge.answer, judge.declared_on, judge.recorded_by) == (False, START, coordinator)


def test_it_refuses_a_partial_declaration_and_records_nothing(coordinator):
    person = PersonFactory()
    rules = list(EligibilityRule.objects.filter(is_active=True).exclude(code="judge"))

    with pytest.raises(ValidationError) as exc:
        services.eligibility_declare(
            actor=coordinator, person=person, answers=dict.fromkeys(rules, False), declared_on=START
        )

    assert "Answer every question (unanswered: Serving judge)." in exc.value.messages
    assert not EligibilityDeclaration.objects.filter(person=person).exists()


def test_it_refuses_a_declaration_dated_in_the_future(coordinator):
    person = PersonFactory()
    rules = list(EligibilityRule.objects.filter(is_active=True))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as exc:
        services.eligibility_declare(
            actor=coordinator, person=person, answers=dict.fromkeys(rules, False), declared_on=tomorrow
        )

    assert "declared_on" in exc.value.message_dict


# Conflicts of interest


def test_it_records_a_conflict_with_an_authority(coordinator):
    person = PersonFactory()
    kuis = Authority.objects.get(code="KUIS")

    conflict = services.conflict_create(
        actor=coordinator, person=person, authority=kuis, reason="Former prison officer", declared_on=START
    )

    assert conflict.authority == kuis
    assert events(AuditEvent.Action.CREATE, "people.conflictofinterest")


def test_it_records_a_conflict_with_a_facility(coordinator):
    facility = FacilityFactory()

    conflict = services.conflict_create(
        actor=coordinator,
        person=PersonFactory(),
        facility=facility,
        reason="Cousin detained",
        declared_on=START,
    )

    assert conflict.facility == facility


def test_it_refuses_a_conflict_with_neither_authority_nor_facility(coordinator):
    with pytest.raises(ValidationError) as exc:
        services.conflict_create(
            actor=coordinator, person=PersonFactory(), reason="Something", declared_on=START
        )

    assert "Choose the authority or the facility the person must not visit." in exc.value.messages
    assert not ConflictOfInterest.objects.exists()


def test_it_refuses_a_conflict_with_both_targets(coordinator):
    with pytest.raises(ValidationError):
        services.conflict_create(
            actor=coordinator,
            person=PersonFactory(),
            authority=Authority.objects.get(code="MZ"),
            facility=FacilityFactory(),
            reason="Both",
            declared_on=START,
        )
    assert not ConflictOfInterest.objects.exists()


def test_it_ends_a_conflict_and_keeps_the_record(coordinator):
    conflict = ConflictFactory(authority=Authority.objects.get(code="KUIS"))

    services.conflict_end(actor=coordinator, conflict=conflict, ended_on=START)

    conflict.refresh_from_db()
    assert conflict.ended_on == START
    [event] = events(AuditEvent.Action.UPDATE, "people.conflictofinterest")
    assert event.changes == {"ended_on": {"before": None, "after": "2025-02-01"}}


def test_it_refuses_to_end_a_conflict_before_it_was_declared(coordinator):
    conflict = ConflictFactory(authority=Authority.objects.get(code="KUIS"))

    with pytest.raises(ValidationError) as exc:
        services.conflict_end(actor=coordinator, conflict=conflict, ended_on=datetime.date(2024, 1, 1))

    assert "ended_on" in exc.value.message_dict
    conflict.refresh_from_db()
    assert conflict.ended_on is None


def test_it_keeps_emails_out_of_person_search_text(coordinator):
    """search_text holds names only: e-mails are private (see Person.build_search_text)."""
    person = services.person_create(
        actor=coordinator,
        data=PersonData(
            last_name="Ivanov",
            first_name="Ivan",
            email="secret@example.org",
            region=Region.objects.get(code="AST"),
        ),
    )
    assert "secret" not in person.search_text
