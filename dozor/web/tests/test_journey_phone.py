"""Journey: a coordinator and a monitor use Dozor on a phone (390 x 844) in Russian and Kazakh.

On every main page, with the demo data set: nothing pushes the page sideways, the content starts
on the first screen (the menu is behind a button), and the browser reports no error. The Kazakh
pages are photographed at phone and desktop width into test-artifacts/phone-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from dozor.training.models import Event
from dozor.web.tests.browser import ConsoleWatcher, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
COMMON = {
    "home": "/",
    "places": "/places/",
    "visits": "/visits/",
    "recommendations": "/recommendations/",
    "planning": "/planning/",
    "planning-calendar": "/planning/calendar/",
    "training": "/training/",
    "people": "/people/",
}
PAGES = {
    "coordinator": {**COMMON, "audit": "/accounts/audit/"},
    "monitor": COMMON,  # the audit log is the coordinator's
}

LAYOUT = """() => ({
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  mainTop: document.querySelector("main").getBoundingClientRect().top + window.scrollY,
  wide: Array.from(document.querySelectorAll("main *"))
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
      && !el.closest(".table-scroll, .page-tabs") && el.getClientRects().length)
    .slice(0, 5).map((el) => el.tagName + "." + el.className),
})"""


@pytest.fixture
def demo(live_server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The demo data set (long real-world names, full tables), its logins and the Astana seminar
    (9 sessions x 30 participants) added to the pages."""
    from dozor.packs import pack_load

    pack_load(code="kz")  # transactional tests start from a flushed database
    call_command("demo", verbosity=0)
    seminar = Event.objects.get(title_en__contains="Astana")
    return {"training-event": f"/training/events/{seminar.pk}/"}


def check_page(page: Any, live_server: Any, path: str, label: str) -> None:
    page.goto(live_server.url + path)
    layout = page.evaluate(LAYOUT)
    assert layout["overflow"] <= 0, (label, layout)
    assert layout["mainTop"] < PHONE["height"], (label, layout)


@pytest.mark.parametrize("persona", ["coordinator", "monitor"])
def test_it_fits_every_main_page_on_a_phone_in_russian_and_kazakh(browser, live_server, demo, persona):
    console = ConsoleWatcher()
    pages = {**PAGES[persona], **demo}
    context, page = sign_in(
        browser, live_server, persona, console, password=settings.DOZOR_DEMO_PASSWORD, language="ru"
    )
    page.set_viewport_size(PHONE)
    for name, path in pages.items():
        check_page(page, live_server, path, f"ru {name}")
    page.click("[data-testid=lang-kk]")
    page.wait_for_selector("html[lang=kk]")
    for name, path in pages.items():
        check_page(page, live_server, path, f"kk {name}")
        screenshot(page, f"phone-{persona}-{name}-kk-390")
    page.set_viewport_size(DESKTOP)
    for name, path in pages.items():
        page.goto(live_server.url + path)
        assert page.evaluate(LAYOUT)["overflow"] <= 0, name
        screenshot(page, f"phone-{persona}-{name}-kk-1366")
    context.close()
    assert console.errors == []


def test_it_opens_the_menu_with_a_button_with_or_without_javascript(browser, live_server, demo):
    console = ConsoleWatcher()
    context, page = sign_in(
        browser, live_server, "monitor", console, password=settings.DOZOR_DEMO_PASSWORD, language="kk"
    )
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/places/")
    button, menu = page.locator("[data-testid=menu-button]"), page.locator("nav.sidenav")
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "sidenav")
    assert button.inner_text().strip() == "Мәзір"
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    screenshot(page, "phone-menu-open-kk-390")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    menu.locator("a[href='/training/']").click()
    page.wait_for_url(live_server.url + "/training/")
    expect(page.locator("nav.sidenav")).to_be_hidden()  # the next page starts with its content
    page.set_viewport_size(DESKTOP)
    expect(page.locator("nav.sidenav")).to_be_visible()
    expect(page.locator("[data-testid=menu-button]")).to_be_hidden()
    context.close()
    assert console.errors == []

    # Without JavaScript: the button is a link to the menu, and wide tables scroll by themselves.
    context = browser.new_context(locale="en-GB", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", settings.DOZOR_DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    for path in ("/places/", "/accounts/audit/", demo["training-event"]):
        page.goto(live_server.url + path)
        assert page.evaluate(LAYOUT)["overflow"] <= 0, path
    expect(page.locator("nav.sidenav")).to_be_hidden()
    page.click("[data-testid=menu-button]")
    expect(page.locator("nav.sidenav")).to_be_visible()
    page.click("nav.sidenav a[href='/visits/']")
    page.wait_for_url(live_server.url + "/visits/")
    context.close()


def test_it_marks_a_whole_seminar_present_and_saves_it_once_on_a_phone(browser, live_server, demo):
    console = ConsoleWatcher()
    context, page = sign_in(
        browser, live_server, "trainer", console, password=settings.DOZOR_DEMO_PASSWORD, language="kk"
    )
    page.set_viewport_size(PHONE)
    seminar = Event.objects.get(title_en__contains="Astana")
    sessions = list(seminar.sessions.filter(cancelled=False).order_by("starts_at"))
    page.goto(live_server.url + demo["training-event"])
    expect(page.locator("[data-testid=attendance-grid]")).to_be_hidden()  # the overview tab first
    page.click("[data-testid=event-tabs] a[href='#attendance']")
    assert page.url.endswith("#attendance")
    for session in sessions[:2]:
        page.click(f"[data-testid=all-present-{session.pk}]")
    expect(page.locator("[data-unsaved]")).not_to_be_empty()
    page.click("[data-testid=save-attendance]")
    page.wait_for_url(f"**{demo['training-event']}#attendance")
    expect(page.locator("[data-testid=attendance-grid]")).to_be_visible()
    expect(page.locator(".messages")).to_be_visible()
    for session in sessions[:2]:
        expected = seminar.enrolments.filter(status="registered", registered_at__lte=session.starts_at)
        marks = dict(session.attendance.values_list("enrolment_id", "status"))
        assert expected.count() > 0 and {marks.get(e.pk) for e in expected} == {"present"}, session
    assert page.evaluate(LAYOUT)["overflow"] <= 0
    screenshot(page, "phone-attendance-kk-390")
    context.close()
    assert console.errors == []
