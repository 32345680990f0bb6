"""Checklists are methodology: NPM roles and trainers read them; coordinators edit them.
Authority liaisons never see the NPM's checklists (they would reveal what monitors look for)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser, can
from dozor.methodology.models import ChecklistTemplate, Question, TemplateVersion


def templates_visible_to(user: AnyUser) -> QuerySet[ChecklistTemplate]:
    return (
        ChecklistTemplate.objects.all() if can(user, "methodology.view") else ChecklistTemplate.objects.none()
    )


def versions_visible_to(user: AnyUser) -> QuerySet[TemplateVersion]:
    if not can(user, "methodology.view"):
        return TemplateVersion.objects.none()
    return TemplateVersion.objects.all()


def template_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> ChecklistTemplate:
    try:
        template = templates_visible_to(user).get(pk=pk)
    except (ChecklistTemplate.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not can(user, "methodology.edit"):
        raise PermissionDenied
    return template


def version_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> TemplateVersion:
    try:
        version = versions_visible_to(user).select_related("template").get(pk=pk)
    except (TemplateVersion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not can(user, "methodology.edit"):
        raise PermissionDenied
    return version


def question_for_user(user: AnyUser, pk: int | str, *, write: bool = False) -> Question:
    try:
        question = Question.objects.select_related("section__version__template").get(
            pk=pk, section__version__in=versions_visible_to(user)
        )
    except (Question.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not can(user, "methodology.edit"):
        raise PermissionDenied
    return question
