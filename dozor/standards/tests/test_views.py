from __future__ import annotations

import pytest
from django.urls import reverse

from dozor.standards.models import Instrument
from dozor.standards.tests.factories import checklist, instrument, provision, theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():  # type: ignore[no-untyped-def]
    rules = instrument("TEST_RULES", binding=False, unverified=True, name_en="Test Standard Minimum Rules")
    law = instrument(
        "TEST_LAW",
        kind=Instrument.Kind.NATIONAL_LAW,
        binding=True,
        name_en="Test Penal Code",
        short_en="Test PC",
    )
    conditions = theme("TEST_CONDITIONS", en="Test material conditions")
    safeguards = theme("TEST_SAFEGUARDS", en="Test safeguards")
    bed = provision(
        "TEST-BED",
        number="21",
        of=rules,
        about=conditions,
        title_en="Bedding",
        title_ru="Постельные принадлежности",
        title_kk="Төсек-орын жабдықтары",
        summary_en="Every prisoner shall have a separate bed.",
        summary_ru="Каждый заключённый должен иметь отдельную кровать.",
        summary_kk="Әрбір сотталғанның жеке төсегі болуы тиіс.",
    )
    lawyer = provision(
        "TEST-LAWYER",
        number="Art. 9",
        of=law,
        about=safeguards,
        title_en="Access to a lawyer",
        title_ru="Доступ к адвокату",
        title_kk="Адвокатқа қол жеткізу",
        summary_en="A detained person may see a lawyer in private.",
        summary_ru="Задержанный вправе встретиться с адвокатом наедине.",
        summary_kk="Ұсталған адам адвокатпен оңаша кездесе алады.",
    )
    bed.see_also.add(lawyer)
    return {"rules": rules, "law": law, "bed": bed, "lawyer": lawyer, "conditions": conditions}


def test_it_lists_instruments_by_kind_with_badges_for_every_staff_role(
    library, as_coordinator, as_council, as_monitor, as_trainer, as_liaison
):
    for client in (as_coordinator, as_council, as_monitor, as_trainer, as_liaison):
        response = client.get(reverse("standards:instrument_list"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Test Standard Minimum Rules" in body and "Test Penal Code" in body
        assert "National law" in body and "UN standard or guideline" in body
        assert "unverified" in body and "binding" in body
        assert response.context["section"] == "standards"


def test_it_sends_anonymous_users_to_sign_in(library, anonymous):
    for url in (
        reverse("standards:instrument_list"),
        reverse("standards:instrument_detail", args=["TEST_RULES"]),
        reverse("standards:provision_list"),
        reverse("standards:provision_detail", args=["TEST-BED"]),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]


def test_it_shows_an_instrument_with_its_provisions(library, as_monitor):
    response = as_monitor.get(reverse("standards:instrument_detail", args=["TEST_RULES"]))
    assert response.status_code == 200
    assert b"Bedding" in response.content and b"Access to a lawyer" not in response.content
    assert as_monitor.get(reverse("standards:instrument_detail", args=["NOPE"])).status_code == 404


def test_it_searches_provisions_in_any_language_case_insensitively(library, as_liaison):
    url = reverse("standards:provision_list")
    for query in ("КРОВАТЬ", "кровать", "төсегі", "ТӨСЕГІ", "separate BED", "test-bed"):
        body = as_liaison.get(url, {"q": query}).content.decode()
        assert "Bedding" in body, query
        assert "Access to a lawyer" not in body, query
    body = as_liaison.get(url, {"q": "адвокат"}).content.decode()
    assert "Access to a lawyer" in body and "Bedding" not in body


def test_it_filters_provisions_by_instrument_and_theme(library, as_coordinator):
    url = reverse("standards:provision_list")
    body = as_coordinator.get(url, {"instrument": "TEST_LAW"}).content.decode()
    assert "Access to a lawyer" in body and "Bedding" not in body
    body = as_coordinator.get(url, {"theme": "TEST_CONDITIONS"}).content.decode()
    assert "Bedding" in body and "Access to a lawyer" not in body
    body = as_coordinator.get(url, {"theme": "TEST_CONDITIONS", "instrument": "TEST_LAW"}).content.decode()
    assert "Bedding" not in body and "Access to a lawyer" not in body


def test_it_returns_a_fragment_to_htmx(library, as_coordinator):
    response = as_coordinator.get(reverse("standards:provision_list"), {"q": "bed"}, HTTP_HX_REQUEST="true")
    assert b"Bedding" in response.content
    assert b"<html" not in response.content


def test_it_shows_a_provision_in_the_active_language_and_the_other_two(library, as_monitor):
    url = reverse("standards:provision_detail", args=["TEST-BED"])
    body = as_monitor.get(url).content.decode()
    assert "Every prisoner shall have a separate bed." in body
    assert "Каждый заключённый должен иметь отдельную кровать." in body
    assert "Әрбір сотталғанның жеке төсегі болуы тиіс." in body
    assert "Test material conditions" in body
    assert reverse("standards:provision_detail", args=["TEST-LAWYER"]) in body  # see also
    as_monitor.post(reverse("set_language"), {"language": "ru", "next": url})
    body = as_monitor.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert body.index("Каждый заключённый") < body.index("Every prisoner")


def test_it_lists_every_checklist_question_that_cites_a_provision(as_monitor):
    version = checklist("tpl_cites")
    url = reverse("standards:provision_detail", args=["TEST-1"])
    response = as_monitor.get(url)
    body = response.content.decode()
    assert "Does the place hold women?" in body and "How many cells are there?" in body
    assert "Are women held apart from men?" not in body  # cites TEST-2
    assert "Test checklist" in body and reverse("methodology:version", args=[version.pk]) in body


def test_it_hides_checklists_from_liaisons_on_a_provision_page(as_liaison):
    checklist("tpl_cites")
    response = as_liaison.get(reverse("standards:provision_detail", args=["TEST-1"]))
    assert response.status_code == 200
    assert b"Does the place hold women?" not in response.content
    assert b'data-testid="citations"' not in response.content


def test_it_keeps_the_provision_search_bounded(library, as_coordinator, django_assert_max_num_queries):
    url = reverse("standards:provision_list")
    with django_assert_max_num_queries(12) as small:
        as_coordinator.get(url)
    for n in range(60):
        provision(f"TEST-MANY-{n}", number=str(n))
    with django_assert_max_num_queries(len(small.captured_queries)):
        as_coordinator.get(url)
    with django_assert_max_num_queries(12):
        as_coordinator.get(reverse("standards:instrument_list"))
    with django_assert_max_num_queries(12):
        as_coordinator.get(reverse("standards:instrument_detail", args=["TEST_RULES"]))


def test_it_keeps_the_provision_page_bounded_however_many_questions_cite_it(
    as_coordinator, django_assert_max_num_queries
):
    checklist("tpl_one")
    url = reverse("standards:provision_detail", args=["TEST-1"])
    with django_assert_max_num_queries(14) as small:
        as_coordinator.get(url)
    for n in range(2, 6):
        checklist("tpl_one", number=n, status="retired")
    with django_assert_max_num_queries(len(small.captured_queries)):
        as_coordinator.get(url)
