"""Writes to checklist templates. A published version never changes: edits go to a draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.data import data_apply, data_values
from dozor.core.i18n import LANGUAGE_CODES
from dozor.methodology import expressions
from dozor.methodology.models import ChecklistTemplate, Question, Section, TemplateVersion
from dozor.methodology.spec import NAME_RE, Spec, validate_spec, version_to_spec
from dozor.methodology.xlsform import XLSFormError, parse_xlsform
from dozor.standards.models import Provision, Theme


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
    draft = version_build(
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


@dataclass(frozen=True, kw_only=True)
class QuestionData:
    """A question's own fields for ``question_add`` and ``question_update`` (its provisions are
    passed beside it). ``choices``: ``[{"name", "label_kk", "label_ru", "label_en"}, ...]``."""

    name: str
    type: str
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    choices: list[dict[str, str]] = field(default_factory=list)
    label_kk: str = ""
    label_ru: str = ""
    label_en: str = ""
    hint_kk: str = ""
    hint_ru: str = ""
    hint_en: str = ""
    constraint_message_kk: str = ""
    constraint_message_ru: str = ""
    constraint_message_en: str = ""


def _check_question(question: Question) -> None:
    """The question's own rules (``Question.clean``) and those against its version: a field name
    used once, conditions and constraints that refer only to earlier questions."""
    errors: dict[str, list[str]] = {}
    try:
        question.clean()
    except ValidationError as exc:
        errors = {key: list(messages) for key, messages in exc.message_dict.items()}
    version = question.section.version
    if (
        "name" not in errors
        and Question.objects.filter(section__version=version, name=question.name)
        .exclude(pk=question.pk)
        .exists()
    ):
        errors["name"] = [_("Another question in this version already uses this field name.")]
    earlier = _earlier_names(question)
    if question.relevant:
        try:
            expressions.check(question.relevant, allowed_names=earlier)
        except expressions.ExpressionError as exc:
            errors["relevant"] = [str(exc)]
    if question.constraint and "constraint" not in errors:  # clean() refused a constraint here
        try:
            expressions.check(question.constraint, allowed_names=earlier, allow_dot=True)
        except expressions.ExpressionError as exc:
            errors["constraint"] = [str(exc)]
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
    *, actor: User, section: Section, data: QuestionData, provisions: list[Provision]
) -> Question:
    require(actor, "methodology.edit")
    _require_draft(_lock(section.version))
    last = section.questions.aggregate(n=Max("order"))["n"]
    order = 0 if last is None else last + 1
    question = Question(section=section, order=order, **data_values(data))
    question.name = question.name.strip()
    question.save()  # saved first so that "earlier questions" is computed from its position
    _check_question(question)
    question.save()
    question.provisions.set(provisions)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=question, changes=snapshot(question))
    return question


@transaction.atomic
def question_update(
    *, actor: User, question: Question, data: QuestionData, provisions: list[Provision] | None = None
) -> Question:
    """Change a question to ``data``; returns it as saved (read again under its version's lock:
    the audit compares the database row with ``data``, the caller's instance is left alone)."""
    require(actor, "methodology.edit")
    _require_draft(_lock(question.section.version))
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("section__version")
        .get(pk=question.pk)
    )
    before = snapshot(question)
    data_apply(question, data)
    question.name = question.name.strip()
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


def _texts(value: Any, field: str) -> dict[str, str]:
    value = value if isinstance(value, dict) else {}
    return {f"{field}_{lang}": str(value.get(lang) or "").strip() for lang in LANGUAGE_CODES}


def version_build(
    *,
    template: ChecklistTemplate,
    sections: Spec,
    number: int,
    status: str,
    source: str,
    actor: User | None = None,
    note: str = "",
    import_report: list[str] | None = None,
) -> TemplateVersion:
    """Write a validated spec as a new version (the caller validated it, checked the actor's rights
    and holds a transaction): the shared writer of the editor, the XLSForm import and the pack."""
    themes = {t.code: t for t in Theme.objects.all()}
    provisions = {p.code: p for p in Provision.objects.all()}
    published = status == TemplateVersion.Status.PUBLISHED
    version = TemplateVersion.objects.create(
        template=template,
        number=number,
        status=status,
        source=source,
        note=note[:300],
        import_report=import_report or [],
        created_by=actor,
        published_at=timezone.now() if published else None,
        published_by=actor if published else None,
    )
    links = []
    for s_order, data in enumerate(sections):
        section = Section.objects.create(
            version=version,
            order=s_order,
            code=data["code"],
            theme=themes.get(data.get("theme") or ""),
            repeat=bool(data.get("repeat")),
            relevant=data.get("relevant") or "",
            xlsform=data.get("xlsform") or {},
            **_texts(data.get("title"), "title"),
            **_texts(data.get("repeat_label"), "repeat_label"),
        )
        questions = data.get("questions") or []
        created = Question.objects.bulk_create(
            [
                Question(
                    section=section,
                    order=q_order,
                    name=q["name"],
                    type=q["type"],
                    required=bool(q.get("required")),
                    relevant=q.get("relevant") or "",
                    constraint=q.get("constraint") or "",
                    choices=[
                        {
                            "name": c["name"],
                            **_texts(c.get("label"), "label"),
                            **({"xlsform": c["xlsform"]} if c.get("xlsform") else {}),
                        }
                        for c in q.get("choices") or []
                    ],
                    xlsform=q.get("xlsform") or {},
                    **_texts(q.get("label"), "label"),
                    **_texts(q.get("hint"), "hint"),
                    **_texts(q.get("constraint_message"), "constraint_message"),
                )
                for q_order, q in enumerate(questions)
            ]
        )
        for question, q in zip(created, questions, strict=True):
            links += [
                Question.provisions.through(question_id=question.pk, provision_id=provisions[code].pk)
                for code in q.get("provisions") or []
                if code in provisions
            ]
    Question.provisions.through.objects.bulk_create(links)
    return version


@transaction.atomic
def version_import_xlsform(*, actor: User, data: bytes, filename: str = "") -> TemplateVersion:
    """Create a draft from an XLSForm: a new template, or a new draft of the template with that
    code. Raises ``XLSFormError`` with the reasons when the file is not a form it can read."""
    require(actor, "methodology.edit")
    parsed = parse_xlsform(data, filename=filename)
    code = parsed.form_id
    if parsed.identity != "form_id":
        # A code made from a title or a file name says nothing about which template the form is: two
        # forms without form_id never become versions of one template (decision 0028).
        base, n = code[:55], 2
        while ChecklistTemplate.objects.filter(code=code).exists():
            code, n = f"{base}_{n}", n + 1
    template, created = ChecklistTemplate.objects.get_or_create(
        code=code, defaults={f"name_{lang}": parsed.title.get(lang, "") for lang in LANGUAGE_CODES}
    )
    if not created and template.versions.filter(status=TemplateVersion.Status.DRAFT).exists():
        raise XLSFormError(
            [
                _("Template %(code)s already has a draft; publish or finish it first.")
                % {"code": template.code}
            ]
        )
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = version_build(
        template=template,
        sections=parsed.sections,
        number=number,
        status=TemplateVersion.Status.DRAFT,
        source=TemplateVersion.Source.XLSFORM,
        actor=actor,
        import_report=parsed.report,
    )
    audit_record(actor=actor, action=AuditEvent.Action.IMPORT, obj=version, changes={"report": parsed.report})
    return version
