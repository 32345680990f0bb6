from __future__ import annotations

import datetime

import pytest

from dozor.core.models import Region
from dozor.facilities.models import Facility
from dozor.facilities.tests.factories import FacilityFactory, facility_type
from dozor.people.tests.factories import PersonFactory
from dozor.training import selectors
from dozor.training.models import Certificate, CompetencyGrant, Event
from dozor.training.tests.factories import EnrolmentFactory, EventFactory, competency

DAY = datetime.date(2026, 3, 1)


def grant(person=None, *, code="npm_foundations", start=datetime.date(2025, 9, 4), until=None, **kwargs):  # type: ignore[no-untyped-def]
    return CompetencyGrant.objects.create(
        person=person or PersonFactory(),
        competency=competency(code),
        granted_on=start,
        valid_until=until or datetime.date(2030, 9, 4),
        **kwargs,
    )


def certified_grant(*, event_status=Event.Status.HELD, revoked_on=None):  # type: ignore[no-untyped-def]
    enrolment = EnrolmentFactory(event=EventFactory(status=event_status))
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        code=f"DZ-T{enrolment.pk:09d}",
        issued_on=datetime.date(2025, 9, 4),
        revoked_on=revoked_on,
    )
    return grant(enrolment.person, certificate=certificate)


def holders(on: datetime.date = DAY) -> list[int]:
    return list(selectors.competency_holders(competency(), on).values_list("pk", flat=True))


def test_it_counts_a_valid_grant(db) -> None:  # type: ignore[no-untyped-def]
    valid = grant()
    assert holders() == [valid.person_id]


def test_it_counts_grants_on_their_first_and_last_day(db) -> None:  # type: ignore[no-untyped-def]
    g = grant(start=DAY, until=DAY)
    assert holders(DAY) == [g.person_id]


def test_it_ignores_expired_and_not_yet_valid_grants(db) -> None:  # type: ignore[no-untyped-def]
    grant(until=DAY - datetime.timedelta(days=1))
    grant(start=DAY + datetime.timedelta(days=1))
    assert holders() == []


def test_it_ignores_a_revoked_grant_from_the_day_of_revocation(db) -> None:  # type: ignore[no-untyped-def]
    g = grant(revoked_on=DAY)
    assert holders() == []
    assert holders(DAY - datetime.timedelta(days=1)) == [g.person_id]


def test_it_ignores_grants_of_a_revoked_certificate(db) -> None:  # type: ignore[no-untyped-def]
    certified_grant(revoked_on=datetime.date(2026, 6, 1))
    assert holders() == []  # a revoked certificate counts as never valid


def test_it_ignores_grants_from_a_cancelled_event(db) -> None:  # type: ignore[no-untyped-def]
    certified_grant(event_status=Event.Status.CANCELLED)
    assert holders() == []


def test_it_counts_a_certified_grant_of_a_held_event(db) -> None:  # type: ignore[no-untyped-def]
    g = certified_grant()
    assert holders() == [g.person_id]


def test_it_lists_each_holder_once(db) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory()
    grant(person)
    grant(person, start=datetime.date(2026, 1, 1))
    assert holders() == [person.pk]


def test_it_lists_a_persons_competencies(db) -> None:  # type: ignore[no-untyped-def]
    person = PersonFactory()
    grant(person)
    grant(person, code="istanbul_protocol", until=datetime.date(2025, 12, 31))
    codes = [g.competency.code for g in selectors.person_competencies(person, DAY)]
    assert codes == ["npm_foundations"]


def test_it_shows_training_gaps_per_region(db) -> None:  # type: ignore[no-untyped-def]
    Facility.objects.all().delete()
    karaganda = Region.objects.get(code="KGD")
    astana = Region.objects.get(code="AST")
    FacilityFactory(type=facility_type("IVS"), region=karaganda)
    FacilityFactory(type=facility_type("IVS"), region=karaganda)
    FacilityFactory(type=facility_type("IVS"), region=astana)
    grant(PersonFactory(region=karaganda), code="monitoring_police_custody")
    grant(PersonFactory(region=astana), code="monitoring_police_custody", until=datetime.date(2025, 12, 31))
    needs = {
        (n.region.code, n.competency.code): n
        for n in selectors.training_needs(DAY)
        if n.competency.code == "monitoring_police_custody"
    }
    assert (
        needs[("KGD", "monitoring_police_custody")].facilities,
        needs[("KGD", "monitoring_police_custody")].holders,
    ) == (2, 1)
    assert needs[("AST", "monitoring_police_custody")].is_gap


@pytest.mark.parametrize("fixture", ["coordinator", "monitor"])
def test_it_lists_upcoming_events_for_staff(request, fixture) -> None:  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(fixture)
    EventFactory(status=Event.Status.PLANNED, starts_on=DAY, ends_on=DAY)
    EventFactory(status=Event.Status.CANCELLED, starts_on=DAY, ends_on=DAY)
    EventFactory()  # 2025, over
    assert selectors.upcoming_events(user, DAY).count() == 1


def test_it_shows_no_events_to_a_liaison(liaison) -> None:  # type: ignore[no-untyped-def]
    EventFactory(status=Event.Status.PLANNED, starts_on=DAY, ends_on=DAY)
    assert selectors.upcoming_events(liaison, DAY).count() == 0
