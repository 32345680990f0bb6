from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.core.data import data_from
from dozor.core.forms import ServiceModelForm
from dozor.core.models import Authority, PopulationCategory, Region
from dozor.facilities.models import FACILITY_FIELDS, Facility, FacilityType, Occupancy
from dozor.facilities.services import FacilityData


class FacilityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name or code"), required=False, max_length=200)
    region = forms.ChoiceField(label=_("Region"), required=False)
    authority = forms.ChoiceField(label=_("Authority"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Facility.Status.choices]
    )
    overcrowded = forms.BooleanField(label=_("Overcrowded only"), required=False)

    def __init__(self, *args: Any, authorities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        authority_qs = authorities if authorities is not None else Authority.objects.all()
        self._choices("region", [("", _("All regions"))] + [(r.code, r.name) for r in Region.objects.all()])
        self._choices(
            "authority",
            [("", _("All authorities"))]
            + [(a.code, ("— " * (a.path.count("/") - 2)) + a.name) for a in authority_qs.order_by("path")],
        )
        self._choices("type", [("", _("All types"))] + [(t.code, t.name) for t in FacilityType.objects.all()])

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class FacilityForm(ServiceModelForm):
    """A place's fields; for a change, built with ``initial=FacilityForm.initial_from(place)``."""

    population_categories = forms.ModelMultipleChoiceField(
        label=_("Population categories"),
        queryset=PopulationCategory.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Facility
        fields = FACILITY_FIELDS
        widgets = {
            "opened_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "capacity": forms.NumberInput(attrs={"min": 0}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        authority = self.fields["authority"]
        assert isinstance(authority, forms.ModelChoiceField)
        authority.queryset = Authority.objects.order_by("path")
        authority.required = False
        authority.help_text = _("Leave empty to use the type's default authority.")

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        from dozor.facilities.io import CODE_RE

        if not CODE_RE.match(code):
            raise forms.ValidationError(
                _("The code may use only Latin letters, digits and . _ / - (at most 40).")
            )
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("authority") and data.get("type"):
            data["authority"] = data["type"].authority
        return data

    def to_data(self) -> FacilityData:
        return data_from(FacilityData, self.cleaned_data)


class OccupancyForm(ServiceModelForm):
    class Meta:
        model = Occupancy
        fields = ["date", "capacity", "population", "source", "note"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "capacity": forms.NumberInput(attrs={"min": 0}),
            "population": forms.NumberInput(attrs={"min": 0}),
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    check_only = forms.BooleanField(label=_("Only check the file, do not write"), required=False)
