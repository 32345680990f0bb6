"""Forms of the finding pages: a finding of a visit, and a referral of a possible case of
ill-treatment. They only parse; the rules live in ``dozor.visits.findings.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.methodology.models import QuestionType
from dozor.standards.models import Provision, Theme
from dozor.visits.models import Answer, Evidence, Finding, Interview, Submission, Visit

ANSWER_LABEL_MAX = 80


def answer_display(answer: Answer) -> str:
    """An answer as people read it: choice labels instead of choice names, shortened."""
    question = answer.question
    value = answer.value
    if question.type in (QuestionType.YES_NO, QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
        labels = {c["name"]: c["label"] or c["name"] for c in question.choice_list()}
        value = ", ".join(labels.get(part, part) for part in value.split())
    if len(value) > ANSWER_LABEL_MAX:
        value = value[: ANSWER_LABEL_MAX - 1] + "…"
    return value


class AnswerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        unit = f" [{obj.repeat_index}]" if obj.repeat_index else ""
        return f"{obj.question.label}{unit}: {answer_display(obj)}"


class EvidenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        text = f"{obj.original_name} ({obj.get_kind_display()})"
        return f"{text} — {obj.description}" if obj.description else text


def provision_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every provision of the library, grouped by theme (one query)."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    provisions = Provision.objects.select_related("instrument", "theme").order_by(
        "theme__sort_order", "theme__code", "instrument__sort_order", "sort_order", "code"
    )
    for provision in provisions:
        label = f"{provision.instrument.short} {provision.number_display}"
        if provision.title:
            label = f"{label} — {provision.title}"
        group = groups.setdefault(provision.theme_id, (provision.theme.name, []))
        group[1].append((provision.pk, label))
    return list(groups.values())


class FindingForm(forms.Form):
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none())
    severity = forms.ChoiceField(label=_("Severity"), choices=Finding.Severity.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    location = forms.CharField(
        label=_("Location in the facility"),
        max_length=200,
        required=False,
        help_text=_("For example a block or unit; never a cell number together with a date."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was found, measured against the standards. No names of interviewees."),
    )
    sources = forms.MultipleChoiceField(
        label=_("Sources cross-checked"),
        choices=Finding.Source.choices,
        required=False,  # the service explains how many sources the severity needs
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Critical and serious findings need at least two different sources."),
    )
    provisions = forms.TypedMultipleChoiceField(
        label=_("Provisions breached"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    answers = AnswerChoiceField(
        label=_("Checklist answers"),
        queryset=Answer.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    evidence = EvidenceChoiceField(
        label=_("Evidence"),
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    sensitive = forms.BooleanField(
        label=_("Sensitive details"),
        required=False,
        help_text=_(
            "Tick when the description could identify a person or reveals a health matter: only the visit's "
            "team and the coordinators then read it, and it never leaves the NPM."
        ),
    )
    possible_ill_treatment = forms.BooleanField(
        label=_("Possible torture or ill-treatment"),
        required=False,
        help_text=_("Starts the urgent-action procedure: the coordinators are notified by e-mail at once."),
    )

    def __init__(self, *args: Any, visit: Visit, finding: Finding | None = None, **kwargs: Any) -> None:
        if finding is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "theme": finding.theme_id,
                "severity": finding.severity,
                "title": finding.title,
                "location": finding.location,
                "description": finding.description,
                "sources": list(finding.sources),
                "provisions": [p.pk for p in finding.provisions.all()],
                "answers": [a.pk for a in finding.answers.all()],
                "evidence": [e.pk for e in finding.evidence.all()],
                "possible_ill_treatment": finding.possible_ill_treatment,
                "sensitive": finding.sensitive,
            }
        super().__init__(*args, **kwargs)
        self._queryset("theme", Theme.objects.order_by("sort_order", "code"))
        self._queryset(
            "answers",
            Answer.objects.filter(submission__visit=visit, submission__status=Submission.Status.FINAL)
            .select_related("question__section")
            .order_by("submission_id", "question__section__order", "repeat_index", "question__order"),
        )
        self._queryset("evidence", Evidence.objects.filter(visit=visit).order_by("uploaded_at", "id"))
        provisions = self.fields["provisions"]
        assert isinstance(provisions, forms.TypedMultipleChoiceField)
        provisions.choices = provision_choices()

    def _queryset(self, name: str, queryset: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def values(self) -> dict[str, Any]:
        """The cleaned values as the services take them."""
        data = self.cleaned_data
        return {
            "theme": data["theme"],
            "severity": data["severity"],
            "title": data["title"],
            "location": data["location"],
            "description": data["description"],
            "sources": list(data["sources"]),
            "provisions": list(data["provisions"]),
            "answers": list(data["answers"]),
            "evidence": list(data["evidence"]),
            "possible_ill_treatment": data["possible_ill_treatment"],
            "sensitive": data["sensitive"],
        }


class ReferralForm(forms.Form):
    referred_on = forms.DateField(
        label=_("Referred on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    addressee = forms.CharField(
        label=_("Referred to"),
        max_length=300,
        help_text=_("For example the regional prosecutor's office."),
    )
    reference = forms.CharField(label=_("Outgoing reference"), max_length=120, required=False)
    consent_given = forms.BooleanField(
        label=_("The person gave informed consent to the referral"),
        required=False,  # the service refuses without it, with the reason
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, visit: Visit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The interview the referral rests on, if any: its consent record is then checked
        # (docs/decisions/0021-consent-records.md). Pseudonym codes only.
        self.fields["interview"] = forms.ModelChoiceField(
            label=_("Interview the referral rests on"),
            queryset=Interview.objects.filter(visit=visit).order_by("code")
            if visit is not None
            else Interview.objects.none(),
            required=False,
            help_text=_(
                "If the case comes from an interview, its consent to a referral to the prosecutor must be on record."
            ),
        )
        self.order_fields(["referred_on", "addressee", "reference", "interview", "consent_given", "note"])

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "referred_on": data["referred_on"],
            "addressee": data["addressee"],
            "reference": data["reference"],
            "consent_given": data["consent_given"],
            "interview": data.get("interview"),
            "note": data["note"],
        }
