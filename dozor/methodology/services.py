"""Writes to checklist templates. A published version never changes: edits go to a draft."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.i18n import LANGUAGE_CODES
from dozor.methodology import expressions
from dozor.methodology.models import ChecklistTemplate, Question, QuestionType, Section, TemplateVersion
from dozor.methodology.spec import NAME_RE, RESERVED, build_version, validate_spec, version_to_spec
from dozor.standards.models import Provision


def _require_draft(version: TemplateVersion) -> None:
    if not version.is_editable:
        raise ValidationError(
            _("Version %(number)s is %(status)s and cannot be changed; create a new draft.")
            % {"number": version.number, "status": version.get_status_display()}
        )


def _lock(version: TemplateVersion) -> TemplateVersion:
    """Re-read the version under a row lock so that two editors cannot publish/edit at once."""
    return (
        TemplateVersion.objects.select_for_update(of=("self",)).select_related("template").get(pk=version.pk)
    )


@transaction.atomic
def template_create(
    *, actor: User, code: str, names: dict[str, str], facility_types: list[Any]
) -> ChecklistTemplate:
    require(actor, "methodology.edit")
    if not NAME_RE.match(code):
        raise ValidationError({"code": [_("The code must be lowercase Latin letters, digits and _.")]})
    if ChecklistTemplate.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A template with this code already exists.")]})
    if not any(names.get(lang) for lang in LANGUAGE_CODES):
        raise ValidationError({"name_ru": [_("Give the name in at least one language.")]})
    template = ChecklistTemplate.objects.create(
        code=code, **{f"name_{lang}": names.get(lang, "") for lang in LANGUAGE_CODES}
    )
    template.facility_types.set(facility_types)
    TemplateVersion.objects.create(
        template=template, number=1, status=TemplateVersion.Status.DRAFT, created_by=actor
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=template, changes={"code": code})
    return template


@transaction.atomic
def version_new_draft(*, actor: User, template: ChecklistTemplate) -> TemplateVersion:
    """Copy the latest version into a new draft; return the existing draft if there is one."""
    require(actor, "methodology.edit")
    ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    existing = template.versions.filter(status=TemplateVersion.Status.DRAFT).first()
    if existing is not None:
        return existing
    latest = template.versions.order_by("-number").first()
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    spec = version_to_spec(latest) if latest is not None else []
    draft = build_version(
        template=template,
        sections=spec,
        number=number,
        status=TemplateVersion.Status.DRAFT,
        source=TemplateVersion.Source.EDITOR,
        actor=actor,
        note=_("Draft based on version %(number)s") % {"number": latest.number} if latest else "",
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=draft, changes={"number": number})
    return draft


@transaction.atomic
def version_publish(*, actor: User, version: TemplateVersion) -> TemplateVersion:
    """Freeze a draft: validate it whole, publish it, retire the previously published version."""
    require(actor, "methodology.edit")
    version = _lock(version)
    _require_draft(version)
    errors = validate_spec(
        version_to_spec(version), provision_codes=set(Provision.objects.values_list("code", flat=True))
    )
    if errors:
        raise ValidationError(errors)
    version.template.versions.filter(status=TemplateVersion.Status.PUBLISHED).update(
        status=TemplateVersion.Status.RETIRED
    )
    version.status = TemplateVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=version,
        changes={"status": {"before": "draft", "after": "published"}},
    )
    return version


def _question_values(values: dict[str, Any]) -> dict[str, Any]:
    allowed = {"type", "required", "relevant", "constraint", "choices"}
    for lang in LANGUAGE_CODES:
        allowed |= {f"label_{lang}", f"hint_{lang}", f"constraint_message_{lang}"}
    return {k: v for k, v in values.items() if k in allowed}


def _check_question(question: Question) -> None:
    version = question.section.version
    errors: dict[str, list[str]] = {}
    if not NAME_RE.match(question.name) or question.name in RESERVED:
        errors["name"] = [_("The field name must be lowercase Latin letters, digits and _.")]
    elif (
        Question.objects.filter(section__version=version, name=question.name).exclude(pk=question.pk).exists()
    ):
        errors["name"] = [_("Another question in this version already uses this field name.")]
    if question.type not in QuestionType.values:
        errors["type"] = [_("Unknown question type.")]
    if not any(getattr(question, f"label_{lang}") for lang in LANGUAGE_CODES):
        errors["label_ru"] = [_("Write the question in at least one language.")]
    earlier = _earlier_names(question)
    if question.relevant:
        try:
            expressions.check(question.relevant, allowed_names=earlier)
        except expressions.ExpressionError as exc:
            errors["relevant"] = [str(exc)]
    if question.constraint:
        try:
            expressions.check(question.constraint, allowed_names=earlier, allow_dot=True)
        except expressions.ExpressionError as exc:
            errors["constraint"] = [str(exc)]
        if question.type not in (QuestionType.INTEGER, QuestionType.DECIMAL):
            errors["constraint"] = [_("Only number questions can have a constraint.")]
    if question.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
        names = [c.get("name") for c in question.choices]
        if len(names) < 2 or len(set(names)) != len(names) or not all(NAME_RE.match(n or "") for n in names):
            errors["choices"] = [
                _("Give at least two choices with unique names (lowercase Latin letters, digits, _).")
            ]
    elif question.choices:
        question.choices = []
    if errors:
        raise ValidationError(errors)


def _earlier_names(question: Question) -> set[str]:
    """Names of questions that come before this one in the version's order."""
    names: set[str] = set()
    for section in question.section.version.sections.prefetch_related("questions"):
        for other in section.questions.all():
            if other.pk == question.pk:
                return names
            names.add(other.name)
    return names


@transaction.atomic
def question_add(
    *, actor: User, section: Section, name: str, values: dict[str, Any], provisions: list[Provision]
) -> Question:
    require(actor, "methodology.edit")
    _require_draft(_lock(section.version))
    last = section.questions.aggregate(n=Max("order"))["n"]
    order = 0 if last is None else last + 1
    question = Question(section=section, order=order, name=name.strip(), **_question_values(values))
    question.save()  # saved first so that "earlier questions" is computed from its position
    _check_question(question)
    question.save()
    question.provisions.set(provisions)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=question, changes=snapshot(question))
    return question


@transaction.atomic
def question_update(
    *, actor: User, question: Question, values: dict[str, Any], provisions: list[Provision] | None = None
) -> Question:
    require(actor, "methodology.edit")
    _require_draft(_lock(question.section.version))
    before = snapshot(question)
    for key, value in _question_values(values).items():
        setattr(question, key, value)
    if "name" in values:
        question.name = str(values["name"]).strip()
    _check_question(question)
    question.save()
    if provisions is not None:
        question.provisions.set(provisions)
    changes = diff(before, snapshot(question))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=question, changes=changes)
    return question


@transaction.atomic
def question_move(*, actor: User, question: Question, direction: str) -> Question:
    """Move a question one place up or down within its section."""
    require(actor, "methodology.edit")
    _require_draft(_lock(question.section.version))
    siblings = list(question.section.questions.order_by("order", "id"))
    index = siblings.index(question)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return question
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for order, sibling in enumerate(siblings):
        if sibling.order != order:
            sibling.order = order
            sibling.save(update_fields=["order"])
    errors = validate_spec(version_to_spec(question.section.version))
    if errors:
        raise ValidationError(errors)  # e.g. a condition would refer to a question that now comes later
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=question, changes={"moved": direction})
    return question


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    require(actor, "methodology.edit")
    _require_draft(_lock(question.section.version))
    name = question.name
    used_by = [
        q.name
        for q in Question.objects.filter(section__version=question.section.version).exclude(pk=question.pk)
        if name in _referenced(q)
    ]
    if used_by:
        raise ValidationError(
            _("Questions %(names)s refer to this question in their conditions.")
            % {"names": ", ".join(used_by)}
        )
    audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=question, changes=snapshot(question))
    question.delete()


def _referenced(question: Question) -> set[str]:
    names: set[str] = set()
    for source in (question.relevant, question.constraint):
        if source:
            try:
                names |= expressions.references(expressions.parse(source))
            except expressions.ExpressionError:
                continue
    return names


@transaction.atomic
def section_add(
    *,
    actor: User,
    version: TemplateVersion,
    code: str,
    titles: dict[str, str],
    theme: Any = None,
    repeat: bool = False,
) -> Section:
    require(actor, "methodology.edit")
    version = _lock(version)
    _require_draft(version)
    if not NAME_RE.match(code):
        raise ValidationError({"code": [_("The code must be lowercase Latin letters, digits and _.")]})
    if version.sections.filter(code=code).exists():
        raise ValidationError({"code": [_("This version already has a section with this code.")]})
    if not any(titles.get(lang) for lang in LANGUAGE_CODES):
        raise ValidationError({"title_ru": [_("Give the title in at least one language.")]})
    last = version.sections.aggregate(n=Max("order"))["n"]
    order = 0 if last is None else last + 1
    section = Section.objects.create(
        version=version,
        order=order,
        code=code,
        theme=theme,
        repeat=repeat,
        **{f"title_{lang}": titles.get(lang, "") for lang in LANGUAGE_CODES},
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=section, changes={"code": code})
    return section
