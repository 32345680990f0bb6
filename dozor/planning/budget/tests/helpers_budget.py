"""Helpers for the budget, cost and service tests: groups that satisfy the rules."""

from __future__ import annotations

import datetime

from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.people.models import Person
from dozor.planning.tests.factories import YEAR, participant

DAY = datetime.date(YEAR, 3, 10)

# the training competency each facility type used in the tests requires (packs/kz/competencies.yaml)
COMPETENCY = {
    "SIZO": "istanbul_protocol",
    "PSYCH_HOSPITAL": "monitoring_psychiatric",
    "IVS": "monitoring_police_custody",
}


def periodic() -> VisitType:
    return VisitType.objects.get(code="periodic")


def place(kind: str = "SIZO", **kwargs: object) -> Facility:
    ftype = facility_type(kind)
    return FacilityFactory(type=ftype, authority=ftype.authority, **kwargs)


def group(
    kind: str = "SIZO",
    *,
    size: int = 3,
    region: str = "KGD",
    female: bool = True,
    expertise: tuple[str, ...] = (),
) -> list[tuple[Person, str]]:
    """``size`` participants able to visit a place of ``kind``: the first leads, the first is a woman
    when ``female``, the second has ``expertise``."""
    competency = (COMPETENCY[kind],) if kind in COMPETENCY else ()
    members: list[tuple[Person, str]] = []
    for index in range(size):
        person = participant(
            region=region,
            female=female and index == 0,
            expertise=expertise if index == 1 else (),
            competencies=competency,
        )
        members.append((person, "leader" if index == 0 else "member"))
    return members
