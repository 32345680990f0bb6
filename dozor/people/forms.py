"""Forms parse input for the people pages; the services in people/services.py validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.accounts.access import AnyUser, authorities_visible_to, regions_visible_to
from dozor.core.data import data_from
from dozor.core.forms import ServiceModelForm
from dozor.core.models import Authority, Language, Region
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility
from dozor.people.models import EligibilityRule, Expertise, Organisation, Participation, Person
from dozor.people.services import OrganisationData, ParticipationData, PersonData


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OrganisationForm(ServiceModelForm):
    """For a change, built with ``initial=OrganisationForm.initial_from(organisation)``."""

    class Meta:
        model = Organisation
        fields = ["name_kk", "name_ru", "name_en", "kind", "region", "authority", "website", "email", "phone"]

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_visible_to(user)  # type: ignore[attr-defined]
        self.fields["authority"].queryset = authorities_visible_to(user).order_by("path")  # type: ignore[attr-defined]

    def to_data(self) -> OrganisationData:
        return data_from(OrganisationData, self.cleaned_data)


class PersonForm(ServiceModelForm):
    """For a change, built with ``initial=PersonForm.initial_from(person)``; its languages and
    expertise go to the service beside ``to_data()``."""

    languages = forms.ModelMultipleChoiceField(
        label=_("Working languages"),
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    expertise = forms.ModelMultipleChoiceField(
        label=_("Expertise"),
        queryset=Expertise.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Person
        fields = [
            "last_name",
            "first_name",
            "patronymic",
            "gender",
            "organisation",
            "position",
            "region",
            "email",
            "phone",
            "languages",
            "expertise",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_visible_to(user)  # type: ignore[attr-defined]

    def to_data(self) -> PersonData:
        return data_from(PersonData, self.cleaned_data)


class ParticipationForm(forms.Form):
    term_start = forms.DateField(label=_("Term starts"), widget=DateInput())
    term_end = forms.DateField(label=_("Term ends"), required=False, widget=DateInput())
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Participation.Status.choices,
        help_text=_(
            "A person can be made active only when their eligibility declaration is complete and clear."
        ),
    )
    region = forms.ModelChoiceField(label=_("Regional group"), queryset=Region.objects.none(), required=False)
    decision_ref = forms.CharField(label=_("Decision reference"), max_length=120, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_visible_to(user)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(participation: Participation) -> dict[str, Any]:
        return {
            "term_start": participation.term_start,
            "term_end": participation.term_end,
            "status": participation.status,
            "region": participation.region_id,
            "decision_ref": participation.decision_ref,
            "note": participation.note,
        }

    def to_data(self) -> ParticipationData:
        return data_from(ParticipationData, self.cleaned_data)


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class EligibilityForm(forms.Form):
    """One yes/no question per rule in force, then the date the person answered."""

    declared_on = forms.DateField(label=_("Declared on"), widget=DateInput())

    def __init__(
        self, *args: Any, rules: list[EligibilityRule], answers: dict[int, bool], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        declared_on = self.fields.pop("declared_on")
        for rule in rules:
            initial = answers.get(rule.pk)
            self.fields[self.field_name(rule)] = forms.ChoiceField(
                label=rule.question or rule.name,
                choices=YES_NO,
                widget=forms.RadioSelect,
                initial=None if initial is None else ("yes" if initial else "no"),
                error_messages={"required": _("Answer this question.")},
            )
        self.fields["declared_on"] = declared_on

    @staticmethod
    def field_name(rule: EligibilityRule) -> str:
        return f"rule_{rule.pk}"

    def answers(self) -> dict[EligibilityRule, bool]:
        return {rule: self.cleaned_data[self.field_name(rule)] == "yes" for rule in self.rules}


class ConflictForm(forms.Form):
    authority = forms.ModelChoiceField(
        label=_("Authority"),
        queryset=Authority.objects.none(),
        required=False,
        help_text=_("The person must not visit any place of this authority."),
    )
    facility = forms.ModelChoiceField(
        label=_("Facility"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("Or: the one place the person must not visit."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    declared_on = forms.DateField(label=_("Declared on"), widget=DateInput())

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities_visible_to(user).order_by("path")  # type: ignore[attr-defined]
        self.fields["facility"].queryset = facilities_visible_to(user).order_by("name_ru", "code")  # type: ignore[attr-defined]


class ConflictEndForm(forms.Form):
    ended_on = forms.DateField(label=_("No longer applies from"), widget=DateInput())


def _choices(blank: Any, pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", blank), *pairs]


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Region"), required=False)
    expertise = forms.ChoiceField(label=_("Expertise"), required=False)
    organisation_kind = forms.ChoiceField(
        label=_("Organisation kind"),
        required=False,
        choices=_choices(_("All kinds"), Organisation.Kind.choices),
    )
    status = forms.ChoiceField(
        label=_("Participation"),
        required=False,
        choices=_choices(_("Any"), [*Participation.Status.choices, ("none", _("Never a participant"))]),
    )
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=_choices(_("Any"), Person.Gender.choices)
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _choices(  # type: ignore[attr-defined]
            _("All regions"), [(r.code, r.name) for r in regions_visible_to(user)]
        )
        self.fields["expertise"].choices = _choices(  # type: ignore[attr-defined]
            _("All expertise"), [(e.code, e.name) for e in Expertise.objects.all()]
        )

    def filters(self) -> dict[str, str]:
        """The valid filters; an invalid value (a stale link) is dropped rather than refused."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_choices(_("All kinds"), Organisation.Kind.choices)
    )
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _choices(  # type: ignore[attr-defined]
            _("All regions"), [(r.code, r.name) for r in regions_visible_to(user)]
        )

    def filters(self) -> dict[str, str]:
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}
