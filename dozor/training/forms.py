"""Training forms: thin parsers in front of ``dozor.training.services``."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dozor.core.data import data_from
from dozor.core.forms import ServiceModelForm
from dozor.core.i18n import LANGUAGE_CODES
from dozor.methodology.forms import (
    LANGUAGE_LABELS,
    current_language,
    languages_current_first,
    parse_choice_lines,
)
from dozor.people.models import Organisation, Person
from dozor.standards.models import Provision
from dozor.training.models import (
    Assessment,
    AssessmentQuestion,
    Attendance,
    Enrolment,
    Event,
    Programme,
    Session,
)
from dozor.training.services import EventData, ProgrammeData, SessionData

DATE = {"type": "date"}


def _date(**attrs: Any) -> forms.DateInput:
    return forms.DateInput(attrs={**DATE, **attrs}, format="%Y-%m-%d")


class ProgrammeForm(ServiceModelForm):
    """For a change, built with ``initial=ProgrammeForm.initial_from(programme)``."""

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

    def to_data(self) -> ProgrammeData:
        return data_from(ProgrammeData, self.cleaned_data)


class EventForm(ServiceModelForm):
    """For a change, built with ``initial=EventForm.initial_from(event)``."""

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

    def to_data(self, *, programme: Programme) -> EventData:
        # A new event's form has no status field: it is planned.
        return data_from(EventData, {**self.cleaned_data, "programme": programme})


class SessionForm(ServiceModelForm):
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

    provisions = forms.CharField(
        label=_("Standards"),
        required=False,
        help_text=_("Codes of the provisions the session covers, separated by commas."),
    )

    def __init__(self, *args: Any, persons: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if persons is not None:
            field = self.fields["trainer"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = persons

    def clean_provisions(self) -> list[Provision]:
        codes = [c for c in re.split(r"[\s,;]+", self.cleaned_data.get("provisions") or "") if c]
        found = {p.code: p for p in Provision.objects.filter(code__in=codes)}
        unknown = [c for c in dict.fromkeys(codes) if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown provision codes: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return [found[c] for c in dict.fromkeys(codes)]

    def to_data(self) -> SessionData:
        return data_from(SessionData, self.cleaned_data)


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


class NewParticipantForm(forms.Form):
    """A participant not yet on the roster: only what a registration sheet holds."""

    last_name = forms.CharField(label=_("Last name"), max_length=120)
    first_name = forms.CharField(label=_("First name"), max_length=120)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=120, required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=Person.Gender.choices, initial=Person.Gender.UNDISCLOSED
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args: Any, organisations: QuerySet[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations


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


def attendance_field(session_id: int, enrolment_id: int) -> str:
    """The name of one cell of the event page's attendance grid."""
    return f"a-{session_id}-{enrolment_id}"


def parse_attendance_grid(data: Any, cells: list[tuple[int, int]]) -> dict[int, dict[int, str]]:
    """The attendance grid as the service takes it, {session id: {enrolment id: status}}, for the
    given (session id, enrolment id) cells with a valid, non-empty choice. The "mark all present"
    button of a session (``present=<session id>``, sent when JavaScript is off) marks all of that
    session's cells present."""
    valid = {value for value, _label in Attendance.Status.choices}
    all_present = str(data.get("present", ""))
    marks: dict[int, dict[int, str]] = {}
    for session_id, enrolment_id in cells:
        value = data.get(attendance_field(session_id, enrolment_id), "")
        if all_present == str(session_id):
            value = Attendance.Status.PRESENT
        if value in valid:
            marks.setdefault(session_id, {})[enrolment_id] = value
    return marks


# Knowledge tests and evaluations ---------------------------------------------------------------

KIND_SLUGS = {"pre": Assessment.Kind.PRE_TEST, "post": Assessment.Kind.POST_TEST}


class TestQuestionForm(forms.Form):
    """One question of a knowledge test. Texts in the three languages (the current one required),
    choices and their labels in the current language (other languages' labels are kept)."""

    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, as name = label (e.g. a = Within 24 hours)."),
    )
    correct = forms.CharField(label=_("Correct choice (its name)"), max_length=40, required=False)
    points = forms.IntegerField(label=_("Points"), min_value=1, initial=1, required=False)
    session = forms.ModelChoiceField(
        label=_("Topic (session)"),
        queryset=Session.objects.none(),
        required=False,
        help_text=_("Link the question to a session to measure the learning gain per topic."),
    )

    def __init__(
        self,
        *args: Any,
        sessions: QuerySet[Session] | None = None,
        previous: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.previous = previous or []
        field = self.fields["session"]
        assert isinstance(field, forms.ModelChoiceField)
        if sessions is not None:
            field.queryset = sessions
        lang = current_language()
        for code in languages_current_first():
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Question (%(language)s)") % {"language": LANGUAGE_LABELS[code]},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "lang": code}),
            )
        self.fields["choices"].label = _("Choices (%(language)s)") % {"language": LANGUAGE_LABELS[lang]}
        self.order_fields(
            [
                *[f"text_{code}" for code in languages_current_first()],
                "choices",
                "correct",
                "points",
                "session",
            ]
        )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(f"text_{code}") for code in LANGUAGE_CODES) and not data.get("choices")

    def clean_choices(self) -> list[tuple[str, str]]:
        return parse_choice_lines(self.cleaned_data.get("choices") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank():
            return data
        lang = current_language()
        if not data.get(f"text_{lang}"):
            self.add_error(
                f"text_{lang}",
                _("Give the question in %(language)s.") % {"language": LANGUAGE_LABELS[lang]},
            )
        if not data.get("correct"):
            self.add_error("correct", _("Give the name of the correct choice."))
        return data

    def question(self) -> dict[str, Any]:
        """The service's question: other languages' choice labels are kept by choice name."""
        data = self.cleaned_data
        lang = current_language()
        previous = {c.get("name"): c for c in self.previous}
        choices = []
        for name, label in data["choices"]:
            labels = {
                f"label_{code}": previous.get(name, {}).get(f"label_{code}", "") for code in LANGUAGE_CODES
            }
            choices.append({"name": name, **labels, f"label_{lang}": label})
        return {
            **{f"text_{code}": data.get(f"text_{code}", "") for code in LANGUAGE_CODES},
            "choices": choices,
            "correct": data["correct"].strip(),
            "points": data.get("points") or 1,
            "session": data.get("session"),
        }


def question_initial(question: AssessmentQuestion) -> dict[str, Any]:
    lang = current_language()
    return {
        **{f"text_{code}": getattr(question, f"text_{code}") for code in LANGUAGE_CODES},
        "choices": "\n".join(f"{c.get('name')} = {c.get(f'label_{lang}', '')}" for c in question.choices),
        "correct": question.correct,
        "points": question.points,
        "session": question.session_id,
    }


class BaseTestQuestionFormSet(forms.BaseFormSet):
    previous: list[list[dict[str, Any]]] = []

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.previous):
            kwargs["previous"] = self.previous[index]
        return kwargs

    def questions(self) -> list[dict[str, Any]]:
        return [form.question() for form in self.forms if not form.is_blank()]


TestQuestionFormSet = forms.formset_factory(
    TestQuestionForm, formset=BaseTestQuestionFormSet, extra=2, max_num=100
)


class AnswerSheetForm(forms.Form):
    """One participant's paper answer sheet: the participant, then one choice per question."""

    enrolment = forms.ModelChoiceField(label=_("Participant"), queryset=Enrolment.objects.none())

    def __init__(
        self,
        *args: Any,
        enrolments: QuerySet[Enrolment],
        participants: list[Enrolment],
        questions: list[AssessmentQuestion],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["enrolment"]
        assert isinstance(field, forms.ModelChoiceField)
        # Any enrolment the user may see parses, so the service can say why another event's is refused;
        # only this event's participants are offered.
        field.queryset = enrolments
        field.widget.choices = [("", "---------"), *[(e.pk, e.person.full_name) for e in participants]]
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                required=False,
                widget=forms.RadioSelect,
                choices=[(c.get("name"), _choice_label(c)) for c in question.choices],
            )

    def answers(self) -> dict[int | str, str]:
        return {
            q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions if self.cleaned_data.get(f"q{q.pk}")
        }


def _choice_label(choice: dict[str, Any]) -> str:
    lang = current_language()
    label = choice.get(f"label_{lang}") or next(
        (choice.get(f"label_{code}") for code in LANGUAGE_CODES if choice.get(f"label_{code}")), ""
    )
    return f"{choice.get('name')}) {label}" if label else str(choice.get("name"))


RATINGS = [(n, str(n)) for n in range(1, 6)]


class EvaluationForm(forms.Form):
    overall = forms.TypedChoiceField(
        label=_("Overall (1-5)"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    relevance = forms.TypedChoiceField(
        label=_("Relevance to my work (1-5)"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    trainers = forms.TypedChoiceField(
        label=_("Trainers (1-5)"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
