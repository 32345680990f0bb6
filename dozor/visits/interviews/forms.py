"""The interview form: parses input only; the rules live in dozor.visits.interviews.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.core.models import Language
from dozor.visits.models import Interview


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
    consent_use = forms.BooleanField(label=_("Consents to the use of the information"), required=False)
    consent_naming = forms.BooleanField(label=_("Consents to being named"), required=False)
    consent_follow_up = forms.BooleanField(label=_("Consents to follow-up"), required=False)
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
            "Stored encrypted. Quoted in report documents only if the person consents to the use of "
            "the information, and then only attributed to their category, never to a name or code."
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
            "consent_use": interview.consent_use,
            "consent_naming": interview.consent_naming,
            "consent_follow_up": interview.consent_follow_up,
            "at_risk": interview.at_risk,
            "notes": interview.notes,
            "excerpt": interview.excerpt,
            "identity": interview.identity,
        }
