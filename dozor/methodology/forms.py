"""Forms of the template editor. They parse input; the services validate and write."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dozor.core.data import data_of
from dozor.core.i18n import LANGUAGE_CODES
from dozor.methodology.models import Question, QuestionType
from dozor.methodology.services import QuestionData
from dozor.standards.models import Provision, Theme

LANGUAGE_LABELS = {"kk": _("Kazakh"), "ru": _("Russian"), "en": _("English")}
SELECT_TYPES = {QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE}


def current_language() -> str:
    lang = (translation.get_language() or "ru").split("-")[0]
    return lang if lang in LANGUAGE_CODES else "ru"


def languages_current_first() -> list[str]:
    lang = current_language()
    return [lang] + [code for code in LANGUAGE_CODES if code != lang]


def parse_choice_lines(text: str) -> list[tuple[str, str]]:
    """Lines ``name = label`` (a line without ``=`` uses the same text for both)."""
    choices = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        name, sep, label = line.partition("=")
        choices.append((name.strip(), label.strip() if sep else name.strip()))
    return choices


class SectionForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=60,
        help_text=_("Lowercase Latin letters, digits and _; used in the XLSForm."),
    )
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.all(), required=False)
    repeat = forms.BooleanField(
        label=_("Repeat for each unit"),
        required=False,
        help_text=_("For example once per cell or per room inspected."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for lang in languages_current_first():
            self.fields[f"title_{lang}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": LANGUAGE_LABELS[lang]},
                max_length=300,
                required=False,
            )
        self.order_fields(
            ["code", *[f"title_{lang}" for lang in languages_current_first()], "theme", "repeat"]
        )

    def titles(self) -> dict[str, str]:
        return {lang: self.cleaned_data.get(f"title_{lang}", "") for lang in LANGUAGE_CODES}


class QuestionForm(forms.Form):
    """Add or edit a question. Labels in all three languages (the current one first); hint,
    constraint message and choice labels in the current language (the translate page does the rest)."""

    name = forms.CharField(
        label=_("Field name"),
        max_length=60,
        help_text=_("Lowercase Latin letters, digits and _; conditions refer to it as ${name}."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=QuestionType.choices)
    hint = forms.CharField(label=_("Help text"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    required = forms.BooleanField(label=_("Required"), required=False)
    relevant = forms.CharField(
        label=_("Shown only if"),
        required=False,
        max_length=500,
        help_text=_("An XLSForm condition on earlier questions, e.g. ${holds_women} = 'yes'."),
    )
    constraint = forms.CharField(
        label=_("Constraint"),
        required=False,
        max_length=200,
        help_text=_("Number questions only, e.g. . >= 0 and . <= 500"),
    )
    constraint_message = forms.CharField(
        label=_("Message when the constraint fails"), required=False, max_length=300
    )
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For choice questions: one per line, as name = label (e.g. daily = Every day)."),
    )
    provisions = forms.CharField(
        label=_("Provisions"),
        required=False,
        help_text=_("Codes of the provisions the question checks, separated by commas."),
    )

    def __init__(self, *args: Any, question: Question | None = None, **kwargs: Any) -> None:
        self.question = question
        lang = current_language()
        if question is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": question.name,
                "type": question.type,
                "required": question.required,
                "relevant": question.relevant,
                "constraint": question.constraint,
                "hint": getattr(question, f"hint_{lang}"),
                "constraint_message": getattr(question, f"constraint_message_{lang}"),
                "choices": "\n".join(f"{c['name']} = {c.get(f'label_{lang}', '')}" for c in question.choices),
                "provisions": ", ".join(p.code for p in question.provisions.all()),
                **{f"label_{code}": getattr(question, f"label_{code}") for code in LANGUAGE_CODES},
            }
        super().__init__(*args, **kwargs)
        for code in languages_current_first():
            self.fields[f"label_{code}"] = forms.CharField(
                label=_("Question (%(language)s)") % {"language": LANGUAGE_LABELS[code]},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "lang": code}),
            )
        self.fields["hint"].label = _("Help text (%(language)s)") % {"language": LANGUAGE_LABELS[lang]}
        self.fields["constraint_message"].label = _("Message when the constraint fails (%(language)s)") % {
            "language": LANGUAGE_LABELS[lang]
        }
        self.fields["choices"].label = _("Choices (%(language)s)") % {"language": LANGUAGE_LABELS[lang]}
        self.order_fields(
            [
                "name",
                "type",
                *[f"label_{code}" for code in languages_current_first()],
                "hint",
                "required",
                "choices",
                "relevant",
                "constraint",
                "constraint_message",
                "provisions",
            ]
        )

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).strip()

    def clean_choices(self) -> list[tuple[str, str]]:
        return parse_choice_lines(self.cleaned_data.get("choices") or "")

    def clean_provisions(self) -> list[Provision]:
        codes = [c for c in re.split(r"[\s,;]+", self.cleaned_data.get("provisions") or "") if c]
        found = {p.code: p for p in Provision.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown provision codes: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return [found[c] for c in dict.fromkeys(codes)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("type") in SELECT_TYPES and "choices" in data and not data["choices"]:
            self.add_error("choices", _("A choice question needs its choices, one per line."))
        if data.get("constraint") and not data.get("constraint_message") and not self._other_messages():
            self.add_error("constraint_message", _("Say what is wrong when the constraint fails."))
        return data

    def _other_messages(self) -> bool:
        lang = current_language()
        return self.question is not None and any(
            getattr(self.question, f"constraint_message_{code}") for code in LANGUAGE_CODES if code != lang
        )

    def to_data(self) -> QuestionData:
        """The question as edited: other languages' hint, message and choice labels are kept."""
        values = self._values()
        if self.question is None:
            return QuestionData(name=self.cleaned_data["name"], **values)
        return replace(data_of(QuestionData, self.question), name=self.cleaned_data["name"], **values)

    def _values(self) -> dict[str, Any]:
        data = self.cleaned_data
        lang = current_language()
        previous = {c["name"]: c for c in (self.question.choices if self.question else [])}
        choices = []
        if data["type"] in SELECT_TYPES:
            for name, label in data["choices"]:
                choice = {
                    f"label_{code}": previous.get(name, {}).get(f"label_{code}", "")
                    for code in LANGUAGE_CODES
                }
                choices.append({"name": name, **choice, f"label_{lang}": label})
        return {
            "type": data["type"],
            "required": data["required"],
            "relevant": data["relevant"].strip(),
            "constraint": data["constraint"].strip(),
            "choices": choices,
            f"hint_{lang}": data["hint"].strip(),
            f"constraint_message_{lang}": data["constraint_message"].strip(),
            **{f"label_{code}": data[f"label_{code}"].strip() for code in LANGUAGE_CODES},
        }


class TranslateForm(forms.Form):
    """Every text of one question in kk, ru and en, laid out side by side."""

    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        self.rows: list[tuple[Any, list[str]]] = []
        self._row(_("Question"), "label", multiline=True)
        self._row(_("Help text"), "hint", multiline=True)
        if question.constraint:
            self._row(_("Constraint message"), "constraint_message")
        for index, choice in enumerate(question.choices):
            names = []
            for code in languages_current_first():
                name = f"choice_{index}_{code}"
                self.fields[name] = forms.CharField(
                    label=_("Choice %(name)s (%(language)s)")
                    % {"name": choice["name"], "language": LANGUAGE_LABELS[code]},
                    required=False,
                    max_length=300,
                    initial=choice.get(f"label_{code}", ""),
                    widget=forms.TextInput(attrs={"lang": code}),
                )
                names.append(name)
            self.rows.append((_("Choice “%(name)s”") % {"name": choice["name"]}, names))

    def _row(self, title: Any, field: str, *, multiline: bool = False) -> None:
        names = []
        for code in languages_current_first():
            name = f"{field}_{code}"
            attrs = {"lang": code, "rows": 3} if multiline else {"lang": code}
            self.fields[name] = forms.CharField(
                label=f"{title} ({LANGUAGE_LABELS[code]})",
                required=False,
                initial=getattr(self.question, name),
                widget=forms.Textarea(attrs=attrs) if multiline else forms.TextInput(attrs=attrs),
            )
            names.append(name)
        self.rows.append((title, names))

    def bound_rows(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.rows]

    def to_data(self) -> QuestionData:
        """The question with its texts in every language as given."""
        return replace(data_of(QuestionData, self.question), **self._values())

    def _values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for field in ("label", "hint", "constraint_message"):
            for code in LANGUAGE_CODES:
                if f"{field}_{code}" in data:
                    values[f"{field}_{code}"] = data[f"{field}_{code}"].strip()
        if self.question.choices:
            values["choices"] = [
                {
                    **choice,
                    **{f"label_{code}": data[f"choice_{index}_{code}"].strip() for code in LANGUAGE_CODES},
                }
                for index, choice in enumerate(self.question.choices)
            ]
        return values


class XLSFormImportForm(forms.Form):
    file = forms.FileField(label=_("XLSForm file (.xlsx or .xls)"))
