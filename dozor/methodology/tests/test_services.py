from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dozor.accounts.models import AuditEvent
from dozor.core.data import data_of
from dozor.methodology import services
from dozor.methodology.models import Question, TemplateVersion
from dozor.methodology.services import QuestionData
from dozor.standards.models import Provision
from dozor.standards.tests.factories import checklist

pytestmark = pytest.mark.django_db


@pytest.fixture
def published() -> TemplateVersion:
    return checklist("tpl_services")


@pytest.fixture
def draft(published, coordinator) -> TemplateVersion:  # type: ignore[no-untyped-def]
    return services.version_new_draft(actor=coordinator, template=published.template)


def test_it_creates_a_template_with_an_empty_draft(coordinator):
    template = services.template_create(
        actor=coordinator, code="tpl_new", names={"ru": "Новый", "en": "New"}, facility_types=[]
    )
    version = template.versions.get()
    assert version.status == TemplateVersion.Status.DRAFT and version.number == 1
    assert AuditEvent.objects.filter(object_type="methodology.checklisttemplate").exists()
    with pytest.raises(ValidationError):
        services.template_create(actor=coordinator, code="tpl_new", names={"ru": "Ещё"}, facility_types=[])
    with pytest.raises(ValidationError):
        services.template_create(actor=coordinator, code="Bad Code", names={"ru": "x"}, facility_types=[])


def test_it_refuses_non_coordinators(published, monitor, trainer):
    for user in (monitor, trainer):
        with pytest.raises(PermissionDenied):
            services.version_new_draft(actor=user, template=published.template)


def test_a_new_draft_copies_the_latest_version_with_its_provisions(published, draft, coordinator):
    assert draft.number == 2 and draft.status == TemplateVersion.Status.DRAFT
    old = Question.objects.get(section__version=published, name="holds_women")
    new = Question.objects.get(section__version=draft, name="holds_women")
    assert old.pk != new.pk and list(new.provisions.values_list("code", flat=True)) == ["TEST-1"]
    assert services.version_new_draft(actor=coordinator, template=published.template) == draft


def test_publishing_retires_the_previous_version_and_freezes_the_draft(published, draft, coordinator):
    services.version_publish(actor=coordinator, version=draft)
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == TemplateVersion.Status.RETIRED
    assert draft.status == TemplateVersion.Status.PUBLISHED and draft.published_by == coordinator
    question = Question.objects.filter(section__version=draft).first()
    section = draft.sections.first()
    for attempt in (
        lambda: services.question_update(
            actor=coordinator, question=question, data=replace(data_of(QuestionData, question), label_en="x")
        ),
        lambda: services.question_delete(actor=coordinator, question=question),
        lambda: services.question_move(actor=coordinator, question=question, direction="down"),
        lambda: services.question_add(
            actor=coordinator,
            section=section,
            data=QuestionData(name="x", type="text", label_en="x"),
            provisions=[],
        ),
        lambda: services.section_add(actor=coordinator, version=draft, code="more", titles={"en": "More"}),
        lambda: services.version_publish(actor=coordinator, version=draft),
    ):
        with pytest.raises(ValidationError, match="cannot be changed"):
            attempt()


def test_it_refuses_a_question_with_a_condition_on_a_later_question(draft, coordinator):
    section = draft.sections.get(code="general")
    with pytest.raises(ValidationError) as caught:
        services.question_add(
            actor=coordinator,
            section=section,
            data=QuestionData(name="early", type="text", label_en="Early", relevant="${cell_area} > 2"),
            provisions=[],
        )
    assert "relevant" in caught.value.message_dict
    assert not Question.objects.filter(section=section, name="early").exists()


def test_it_refuses_a_move_that_would_break_a_condition(draft, coordinator):
    general = draft.sections.get(code="general")
    holds = general.questions.get(name="holds_women")
    visit_date = general.questions.get(name="visit_date")
    services.question_update(
        actor=coordinator,
        question=visit_date,
        data=replace(data_of(QuestionData, visit_date), relevant="${holds_women} = 'yes'"),
    )
    services.question_move(actor=coordinator, question=holds, direction="down")  # still before visit_date
    with pytest.raises(ValidationError):
        services.question_move(actor=coordinator, question=holds, direction="down")
    assert list(general.questions.values_list("name", flat=True)) == [
        "cell_count",
        "holds_women",
        "visit_date",
    ]


def test_it_adds_a_question_with_provisions_and_audits_it(draft, coordinator):
    section = draft.sections.get(code="women")
    question = services.question_add(
        actor=coordinator,
        section=section,
        data=QuestionData(
            name="pregnant_women", type="integer", label_ru="Сколько беременных?", constraint=". >= 0"
        ),
        provisions=list(Provision.objects.filter(code="TEST-2")),
    )
    assert list(section.questions.values_list("name", flat=True)) == ["women_separate", "pregnant_women"]
    assert question.provisions.get().code == "TEST-2"
    assert AuditEvent.objects.filter(
        object_type="methodology.question", action=AuditEvent.Action.CREATE
    ).exists()
