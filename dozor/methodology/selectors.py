"""Reads of checklist templates. Every function starts from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from dozor.accounts.access import AnyUser
from dozor.methodology.access import templates_visible_to, versions_visible_to
from dozor.methodology.models import ChecklistTemplate, Question, Section, TemplateVersion
from dozor.standards.models import Provision


@dataclass(frozen=True)
class TemplateRow:
    template: ChecklistTemplate
    facility_types: list[Any]
    published: TemplateVersion | None
    draft: TemplateVersion | None
    version_count: int


def template_rows(user: AnyUser) -> list[TemplateRow]:
    """Every visible template with its facility types, current published version and draft."""
    templates = templates_visible_to(user).prefetch_related(
        "facility_types",
        Prefetch("versions", queryset=TemplateVersion.objects.order_by("-number"), to_attr="version_list"),
    )
    rows = []
    for template in templates:
        versions: list[TemplateVersion] = template.version_list
        rows.append(
            TemplateRow(
                template=template,
                facility_types=list(template.facility_types.all()),
                published=next((v for v in versions if v.status == TemplateVersion.Status.PUBLISHED), None),
                draft=next((v for v in versions if v.status == TemplateVersion.Status.DRAFT), None),
                version_count=len(versions),
            )
        )
    return rows


def template_versions(template: ChecklistTemplate) -> QuerySet[TemplateVersion]:
    return template.versions.select_related("created_by", "published_by").order_by("-number")


def version_sections(version: TemplateVersion) -> list[Section]:
    """Sections with their questions and the questions' provisions, in a fixed number of queries."""
    questions = Question.objects.order_by("order", "id").prefetch_related(
        Prefetch("provisions", queryset=Provision.objects.select_related("instrument"))
    )
    return list(
        version.sections.select_related("theme")
        .prefetch_related(Prefetch("questions", queryset=questions))
        .order_by("order", "id")
    )


def published_versions(user: AnyUser) -> QuerySet[TemplateVersion]:
    return (
        versions_visible_to(user)
        .filter(status=TemplateVersion.Status.PUBLISHED)
        .select_related("template")
        .order_by("template__code")
    )


def published_version_for_type(user: AnyUser, facility_type: Any) -> TemplateVersion | None:
    """The published checklist version for a facility type (the visit form's default)."""
    return (
        versions_visible_to(user)
        .filter(status=TemplateVersion.Status.PUBLISHED, template__facility_types=facility_type)
        .select_related("template")
        .order_by("template__code")
        .first()
    )
