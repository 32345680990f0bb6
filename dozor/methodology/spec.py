"""A template version as plain data (the shape of packs/kz/checklists.yaml modules).

The country pack, the XLSForm importer and the editor all describe a version with this
structure; ``validate_spec`` checks it whole and ``services.version_build`` writes it.

    section  = {code, title: {kk, ru, en}, theme, repeat, repeat_label: {..}, relevant, questions: [..]}
    question = {name, type, label: {..}, hint: {..}, required, relevant, constraint,
                constraint_message: {..}, choices: [{name, label: {..}, xlsform?}], provisions: [codes],
                xlsform?}

An imported XLSForm may add ``xlsform`` to sections, questions and choices: what the online
checklist does not use, kept for the export (decision 0028). A question's ``xlsform["groups"]``
names the nested groups it sits in below its section; a section's ``xlsform["rows"]`` holds the
rows Dozor does not record (notes, calculations, ...) with their place, and ``before`` / ``after``
such rows that stood outside any group; a ``loose`` section holds questions outside any group.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dozor.core.i18n import LANGUAGE_CODES
from dozor.methodology import expressions
from dozor.methodology.models import (
    NAME_RE,
    RESERVED,
    QuestionType,
    TemplateVersion,
    choice_names_valid,
    other_language_text,
)

NUMERIC = {QuestionType.INTEGER, QuestionType.DECIMAL}
SELECTS = {QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE}

Spec = list[dict[str, Any]]


def _has_text(value: Any) -> bool:
    return isinstance(value, dict) and any(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGE_CODES
    )


def validate_spec(
    sections: Spec, *, provision_codes: set[str] | None = None, theme_codes: set[str] | None = None
) -> list[str]:
    """Every problem in the version, each with the section and question it concerns."""
    errors: list[str] = []
    seen_names: set[str] = set()
    seen_sections: set[str] = set()
    if not sections:
        errors.append(_("The template has no sections."))
    for section in sections:
        where = _("section %(code)s") % {"code": section.get("code") or "?"}
        code = section.get("code") or ""
        if not NAME_RE.match(code):
            errors.append(f"{where}: " + _("the code must be lowercase Latin letters, digits and _"))
        elif code in seen_sections:
            errors.append(f"{where}: " + _("the code is used twice"))
        seen_sections.add(code)
        kept = section.get("xlsform") or {}
        if not _has_text(section.get("title")) and not kept.get("loose"):
            errors.append(f"{where}: " + _("the title is missing"))
        if theme_codes is not None and section.get("theme") and section["theme"] not in theme_codes:
            errors.append(f"{where}: " + _("unknown theme '%(code)s'") % {"code": section["theme"]})
        if section.get("relevant"):
            try:
                expressions.check(section["relevant"], allowed_names=set(seen_names))
            except expressions.ExpressionError as exc:
                errors.append(f"{where}: " + _("condition: %(error)s") % {"error": exc})
        questions = section.get("questions") or []
        if not questions and not kept.get("rows"):
            errors.append(f"{where}: " + _("the section has no questions"))
        for question in questions:
            name = question.get("name") or "?"
            at = _("question %(name)s") % {"name": name}
            if not NAME_RE.match(name) or name in RESERVED:
                errors.append(f"{at}: " + _("the field name must be lowercase Latin letters, digits and _"))
            elif name in seen_names:
                errors.append(f"{at}: " + _("the field name is used twice"))
            qtype = question.get("type")
            if qtype not in QuestionType.values:
                errors.append(f"{at}: " + _("unknown question type '%(type)s'") % {"type": qtype})
            if not _has_text(question.get("label")) and not other_language_text(
                question.get("xlsform"), "label"
            ):
                errors.append(f"{at}: " + _("the question text is missing"))
            if question.get("relevant"):
                try:
                    expressions.check(question["relevant"], allowed_names=set(seen_names))
                except expressions.ExpressionError as exc:
                    errors.append(f"{at}: " + _("condition: %(error)s") % {"error": exc})
            if question.get("constraint"):
                if qtype not in NUMERIC:
                    errors.append(f"{at}: " + _("only number questions can have a constraint"))
                try:
                    expressions.check(question["constraint"], allowed_names=set(seen_names), allow_dot=True)
                except expressions.ExpressionError as exc:
                    errors.append(f"{at}: " + _("constraint: %(error)s") % {"error": exc})
                if not _has_text(question.get("constraint_message")):
                    errors.append(f"{at}: " + _("a constraint needs a message"))
            choices = question.get("choices") or []
            if qtype in SELECTS:
                names = [c.get("name") for c in choices]
                if len(choices) < 2:
                    errors.append(f"{at}: " + _("a choice question needs at least two choices"))
                duplicates = bool((question.get("xlsform") or {}).get("allow_choice_duplicates"))
                if not choice_names_valid(names, duplicates=duplicates):
                    errors.append(f"{at}: " + _("every choice needs a name, used once"))
                if not all(_choice_shown(c) for c in choices):
                    errors.append(f"{at}: " + _("every choice needs a label"))
            elif choices:
                errors.append(f"{at}: " + _("only choice questions have choices"))
            if provision_codes is not None:
                unknown = sorted(set(question.get("provisions") or []) - provision_codes)
                if unknown:
                    errors.append(
                        f"{at}: " + _("unknown provisions %(codes)s") % {"codes": ", ".join(unknown)}
                    )
            seen_names.add(name)
    return errors


def _choice_shown(choice: dict[str, Any]) -> bool:
    """A choice has something to show: a label in one of Dozor's languages or another one, or an
    image (XLSForm allows image-only choices)."""
    kept = choice.get("xlsform") or {}
    media = any(k.startswith("media::image") for k in kept.get("columns") or {})
    return _has_text(choice.get("label")) or bool(other_language_text(kept, "label")) or media


def _lang_dict(obj: Any, field: str) -> dict[str, str]:
    return {lang: getattr(obj, f"{field}_{lang}") for lang in LANGUAGE_CODES}


def version_to_spec(version: TemplateVersion) -> Spec:
    """The version as plain data (used for copying into a new draft and for comparisons)."""
    result: Spec = []
    sections = version.sections.select_related("theme").prefetch_related("questions__provisions")
    for section in sections:
        result.append(
            {
                "code": section.code,
                "title": _lang_dict(section, "title"),
                "theme": section.theme.code if section.theme else None,
                "repeat": section.repeat,
                "repeat_label": _lang_dict(section, "repeat_label"),
                "relevant": section.relevant,
                **({"xlsform": section.xlsform} if section.xlsform else {}),
                "questions": [
                    {
                        "name": q.name,
                        "type": q.type,
                        "label": _lang_dict(q, "label"),
                        "hint": _lang_dict(q, "hint"),
                        "required": q.required,
                        "relevant": q.relevant,
                        "constraint": q.constraint,
                        "constraint_message": _lang_dict(q, "constraint_message"),
                        "choices": [
                            {
                                "name": c["name"],
                                "label": {lang: c.get(f"label_{lang}", "") for lang in LANGUAGE_CODES},
                                **({"xlsform": c["xlsform"]} if c.get("xlsform") else {}),
                            }
                            for c in q.choices
                        ],
                        "provisions": sorted(p.code for p in q.provisions.all()),
                        **({"xlsform": q.xlsform} if q.xlsform else {}),
                    }
                    for q in section.questions.all()
                ],
            }
        )
    return result
