"""Test data for planning: a plan, planned visits and participants who satisfy the group rules."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory

from dozor.core.models import Language, Region, VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.people.models import Expertise, Participation, Person
from dozor.people.tests.factories import PersonFactory, declare_all
from dozor.planning.models import GroupMember, Plan, PlannedVisit
from dozor.training.models import Competency, CompetencyGrant

YEAR = 2027


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        skip_postgeneration_save = True

    year = YEAR
    title = factory.LazyAttribute(lambda o: f"Visit plan {o.year}")
    budget = Decimal("50000000")


def participant(
    *,
    region: str = "KGD",
    female: bool = False,
    expertise: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("kk", "ru"),
    competencies: tuple[str, ...] = (),
    user: Any = None,
    **kwargs: Any,
) -> Person:
    """An eligible, active NPM participant for the whole of YEAR, holding ``competencies``."""
    person = PersonFactory(
        region=Region.objects.get(code=region),
        gender=Person.Gender.FEMALE if female else Person.Gender.MALE,
        user=user,
        **kwargs,
    )
    declare_all(person)
    Participation.objects.create(
        person=person,
        term_start=datetime.date(YEAR - 1, 1, 1),
        term_end=datetime.date(YEAR + 1, 12, 31),
        status=Participation.Status.ACTIVE,
        region=person.region,
    )
    person.languages.set(Language.objects.filter(code__in=languages))
    person.expertise.set(Expertise.objects.filter(code__in=expertise))
    for code in competencies:
        CompetencyGrant.objects.create(
            person=person,
            competency=Competency.objects.get(code=code),
            granted_on=datetime.date(YEAR - 1, 6, 1),
            valid_until=datetime.date(YEAR + 2, 6, 1),
        )
    return person


def planned_visit(
    plan: Plan,
    *,
    members: list[tuple[Person, str]] | None = None,
    announced: bool = False,
    starts_on: datetime.date = datetime.date(YEAR, 3, 10),
    ends_on: datetime.date | None = None,
    **kwargs: Any,
) -> PlannedVisit:
    """A planned visit written directly (no rule checks): for access and display tests."""
    facility = kwargs.pop("facility", None) or FacilityFactory()
    visit = PlannedVisit.objects.create(
        plan=plan,
        facility=facility,
        visit_type=VisitType.objects.get(code=kwargs.pop("visit_type", "periodic")),
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        announced=announced,
        **kwargs,
    )
    for person, role in members or []:
        GroupMember.objects.create(planned_visit=visit, person=person, role=role)
    return visit
