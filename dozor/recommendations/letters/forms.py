"""Forms of the correspondence register. They only parse; the rules live in
``dozor.recommendations.letters.services``."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.access import AnyUser, authorities_visible_to
from dozor.core.models import Authority
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility
from dozor.recommendations.models import Letter
from dozor.visits.access import reports_visible_to
from dozor.visits.models import Report


class ReportChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        visit = obj.visit
        return f"{visit.facility.name} · {visit.started_on:%Y-%m-%d}"


class LetterFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or subject"), required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("", _("All")), *Letter.Direction.choices], required=False
    )
    authority = forms.ModelChoiceField(
        label=_("Correspondent"), queryset=Authority.objects.none(), required=False, empty_label=_("All")
    )
    unanswered = forms.BooleanField(label=_("Waiting for an answer"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)

    def __init__(self, *args: Any, authorities: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = authorities


class LetterForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=Letter.Direction.choices)
    number = forms.CharField(label=_("Registration number"), max_length=60)
    registered_on = forms.DateField(
        label=_("Registered on"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    authority = forms.ModelChoiceField(
        label=_("Correspondent (authority)"), queryset=Authority.objects.none(), required=False
    )
    facility = forms.ModelChoiceField(
        label=_("Correspondent (place)"), queryset=Facility.objects.none(), required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    answer_within = forms.IntegerField(
        label=_("Answer within (working days)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_(
            "Outgoing letters that expect an answer: the due date is counted on the holiday calendar."
        ),
    )
    in_reply_to = forms.CharField(
        label=_("In reply to letter No."),
        max_length=60,
        required=False,
        help_text=_("The registration number of the letter this one answers (it goes the other way)."),
    )
    report = ReportChoiceField(label=_("Visit report"), queryset=Report.objects.none(), required=False)
    recommendations = forms.CharField(
        label=_("Recommendations (numbers)"),
        required=False,
        help_text=_("The recommendations' numbers, separated by commas or spaces."),
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queryset("authority", authorities_visible_to(user).order_by("path"))
        self._queryset("facility", facilities_visible_to(user).order_by("name_ru", "pk"))
        self._queryset(
            "report",
            reports_visible_to(user).select_related("visit__facility").order_by("-visit__started_on", "-pk"),
        )

    def _queryset(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def clean_recommendations(self) -> list[int]:
        raw = self.cleaned_data.get("recommendations") or ""
        parts = [p for p in re.split(r"[\s,;]+", raw.replace("#", " ")) if p]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(_("Give the recommendations' numbers only, e.g. 12, 15."))
        return [int(p) for p in parts]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = (data.get("in_reply_to") or "").strip()
        direction = data.get("direction")
        data["in_reply_to_letter"] = None
        if number and direction in Letter.Direction.values:
            other = (
                Letter.Direction.INCOMING
                if direction == Letter.Direction.OUTGOING
                else Letter.Direction.OUTGOING
            )
            letter = Letter.objects.filter(direction=other, number=number).first()
            if letter is None:
                self.add_error(
                    "in_reply_to",
                    _("No %(direction)s letter No. %(number)s is registered.")
                    % {"direction": Letter.Direction(other).label.lower(), "number": number},
                )
            data["in_reply_to_letter"] = letter
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "direction": data["direction"],
            "number": data["number"],
            "registered_on": data["registered_on"],
            "authority": data["authority"],
            "facility": data["facility"],
            "subject": data["subject"],
            "summary": data["summary"],
            "answer_within": data["answer_within"],
            "in_reply_to": data["in_reply_to_letter"],
            "report": data["report"],
            "recommendations": data["recommendations"],
        }


class EscalateForm(forms.Form):
    number = forms.CharField(label=_("Registration number of the escalation"), max_length=60)
    registered_on = forms.DateField(
        label=_("Registered on"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    answer_within = forms.IntegerField(
        label=_("Answer within (working days)"), required=False, min_value=1, max_value=365, initial=10
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "number": data["number"],
            "registered_on": data["registered_on"],
            "answer_within": data["answer_within"],
        }
