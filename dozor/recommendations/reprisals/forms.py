"""Forms of the reprisal follow-up pages. They only parse; the rules live in
``dozor.recommendations.reprisals.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.facilities.models import Facility
from dozor.recommendations.models import ReprisalCase

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class ReprisalOpenForm(forms.Form):
    """Open a case; ``facility`` is asked only when the case does not come from an interview."""

    facility = FacilityChoiceField(label=_("Place"), queryset=Facility.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=ReprisalCase.Kind.choices)
    raised_on = forms.DateField(label=_("Raised on"), widget=DATE, initial=timezone.localdate)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "What the next visit must check. Stored encrypted; never the person's name - the "
            "pseudonym code identifies them."
        ),
    )

    def __init__(self, *args: Any, ask_facility: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ask_facility:
            field = self.fields["facility"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Facility.objects.select_related("region").order_by("name_ru", "code")
        else:
            del self.fields["facility"]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {"kind": data["kind"], "raised_on": data["raised_on"], "summary": data["summary"]}
        if "facility" in data:
            values["facility"] = data["facility"]
        return values


class ReprisalCheckForm(forms.Form):
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE, initial=timezone.localdate)
    outcome = forms.CharField(
        label=_("What the visit found"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,  # the service explains that it is needed
        help_text=_("Stored encrypted. No names: the pseudonym code identifies the person."),
    )
    state = forms.ChoiceField(
        label=_("Afterwards"),
        choices=[
            (ReprisalCase.State.MONITORING.value, _("Keep following (check again on the next visit)")),
            (ReprisalCase.State.CLOSED.value, _("Close the case")),
        ],
        initial=ReprisalCase.State.MONITORING,
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"checked_on": data["checked_on"], "outcome": data["outcome"], "state": data["state"]}


class ReprisalCloseForm(forms.Form):
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE, initial=timezone.localdate)
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Why the case is closed without a visit (released, transferred, ...)."),
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"closed_on": data["closed_on"], "outcome": data["outcome"]}
