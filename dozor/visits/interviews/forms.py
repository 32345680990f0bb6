"""The interview and consent forms: they parse input only; the rules live in
dozor.visits.interviews.services and dozor.visits.interviews.consent_services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.core.models import Language
from dozor.visits.interviews.consent_services import assessors_for
from dozor.visits.models import Consent, Interview, Visit


class InterviewForm(forms.Form):
    code = forms.CharField(
        label=_("Pseudonym code"),
        max_length=40,
        help_text=_("Letters, digits and dashes, with at least one digit (e.g. D-07). Never a name."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Interview.Category.choices)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.none(), required=False)
    interpreter = forms.BooleanField(label=_("Through an interpreter"), required=False)
    at_risk = forms.BooleanField(
        label=_("At risk of reprisal"),
        required=False,
        help_text=_("The next visit to the place must check on this person."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Stored encrypted; readable only by coordinators and the visit's team."),
    )
    excerpt = forms.CharField(
        label=_("What may be quoted in the report"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Stored encrypted. Quoted in a document only if the person consents to that use (the report "
            "to the authority, public documents), and then only attributed to their category, never to "
            "a name or code."
        ),
    )
    identity = forms.CharField(
        label=_("Identity"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: name, date of birth, cell. Stored encrypted; leave empty when not needed."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Language.objects.order_by("sort_order", "code")

    @staticmethod
    def initial_for(interview: Interview) -> dict[str, Any]:
        return {
            "code": interview.code,
            "category": interview.category,
            "held_on": interview.held_on,
            "language": interview.language_id,
            "interpreter": interview.interpreter,
            "at_risk": interview.at_risk,
            "notes": interview.notes,
            "excerpt": interview.excerpt,
            "identity": interview.identity,
        }


def _assessor_field(visit: Visit, *, label: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=User.objects.filter(pk__in=[user.pk for user in assessors_for(visit)]).order_by(
            "last_name", "first_name", "username"
        ),
        required=False,
        help_text=_("Needed unless the person is able to consent: a coordinator or a member of the team."),
    )


class InterviewCreateForm(InterviewForm):
    """The interview form when recording: the person's consents asked at the interview, as quick
    boxes (each becomes a consent record; refusals and later answers go on the interview page)."""

    consents = forms.MultipleChoiceField(
        label=_("Consents to"),
        choices=Consent.Use.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick only what the person agreed to; anything not ticked is not used."),
    )
    consent_method = forms.ChoiceField(
        label=_("How consent was given"), choices=Consent.Method.choices, initial=Consent.Method.ORAL
    )
    consent_capacity = forms.ChoiceField(
        label=_("Capacity to consent"), choices=Consent.Capacity.choices, initial=Consent.Capacity.FULL
    )
    consent_note = forms.CharField(label=_("Note on consent"), max_length=500, required=False)

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_capacity_assessed_by"] = _assessor_field(visit, label=_("Capacity assessed by"))


class ConsentForm(forms.Form):
    """One answer for one use, recorded on the interview page."""

    use = forms.ChoiceField(label=_("Use"), choices=Consent.Use.choices)
    granted = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Consents")), ("no", _("Refuses"))],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(label=_("How"), choices=Consent.Method.choices, initial=Consent.Method.ORAL)
    given_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.ModelChoiceField(
        label=_("Language in which it was asked"), queryset=Language.objects.none(), required=False
    )
    capacity = forms.ChoiceField(
        label=_("Capacity to consent"), choices=Consent.Capacity.choices, initial=Consent.Capacity.FULL
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Language.objects.order_by("sort_order", "code")
        self.fields["capacity_assessed_by"] = _assessor_field(visit, label=_("Capacity assessed by"))
        self.order_fields(
            ["use", "granted", "method", "given_on", "language", "capacity", "capacity_assessed_by"]
        )


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("How the withdrawal was received"),
        max_length=500,
        help_text=_("For example: in person at the follow-up visit, by letter, through a relative."),
    )


class TaskDoneForm(forms.Form):
    task_note = forms.CharField(label=_("What was done"), max_length=500)
