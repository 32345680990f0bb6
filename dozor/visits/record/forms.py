"""Forms of the visit record: starting from the plan, a phase, the times and status, and the
occupancy counted on the day. They only parse; the rules live in ``dozor.visits.record.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.accounts.access import AnyUser
from dozor.methodology.models import TemplateVersion
from dozor.methodology.selectors import published_versions
from dozor.visits.forms import VersionChoiceField
from dozor.visits.models import OccupancyCount, Phase, Visit

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


class StartForm(forms.Form):
    template_version = VersionChoiceField(
        label=_("Checklist version"),
        queryset=TemplateVersion.objects.none(),
        required=False,
        empty_label=_("The published checklist for the place's type"),
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template_version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = published_versions(user)


class PhaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Phase"), choices=Phase.Kind.choices)
    started_at = forms.DateTimeField(label=_("Started at"), widget=_datetime_input())
    ended_at = forms.DateTimeField(label=_("Ended at"), required=False, widget=_datetime_input())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, phase: Phase | None = None, **kwargs: Any) -> None:
        if phase is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": phase.kind,
                "started_at": phase.started_at,
                "ended_at": phase.ended_at,
                "note": phase.note,
            }
        super().__init__(*args, **kwargs)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "started_at": data["started_at"],
            "ended_at": data["ended_at"],
            "note": data["note"],
        }


class RecordForm(forms.Form):
    arrived_at = forms.DateTimeField(label=_("Arrived at"), required=False, widget=_datetime_input())
    left_at = forms.DateTimeField(label=_("Left at"), required=False, widget=_datetime_input())
    ended_on = forms.DateField(
        label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("Status"), choices=Visit.Status.choices)
    purpose = forms.CharField(label=_("Purpose"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "arrived_at": visit.arrived_at,
                "left_at": visit.left_at,
                "ended_on": visit.ended_on,
                "status": visit.status,
                "purpose": visit.purpose,
            }
        super().__init__(*args, **kwargs)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("arrived_at", "left_at", "ended_on", "status", "purpose")}


class OccupancyForm(forms.Form):
    """One row per category: a row counts when its population is given. The service checks the
    numbers; the form only parses them."""

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        if "initial" not in kwargs:
            initial: dict[str, Any] = {}
            for count in visit.occupancy_counts.all():
                initial[f"{count.category}_capacity"] = count.capacity
                initial[f"{count.category}_population"] = count.population
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for category, label in OccupancyCount.Category.choices:
            for part, text in (
                ("capacity", _("%(category)s: capacity")),
                ("population", _("%(category)s: population")),
            ):
                name = text % {"category": label}
                self.fields[f"{category}_{part}"] = forms.IntegerField(
                    label=name, required=False, widget=forms.NumberInput(attrs={"aria-label": name})
                )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """(label, capacity field, population field) per category, for the table."""
        return [
            (str(label), self[f"{category}_capacity"], self[f"{category}_population"])
            for category, label in OccupancyCount.Category.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for category, label in OccupancyCount.Category.choices:
            if data.get(f"{category}_capacity") is not None and data.get(f"{category}_population") is None:
                self.add_error(
                    f"{category}_population",
                    _("%(category)s: give the population as well as the capacity.") % {"category": label},
                )
        return data

    def counts(self) -> list[tuple[str, int | None, int]]:
        data = self.cleaned_data
        return [
            (category, data.get(f"{category}_capacity"), data[f"{category}_population"])
            for category in OccupancyCount.Category.values
            if data.get(f"{category}_population") is not None
        ]
