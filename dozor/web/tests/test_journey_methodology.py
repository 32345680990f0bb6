"""Journey: a coordinator works in Russian, drafts a new checklist question, translates it into
Kazakh, publishes the version and downloads the XLSForm that field teams load into ODK/Kobo."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from dozor.accounts.models import Role, User
from dozor.methodology.models import Question, TemplateVersion
from dozor.standards.tests.factories import checklist
from dozor.web.tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUSSIAN = "Есть ли в камере кнопка вызова?"
KAZAKH = "Камерада шақыру түймесі бар ма?"


def test_it_drafts_translates_publishes_and_exports_a_question(page, live_server):
    browser_page, console = page
    User.objects.create_user(username="alice", password="correct-horse-battery-staple", role=Role.COORDINATOR)
    published = checklist("tpl_journey")

    browser_page.goto(live_server.url + "/accounts/login/")
    browser_page.fill("#id_username", "alice")
    browser_page.fill("#id_password", "correct-horse-battery-staple")
    browser_page.click("main button[type=submit]")
    browser_page.wait_for_url(live_server.url + "/")
    browser_page.click("[data-testid=lang-ru]")
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.locator("html").get_attribute("lang") == "ru"

    browser_page.goto(live_server.url + "/methodology/")
    browser_page.click("text=Тестовый чек-лист")
    browser_page.click("[data-testid=new-draft]")
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.locator("[data-testid=publish]").is_visible()

    browser_page.click("[data-testid=add-question-general]")
    # the field for the current UI language comes first
    labels = browser_page.locator("textarea[name^=label_]")
    assert labels.first.get_attribute("name") == "label_ru"
    browser_page.fill("#id_name", "call_button")
    browser_page.select_option("#id_type", "yes_no")
    browser_page.fill("#id_label_ru", RUSSIAN)
    browser_page.fill("#id_provisions", "TEST-1")
    browser_page.click("[data-testid=save-question]")
    browser_page.wait_for_load_state("networkidle")
    assert RUSSIAN in browser_page.locator("[data-testid=question-call_button]").inner_text()

    browser_page.click("[data-testid=translate-call_button]")
    browser_page.fill("#id_label_kk", KAZAKH)
    browser_page.click("[data-testid=save-translations]")
    browser_page.wait_for_load_state("networkidle")
    screenshot(browser_page, "methodology-draft-ru")

    browser_page.click("[data-testid=publish]")
    browser_page.wait_for_load_state("networkidle")
    draft = published.template.versions.get(number=2)
    assert draft.status == TemplateVersion.Status.PUBLISHED
    assert browser_page.locator("[data-testid=publish]").count() == 0
    question = Question.objects.get(section__version=draft, name="call_button")
    assert (question.label_ru, question.label_kk) == (RUSSIAN, KAZAKH)

    with browser_page.expect_download() as download_info:
        browser_page.click("[data-testid=download-xlsform]")
    download = download_info.value
    assert download.suggested_filename == "tpl_journey-v2.xlsx"
    with open(download.path(), "rb") as handle:
        workbook = load_workbook(handle)
    texts = {str(cell) for row in workbook["survey"].iter_rows(values_only=True) for cell in row if cell}
    assert RUSSIAN in texts and KAZAKH in texts
    screenshot(browser_page, "methodology-published-ru")
    assert console.errors == []
