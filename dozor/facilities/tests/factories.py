from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory

from dozor.core.models import Authority, Region
from dozor.facilities.models import Facility, FacilityType, Occupancy


def facility_type(code: str = "SIZO") -> FacilityType:
    return FacilityType.objects.get(code=code)


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T-{n:05d}")
    name_ru = factory.Sequence(lambda n: f"Тестовое учреждение № {n}")
    name_kk = factory.Sequence(lambda n: f"Сынақ мекемесі № {n}")
    name_en = factory.Sequence(lambda n: f"Test facility No. {n}")
    type = factory.LazyFunction(lambda: facility_type("SIZO"))
    authority = factory.LazyAttribute(lambda o: o.type.authority)
    region = factory.LazyFunction(lambda: Region.objects.get(code="KGD"))
    settlement = "Karaganda"
    latitude = Decimal("49.806")
    longitude = Decimal("73.085")
    capacity = 100
    status = Facility.Status.ACTIVE

    @factory.post_generation
    def search(obj: Facility, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.search_text = obj.build_search_text()
        if create:
            obj.save(update_fields=["search_text"])


def health_facility(**kwargs: Any) -> Facility:
    """A place run by the Ministry of Health (outside KUIS)."""
    kind = facility_type("PSYCH_HOSPITAL")
    return FacilityFactory(type=kind, authority=Authority.objects.get(code="MZ"), **kwargs)


class OccupancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupancy

    facility = factory.SubFactory(FacilityFactory)
    date = factory.Sequence(lambda n: datetime.date(2025, 1, 1) + datetime.timedelta(days=n))
    capacity = 100
    population = 90
