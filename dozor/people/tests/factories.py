from __future__ import annotations

import datetime
from typing import Any

import factory

from dozor.core.models import Language, Region
from dozor.people.models import (
    ConflictOfInterest,
    EligibilityDeclaration,
    EligibilityRule,
    Expertise,
    Organisation,
    Participation,
    Person,
)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name_ru = factory.Sequence(lambda n: f"Тестовая организация № {n}")
    name_en = factory.Sequence(lambda n: f"Test organisation No. {n}")
    kind = Organisation.Kind.NGO
    region = factory.LazyFunction(lambda: Region.objects.get(code="KGD"))

    @factory.post_generation
    def search(obj: Organisation, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.search_text = obj.build_search_text()
        if create:
            obj.save(update_fields=["search_text"])


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    last_name = factory.Sequence(lambda n: f"Testova{n}")
    first_name = "Aigerim"
    gender = Person.Gender.FEMALE
    organisation = factory.SubFactory(OrganisationFactory)
    region = factory.LazyFunction(lambda: Region.objects.get(code="KGD"))
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    phone = "+7 700 000 00 00"

    @factory.post_generation
    def search(obj: Person, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.search_text = obj.build_search_text()
        if create:
            obj.save(update_fields=["search_text"])

    @factory.post_generation
    def expertise(obj: Person, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.expertise.set(Expertise.objects.filter(code__in=extracted))

    @factory.post_generation
    def languages(obj: Person, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.languages.set(Language.objects.filter(code__in=extracted))


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    person = factory.SubFactory(PersonFactory)
    term_start = datetime.date(2025, 1, 1)
    status = Participation.Status.CANDIDATE


class ConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictOfInterest

    person = factory.SubFactory(PersonFactory)
    reason = "Brother works in the colony administration"
    declared_on = datetime.date(2025, 1, 10)


def declare_all(person: Person, *, yes: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> None:
    """Record answers to every rule in force: "no" except the codes in ``yes``; none for ``skip``."""
    for rule in EligibilityRule.objects.filter(is_active=True):
        if rule.code in skip:
            continue
        EligibilityDeclaration.objects.create(
            person=person, rule=rule, answer=rule.code in yes, declared_on=datetime.date(2025, 1, 5)
        )


def eligible_person(**kwargs: Any) -> Person:
    person = PersonFactory(**kwargs)
    declare_all(person)
    return person
