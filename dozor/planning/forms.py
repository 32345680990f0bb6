"""Planning forms: thin parsers in front of ``dozor.planning.services`` and ``dozor.planning.optimiser.proposals``.

Choices always come from access helpers (places, persons, visit types the user may see)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dozor.accounts.access import AnyUser, regions_visible_to, visit_types_visible_to
from dozor.core.data import data_from
from dozor.core.models import Region, VisitType
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility
from dozor.people.access import persons_visible_to
from dozor.people.models import Participation, Person
from dozor.planning.models import GroupMember, Plan, PlannedVisit, PlanningRules, Proposal
from dozor.planning.services import PlannedVisitData

DATE = {"type": "date"}
MIN_EXTRA_ROWS = 5
QUARTERS = [("1", "I"), ("2", "II"), ("3", "III"), ("4", "IV")]


def _date(**attrs: Any) -> forms.DateInput:
    return forms.DateInput(attrs={**DATE, **attrs}, format="%Y-%m-%d")


def _set_queryset(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.region.name} ({obj.code})"


class ParticipantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        region = obj.region.name if obj.region_id else ""
        return f"{obj.full_name} ({region})" if region else obj.full_name


def active_participants(user: AnyUser) -> QuerySet[Person]:
    """Persons the user may see who hold an active NPM participation, with their region."""
    active = Participation.objects.filter(status=Participation.Status.ACTIVE).values("person_id")
    return (
        persons_visible_to(user)
        .filter(pk__in=active)
        .select_related("region")
        .order_by("last_name", "first_name", "id")
    )


# Plans ------------------------------------------------------------------------------------------


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", _("Whole year")), *QUARTERS],
        coerce=int,
        empty_value=None,
        required=False,
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    budget = forms.DecimalField(label=_("Budget"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Plan.Status.choices)

    def __init__(self, *args: Any, plan: Plan | None = None, **kwargs: Any) -> None:
        if plan is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "year": plan.year,
                "quarter": plan.quarter or "",
                "title": plan.title,
                "budget": plan.budget,
                "notes": plan.notes,
                "status": plan.status,
            }
        super().__init__(*args, **kwargs)
        if plan is None:
            del self.fields["status"]  # a new plan starts as a draft
        else:
            # year and quarter identify the plan; they are not changed afterwards
            del self.fields["year"]
            del self.fields["quarter"]


class ProposeForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[
            (Proposal.Method.CP_SAT, _("Optimiser")),
            (Proposal.Method.GREEDY, _("Highest risk first")),
        ],
        initial=Proposal.Method.CP_SAT,
    )
    budget = forms.DecimalField(label=_("Budget"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    time_limit = forms.FloatField(label=_("Time limit (seconds)"), min_value=1, max_value=600, initial=20)

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"budget": plan.budget})
        super().__init__(*args, **kwargs)


# Planned visits ---------------------------------------------------------------------------------


class VisitFilterForm(forms.Form):
    """Filters of a plan's visits table (GET)."""

    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", _("All quarters")), *QUARTERS],
        coerce=int,
        empty_value=None,
        required=False,
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("All regions")
    )
    visit_type = forms.ModelChoiceField(
        label=_("Visit type"), queryset=VisitType.objects.none(), required=False, empty_label=_("All types")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *PlannedVisit.Status.choices], required=False
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "region", regions_visible_to(user))
        _set_queryset(self, "visit_type", visit_types_visible_to(user))

    def apply(self, visits: QuerySet[PlannedVisit]) -> QuerySet[PlannedVisit]:
        if not self.is_valid():
            return visits
        data = self.cleaned_data
        if data["quarter"]:
            first = 3 * (data["quarter"] - 1) + 1
            visits = visits.filter(starts_on__month__gte=first, starts_on__month__lte=first + 2)
        if data["region"]:
            visits = visits.filter(facility__region=data["region"])
        if data["visit_type"]:
            visits = visits.filter(visit_type=data["visit_type"])
        if data["status"]:
            visits = visits.filter(status=data["status"])
        return visits


class PlaceFilterForm(forms.Form):
    """Narrow the place select of the visit form to one region (GET, works without JavaScript)."""

    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("All regions")
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "region", regions_visible_to(user))

    def chosen_region(self) -> Region | None:
        return self.cleaned_data.get("region") if self.is_valid() else None


OTHER_ROLES = [
    (GroupMember.Role.MEMBER, GroupMember.Role.MEMBER.label),
    (GroupMember.Role.EXPERT, GroupMember.Role.EXPERT.label),
    (GroupMember.Role.INTERPRETER, GroupMember.Role.INTERPRETER.label),
]


class PlannedVisitForm(forms.Form):
    """A planned visit and its group: one leader and up to ``rows`` further members with a role."""

    facility = FacilityChoiceField(label=_("Place"), queryset=Facility.objects.none())
    visit_type = forms.ModelChoiceField(label=_("Visit type"), queryset=VisitType.objects.none())
    starts_on = forms.DateField(label=_("From"), widget=_date())
    ends_on = forms.DateField(label=_("Until"), widget=_date())
    announced = forms.BooleanField(
        label=_("Announced in advance"),
        required=False,
        help_text=_("Unannounced visits are secret: only coordinators and the group see them."),
    )
    objectives = forms.CharField(
        label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    leader = ParticipantChoiceField(label=_("Group leader"), queryset=Person.objects.none())

    def __init__(
        self,
        *args: Any,
        user: AnyUser,
        region: Region | None = None,
        visit: PlannedVisit | None = None,
        **kwargs: Any,
    ) -> None:
        if visit is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(visit)
        super().__init__(*args, **kwargs)
        places = (
            facilities_visible_to(user)
            .select_related("region")
            .order_by("region__sort_order", "name_ru", "code")
        )
        active = places.filter(status=Facility.Status.ACTIVE)
        if visit is not None:  # keep the visit's own place even if it has since closed
            active = places.filter(pk=visit.facility_id) | active
        if region is not None and not self.is_bound:
            active = active.filter(region=region)
        _set_queryset(self, "facility", active)
        _set_queryset(self, "visit_type", visit_types_visible_to(user))
        people = active_participants(user)
        _set_queryset(self, "leader", people)
        max_size = PlanningRules.objects.order_by("pk").values_list("max_group_size", flat=True).first() or 0
        self.rows = max(MIN_EXTRA_ROWS, max_size - 1)
        for i in range(1, self.rows + 1):
            self.fields[f"person_{i}"] = ParticipantChoiceField(
                label=_("Person"),
                queryset=people,
                required=False,
                empty_label="—",
                widget=forms.Select(attrs={"aria-label": f"{_('Person')} {i}"}),
            )
            self.fields[f"role_{i}"] = forms.ChoiceField(
                label=_("Role"),
                choices=OTHER_ROLES,
                initial=GroupMember.Role.MEMBER,
                required=False,
                widget=forms.Select(attrs={"aria-label": f"{_('Role')} {i}"}),
            )

    @staticmethod
    def initial_for(visit: PlannedVisit) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "facility": visit.facility_id,
            "visit_type": visit.visit_type_id,
            "starts_on": visit.starts_on,
            "ends_on": visit.ends_on,
            "announced": visit.announced,
            "objectives": visit.objectives,
        }
        i = 0
        for member in visit.group.all():
            if member.role == GroupMember.Role.LEADER and "leader" not in initial:
                initial["leader"] = member.person_id
                continue
            i += 1
            initial[f"person_{i}"] = member.person_id
            initial[f"role_{i}"] = member.role
        return initial

    def group_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"person_{i}"], self[f"role_{i}"]) for i in range(1, self.rows + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on: datetime.date | None = data.get("starts_on")
        ends_on: datetime.date | None = data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The visit cannot end before it starts."))
        seen: set[int] = set()
        leader = data.get("leader")
        if leader is not None:
            seen.add(leader.pk)
        for i in range(1, self.rows + 1):
            person = data.get(f"person_{i}")
            if person is None:
                continue
            if person.pk in seen:
                self.add_error(f"person_{i}", _("This person is already in the group."))
            seen.add(person.pk)
        return data

    def members(self) -> list[tuple[Person, str]]:
        data = self.cleaned_data
        members: list[tuple[Person, str]] = [(data["leader"], GroupMember.Role.LEADER)]
        for i in range(1, self.rows + 1):
            person = data.get(f"person_{i}")
            if person is not None:
                members.append((person, data.get(f"role_{i}") or GroupMember.Role.MEMBER))
        return members

    def to_data(self) -> PlannedVisitData:
        return data_from(PlannedVisitData, self.cleaned_data)


class MoveForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=_date())
    ends_on = forms.DateField(label=_("Until"), widget=_date())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The visit cannot end before it starts."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


# Unavailability ---------------------------------------------------------------------------------


class UnavailabilityForm(forms.Form):
    person = ParticipantChoiceField(label=_("Person"), queryset=Person.objects.none())
    starts_on = forms.DateField(label=_("From"), widget=_date())
    ends_on = forms.DateField(label=_("Until"), widget=_date())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, user: AnyUser, choose_person: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choose_person:
            _set_queryset(self, "person", active_participants(user))
        else:
            del self.fields["person"]  # a participant records only their own absences

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end cannot come before the start."))
        return data
