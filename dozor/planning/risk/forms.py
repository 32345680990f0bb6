"""Forms of the risk, incident and coverage pages: thin parsers in front of ``dozor.planning.risk.scores``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dozor.core.models import Authority, Region
from dozor.facilities.models import Facility, FacilityType
from dozor.planning.models import Incident, RiskFactor


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class PlaceFilterForm(forms.Form):
    """Region and facility type: the filters shared by the risk list and the coverage view."""

    region = forms.ChoiceField(label=_("Region"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)

    def __init__(
        self, *args: Any, regions: QuerySet[Region], types: QuerySet[FacilityType], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "region", [("", _("All regions")), *((r.code, r.name) for r in regions)])
        _set_choices(self, "type", [("", _("All types")), *((t.code, t.name) for t in types)])

    def apply(self, facilities: QuerySet[Facility]) -> QuerySet[Facility]:
        """Narrow ``facilities`` to the chosen values (an invalid choice filters nothing)."""
        if not self.is_valid():
            return facilities
        if self.cleaned_data.get("region"):
            facilities = facilities.filter(region__code=self.cleaned_data["region"])
        if self.cleaned_data.get("type"):
            facilities = facilities.filter(type__code=self.cleaned_data["type"])
        return facilities


class RiskFilterForm(PlaceFilterForm):
    authority = forms.ChoiceField(label=_("Authority"), required=False)

    def __init__(self, *args: Any, authorities: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "authority",
            [
                ("", _("All authorities")),
                *(
                    (a.code, ("— " * max(0, a.path.count("/") - 2)) + a.name)
                    for a in authorities.order_by("path")
                ),
            ],
        )

    def apply(self, facilities: QuerySet[Facility]) -> QuerySet[Facility]:
        """The authority filter includes the authorities below the chosen one."""
        facilities = super().apply(facilities)
        code = self.cleaned_data.get("authority") if self.is_valid() else None
        if code:
            authority = Authority.objects.filter(code=code).first()
            if authority is not None:
                facilities = facilities.filter(authority__path__startswith=authority.path)
        return facilities


class IncidentFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Incident.Kind.choices]
    )

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "region", [("", _("All regions")), *((r.code, r.name) for r in regions)])


class IncidentForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Place"), queryset=Facility.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Incident.Kind.choices)
    occurred_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the date of the incident.")},
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the incident in a few words.")},
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("Where the information comes from (a complaint, the media, an official letter)."),
    )
    serious = forms.BooleanField(
        label=_("Serious incident"),
        required=False,
        help_text=_("Put it in the register of deaths and serious incidents in custody and follow it up."),
    )

    def __init__(
        self, *args: Any, facilities: QuerySet[Facility], facility: Facility | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["facility"]
        assert isinstance(field, forms.ModelChoiceField)
        if facility is not None:
            # The place is fixed by the page the form sits on: no list of thousands of places.
            field.queryset = facilities.filter(pk=facility.pk)
            field.initial = facility.pk
            field.widget = forms.HiddenInput()
        else:
            field.queryset = facilities.select_related("region").order_by("region__sort_order", "name_ru")


class RiskFactorWeightsForm(forms.Form):
    """One weight (0-100 points) per factor, as ``weight_<code>``."""

    def __init__(self, *args: Any, factors: list[RiskFactor], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.factors = factors
        for factor in factors:
            self.fields[f"weight_{factor.code}"] = forms.DecimalField(
                label=factor.name,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                max_digits=6,
                decimal_places=2,
                initial=factor.weight,
                widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.01"}),
            )

    def weights(self) -> dict[str, Decimal]:
        return {f.code: self.cleaned_data[f"weight_{f.code}"] for f in self.factors}

    def rows(self) -> list[tuple[RiskFactor, forms.BoundField]]:
        return [(f, self[f"weight_{f.code}"]) for f in self.factors]
