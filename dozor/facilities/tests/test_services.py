"""The registry's services take typed data (``FacilityData``), audit the database row against it and
leave the rules of one place to ``Facility.clean`` and the database's constraints."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from dozor.accounts.models import AuditEvent
from dozor.core.data import data_of
from dozor.facilities.forms import FacilityForm
from dozor.facilities.models import Facility
from dozor.facilities.services import FacilityData, facility_create, facility_update
from dozor.facilities.tests.factories import FacilityFactory, facility_type

pytestmark = pytest.mark.django_db


def test_it_creates_and_updates_a_place_from_the_same_data(coordinator):
    kind = facility_type("IVS")
    data = FacilityData(
        code="SVC-1", name_ru="Изолятор", type=kind, authority=kind.authority, region=FacilityFactory().region
    )
    place = facility_create(actor=coordinator, data=data)
    assert (place.code, place.name_ru, place.status) == ("SVC-1", "Изолятор", Facility.Status.ACTIVE)
    saved = facility_update(actor=coordinator, facility=place, data=replace(data, capacity=12))
    assert saved.capacity == 12
    place.refresh_from_db()
    assert place.capacity == 12


def test_the_audit_compares_the_database_row_not_the_callers_instance(coordinator):
    place = FacilityFactory(name_ru="Старое имя", capacity=50)
    data = replace(data_of(FacilityData, place), name_ru="Новое имя")
    place.capacity = 999  # a caller's instance changed in memory (e.g. by a bound form) is not the record
    place.name_ru = "Новое имя"
    facility_update(actor=coordinator, facility=place, data=data)
    event = AuditEvent.objects.filter(action="update", object_id=str(place.pk)).latest("id")
    assert event.changes["name_ru"] == {"before": "Старое имя", "after": "Новое имя"}
    assert "capacity" not in event.changes
    place.refresh_from_db()
    assert place.capacity == 50


def test_it_refuses_with_the_places_own_messages_and_writes_nothing(coordinator, monitor):
    place = FacilityFactory(opened_on=datetime.date(2020, 1, 1))
    data = data_of(FacilityData, place)
    with pytest.raises(PermissionDenied):
        facility_update(actor=monitor, facility=place, data=replace(data, name_ru="X"))
    with pytest.raises(ValidationError) as exc:
        facility_update(
            actor=coordinator,
            facility=place,
            data=replace(
                data,
                name_kk="",
                name_ru="",
                name_en="",
                status=Facility.Status.CLOSED,
                closed_on=datetime.date(2019, 1, 1),
                latitude=Decimal("91"),
                capacity=-1,
            ),
        )
    assert exc.value.message_dict == {
        "name_ru": ["Give the name in at least one language."],
        "closed_on": ["The closing date is before the opening date."],
        "latitude": ["Latitude must be between -90 and 90."],
        "capacity": ["Capacity cannot be negative."],
    }
    assert Facility.objects.get(pk=place.pk).name_ru == place.name_ru


@pytest.mark.parametrize(
    "change",
    [
        {"name_kk": "", "name_ru": "", "name_en": ""},
        {"opened_on": datetime.date(2020, 1, 1), "closed_on": datetime.date(2019, 1, 1), "status": "closed"},
        {"latitude": None},
        {"longitude": Decimal("181")},
    ],
)
def test_the_database_holds_the_same_rules(change):
    place = FacilityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Facility.objects.filter(pk=place.pk).update(**change)


def test_the_form_parses_into_data_without_touching_the_place(coordinator):
    place = FacilityFactory(name_ru="Как есть")
    initial = FacilityForm.initial_from(place)
    form = FacilityForm({**initial, "name_ru": "Иначе", "status": "active", "capacity": 7}, initial=initial)
    assert form.is_valid(), form.errors
    data = form.to_data()
    assert isinstance(data, FacilityData) and data.name_ru == "Иначе" and data.capacity == 7
    assert place.name_ru == "Как есть"
