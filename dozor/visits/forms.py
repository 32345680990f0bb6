"""Forms of the visit pages: creating a visit and filling in its checklist online."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.accounts.access import (
    AnyUser,
    authorities_visible_to,
    regions_visible_to,
    users_with,
    visit_types_visible_to,
)
from dozor.accounts.models import User
from dozor.core.models import VisitType
from dozor.facilities.access import facilities_visible_to
from dozor.facilities.models import Facility
from dozor.methodology import expressions
from dozor.methodology.models import Question, QuestionType, Section, TemplateVersion
from dozor.methodology.selectors import published_versions
from dozor.visits.models import Report, Visit
from dozor.visits.selectors import OPEN_REPORTS, VisitFilters
from dozor.visits.submissions import MAX_UNITS as SUBMISSION_MAX_UNITS

MAX_UNITS = SUBMISSION_MAX_UNITS


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.template.name} — v{obj.number}"


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class VisitForm(forms.Form):
    facility = FacilityChoiceField(label=_("Place"), queryset=Facility.objects.none())
    visit_type = forms.ModelChoiceField(label=_("Visit type"), queryset=VisitType.objects.none())
    started_on = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    announced = forms.BooleanField(label=_("Announced in advance"), required=False)
    template_version = VersionChoiceField(
        label=_("Checklist version"),
        queryset=TemplateVersion.objects.none(),
        required=False,
        empty_label=_("The published checklist for the place's type"),
    )
    team = MemberChoiceField(
        label=_("Team"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Monitors on the team see the visit and fill in its checklists."),
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_queryset(
            "facility",
            facilities_visible_to(user)
            .filter(status=Facility.Status.ACTIVE)
            .select_related("type")
            .order_by("name_ru", "code"),
        )
        self._set_queryset("visit_type", visit_types_visible_to(user))
        self._set_queryset("template_version", published_versions(user))
        self._set_queryset("team", users_with("visits.join_team").order_by("last_name", "first_name"))

    def _set_queryset(self, name: str, queryset: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset


class VisitFilterForm(forms.Form):
    """The filters of the visit list. The place is given by its id (the place page links here);
    regions and authorities offered are those the user may see."""

    facility = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    region = forms.ChoiceField(label=_("Region"), required=False)
    authority = forms.ChoiceField(label=_("Authority"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1990, max_value=2100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Visit.Status.choices]
    )
    report = forms.ChoiceField(
        label=_("Report"),
        required=False,
        choices=[
            ("", _("Any report")),
            (OPEN_REPORTS, _("Being written (draft or review)")),
            *Report.Status.choices,
        ],
    )
    mine = forms.BooleanField(label=_("Only my visits"), required=False)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", _("All regions")), *((r.code, r.name) for r in regions_visible_to(user))]
        authority = self.fields["authority"]
        assert isinstance(authority, forms.ChoiceField)
        authority.choices = [
            ("", _("All authorities")),
            *(
                (a.code, ("— " * (a.path.count("/") - 2)) + a.name)
                for a in authorities_visible_to(user).order_by("path")
            ),
        ]

    def filters(self) -> VisitFilters:
        """The chosen filters; none when the form is unbound or not understood."""
        if not self.is_bound or not self.is_valid():
            return VisitFilters()
        data = self.cleaned_data
        return VisitFilters(
            facility=data["facility"],
            region=data["region"] or "",
            authority=data["authority"] or "",
            year=data["year"],
            status=data["status"] or "",
            report=data["report"] or "",
            mine=bool(data["mine"]),
        )


# The online checklist ---------------------------------------------------------------------------


def field_name(question: Question, index: int) -> str:
    """The form field of one answer: ``name`` outside repeats, ``name__2`` in the second unit."""
    return f"{question.name}__{index}" if index else question.name


def _widget_field(question: Question) -> forms.Field:
    label = question.label or question.name
    if question.required:
        label = f"{label} *"
    # Django's own required check stays off: a draft may leave anything unanswered, and whether a
    # question must be answered depends on relevance, which the service checks on finalising. The
    # attributes tell browsers and assistive technology; the form is novalidate, and Save draft
    # is formnovalidate besides.
    common: dict[str, Any] = {"label": label, "required": False, "help_text": question.hint}
    marks: dict[str, Any] = {"required": True} if question.required else {}
    text_marks = {**marks, "aria-required": "true"} if question.required else {}
    qtype = question.type
    if qtype in (QuestionType.YES_NO, QuestionType.SELECT_ONE):
        choices = [(c["name"], c["label"] or c["name"]) for c in question.choice_list()]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect(attrs=marks), **common)
    if qtype == QuestionType.SELECT_MULTIPLE:
        # no ``required`` on a checkbox: it would demand every box be ticked
        choices = [(c["name"], c["label"] or c["name"]) for c in question.choice_list()]
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if qtype == QuestionType.INTEGER:
        return forms.CharField(
            widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric", **text_marks}), **common
        )
    if qtype == QuestionType.DECIMAL:
        return forms.CharField(
            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", **text_marks}), **common
        )
    if qtype == QuestionType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date", **text_marks}), **common)
    if qtype == QuestionType.GEOPOINT:
        return forms.CharField(
            widget=forms.TextInput(
                attrs={"placeholder": _("latitude longitude, e.g. 43.2389 76.8897"), **text_marks}
            ),
            **common,
        )
    if qtype == QuestionType.PHOTO:
        return forms.CharField(
            widget=forms.TextInput(
                attrs={"placeholder": _("photo file name, e.g. IMG_0042.jpg"), **text_marks}
            ),
            **common,
        )
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 2, **text_marks}), **common)


@dataclass
class ChecklistItem:
    question: Question
    field: forms.BoundField
    relevant: bool
    conditional: bool  # has its own condition: its visibility can change while filling in
    trigger: bool  # other questions' conditions refer to it: a change re-evaluates them
    answered: bool = False

    @property
    def target_id(self) -> str:
        """The id a link to this question points at: the input, or the first choice of a group."""
        widget = self.field.field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return f"{self.field.auto_id}_0"
        return str(self.field.auto_id)


@dataclass
class ChecklistUnit:
    section: Section
    index: int  # 0 outside repeats; 1..n for the units of a repeated section
    relevant: bool
    items: list[ChecklistItem]

    @property
    def conditional(self) -> bool:
        return bool(self.section.relevant.strip())


@dataclass
class ChecklistSection:
    section: Section
    units: list[ChecklistUnit]

    def _items(self) -> list[ChecklistItem]:
        return [i for u in self.units if u.relevant for i in u.items if i.relevant]

    @property
    def relevant(self) -> bool:
        return any(u.relevant for u in self.units)

    @property
    def answered(self) -> int:
        return sum(1 for i in self._items() if i.answered)

    @property
    def total(self) -> int:
        return len(self._items())

    @property
    def required(self) -> int:
        return sum(1 for i in self._items() if i.question.required)

    @property
    def required_answered(self) -> int:
        return sum(1 for i in self._items() if i.question.required and i.answered)


class ChecklistForm(forms.Form):
    """Every question of a version as a form field; repeated sections get ``units[code]`` copies.

    Relevance is evaluated here only to show or hide questions; the service checks the answers
    again (required, constraints, relevance) when they are recorded.
    """

    def __init__(
        self,
        *args: Any,
        version: TemplateVersion,
        sections: list[Section],
        units: dict[str, int],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.version = version
        self.sections = sections
        self.units = units
        self._nodes: dict[str, Any] = {}
        self.triggers: set[str] = set()
        for section in sections:
            sources = [section.relevant, *(q.relevant for q in section.questions.all())]
            for source in sources:
                node = self._node(source)
                if node is not None:
                    self.triggers |= expressions.references(node)
        for section in sections:
            for index in self.indices(section):
                for question in section.questions.all():
                    self.fields[field_name(question, index)] = _widget_field(question)

    def indices(self, section: Section) -> list[int]:
        return list(range(1, self.units.get(section.code, 1) + 1)) if section.repeat else [0]

    def _node(self, source: str) -> Any:
        if source not in self._nodes:
            try:
                self._nodes[source] = expressions.parse(source) if source.strip() else None
            except expressions.ExpressionError:
                self._nodes[source] = None
        return self._nodes[source]

    def _relevant(self, source: str, context: dict[str, str]) -> bool:
        node = self._node(source)
        return node is None or expressions.evaluate(node, context)

    def _raw(self, question: Question, index: int) -> str:
        name = field_name(question, index)
        if not self.is_bound:
            return ""
        if question.type == QuestionType.SELECT_MULTIPLE:
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else self.data.get(name) or []
            return " ".join(str(v).strip() for v in values if str(v).strip())
        return str(self.data.get(name, ""))

    def walk(self) -> tuple[list[ChecklistSection], dict[tuple[str, int], str]]:
        """The layout with relevance applied, and the answers of relevant questions (hidden ones dropped)."""
        layout: list[ChecklistSection] = []
        answers: dict[tuple[str, int], str] = {}
        top: dict[str, str] = {}
        for section in self.sections:
            units = []
            for index in self.indices(section):
                context = top if index == 0 else dict(top)
                section_relevant = self._relevant(section.relevant, context)
                items = []
                for question in section.questions.all():
                    relevant = section_relevant and self._relevant(question.relevant, context)
                    value = self._raw(question, index)
                    if relevant and value.strip():
                        context[question.name] = (
                            value.strip() if question.type != QuestionType.TEXT else value
                        )
                        answers[(question.name, index)] = value
                    items.append(
                        ChecklistItem(
                            question=question,
                            field=self[field_name(question, index)],
                            relevant=relevant,
                            conditional=bool(question.relevant.strip()),
                            trigger=question.name in self.triggers,
                            answered=relevant and bool(value.strip()),
                        )
                    )
                units.append(
                    ChecklistUnit(section=section, index=index, relevant=section_relevant, items=items)
                )
            layout.append(ChecklistSection(section=section, units=units))
        return layout, answers

    def add_problem(self, key: str, message: str) -> None:
        """Attach a service problem (``name`` or ``name[2]``) to its field, or to the form."""
        if key == "__all__":
            self.add_error(None, message)
            return
        name, _sep, rest = key.partition("[")
        index = int(rest.rstrip("]")) if rest.rstrip("]").isdigit() else 0
        target = f"{name}__{index}" if index else name
        self.add_error(target if target in self.fields else None, message)


def parse_units(raw: Any, sections: list[Section]) -> dict[str, int]:
    """Units per repeated section from ``units`` (all of them) and ``units_<code>`` (one section)."""

    def number(value: Any, default: int) -> int:
        try:
            return max(1, min(MAX_UNITS, int(value)))
        except (TypeError, ValueError):
            return default

    default = number(raw.get("units"), 1)
    return {s.code: number(raw.get(f"units_{s.code}"), default) for s in sections if s.repeat}
