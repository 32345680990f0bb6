"""Forms of the reprisal follow-up pages. They only parse; the rules live in
``dozor.recommendations.reprisals.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.facilities.models import Facility
from dozor.recommendations.models import ProtectedPerson, ReprisalAction, ReprisalCase

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


def _places() -> Any:
    return Facility.objects.select_related("region").order_by("name_ru", "code")


class ReprisalOpenForm(forms.Form):
    """Open a case; ``facility`` is asked only when the case does not come from an interview, and
    who the person is (category, identity) only for a new person without an interview."""

    category = forms.ChoiceField(
        label=_("Who is the person"), choices=ProtectedPerson.Category.choices, required=False
    )
    identity = forms.CharField(
        label=_("Identity"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "Name, date of birth: what the team needs to find the person. Stored encrypted; shown "
            "only to coordinators and the case's team."
        ),
    )
    facility = FacilityChoiceField(
        label=_("Place"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("Where the case arises; for a detainee, the place that holds them now."),
    )
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

    def __init__(self, *args: Any, ask_facility: bool, ask_person: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ask_facility:
            field = self.fields["facility"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = _places()
        else:
            del self.fields["facility"]
        if not ask_person:
            del self.fields["category"], self.fields["identity"]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {"kind": data["kind"], "raised_on": data["raised_on"], "summary": data["summary"]}
        for name in ("facility", "category", "identity"):
            if name in data:
                values[name] = data[name]
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


class PersonMoveForm(forms.Form):
    whereabouts = forms.ChoiceField(
        label=_("Where is the person now"),
        choices=ProtectedPerson.Whereabouts.choices,
        initial=ProtectedPerson.Whereabouts.HELD,
    )
    facility = FacilityChoiceField(
        label=_("Place that holds the person"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("Only for a person held at a place (a transfer)."),
    )
    since = forms.DateField(label=_("Since"), widget=DATE, initial=timezone.localdate)
    source = forms.CharField(
        label=_("Source"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("How the NPM learnt of it (a relative, the authority's answer...). Stored encrypted."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["facility"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _places()

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "whereabouts": data["whereabouts"],
            "facility": data["facility"],
            "since": data["since"],
            "source": data["source"],
        }


class ReprisalActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What was done"), choices=ReprisalAction.Kind.choices)
    taken_on = forms.DateField(label=_("Taken on"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Reference number, addressee, what was asked. Stored encrypted."),
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("If already known; it can be added later. Stored encrypted."),
    )
    outcome_on = forms.DateField(label=_("Outcome on"), widget=DATE, required=False)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("kind", "taken_on", "note", "outcome", "outcome_on")}


class ReprisalActionOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Stored encrypted."),
    )
    outcome_on = forms.DateField(label=_("Outcome on"), widget=DATE, initial=timezone.localdate)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"outcome": data["outcome"], "outcome_on": data["outcome_on"]}
