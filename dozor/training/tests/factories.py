from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from dozor.core.models import Region
from dozor.people.tests.factories import PersonFactory
from dozor.training.models import (
    Assessment,
    AssessmentQuestion,
    Attendance,
    Competency,
    Enrolment,
    Event,
    Programme,
    Session,
)

TZ = datetime.timezone(datetime.timedelta(hours=5))  # Astana


def at(day: int, hour: int = 10, month: int = 9, year: int = 2025) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=TZ)


def competency(code: str = "npm_foundations") -> Competency:
    return Competency.objects.get(code=code)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    title_en = factory.Sequence(lambda n: f"NPM practice seminars {n}")
    title_ru = factory.Sequence(lambda n: f"Семинары по практике НПМ {n}")
    title_kk = factory.Sequence(lambda n: f"ҰАТ тәжірибесі бойынша семинарлар {n}")
    starts_on = datetime.date(2025, 9, 1)
    ends_on = datetime.date(2025, 9, 30)


class EventFactory(factory.django.DjangoModelFactory):
    """A held three-day seminar in Astana (2-4 September 2025)."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    title_en = "Practical aspects of the NPM"
    title_ru = "Практические аспекты НПМ"
    title_kk = "ҰАТ-тың практикалық аспектілері"
    city = "Astana"
    region = factory.LazyFunction(lambda: Region.objects.get(code="AST"))
    starts_on = datetime.date(2025, 9, 2)
    ends_on = datetime.date(2025, 9, 4)
    capacity = 90
    status = Event.Status.HELD
    min_attendance_percent = 80
    min_test_percent = 0

    @factory.post_generation
    def grants(obj: Event, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.grants.set(Competency.objects.filter(code__in=extracted))


def future_event(**kwargs: Any) -> Event:
    today = timezone.localdate()
    start = today + datetime.timedelta(days=30)
    values: dict[str, Any] = {
        "status": Event.Status.PLANNED,
        "starts_on": start,
        "ends_on": start + datetime.timedelta(days=1),
    }
    return EventFactory(**(values | kwargs))


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    event = factory.SubFactory(EventFactory)
    topic_en = factory.Sequence(lambda n: f"Topic {n}")
    topic_ru = factory.Sequence(lambda n: f"Тема {n}")
    starts_at = factory.Sequence(lambda n: at(2, 9) + datetime.timedelta(hours=2 * (n % 4)))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    event = factory.SubFactory(EventFactory)
    person = factory.SubFactory(PersonFactory)
    organisation = factory.LazyAttribute(lambda o: o.person.organisation)
    status = Enrolment.Status.REGISTERED
    registered_at = factory.LazyFunction(lambda: at(1, 9, month=8))


def mark(enrolment: Enrolment, session: Session, status: str) -> Attendance:
    return Attendance.objects.create(session=session, enrolment=enrolment, status=status)


def assessment(event: Event, kind: str, questions: list[tuple[str, Session | None, int]]) -> Assessment:
    """A test whose questions have choices a/b/c; each tuple is (correct choice, session, points)."""
    test = Assessment.objects.create(event=event, kind=kind)
    for order, (correct, session, points) in enumerate(questions):
        AssessmentQuestion.objects.create(
            assessment=test,
            order=order,
            text_en=f"Question {order}",
            choices=[{"name": c, "label_en": c.upper()} for c in "abc"],
            correct=correct,
            points=points,
            session=session,
        )
    return test
