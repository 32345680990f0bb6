from __future__ import annotations

import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import load_workbook

from dozor.accounts.models import AuditEvent
from dozor.methodology import xlsform
from dozor.methodology.models import ChecklistTemplate, Question, TemplateVersion
from dozor.standards.tests.factories import checklist

pytestmark = pytest.mark.django_db


@pytest.fixture
def published() -> TemplateVersion:
    return checklist("tpl_views")


@pytest.fixture
def draft(published: TemplateVersion, coordinator) -> TemplateVersion:  # type: ignore[no-untyped-def]
    from dozor.methodology.services import version_new_draft

    return version_new_draft(actor=coordinator, template=published.template)


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


def read_pages(published: TemplateVersion) -> list[str]:
    return [
        reverse("methodology:template_list"),
        reverse("methodology:template", args=[published.template.pk]),
        reverse("methodology:version", args=[published.pk]),
        reverse("methodology:xlsform", args=[published.pk]),
    ]


def test_it_lets_npm_roles_and_trainers_read_checklists(
    published, as_coordinator, as_council, as_monitor, as_trainer
):
    for client in (as_coordinator, as_council, as_monitor, as_trainer):
        for url in read_pages(published):
            assert client.get(url).status_code == 200, url


def test_it_shows_nothing_of_checklists_to_liaisons(published, as_liaison):
    assert as_liaison.get(reverse("methodology:template_list")).status_code == 403
    for url in read_pages(published)[1:]:
        assert as_liaison.get(url).status_code == 404, url
    assert as_liaison.get(reverse("methodology:import")).status_code == 403
    home = as_liaison.get(reverse("web:home")).content.decode()
    assert reverse("methodology:template_list") not in home


def test_it_sends_anonymous_users_to_sign_in(published, anonymous):
    for url in [*read_pages(published), reverse("methodology:import")]:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]


def test_it_lets_only_coordinators_edit(draft, as_council, as_monitor, as_trainer):
    question = Question.objects.filter(section__version=draft).first()
    section = draft.sections.first()
    for client in (as_council, as_monitor, as_trainer):
        assert client.post(reverse("methodology:new_draft", args=[draft.template.pk])).status_code == 403
        assert client.post(reverse("methodology:publish", args=[draft.pk])).status_code == 403
        assert client.get(reverse("methodology:section_add", args=[draft.pk])).status_code == 403
        assert client.get(reverse("methodology:question_add", args=[draft.pk, section.pk])).status_code == 403
        assert client.get(reverse("methodology:question_edit", args=[question.pk])).status_code == 403
        assert client.get(reverse("methodology:question_translate", args=[question.pk])).status_code == 403
        assert (
            client.post(
                reverse("methodology:question_move", args=[question.pk]), {"direction": "up"}
            ).status_code
            == 403
        )
        assert client.post(reverse("methodology:question_delete", args=[question.pk])).status_code == 403
        assert client.get(reverse("methodology:import")).status_code == 403
        page = client.get(reverse("methodology:version", args=[draft.pk])).content
        assert b'data-testid="publish"' not in page and b'data-testid="add-section"' not in page


def test_it_lists_templates_with_types_published_version_and_draft(draft, as_monitor):
    body = as_monitor.get(reverse("methodology:template_list")).content.decode()
    assert "Test checklist" in body
    assert reverse("methodology:version", args=[draft.pk]) in body and "draft 2" in body
    assert as_monitor.get(reverse("methodology:template_list")).context["section"] == "checklists"


def test_it_lists_the_pack_templates_with_a_bounded_number_of_queries(
    as_coordinator, django_assert_max_num_queries
):
    checklist("tpl_first")
    with django_assert_max_num_queries(12) as small:
        as_coordinator.get(reverse("methodology:template_list"))
    for n in range(10):
        checklist(f"tpl_many_{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = as_coordinator.get(reverse("methodology:template_list"))
    assert b"tpl_many_9" in response.content


def test_it_shows_a_version_read_only_with_conditions_choices_provisions_and_repeats(published, as_trainer):
    body = as_trainer.get(reverse("methodology:version", args=[published.pk])).content.decode()
    assert "Does the place hold women?" in body
    assert "only if: ${holds_women} = &#x27;yes&#x27;" in body
    assert "Yes / no" in body and "Single choice" in body and "Good" in body and "Poor" in body
    assert reverse("standards:provision_detail", args=["TEST-1"]) in body
    assert "repeated for each unit" in body
    assert "required" in body
    assert 'data-testid="edit-holds_women"' not in body


def test_it_keeps_the_version_page_bounded(published, as_coordinator, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        as_coordinator.get(reverse("methodology:version", args=[published.pk]))


def test_it_downloads_the_xlsform(published, as_monitor):
    response = as_monitor.get(reverse("methodology:xlsform", args=[published.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="tpl_views-v1.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    names = [row[1] for row in workbook["survey"].iter_rows(values_only=True)]
    assert "holds_women" in names
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_it_creates_a_new_draft_and_opens_it(published, as_coordinator):
    response = as_coordinator.post(reverse("methodology:new_draft", args=[published.template.pk]))
    draft = published.template.versions.get(status=TemplateVersion.Status.DRAFT)
    assert response.status_code == 302 and response["Location"] == reverse(
        "methodology:version", args=[draft.pk]
    )
    assert draft.number == 2 and Question.objects.filter(section__version=draft).count() == 7
    page = as_coordinator.get(response["Location"]).content
    assert b'data-testid="publish"' in page and b'data-testid="edit-holds_women"' in page
    # a second click opens the same draft
    again = as_coordinator.post(reverse("methodology:new_draft", args=[published.template.pk]))
    assert again["Location"] == response["Location"]
    assert "already has a draft" in " ".join(messages_of(again))


def test_it_refuses_to_edit_a_published_version_with_a_message(published, as_coordinator):
    question = Question.objects.filter(section__version=published).first()
    section = published.sections.first()
    version_url = reverse("methodology:version", args=[published.pk])
    attempts = [
        as_coordinator.get(reverse("methodology:question_edit", args=[question.pk])),
        as_coordinator.post(
            reverse("methodology:question_edit", args=[question.pk]), {"name": "x", "type": "text"}
        ),
        as_coordinator.post(reverse("methodology:question_translate", args=[question.pk]), {"label_en": "x"}),
        as_coordinator.post(reverse("methodology:question_delete", args=[question.pk]), {"confirm": "yes"}),
        as_coordinator.post(reverse("methodology:question_move", args=[question.pk]), {"direction": "down"}),
        as_coordinator.get(reverse("methodology:section_add", args=[published.pk])),
        as_coordinator.post(
            reverse("methodology:question_add", args=[published.pk, section.pk]), {"name": "x"}
        ),
        as_coordinator.post(reverse("methodology:publish", args=[published.pk])),
    ]
    for response in attempts:
        assert response.status_code == 302 and response["Location"] == version_url
        assert any("cannot be changed; create a new draft" in m for m in messages_of(response))
    question.refresh_from_db()
    assert question.name == "holds_women" and Question.objects.filter(section__version=published).count() == 7


def test_it_adds_a_section_and_a_question_in_russian(draft, as_coordinator):
    response = as_coordinator.post(
        reverse("methodology:section_add", args=[draft.pk]),
        {"code": "food", "title_ru": "Питание", "title_en": "Food"},
    )
    assert response.status_code == 302
    section = draft.sections.get(code="food")
    add_url = reverse("methodology:question_add", args=[draft.pk, section.pk])
    as_coordinator.post(reverse("set_language"), {"language": "ru"})
    form = as_coordinator.get(add_url).content.decode()
    assert form.index('name="label_ru"') < form.index('name="label_kk"') < form.index('name="label_en"')
    response = as_coordinator.post(
        add_url,
        {
            "name": "meals_per_day",
            "type": "select_one",
            "label_ru": "Сколько раз в день кормят?",
            "hint": "Спросите у содержащихся",
            "choices": "one = Один раз\nthree = Три раза",
            "relevant": "${holds_women} = 'yes'",
            "provisions": "TEST-1, TEST-2",
            "required": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(section=section, name="meals_per_day")
    assert question.label_ru == "Сколько раз в день кормят?" and question.hint_ru == "Спросите у содержащихся"
    assert question.choices == [
        {"name": "one", "label_kk": "", "label_ru": "Один раз", "label_en": ""},
        {"name": "three", "label_kk": "", "label_ru": "Три раза", "label_en": ""},
    ]
    assert sorted(p.code for p in question.provisions.all()) == ["TEST-1", "TEST-2"]
    assert question.required


def test_it_shows_a_bad_condition_as_a_field_error(draft, as_coordinator):
    section = draft.sections.get(code="women")
    response = as_coordinator.post(
        reverse("methodology:question_add", args=[draft.pk, section.pk]),
        {"name": "late", "type": "text", "label_en": "Late", "relevant": "${nowhere} = 'yes'"},
    )
    assert response.status_code == 400
    assert "nowhere" in " ".join(response.context["form"].errors["relevant"])
    assert not Question.objects.filter(section=section, name="late").exists()
    response = as_coordinator.post(
        reverse("methodology:question_add", args=[draft.pk, section.pk]),
        {"name": "late", "type": "text", "label_en": "Late", "relevant": "${holds_women} == 'yes'"},
    )
    assert response.status_code == 400 and response.context["form"].errors["relevant"]
    response = as_coordinator.post(
        reverse("methodology:question_add", args=[draft.pk, section.pk]),
        {"name": "bad", "type": "text", "label_en": "Bad", "provisions": "NO-SUCH-CODE"},
    )
    assert response.status_code == 400 and "NO-SUCH-CODE" in " ".join(
        response.context["form"].errors["provisions"]
    )
    response = as_coordinator.post(
        reverse("methodology:question_add", args=[draft.pk, section.pk]),
        {"name": "holds_women", "type": "text", "label_en": "Again"},
    )
    assert response.status_code == 400 and response.context["form"].errors["name"]


def test_it_edits_a_question_and_keeps_other_languages_of_its_choices(draft, as_coordinator):
    question = Question.objects.get(section__version=draft, name="cell_light")
    url = reverse("methodology:question_edit", args=[question.pk])
    assert b"good = Good" in as_coordinator.get(url).content
    response = as_coordinator.post(
        url,
        {
            "name": "cell_daylight",
            "type": "select_one",
            "label_en": "Daylight in the cell",
            "label_ru": "Дневной свет в камере",
            "label_kk": "",
            "choices": "good = Enough\npoor = Not enough\nnone = None",
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.name == "cell_daylight" and question.label_en == "Daylight in the cell"
    assert question.choices[0] == {
        "name": "good",
        "label_kk": "Good (kk)",
        "label_ru": "Хороший",
        "label_en": "Enough",
    }
    assert question.choices[2]["name"] == "none"


def test_it_translates_a_question_side_by_side(draft, as_coordinator):
    question = Question.objects.get(section__version=draft, name="cell_light")
    url = reverse("methodology:question_translate", args=[question.pk])
    page = as_coordinator.get(url).content.decode()
    assert 'name="label_kk"' in page and 'name="choice_0_ru"' in page and "Хороший" in page
    data = {
        "label_kk": "Табиғи жарық",
        "label_ru": "Естественный свет",
        "label_en": "Natural light",
        "hint_kk": "",
        "hint_ru": "",
        "hint_en": "",
        "choice_0_kk": "Жақсы",
        "choice_0_ru": "Хороший",
        "choice_0_en": "Good",
        "choice_1_kk": "Нашар",
        "choice_1_ru": "Плохой",
        "choice_1_en": "Poor",
    }
    assert as_coordinator.post(url, data).status_code == 302
    question.refresh_from_db()
    assert question.label_kk == "Табиғи жарық" and question.choices[1]["label_kk"] == "Нашар"


def test_it_moves_and_deletes_questions(draft, as_coordinator):
    section = draft.sections.get(code="general")
    date = section.questions.get(name="visit_date")
    as_coordinator.post(reverse("methodology:question_move", args=[date.pk]), {"direction": "up"})
    assert list(section.questions.values_list("name", flat=True)) == [
        "holds_women",
        "visit_date",
        "cell_count",
    ]
    holds = section.questions.get(name="holds_women")
    response = as_coordinator.post(
        reverse("methodology:question_delete", args=[holds.pk]), {"confirm": "yes"}
    )
    assert "refer to this question" in " ".join(messages_of(response))
    assert section.questions.filter(name="holds_women").exists()
    unconfirmed = as_coordinator.post(reverse("methodology:question_delete", args=[date.pk]))
    assert "I confirm the deletion" in " ".join(messages_of(unconfirmed))
    assert section.questions.filter(name="visit_date").exists()
    response = as_coordinator.post(reverse("methodology:question_delete", args=[date.pk]), {"confirm": "yes"})
    assert response.status_code == 302 and not section.questions.filter(name="visit_date").exists()


def test_it_publishes_a_draft_and_then_freezes_it(draft, published, as_coordinator):
    response = as_coordinator.post(reverse("methodology:publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (
        draft.status == TemplateVersion.Status.PUBLISHED
        and published.status == TemplateVersion.Status.RETIRED
    )
    question = Question.objects.filter(section__version=draft).first()
    response = as_coordinator.post(
        reverse("methodology:question_translate", args=[question.pk]), {"label_en": "Changed"}
    )
    assert "cannot be changed" in " ".join(messages_of(response))
    question.refresh_from_db()
    assert question.label_en != "Changed"


def test_it_shows_why_a_draft_cannot_be_published(draft, as_coordinator):
    as_coordinator.post(
        reverse("methodology:section_add", args=[draft.pk]), {"code": "empty_one", "title_en": "Empty"}
    )
    response = as_coordinator.post(reverse("methodology:publish", args=[draft.pk]))
    assert response.status_code == 400
    assert b'data-testid="publish-errors"' in response.content
    assert "the section has no questions" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == TemplateVersion.Status.DRAFT


def test_it_imports_an_xlsform_as_a_draft_with_its_report(published, as_coordinator):
    data = xlsform.export_version(published)
    workbook = load_workbook(io.BytesIO(data))
    workbook["settings"]["B2"] = "dozor_tpl_imported"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "form.xlsx"
    response = as_coordinator.post(reverse("methodology:import"), {"file": buffer})
    assert response.status_code == 302
    template = ChecklistTemplate.objects.get(code="tpl_imported")
    version = template.versions.get()
    assert version.status == TemplateVersion.Status.DRAFT and version.source == TemplateVersion.Source.XLSFORM
    page = as_coordinator.get(response["Location"]).content.decode()
    assert 'data-testid="import-report"' in page and "not linked to provisions" in page


def test_it_refuses_a_broken_xlsform_and_writes_nothing(as_coordinator):
    before = ChecklistTemplate.objects.count()
    upload = io.BytesIO(b"this is not a workbook")
    upload.name = "form.xlsx"
    response = as_coordinator.post(reverse("methodology:import"), {"file": upload})
    assert response.status_code == 400
    assert (
        b'data-testid="import-error"' in response.content and b"not a valid ZIP archive" in response.content
    )
    assert ChecklistTemplate.objects.count() == before


def test_it_shows_the_checklist_navigation_to_readers_only(as_trainer, as_liaison):
    trainer_home = as_trainer.get(reverse("web:home")).content.decode()
    assert reverse("methodology:template_list") in trainer_home
    assert reverse("standards:instrument_list") in trainer_home
    assert reverse("visits:list") not in trainer_home
    liaison_home = as_liaison.get(reverse("web:home")).content.decode()
    assert reverse("standards:instrument_list") in liaison_home
    assert reverse("methodology:template_list") not in liaison_home
