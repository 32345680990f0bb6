"""Explicit shapes of the standards, methodology (checklists) and visits endpoints.

Texts travel in the three working languages (``*_kk``, ``*_ru``, ``*_en``) plus the plain
field (``name``, ``title``, ``summary``, ``label``...) in the language of the request. Input
serializers only parse and check shapes: every write is done by the app's service functions.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dozor.accounts.models import User
from dozor.api.serializers import ReferenceOut
from dozor.core.i18n import LANGUAGE_CODES, pick
from dozor.methodology.models import Question, QuestionType, TemplateVersion
from dozor.standards.models import Instrument
from dozor.visits.models import Submission, TeamMember, Visit


@extend_schema_field(OpenApiTypes.STR)
class CodeField(serializers.SlugRelatedField):
    """A related row shown by its code."""


def _codes(**kwargs: Any) -> serializers.ManyRelatedField:
    return CodeField(slug_field="code", many=True, read_only=True, **kwargs)  # type: ignore[return-value]


def _choice(choices: list[tuple[str, Any]], **kwargs: Any) -> serializers.ChoiceField:
    """A read-only choice whose values are documented inline.

    Wrapped in ``allOf`` so that drf-spectacular leaves it inline: several models have a ``status``
    or ``source`` choice set, and turning each into a component named after the field would warn
    about colliding names (the schema must build without warnings). ENUM_NAME_OVERRIDES in the
    settings would allow named components instead.
    """
    values = [value for value, _label in choices]
    field_class = extend_schema_field({"allOf": [{"type": "string", "enum": values}]})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, read_only=True, **kwargs)


# ---------------------------------------------------------------- standards


class ThemeOut(ReferenceOut):
    """A thematic area of monitoring (treatment, safeguards, material conditions...)."""


class InstrumentOut(ReferenceOut):
    kind = _choice(Instrument.Kind.choices)
    short = serializers.CharField(read_only=True, help_text="Short name in the language of the request.")
    short_kk = serializers.CharField(read_only=True)
    short_ru = serializers.CharField(read_only=True)
    short_en = serializers.CharField(read_only=True)
    adopted = serializers.CharField(read_only=True)
    reference = serializers.CharField(read_only=True, help_text="Official reference of the text.")
    binding = serializers.BooleanField(read_only=True, help_text="Legally binding (treaty or law).")
    unverified = serializers.BooleanField(read_only=True, help_text="Details not verified yet.")


class InstrumentBrief(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    short = serializers.CharField(read_only=True)
    kind = _choice(Instrument.Kind.choices)


class ProvisionOut(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    instrument = InstrumentBrief(read_only=True)
    number = serializers.CharField(read_only=True, help_text="Article, rule or paragraph number.")
    title = serializers.CharField(read_only=True, help_text="Title in the language of the request.")
    title_kk = serializers.CharField(read_only=True)
    title_ru = serializers.CharField(read_only=True)
    title_en = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True, help_text="Summary in the language of the request.")
    summary_kk = serializers.CharField(read_only=True)
    summary_ru = serializers.CharField(read_only=True)
    summary_en = serializers.CharField(read_only=True)
    theme = ThemeOut(read_only=True)
    see_also = _codes(help_text="Codes of related provisions.")


# ---------------------------------------------------------------- checklist templates


def _username(user: User | None) -> str | None:
    return user.username if user is not None else None


class TemplateVersionBrief(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    status = _choice(TemplateVersion.Status.choices)
    source = _choice(TemplateVersion.Source.choices)  # type: ignore[assignment]  # declared field, not Field.source
    note = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ChecklistTemplateBrief(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="Name in the language of the request.")


class ChecklistTemplateOut(ChecklistTemplateBrief):
    name_kk = serializers.CharField(read_only=True)
    name_ru = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    description_kk = serializers.CharField(read_only=True)
    description_ru = serializers.CharField(read_only=True)
    description_en = serializers.CharField(read_only=True)
    facility_types = _codes(help_text="Codes of the facility types the template is for.")
    versions = TemplateVersionBrief(many=True, read_only=True, help_text="Newest first.")
    created_at = serializers.DateTimeField(read_only=True)


class ChoiceOut(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="The value stored in answers.")
    label = serializers.CharField(  # type: ignore[assignment]  # declared field, not Field.label
        read_only=True, help_text="Label in the language of the request."
    )
    label_kk = serializers.CharField(read_only=True)
    label_ru = serializers.CharField(read_only=True)
    label_en = serializers.CharField(read_only=True)


def _choices_of(question: Question) -> list[dict[str, str]]:
    """A question's choices with labels in every language (yes/no questions have a fixed pair)."""
    if question.type == QuestionType.YES_NO:
        rows: list[dict[str, str]] = []
        for name, text in (("yes", "Yes"), ("no", "No")):
            row = {"name": name}
            for lang in LANGUAGE_CODES:
                with translation.override(lang):
                    row[f"label_{lang}"] = _(text)
            rows.append(row)
    else:
        rows = [
            {
                "name": str(c.get("name", "")),
                **{f"label_{lang}": str(c.get(f"label_{lang}") or "") for lang in LANGUAGE_CODES},
            }
            for c in question.choices
        ]
    return [row | {"label": pick(_Texts(row), "label")} for row in rows]


class _Texts:
    """Lets ``pick`` read ``label_kk``/``label_ru``/``label_en`` from a dict."""

    def __init__(self, data: dict[str, str]) -> None:
        self.__dict__.update(data)


class QuestionOut(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="XLSForm field name, unique in the version.")
    order = serializers.IntegerField(read_only=True)
    type = _choice(QuestionType.choices)
    label = serializers.CharField(  # type: ignore[assignment]  # declared field, not Field.label
        read_only=True, help_text="Question in the language of the request."
    )
    label_kk = serializers.CharField(read_only=True)
    label_ru = serializers.CharField(read_only=True)
    label_en = serializers.CharField(read_only=True)
    hint = serializers.CharField(read_only=True)
    hint_kk = serializers.CharField(read_only=True)
    hint_ru = serializers.CharField(read_only=True)
    hint_en = serializers.CharField(read_only=True)
    required = serializers.BooleanField(read_only=True)  # type: ignore[assignment]  # not Field.required
    relevant = serializers.CharField(read_only=True, help_text="XLSForm condition for showing the question.")
    constraint = serializers.CharField(read_only=True)
    constraint_message = serializers.CharField(read_only=True)
    constraint_message_kk = serializers.CharField(read_only=True)
    constraint_message_ru = serializers.CharField(read_only=True)
    constraint_message_en = serializers.CharField(read_only=True)
    choices = serializers.SerializerMethodField(help_text="For choice questions (yes/no included).")
    provisions = _codes(help_text="Codes of the provisions the question checks.")

    @extend_schema_field(ChoiceOut(many=True))
    def get_choices(self, question: Question) -> list[dict[str, str]]:
        return _choices_of(question)


class SectionOut(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True, help_text="Title in the language of the request.")
    title_kk = serializers.CharField(read_only=True)
    title_ru = serializers.CharField(read_only=True)
    title_en = serializers.CharField(read_only=True)
    theme = serializers.CharField(
        source="theme.code", read_only=True, allow_null=True, help_text="Theme code."
    )
    repeat = serializers.BooleanField(read_only=True, help_text="Answered once per unit (e.g. per cell).")
    repeat_label = serializers.CharField(read_only=True)
    repeat_label_kk = serializers.CharField(read_only=True)
    repeat_label_ru = serializers.CharField(read_only=True)
    repeat_label_en = serializers.CharField(read_only=True)
    relevant = serializers.CharField(read_only=True)
    questions = QuestionOut(many=True, read_only=True)


class TemplateVersionOut(TemplateVersionBrief):
    """A version without its content (lists)."""

    template = ChecklistTemplateBrief(read_only=True)
    form_id = serializers.CharField(read_only=True, help_text="XLSForm form_id, stable per template.")
    created_by = serializers.SerializerMethodField()
    published_by = serializers.SerializerMethodField()
    import_report = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="What an XLSForm import skipped or could not represent.",
    )

    def get_created_by(self, version: TemplateVersion) -> str | None:
        return _username(version.created_by)

    def get_published_by(self, version: TemplateVersion) -> str | None:
        return _username(version.published_by)


class TemplateVersionDetailOut(TemplateVersionOut):
    """A version with its sections, questions, choices and provision codes."""

    sections = SectionOut(many=True, read_only=True)


class XLSFormImportIn(serializers.Serializer):
    file = serializers.FileField(help_text="An XLSForm workbook (.xlsx).")

    def validate_file(self, upload: UploadedFile) -> UploadedFile:
        limit = settings.DOZOR_MAX_IMPORT_BYTES
        if upload.size is not None and upload.size > limit:
            raise serializers.ValidationError(
                _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes.")
                % {"size": upload.size, "limit": limit}
            )
        return upload


# ---------------------------------------------------------------- visits


class FacilityBrief(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="Name in the language of the request.")
    name_kk = serializers.CharField(read_only=True)
    name_ru = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)


class VersionOfTemplate(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    status = _choice(TemplateVersion.Status.choices)
    template = ChecklistTemplateBrief(read_only=True)


class TeamMemberOut(serializers.Serializer):
    username = serializers.CharField(source="user.username", read_only=True)
    role = _choice(TeamMember.Role.choices)


class VisitOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    facility = FacilityBrief(read_only=True)
    visit_type = ReferenceOut(read_only=True)
    status = _choice(Visit.Status.choices)
    started_on = serializers.DateField(read_only=True)
    ended_on = serializers.DateField(read_only=True, allow_null=True)
    announced = serializers.BooleanField(read_only=True)
    template_version = VersionOfTemplate(read_only=True, allow_null=True, help_text="Checklist version used.")
    team = TeamMemberOut(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    revision = serializers.IntegerField(
        read_only=True, help_text="Grows by one with every saved change of the visit record."
    )


class AnswerOut(serializers.Serializer):
    question = serializers.CharField(source="question.name", read_only=True, help_text="Question field name.")
    repeat_index = serializers.IntegerField(
        read_only=True, help_text="0 outside repeats; 1, 2... per repeated unit."
    )
    value = serializers.CharField(read_only=True, help_text="XLSForm text form, e.g. 'yes' or 'a b'.")


class SubmissionOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    instance_id = serializers.CharField(read_only=True)
    source = _choice(Submission.Source.choices)  # type: ignore[assignment]  # declared field, not Field.source
    version = VersionOfTemplate(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    submitted_by = serializers.SerializerMethodField()
    submitter_name = serializers.CharField(read_only=True)
    received_at = serializers.DateTimeField(read_only=True)
    answers = AnswerOut(many=True, read_only=True)

    def get_submitted_by(self, submission: Submission) -> str | None:
        return _username(submission.submitted_by)


class SubmissionsImportIn(serializers.Serializer):
    file = serializers.FileField(
        help_text="ODK Central export (CSV or CSV.zip) or KoboToolbox export (JSON or CSV); "
        "the format is detected from the content."
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Check the file and report, but write nothing."
    )

    def validate_file(self, upload: UploadedFile) -> UploadedFile:
        limit = settings.DOZOR_MAX_SUBMISSIONS_BYTES
        if upload.size is not None and upload.size > limit:
            raise serializers.ValidationError(
                _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes.")
                % {"size": upload.size, "limit": limit}
            )
        return upload


class ImportProblemOut(serializers.Serializer):
    instance_id = serializers.CharField(
        read_only=True, help_text="The submission concerned; empty for the file as a whole."
    )
    field = serializers.CharField(read_only=True, help_text="Question (name[2] inside repeats) or column.")
    message = serializers.CharField(read_only=True)


class SubmissionsImportOut(serializers.Serializer):
    source = _choice(Submission.Source.choices)  # type: ignore[assignment]  # declared field, not Field.source
    created = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Instance IDs imported."
    )
    skipped_existing = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Instance IDs already imported into this visit.",
    )
    replaced = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Edits made at the source: new version's instance ID -> the earlier version it "
        "replaced (kept as history).",
    )
    completed = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Instance IDs imported earlier without their repeats (the main CSV alone), "
        "completed with their repeat answers from this file.",
    )
    flagged = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Instance IDs imported with a flag set at the source (ODK Central 'has issues', "
        "KoboToolbox 'on hold').",
    )
    not_imported = ImportProblemOut(
        many=True, read_only=True, help_text="Submissions left out on purpose (rejected at the source)."
    )
    dry_run = serializers.BooleanField(read_only=True)
    summary = serializers.CharField(read_only=True)


class SubmissionsImportErrorOut(serializers.Serializer):
    """The file was refused whole: nothing was written."""

    problems = ImportProblemOut(many=True, read_only=True)
    summary = serializers.CharField(read_only=True)
