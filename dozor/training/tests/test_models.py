"""The rules of one programme, event or session: ``clean()`` words them for the user (the services
call it, so the messages are the services' own), the database's constraints hold every row to them."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dozor.core.data import data_of
from dozor.training import services
from dozor.training.models import Event, Programme, Session
from dozor.training.services import EventData, ProgrammeData, SessionData
from dozor.training.tests.factories import EventFactory, ProgrammeFactory, SessionFactory, at, future_event

pytestmark = pytest.mark.django_db


def test_a_programme_refused_by_its_rules_is_not_written(coordinator):
    with pytest.raises(ValidationError) as exc:
        services.programme_create(
            actor=coordinator,
            data=ProgrammeData(
                starts_on=datetime.date(2025, 9, 2), ends_on=datetime.date(2025, 9, 1), budget=Decimal("-1")
            ),
        )
    assert exc.value.message_dict == {
        "title_ru": ["Give the title in at least one language."],
        "ends_on": ["The end date is before the start date."],
        "budget": ["The budget cannot be negative."],
    }
    assert not Programme.objects.exists()


def test_an_event_change_is_checked_on_the_locked_row(coordinator):
    event = future_event(capacity=10)
    data = data_of(EventData, event)
    with pytest.raises(ValidationError) as exc:
        services.event_update(
            actor=coordinator, event=event, data=replace(data, capacity=0, min_test_percent=101)
        )
    assert exc.value.message_dict == {
        "capacity": ["An event needs at least one place."],
        "min_test_percent": ["A percentage must be between 0 and 100."],
    }
    saved = services.event_update(actor=coordinator, event=event, data=replace(data, city="Shymkent"))
    assert saved.city == "Shymkent" and Event.objects.get(pk=event.pk).city == "Shymkent"


def test_a_session_outside_its_event_is_refused(coordinator):
    event = EventFactory()  # 2-4 September 2025
    with pytest.raises(ValidationError) as exc:
        services.session_add(
            actor=coordinator,
            event=event,
            data=SessionData(topic_en="Late", starts_at=at(9), duration_minutes=0),
        )
    assert exc.value.message_dict == {
        "starts_at": ["The session must take place during the event."],
        "duration_minutes": ["The duration must be at least one minute."],
    }


@pytest.mark.parametrize(
    ("factory", "model", "change"),
    [
        (ProgrammeFactory, Programme, {"title_kk": "", "title_ru": "", "title_en": ""}),
        (ProgrammeFactory, Programme, {"ends_on": datetime.date(2025, 8, 1)}),
        (ProgrammeFactory, Programme, {"budget": Decimal("-5")}),
        (EventFactory, Event, {"capacity": 0}),
        (EventFactory, Event, {"title_kk": "", "title_ru": "", "title_en": ""}),
        (SessionFactory, Session, {"duration_minutes": 0}),
        (SessionFactory, Session, {"topic_kk": "", "topic_ru": "", "topic_en": ""}),
    ],
)
def test_the_database_holds_the_same_rules(factory, model, change):
    row = factory()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**change)
