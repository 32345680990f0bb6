"""Training forms: thin parsers in front of ``training.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from people.models import Person
from training.models import Attendance, Event, Programme, Session

DATE = {"type": "date"}


def _date(**attrs: Any) -> forms.DateInput:
    return forms.DateInput(attrs={**DATE, **attrs}, format="%Y-%m-%d")


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "title_kk",
            "title_ru",
            "title_en",
            "description",
            "co_organisers",
            "budget",
            "currency",
            "starts_on",
            "ends_on",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "co_organisers": forms.CheckboxSelectMultiple,
            "starts_on": _date(),
            "ends_on": _date(),
        }

    def __init__(self, *args: Any, organisations: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            field = self.fields["co_organisers"]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = organisations

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "co_organisers"}


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "title_kk",
            "title_ru",
            "title_en",
            "city",
            "region",
            "venue",
            "starts_on",
            "ends_on",
            "language",
            "capacity",
            "status",
            "co_organisers",
            "grants",
            "min_attendance_percent",
            "min_test_percent",
        ]
        widgets = {
            "starts_on": _date(),
            "ends_on": _date(),
            "co_organisers": forms.CheckboxSelectMultiple,
            "grants": forms.CheckboxSelectMultiple,
            "capacity": forms.NumberInput(attrs={"min": 1}),
            "min_attendance_percent": forms.NumberInput(attrs={"min": 0, "max": 100}),
            "min_test_percent": forms.NumberInput(attrs={"min": 0, "max": 100}),
        }

    M2M = ("co_organisers", "grants")

    def __init__(self, *args: Any, organisations: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            field = self.fields["co_organisers"]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = organisations
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        # Cancelling has its own action (it freezes the event).
        status.choices = [c for c in Event.Status.choices if c[0] != Event.Status.CANCELLED]
        status.help_text = _("Mark the event as held once it has taken place: certificates need it.")

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in self.M2M}


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "topic_kk",
            "topic_ru",
            "topic_en",
            "starts_at",
            "duration_minutes",
            "trainer",
        ]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "duration_minutes": forms.NumberInput(attrs={"min": 1}),
        }

    def __init__(self, *args: Any, persons: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if persons is not None:
            field = self.fields["trainer"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = persons


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    file = forms.FileField(label=_("File"))


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} — {obj.organisation.name}" if obj.organisation else obj.full_name


class RegistrationForm(forms.Form):
    person = PersonChoiceField(label=_("Participant"), queryset=Person.objects.none())

    def __init__(self, *args: Any, persons: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = persons.select_related("organisation")


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revocation"), max_length=300)


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        validators=[
            RegexValidator(r"^\s*[A-Za-z0-9-]+\s*$", _("A code has only letters, digits and dashes."))
        ],
    )


ATTENDANCE_CHOICES = [("", "—"), *Attendance.Status.choices]


def parse_attendance(data: Any, enrolment_ids: list[int]) -> dict[int, str]:
    """``e<enrolment id>`` -> status for every known enrolment with a valid, non-empty choice."""
    valid = {value for value, _label in Attendance.Status.choices}
    marks: dict[int, str] = {}
    for enrolment_id in enrolment_ids:
        value = data.get(f"e{enrolment_id}", "")
        if value in valid:
            marks[enrolment_id] = value
    return marks
