"""Explicit input (``*In``) and output (``*Out``) shapes of the API.

Reference rows travel as codes; on output each carries its names in the three working
languages and ``name`` in the language of the request. Input serializers only parse and
check shapes: every write is done by the app's service functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dozor.accounts.access import authorities_visible_to, population_categories_visible_to, regions_visible_to
from dozor.core.data import data_of
from dozor.core.models import PopulationCategory
from dozor.facilities.access import facility_types_visible_to
from dozor.facilities.models import Facility, Occupancy
from dozor.facilities.services import FacilityData

# ---------------------------------------------------------------- reference data


REVISION_IN_HELP = (
    "The revision this change is based on (the `revision` of the object as read). When the object "
    "was changed since, nothing is written and the answer is 409 with the object as it is now. "
    "Left out, the change is applied to whatever is stored. Ignored when creating."
)


def revision_in() -> serializers.IntegerField:
    """The revision a PUT or PATCH is based on (optimistic concurrency, decision 0016)."""
    return serializers.IntegerField(min_value=0, required=False, write_only=True, help_text=REVISION_IN_HELP)


def revision_out() -> serializers.IntegerField:
    return serializers.IntegerField(
        read_only=True, help_text="Grows by one with every saved change; send it back with a PUT or PATCH."
    )


class ReferenceOut(serializers.Serializer):
    """A coded reference row: its code and its names."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="Name in the language of the request.")
    name_kk = serializers.CharField(read_only=True)
    name_ru = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)


class RegionOut(ReferenceOut):
    kind = serializers.CharField(read_only=True)
    centre = serializers.CharField(read_only=True)
    centre_kk = serializers.CharField(read_only=True)
    centre_ru = serializers.CharField(read_only=True)
    centre_en = serializers.CharField(read_only=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True
    )


class AuthorityOut(ReferenceOut):
    kind = serializers.CharField(read_only=True)
    short = serializers.CharField(read_only=True)
    # The metaclass moves declared fields off the class, so the name "parent" is safe at runtime.
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent.code", read_only=True, allow_null=True, help_text="Parent's code."
    )
    path = serializers.CharField(read_only=True, help_text='Codes from the root, e.g. "/MVD/KUIS/".')


class FacilityTypeOut(ReferenceOut):
    authority = ReferenceOut(read_only=True, help_text="Default operating authority.")
    population_categories = ReferenceOut(many=True, read_only=True)
    weight = serializers.IntegerField(read_only=True)
    visit_frequency_years = serializers.IntegerField(read_only=True)


class VisitTypeOut(ReferenceOut):
    description = serializers.CharField(read_only=True)
    description_kk = serializers.CharField(read_only=True)
    description_ru = serializers.CharField(read_only=True)
    description_en = serializers.CharField(read_only=True)


@extend_schema_field(OpenApiTypes.STR)
class VisibleCodeField(serializers.SlugRelatedField):
    """A reference given by its code, looked up only among the rows the requesting user may see."""

    def __init__(self, visible_to: Callable[[Any], QuerySet[Any]], **kwargs: Any) -> None:
        self.visible_to = visible_to
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        return self.visible_to(getattr(request, "user", None))


# ---------------------------------------------------------------- facilities


class FacilityOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="Name in the language of the request.")
    name_kk = serializers.CharField(read_only=True)
    name_ru = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    type = ReferenceOut(read_only=True)
    authority = ReferenceOut(read_only=True)
    region = ReferenceOut(read_only=True)
    population_categories = ReferenceOut(many=True, read_only=True)
    settlement = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )
    capacity = serializers.IntegerField(read_only=True, allow_null=True)
    population = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="From the latest occupancy record."
    )
    population_date = serializers.DateField(read_only=True, allow_null=True)
    occupancy_rate = serializers.FloatField(read_only=True, allow_null=True)
    is_overcrowded = serializers.BooleanField(read_only=True)
    status = serializers.ChoiceField(choices=Facility.Status.choices, read_only=True)
    opened_on = serializers.DateField(read_only=True, allow_null=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)
    notes = serializers.CharField(read_only=True)
    is_demo = serializers.BooleanField(read_only=True)
    revision = revision_out()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class FacilityIn(serializers.Serializer):
    """A place to create (POST), replace (PUT) or change (PATCH: only the fields given).

    On PUT, optional fields left out are reset to their defaults; on PATCH they stay as they are.
    """

    code = serializers.CharField(max_length=40)
    name_kk = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    name_ru = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    name_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    type = VisibleCodeField(facility_types_visible_to, help_text="Facility type code.")
    authority = VisibleCodeField(authorities_visible_to, help_text="Operating authority code.")
    region = VisibleCodeField(regions_visible_to, help_text="Region code.")
    population_categories = VisibleCodeField(
        population_categories_visible_to, many=True, required=False, default=list, help_text="Codes."
    )
    settlement = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    capacity = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(
        choices=Facility.Status.choices, required=False, default=Facility.Status.ACTIVE
    )
    opened_on = serializers.DateField(required=False, allow_null=True, default=None)
    closed_on = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    revision = revision_in()

    def to_data(self, current: Facility | None = None) -> FacilityData:
        """The place as the request gives it; on PATCH, ``current`` with the fields given."""
        values = {
            k: v for k, v in self.validated_data.items() if k not in {"population_categories", "revision"}
        }
        if current is not None and self.partial:
            return replace(data_of(FacilityData, current), **values)
        return FacilityData(**values)

    def categories(self) -> list[PopulationCategory] | None:
        """The population categories given (``None`` on a PATCH that leaves them out)."""
        chosen = self.validated_data.get("population_categories")
        return None if chosen is None else list(chosen)


# ---------------------------------------------------------------- occupancy


class OccupancyOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    facility = serializers.IntegerField(source="facility_id", read_only=True)
    facility_code = serializers.CharField(source="facility.code", read_only=True)
    date = serializers.DateField(read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    population = serializers.IntegerField(read_only=True)
    is_overcrowded = serializers.BooleanField(read_only=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # declared field, not Field.source
        choices=Occupancy.Source.choices, read_only=True
    )
    note = serializers.CharField(read_only=True)


class OccupancyIn(serializers.Serializer):
    """Capacity and population on a date; a second record on the same date replaces the first."""

    date = serializers.DateField()
    capacity = serializers.IntegerField(min_value=0)
    population = serializers.IntegerField(min_value=0)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # declared field, not Field.source
        choices=Occupancy.Source.choices, required=False, default=Occupancy.Source.OFFICIAL
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------- people


class OrganisationBrief(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    name_kk = serializers.CharField(read_only=True)
    name_ru = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)


class OrganisationOut(OrganisationBrief):
    kind = serializers.CharField(read_only=True)
    region = ReferenceOut(read_only=True, allow_null=True)
    authority = ReferenceOut(read_only=True, allow_null=True)
    website = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text="The organisation's public contact.")
    phone = serializers.CharField(read_only=True)
    is_demo = serializers.BooleanField(read_only=True)


class PersonOut(serializers.Serializer):
    """A person as every user with ``people.view`` sees them: no private contacts."""

    id = serializers.IntegerField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    patronymic = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    gender = serializers.CharField(read_only=True)
    organisation = OrganisationBrief(read_only=True, allow_null=True)
    position = serializers.CharField(read_only=True)
    region = ReferenceOut(read_only=True, allow_null=True)
    expertise = ReferenceOut(many=True, read_only=True)
    languages = ReferenceOut(many=True, read_only=True)
    is_demo = serializers.BooleanField(read_only=True)
    revision = serializers.IntegerField(read_only=True, help_text="Grows by one with every saved change.")


class PersonPrivateOut(PersonOut):
    """A person with private contacts, for users allowed to see them (``people.view_private``)."""

    email = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
