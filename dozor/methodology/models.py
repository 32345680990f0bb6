"""Checklist templates per facility type: versioned, sections by theme, questions linked to provisions.

A published version is immutable (visits record the version they used); editing a published
template creates a new draft version. Questions follow XLSForm conventions so that a version
exports to ODK Collect / KoboCollect and their submissions import back.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dozor.core.i18n import LANGUAGE_CODES, pick

# A field name as XLSForm and ODK take it; the reserved ones are the export's own columns.
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
RESERVED = {"dozor_template", "dozor_version", "instanceid", "meta"}


def choice_names_valid(names: list[Any], *, duplicates: bool = False) -> bool:
    """XLSForm choice names are free text ('1', 'Other', 'not-sure', 'very good'): each must be
    non-empty, without spaces around it, and used once unless the form allows duplicates."""
    if not all(isinstance(n, str) and n and n == n.strip() for n in names):
        return False
    return duplicates or len(set(names)) == len(names)


def other_language_text(kept: Any, column: str) -> str:
    """The text of ``column`` in a language other than kk/ru/en kept from an imported XLSForm
    (``label::Runyankole``), shown when the form has none in Dozor's languages."""
    columns = (kept or {}).get("columns") or {} if isinstance(kept, dict) else {}
    for key, value in columns.items():
        if key.startswith(column + "::") and isinstance(value, str) and value.strip():
            return value
    return ""


class ChecklistTemplate(models.Model):
    code = models.CharField(_("code"), max_length=60, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    description_kk = models.TextField(blank=True)
    description_ru = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    facility_types = models.ManyToManyField(
        "facilities.FacilityType",
        verbose_name=_("facility types"),
        blank=True,
        related_name="checklist_templates",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self, "name")

    @property
    def description(self) -> str:
        return pick(self, "description")


class TemplateVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class Source(models.TextChoices):
        PACK = "pack", _("Country pack")
        EDITOR = "editor", _("Template editor")
        XLSFORM = "xlsform", _("Imported XLSForm")

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.EDITOR)
    note = models.CharField(_("note"), max_length=300, blank=True)
    import_report = models.JSONField(_("import report"), default=list, blank=True)
    # Hash of the pack content a pack-sourced version was built from (reloading an unchanged pack is a no-op).
    fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template__code", "-number"]
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_number"),
            models.UniqueConstraint(
                fields=["template"], condition=Q(status="draft"), name="template_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def form_id(self) -> str:
        """The XLSForm form_id: stable per template, so ODK/Kobo see versions of one form."""
        return f"dozor_{self.template.code}"


class Section(models.Model):
    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField(default=0)
    code = models.CharField(_("code"), max_length=60)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    theme = models.ForeignKey(
        "standards.Theme",
        verbose_name=_("theme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    repeat = models.BooleanField(_("repeat for each unit"), default=False)
    repeat_label_kk = models.CharField(max_length=120, blank=True)
    repeat_label_ru = models.CharField(max_length=120, blank=True)
    repeat_label_en = models.CharField(max_length=120, blank=True)
    relevant = models.CharField(_("shown only if"), max_length=500, blank=True)
    # What an imported XLSForm had that the online checklist does not use, kept so that the export
    # gives it back (decision 0028): {"columns": {..}, "groups": {..}, "rows": [..], "loose": bool}.
    xlsform = models.JSONField(_("kept XLSForm details"), default=dict, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="section_code_per_version")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return pick(self, "title")

    @property
    def repeat_label(self) -> str:
        return pick(self, "repeat_label")


class QuestionType(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no")
    SELECT_ONE = "select_one", _("Single choice")
    SELECT_MULTIPLE = "select_multiple", _("Multiple choice")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    TEXT = "text", _("Text")
    DATE = "date", _("Date")
    PHOTO = "photo", _("Photo")
    GEOPOINT = "geopoint", _("GPS location")


class Question(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(default=0)
    name = models.CharField(_("field name"), max_length=60)
    type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    label_kk = models.TextField(_("question (Kazakh)"), blank=True)
    label_ru = models.TextField(_("question (Russian)"), blank=True)
    label_en = models.TextField(_("question (English)"), blank=True)
    hint_kk = models.TextField(_("help text (Kazakh)"), blank=True)
    hint_ru = models.TextField(_("help text (Russian)"), blank=True)
    hint_en = models.TextField(_("help text (English)"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    relevant = models.CharField(_("shown only if"), max_length=500, blank=True)
    constraint = models.CharField(_("constraint"), max_length=200, blank=True)
    constraint_message_kk = models.CharField(max_length=300, blank=True)
    constraint_message_ru = models.CharField(max_length=300, blank=True)
    constraint_message_en = models.CharField(max_length=300, blank=True)
    # [{"name": "daily", "label_kk": .., "label_ru": .., "label_en": ..}, ...] for select questions
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # XLSForm columns of an imported question that the online checklist does not use (choice_filter,
    # default, calculation, other languages, ...) and the nested groups it sits in (decision 0028).
    xlsform = models.JSONField(_("kept XLSForm details"), default=dict, blank=True)
    provisions = models.ManyToManyField(
        "standards.Provision", verbose_name=_("provisions"), blank=True, related_name="questions"
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return f"{self.name}: {self.label}"

    def clean(self) -> None:
        """The rules of one question (those that compare it with the rest of its version - a unique
        field name, conditions on earlier questions - are the editor service's). A question that is
        not a choice question loses its choices."""
        errors: dict[str, list[str]] = {}
        if not NAME_RE.match(self.name) or self.name in RESERVED:
            errors["name"] = [gettext("The field name must be lowercase Latin letters, digits and _.")]
        if self.type not in QuestionType.values:
            errors["type"] = [gettext("Unknown question type.")]
        if not any(getattr(self, f"label_{lang}") for lang in LANGUAGE_CODES):
            errors["label_ru"] = [gettext("Write the question in at least one language.")]
        if self.constraint and self.type not in (QuestionType.INTEGER, QuestionType.DECIMAL):
            errors["constraint"] = [gettext("Only number questions can have a constraint.")]
        if self.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            names = [c.get("name") for c in self.choices]
            if len(names) < 2 or not choice_names_valid(
                names, duplicates=bool((self.xlsform or {}).get("allow_choice_duplicates"))
            ):
                errors["choices"] = [
                    gettext(
                        "Give at least two choices, each with a name (used once unless the form allows repeats)."
                    )
                ]
        elif self.choices:
            self.choices = []
        if errors:
            raise ValidationError(errors)

    @property
    def label(self) -> str:
        return pick(self, "label") or other_language_text(self.xlsform, "label")

    @property
    def hint(self) -> str:
        return pick(self, "hint") or other_language_text(self.xlsform, "hint")

    @property
    def constraint_message(self) -> str:
        return pick(self, "constraint_message")

    @property
    def is_select(self) -> bool:
        return self.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.YES_NO)

    def choice_list(self) -> list[dict[str, str]]:
        """Choices with a ``label`` in the active language (yes/no has its own fixed list)."""
        from django.utils.translation import gettext

        if self.type == QuestionType.YES_NO:
            return [{"name": "yes", "label": gettext("Yes")}, {"name": "no", "label": gettext("No")}]
        return [
            {
                "name": c["name"],
                "label": pick(_Choice(c), "label")
                or other_language_text(c.get("xlsform"), "label")
                or c["name"],
            }
            for c in self.choices
        ]


class _Choice:
    """Adapter so ``pick`` can read a choice dict's label_kk/label_ru/label_en."""

    def __init__(self, data: dict[str, str]) -> None:
        self.label_kk = data.get("label_kk", "")
        self.label_ru = data.get("label_ru", "")
        self.label_en = data.get("label_en", "")
