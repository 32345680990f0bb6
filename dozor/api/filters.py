"""Query-string filters of the list endpoints (django-filter; they also document the parameters)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from dozor.accounts.access import AnyUser
from dozor.facilities.models import Facility, Occupancy
from dozor.facilities.selectors import FacilityFilters, facility_search
from dozor.people.models import Organisation, Person


class YearFilter(filters.NumberFilter):
    """A calendar year: a whole number from 1 to 9999, what a date can hold. Anything else answers
    400 with the form field's message, never an overflow in the date arithmetic of ``__year``."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class FacilityFilterSet(filters.FilterSet):
    """Parses the parameters and hands them to ``facility_search``: the API filters like the pages."""

    q = filters.CharFilter(label="Words to find in the code, names or settlement (any case, any language).")
    region = filters.CharFilter(label="Region code.")
    authority = filters.CharFilter(label="Authority code; places of its subordinate bodies are included.")
    type = filters.CharFilter(label="Facility type code.")
    status = filters.ChoiceFilter(choices=Facility.Status.choices)
    overcrowded = filters.BooleanFilter(label="Only places whose population exceeds their capacity.")

    class Meta:
        model = Facility
        fields = ["q", "region", "authority", "type", "status", "overcrowded"]

    def filter_queryset(self, queryset: QuerySet[Facility]) -> QuerySet[Facility]:
        data: dict[str, Any] = self.form.cleaned_data
        params = FacilityFilters(
            q=data.get("q") or "",
            region=data.get("region") or "",
            authority=data.get("authority") or "",
            type=data.get("type") or "",
            status=data.get("status") or "",
            overcrowded=bool(data.get("overcrowded")),
        )
        # No request (the filter set used outside a view) means an anonymous visitor, who sees nothing.
        user: AnyUser = getattr(self.request, "user", None) or AnonymousUser()
        # facility_search starts from facilities_visible_to(user), like the queryset it replaces.
        return facility_search(user, params).prefetch_related("population_categories")


class OccupancyFilterSet(filters.FilterSet):
    facility = filters.NumberFilter(field_name="facility_id", label="Facility id.")
    facility_code = filters.CharFilter(field_name="facility__code", label="Facility code.")
    date = filters.DateFromToRangeFilter(label="Date range: date_after and/or date_before (inclusive).")

    class Meta:
        model = Occupancy
        fields = ["facility", "facility_code", "date"]


class OrganisationFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Organisation.Kind.choices)
    region = filters.CharFilter(field_name="region__code", label="Region code.")

    class Meta:
        model = Organisation
        fields = ["kind", "region"]


class PersonFilterSet(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", label="Region code.")
    expertise = filters.CharFilter(field_name="expertise__code", label="Expertise code.")

    class Meta:
        model = Person
        fields = ["region", "expertise"]
