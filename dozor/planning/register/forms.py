"""Forms of the register of deaths and serious incidents in custody."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dozor.core.models import Region
from dozor.planning.models import Incident, IncidentAction, Investigation, Known, LearnedFrom
from dozor.planning.register.services import RegisterData


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class RegisterForm(forms.Form):
    serious = forms.BooleanField(
        label=_("In the register of deaths and serious incidents"),
        required=False,
        help_text=_("A death is always in the register."),
    )
    learned_on = _date(_("The NPM learned of it on"))
    learned_from = forms.ChoiceField(
        label=_("The NPM learned of it from"), required=False, choices=[("", "—"), *LearnedFrom.choices]
    )
    relatives_informed = forms.ChoiceField(label=_("Relatives informed"), choices=Known.choices)
    relatives_informed_on = _date(_("Relatives informed on"))
    investigation = forms.ChoiceField(label=_("Investigation"), choices=Investigation.choices)
    investigating_body = forms.CharField(
        label=_("Investigating body"),
        required=False,
        max_length=200,
        help_text=_("For example, the regional prosecutor's office or the police investigation department."),
    )
    case_reference = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=100,
        help_text=_("The number in the Unified Register of Pre-Trial Investigations, if known."),
    )
    closed_on = _date(
        _("Follow-up closed on"), help_text=_("When the NPM ended its follow-up; empty while it continues.")
    )

    @staticmethod
    def initial_from(incident: Incident) -> dict[str, Any]:
        return {
            "serious": incident.serious or incident.kind == Incident.Kind.DEATH,
            "learned_on": incident.learned_on,
            "learned_from": incident.learned_from,
            "relatives_informed": incident.relatives_informed,
            "relatives_informed_on": incident.relatives_informed_on,
            "investigation": incident.investigation,
            "investigating_body": incident.investigating_body,
            "case_reference": incident.case_reference,
            "closed_on": incident.closed_on,
        }

    def to_data(self) -> RegisterData:
        data = self.cleaned_data
        return RegisterData(
            serious=bool(data["serious"]),
            learned_on=data["learned_on"],
            learned_from=data["learned_from"],
            relatives_informed=data["relatives_informed"],
            relatives_informed_on=data["relatives_informed_on"],
            investigation=data["investigation"],
            investigating_body=data["investigating_body"],
            case_reference=data["case_reference"],
            closed_on=data["closed_on"],
        )


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"), choices=IncidentAction.Kind.choices)
    taken_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the date of the action.")},
    )
    note = forms.CharField(
        label=_("What was done"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegisterFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("Open and closed")),
        ("open", _("Follow-up open")),
        ("closed", _("Follow-up closed")),
    ]
    KIND_CHOICES = [
        ("", _("Deaths and serious incidents")),
        ("death", _("Deaths")),
        ("serious", _("Serious incidents")),
    ]

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    region = forms.ChoiceField(label=_("Region"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=KIND_CHOICES)
    status = forms.ChoiceField(label=_("Follow-up"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, regions: QuerySet[Region], years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.TypedChoiceField)
        year.choices = [("", _("All years")), *((y, str(y)) for y in years)]
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", _("All regions")), *((r.code, r.name) for r in regions)]

    def apply(self, entries: QuerySet[Incident]) -> QuerySet[Incident]:
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["year"]:
            entries = entries.filter(occurred_on__year=data["year"])
        if data["region"]:
            entries = entries.filter(facility__region__code=data["region"])
        if data["kind"] == "death":
            entries = entries.filter(kind=Incident.Kind.DEATH)
        elif data["kind"] == "serious":
            entries = entries.exclude(kind=Incident.Kind.DEATH)
        if data["status"] == "open":
            entries = entries.filter(closed_on__isnull=True)
        elif data["status"] == "closed":
            entries = entries.filter(closed_on__isnull=False)
        return entries
