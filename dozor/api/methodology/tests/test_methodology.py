from __future__ import annotations

import io
from typing import Any

import pytest
from drf_spectacular.validation import validate_schema
from openpyxl import Workbook, load_workbook

from dozor.accounts.models import AuditEvent
from dozor.api.conftest import PERSONAS
from dozor.api.tests.test_standards import make_standards
from dozor.methodology.models import ChecklistTemplate, Question, Section, TemplateVersion
from dozor.methodology.services import version_build

ALL = [*PERSONAS, "council"]
READERS = {"coordinator", "council", "monitor", "trainer"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spec(provision_code: str, theme_code: str, *, extra_questions: int = 0) -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = [
        {
            "name": "has_light",
            "type": "yes_no",
            "label": {"kk": "Жарық бар ма?", "ru": "Есть ли свет?", "en": "Is there daylight?"},
            "required": True,
            "provisions": [provision_code],
        },
        {
            "name": "meals",
            "type": "select_one",
            "label": {"ru": "Как часто питание?", "en": "How often are meals served?"},
            "relevant": "${has_light} = 'yes'",
            "choices": [
                {"name": "daily", "label": {"ru": "Ежедневно", "en": "Daily", "kk": "Күн сайын"}},
                {"name": "rarely", "label": {"ru": "Редко", "en": "Rarely"}},
            ],
        },
        {
            "name": "cells",
            "type": "integer",
            "label": {"ru": "Число камер", "en": "Number of cells"},
            "constraint": ". >= 0",
            "constraint_message": {"ru": "Не меньше нуля", "en": "Not negative"},
        },
    ]
    questions += [
        {"name": f"extra_{i}", "type": "text", "label": {"en": f"Extra {i}"}, "provisions": [provision_code]}
        for i in range(extra_questions)
    ]
    return [
        {
            "code": "conditions",
            "title": {"kk": "Жағдайлар", "ru": "Условия", "en": "Conditions"},
            "theme": theme_code,
            "questions": questions,
        }
    ]


def make_template(
    code: str = "zz_test", *, status: str = TemplateVersion.Status.PUBLISHED, extra_questions: int = 0
) -> TemplateVersion:
    """A template of our own (beside the pack's) with one version in ``status``."""
    provision = make_standards(1)[0]
    template = ChecklistTemplate.objects.create(
        code=code, name_kk="Сынақ парағы", name_ru="Тестовый лист", name_en="Test checklist"
    )
    return version_build(
        template=template,
        sections=spec(provision.code, provision.theme.code, extra_questions=extra_questions),
        number=1,
        status=status,
        source=TemplateVersion.Source.EDITOR,
    )


@pytest.fixture
def published(db) -> TemplateVersion:
    return make_template()


@pytest.fixture
def draft(published) -> TemplateVersion:
    return version_build(
        template=published.template,
        sections=spec(
            published.sections.get().questions.get(name="has_light").provisions.get().code,
            published.sections.get().theme.code,
        ),
        number=2,
        status=TemplateVersion.Status.DRAFT,
        source=TemplateVersion.Source.EDITOR,
    )


def state() -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    return (
        ChecklistTemplate.objects.count(),
        sorted(TemplateVersion.objects.values_list("pk", "status")),
        Section.objects.count(),
        Question.objects.count(),
        AuditEvent.objects.exclude(action=AuditEvent.Action.LOGIN).count(),
    )


# ---------------------------------------------------------------- templates


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_templates_only_to_methodology_readers(client_as, published, persona):
    response = client_as(persona).get("/api/v1/checklist-templates/", {"page_size": 500})
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    body = response.json()
    if persona in READERS:
        assert body["count"] == ChecklistTemplate.objects.count()
        assert "zz_test" in {row["code"] for row in body["results"]}
    else:
        assert body == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("persona", ALL)
def test_it_retrieves_a_template_only_for_methodology_readers(client_as, published, persona):
    response = client_as(persona).get(f"/api/v1/checklist-templates/{published.template_id}/")
    expected = 401 if persona == "anonymous" else 200 if persona in READERS else 404
    assert response.status_code == expected


def test_it_summarises_the_versions_of_a_template(as_trainer, draft):
    body = as_trainer.get(f"/api/v1/checklist-templates/{draft.template_id}/").json()
    assert body["code"] == "zz_test"
    assert body["name"] == body["name_en"] == "Test checklist"
    assert body["name_ru"] and body["name_kk"]
    assert [(v["number"], v["status"]) for v in body["versions"]] == [(2, "draft"), (1, "published")]
    assert body["facility_types"] == []


def test_it_gives_the_template_name_in_the_language_of_the_request(as_monitor, published):
    body = as_monitor.get(
        f"/api/v1/checklist-templates/{published.template_id}/", HTTP_ACCEPT_LANGUAGE="kk"
    ).json()
    assert body["name"] == "Сынақ парағы"


# ---------------------------------------------------------------- versions


@pytest.mark.parametrize("persona", ALL)
def test_it_lists_versions_only_to_methodology_readers(client_as, draft, persona):
    response = client_as(persona).get("/api/v1/template-versions/", {"page_size": 500})
    if persona == "anonymous":
        assert response.status_code == 401
        return
    body = response.json()
    if persona in READERS:
        assert body["count"] == TemplateVersion.objects.count()
    else:
        assert body["count"] == 0
        assert body["results"] == []


@pytest.mark.parametrize("persona", ALL)
def test_it_retrieves_a_version_only_for_methodology_readers(client_as, published, persona):
    response = client_as(persona).get(f"/api/v1/template-versions/{published.pk}/")
    expected = 401 if persona == "anonymous" else 200 if persona in READERS else 404
    assert response.status_code == expected


def test_it_filters_versions_by_template_and_status(as_monitor, draft):
    def ids(**params: Any) -> set[int]:
        body = as_monitor.get("/api/v1/template-versions/", {"page_size": 500, **params}).json()
        return {row["id"] for row in body["results"]}

    template = draft.template
    published = template.versions.get(number=1)
    assert ids(template=template.pk) == {draft.pk, published.pk}
    assert ids(template_code="zz_test") == {draft.pk, published.pk}
    assert ids(template=template.pk, status="draft") == {draft.pk}
    assert draft.pk in ids(status="draft") and published.pk not in ids(status="draft")
    assert ids(template=999999) == set()
    assert as_monitor.get("/api/v1/template-versions/", {"status": "nope"}).status_code == 400


def test_it_outputs_a_version_with_sections_questions_choices_and_provisions(as_monitor, published):
    body = as_monitor.get(f"/api/v1/template-versions/{published.pk}/").json()
    assert body["template"] == {"id": published.template_id, "code": "zz_test", "name": "Test checklist"}
    assert (body["number"], body["status"], body["source"]) == (1, "published", "editor")
    assert body["form_id"] == "dozor_zz_test"
    [section] = body["sections"]
    assert section["code"] == "conditions"
    assert section["title"] == "Conditions" and section["title_kk"] == "Жағдайлар"
    assert section["theme"] == "ZZ_THEME"
    light, meals, cells = section["questions"]
    assert light["type"] == "yes_no"
    assert light["required"] is True
    assert light["provisions"] == ["ZZ-0"]
    assert [c["name"] for c in light["choices"]] == ["yes", "no"]
    assert light["choices"][0]["label"] == light["choices"][0]["label_en"] == "Yes"
    assert all(light["choices"][0][f"label_{lang}"] for lang in ("kk", "ru", "en"))
    assert meals["relevant"] == "${has_light} = 'yes'"
    assert meals["choices"][0] == {
        "name": "daily",
        "label": "Daily",
        "label_kk": "Күн сайын",
        "label_ru": "Ежедневно",
        "label_en": "Daily",
    }
    assert meals["choices"][1]["label_kk"] == ""
    assert cells["constraint"] == ". >= 0"
    assert cells["constraint_message"] == "Not negative"
    assert cells["choices"] == []
    assert cells["provisions"] == []


def test_it_lists_versions_without_their_content(as_monitor, published):
    body = as_monitor.get("/api/v1/template-versions/", {"template": published.template_id}).json()
    [row] = body["results"]
    assert "sections" not in row
    assert row["number"] == 1 and row["template"]["code"] == "zz_test"


def test_it_gives_404_for_a_missing_or_malformed_version(as_coordinator):
    assert as_coordinator.get("/api/v1/template-versions/999999/").status_code == 404
    assert as_coordinator.get("/api/v1/template-versions/abc/").status_code == 404
    assert as_coordinator.get("/api/v1/template-versions/999999/xlsform/").status_code == 404


# ---------------------------------------------------------------- XLSForm download


@pytest.mark.parametrize("persona", ALL)
def test_it_downloads_the_xlsform_only_for_methodology_readers(client_as, published, persona):
    response = client_as(persona).get(f"/api/v1/template-versions/{published.pk}/xlsform/")
    if persona == "anonymous":
        assert response.status_code == 401
    elif persona not in READERS:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert response["Content-Type"] == XLSX
        assert 'filename="dozor_zz_test_v1.xlsx"' in response["Content-Disposition"]


def test_it_downloads_a_valid_xlsform_workbook(as_trainer, published):
    response = as_trainer.get(f"/api/v1/template-versions/{published.pk}/xlsform/")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert {"survey", "choices", "settings"} <= set(workbook.sheetnames)
    rows = list(workbook["survey"].iter_rows(values_only=True))
    assert rows[0][:2] == ("type", "name")
    names = {row[1] for row in rows[1:]}
    assert {"has_light", "meals", "cells"} <= names


def test_it_serves_the_xlsform_to_a_client_that_asks_for_xlsx(as_monitor, published):
    response = as_monitor.get(f"/api/v1/template-versions/{published.pk}/xlsform/", HTTP_ACCEPT=XLSX)
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


# ---------------------------------------------------------------- publish


@pytest.mark.parametrize("persona", ALL)
def test_it_lets_only_a_coordinator_publish(client_as, draft, persona):
    before = state()
    response = client_as(persona).post(f"/api/v1/template-versions/{draft.pk}/publish/")
    if persona == "coordinator":
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "published"
        assert body["published_by"] == "alice"
        assert body["sections"][0]["questions"][0]["name"] == "has_light"
        assert draft.template.versions.get(number=1).status == TemplateVersion.Status.RETIRED
        return
    expected = {"anonymous": 401, "liaison": 404, "other_liaison": 404}.get(persona, 403)
    assert response.status_code == expected
    assert state() == before


def test_it_refuses_to_publish_a_published_version(as_coordinator, published):
    before = state()
    response = as_coordinator.post(f"/api/v1/template-versions/{published.pk}/publish/")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert state() == before


def test_it_refuses_to_publish_an_invalid_draft_and_says_why(as_coordinator, published):
    empty = version_build(
        template=published.template,
        sections=[],
        number=2,
        status="draft",
        source=TemplateVersion.Source.EDITOR,
    )
    before = state()
    response = as_coordinator.post(f"/api/v1/template-versions/{empty.pk}/publish/")
    assert response.status_code == 400
    assert any("no sections" in message for message in response.json()["non_field_errors"])
    assert state() == before


def test_it_does_not_publish_with_get(as_coordinator, draft):
    assert as_coordinator.get(f"/api/v1/template-versions/{draft.pk}/publish/").status_code == 405


# ---------------------------------------------------------------- new draft


@pytest.mark.parametrize("persona", ALL)
def test_it_lets_only_a_coordinator_start_a_draft(client_as, published, persona):
    before = state()
    response = client_as(persona).post(f"/api/v1/checklist-templates/{published.template_id}/new-draft/")
    if persona == "coordinator":
        assert response.status_code == 201
        body = response.json()
        assert (body["number"], body["status"], body["created_by"]) == (2, "draft", "alice")
        assert [q["name"] for q in body["sections"][0]["questions"]] == ["has_light", "meals", "cells"]
        assert body["sections"][0]["questions"][0]["provisions"] == ["ZZ-0"]
        return
    expected = {"anonymous": 401, "liaison": 404, "other_liaison": 404}.get(persona, 403)
    assert response.status_code == expected
    assert state() == before


def test_it_returns_the_existing_draft_instead_of_a_second_one(as_coordinator, draft):
    before = state()
    response = as_coordinator.post(f"/api/v1/checklist-templates/{draft.template_id}/new-draft/")
    assert response.status_code == 200
    assert response.json()["id"] == draft.pk
    assert state() == before


def test_it_gives_404_for_a_new_draft_of_a_missing_template(as_coordinator):
    assert as_coordinator.post("/api/v1/checklist-templates/999999/new-draft/").status_code == 404


# ---------------------------------------------------------------- XLSForm import


def exported(client, version: TemplateVersion) -> bytes:
    return client.get(f"/api/v1/template-versions/{version.pk}/xlsform/").content


def upload(content: bytes, name: str = "form.xlsx") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def test_it_imports_an_xlsform_as_a_draft_with_its_report(as_coordinator, published):
    data = exported(as_coordinator, published)
    response = as_coordinator.post("/api/v1/xlsform-import/", {"file": upload(data)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["template"]["code"] == "zz_test"
    assert (body["number"], body["status"], body["source"]) == (2, "draft", "xlsform")
    assert body["import_report"]
    assert [q["name"] for q in body["sections"][0]["questions"]] == ["has_light", "meals", "cells"]
    assert TemplateVersion.objects.get(pk=body["id"]).status == TemplateVersion.Status.DRAFT


def test_it_imports_a_new_template_from_an_xlsform(as_coordinator, db):
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)"])
    survey.append(["integer", "beds", "Number of beds"])
    survey.append(["note", "intro", "Thank you"])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "form_title"])
    settings.append(["kobo_beds", "Beds"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = as_coordinator.post("/api/v1/xlsform-import/", {"file": upload(buffer.getvalue())})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["template"]["code"] == "kobo_beds"
    assert body["number"] == 1
    assert any("intro" in line for line in body["import_report"])


@pytest.mark.parametrize(
    "content",
    [b"not a workbook", b"PK\x03\x04 broken zip", b""],
    ids=["text", "broken-zip", "empty"],
)
def test_it_refuses_a_file_that_is_not_an_xlsform_and_writes_nothing(as_coordinator, published, content):
    before = state()
    response = as_coordinator.post("/api/v1/xlsform-import/", {"file": upload(content)})
    assert response.status_code == 400
    assert response.json()["file"]
    assert state() == before


def test_it_refuses_a_workbook_without_a_survey_sheet(as_coordinator, db):
    workbook = Workbook()
    workbook.active.title = "other"
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = state()
    response = as_coordinator.post("/api/v1/xlsform-import/", {"file": upload(buffer.getvalue())})
    assert response.status_code == 400
    assert any("survey" in message for message in response.json()["file"])
    assert state() == before


def test_it_refuses_an_import_into_a_template_that_has_a_draft(as_coordinator, draft):
    data = exported(as_coordinator, draft.template.versions.get(number=1))
    before = state()
    response = as_coordinator.post("/api/v1/xlsform-import/", {"file": upload(data)})
    assert response.status_code == 400
    assert any("draft" in message for message in response.json()["file"])
    assert state() == before


def test_it_requires_a_file(as_coordinator, db):
    before = state()
    response = as_coordinator.post("/api/v1/xlsform-import/", {})
    assert response.status_code == 400
    assert "file" in response.json()
    assert state() == before


def test_it_refuses_a_file_over_the_size_limit(as_coordinator, published, settings):
    data = exported(as_coordinator, published)
    settings.DOZOR_MAX_IMPORT_BYTES = len(data) - 1
    before = state()
    response = as_coordinator.post("/api/v1/xlsform-import/", {"file": upload(data)})
    assert response.status_code == 400
    assert "too large" in response.json()["file"][0]
    assert state() == before


@pytest.mark.parametrize("persona", [p for p in ALL if p != "coordinator"])
def test_it_lets_only_a_coordinator_import_an_xlsform(client_as, as_coordinator, published, persona):
    data = exported(as_coordinator, published)
    before = state()
    response = client_as(persona).post("/api/v1/xlsform-import/", {"file": upload(data)})
    assert response.status_code == (401 if persona == "anonymous" else 403)
    assert state() == before
    # Refused before the upload is looked at: a bad file is still a 403, not a 400.
    assert client_as(persona).post("/api/v1/xlsform-import/", {}).status_code == response.status_code


# ---------------------------------------------------------------- queries


def test_it_lists_templates_in_a_bounded_number_of_queries(as_coordinator, django_assert_max_num_queries):
    make_template("zz_a")
    with django_assert_max_num_queries(8):
        assert as_coordinator.get("/api/v1/checklist-templates/", {"page_size": 500}).status_code == 200
    for i in range(15):
        version = make_template(f"zz_many_{i}")
        version_build(template=version.template, sections=[], number=2, status="draft", source="editor")
    with django_assert_max_num_queries(8):
        assert as_coordinator.get("/api/v1/checklist-templates/", {"page_size": 500}).status_code == 200


def test_it_lists_versions_in_a_bounded_number_of_queries(as_coordinator, django_assert_max_num_queries):
    make_template("zz_a")
    with django_assert_max_num_queries(7):
        assert as_coordinator.get("/api/v1/template-versions/", {"page_size": 500}).status_code == 200
    for i in range(15):
        make_template(f"zz_many_{i}")
    with django_assert_max_num_queries(7):
        assert as_coordinator.get("/api/v1/template-versions/", {"page_size": 500}).status_code == 200


def test_it_retrieves_a_version_in_a_bounded_number_of_queries(as_coordinator, django_assert_max_num_queries):
    small = make_template("zz_small")
    big = make_template("zz_big", extra_questions=40)
    for version in (small, big):
        with django_assert_max_num_queries(10):
            body = as_coordinator.get(f"/api/v1/template-versions/{version.pk}/").json()
        assert (
            len(body["sections"][0]["questions"]) == Question.objects.filter(section__version=version).count()
        )


# ---------------------------------------------------------------- schema


def test_it_documents_the_standards_methodology_and_visit_endpoints(anonymous, db):
    schema = anonymous.get("/api/schema/", {"format": "json"}).json()
    validate_schema(schema)
    paths = schema["paths"]
    for path in [
        "/api/v1/themes/",
        "/api/v1/instruments/{code}/",
        "/api/v1/provisions/{code}/",
        "/api/v1/checklist-templates/{id}/",
        "/api/v1/template-versions/{id}/",
        "/api/v1/xlsform-import/",
        "/api/v1/visits/{id}/",
    ]:
        assert path in paths
    xlsform = paths["/api/v1/template-versions/{id}/xlsform/"]["get"]["responses"]["200"]["content"]
    assert xlsform == {XLSX: {"schema": {"type": "string", "format": "binary"}}}
    assert set(paths["/api/v1/template-versions/{id}/publish/"]) == {"post"}
    assert set(paths["/api/v1/checklist-templates/{id}/new-draft/"]) == {"post"}
    assert set(paths["/api/v1/xlsform-import/"]) == {"post"}
    assert "multipart/form-data" in paths["/api/v1/xlsform-import/"]["post"]["requestBody"]["content"]
    submissions = paths["/api/v1/visits/{id}/submissions/"]
    assert {"get", "post"} <= set(submissions)
    assert "multipart/form-data" in submissions["post"]["requestBody"]["content"]
    params = {p["name"] for p in paths["/api/v1/provisions/"]["get"]["parameters"]}
    assert {"instrument", "theme", "q"} <= params
    params = {p["name"] for p in paths["/api/v1/template-versions/"]["get"]["parameters"]}
    assert {"template", "status"} <= params
    assert "delete" not in paths["/api/v1/visits/{id}/"]


def test_it_downloads_a_pack_template_as_an_xlsform(as_monitor, db):
    version = TemplateVersion.objects.filter(source=TemplateVersion.Source.PACK).order_by("pk").first()
    if version is None:
        pytest.skip("the country pack has no checklist templates")
    response = as_monitor.get(f"/api/v1/template-versions/{version.pk}/xlsform/")
    assert response.status_code == 200
    assert "survey" in load_workbook(io.BytesIO(response.content), read_only=True).sheetnames
    body = as_monitor.get(f"/api/v1/template-versions/{version.pk}/").json()
    assert body["sections"] and all(section["questions"] for section in body["sections"])
