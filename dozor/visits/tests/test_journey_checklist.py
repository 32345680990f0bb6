"""Journey: a monitor on a phone (390 x 844) fills in half a checklist, loses the connection, types
on, reloads, finishes and finalises it, and every answer is in the stored submission. The shipped
checklist is photographed on a phone in Kazakh and Russian (test-artifacts/checklist-phone-*.png),
with no sideways scroll and every control a large enough touch target."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from dozor.accounts.models import Role, User
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.methodology.models import ChecklistTemplate, TemplateVersion
from dozor.methodology.services import version_build
from dozor.visits.conftest import SMALL_SPEC
from dozor.visits.models import Submission, Visit
from dozor.visits.selectors import submission_answer_values
from dozor.visits.services import draft_values, visit_create
from dozor.web.tests.browser import JOURNEY_PASSWORD, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
FIRST_HALF = {
    ("visit_date", 0): "2026-04-01",
    ("holds_women", 0): "yes",
    ("women_separated", 0): "yes",
    ("population", 0): "12",
    ("regime", 0): "strict",
}
TYPED_OFFLINE = {
    ("notes", 0): "Камерада терезе жоқ; Терезе жабық",
    ("problems", 0): "crowding heat",
    ("cell_number", 1): "7",
    ("cell_persons", 1): "4",
}
AFTER_RELOAD = {("area", 0): "35.5", ("cell_window", 1): "yes", ("women_note", 0): "Әйелдер бөлек"}

# Controls smaller than 24 x 24 px (WCAG 2.5.8); a radio button or check box counts by its label,
# which is what a finger presses. Only what is shown counts.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    "main a, main button, main input, main textarea, main select, main summary"))
  .filter((el) => el.type !== "hidden" && el.getClientRects().length)
  .map((el) => {
    const target = (el.type === "radio" || el.type === "checkbox") && el.closest("label") || el;
    const box = target.getBoundingClientRect();
    return {name: el.name || el.textContent.trim().slice(0, 30) || el.tagName, w: box.width, h: box.height};
  })
  .filter((t) => t.w < 24 || t.h < 24)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Poll the database (the live server writes from its own thread) until ``check`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OperationalError:  # SQLite: the live server is writing that table right now
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _small_visit(monitor: User) -> Visit:
    coordinator = User.objects.create_user(
        username="alice", password=JOURNEY_PASSWORD, role=Role.COORDINATOR, first_name="Alice"
    )
    template = ChecklistTemplate.objects.create(code="tpl_small", name_en="Small", name_ru="Малый")
    version = version_build(
        template=template,
        sections=SMALL_SPEC,
        number=3,
        status=TemplateVersion.Status.PUBLISHED,
        source="pack",
    )
    return visit_create(
        actor=coordinator,
        facility=FacilityFactory(name_kk="Қарағанды тергеу изоляторы", name_ru="СИЗО Караганды"),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=timezone.localdate() - datetime.timedelta(days=1),
        template_version=version,
        team=[monitor],
    )


def _fill(page: Any, answers: dict[tuple[str, int], str]) -> None:
    for (name, index), value in answers.items():
        field = f"{name}__{index}" if index else name
        inputs = page.locator(f"[name='{field}']")
        kind = inputs.first.get_attribute("type")
        if kind == "radio":
            page.check(f"[name='{field}'][value='{value}']")
        elif kind == "checkbox":
            for choice in value.split():
                page.check(f"[name='{field}'][value='{choice}']")
        else:
            inputs.fill(value)


def test_a_monitor_on_a_phone_finishes_a_checklist_across_a_lost_connection(  # type: ignore[no-untyped-def]
    page, live_server, browser
):
    _unused, console = page
    monitor = User.objects.create_user(
        username="bob", password=JOURNEY_PASSWORD, role=Role.MONITOR, first_name="Bob", last_name="Seitov"
    )
    visit = _small_visit(monitor)
    context, phone = sign_in(browser, live_server, "bob", console, language="kk")
    phone.set_viewport_size(PHONE)

    # --- the first half, online: saved on the server as a draft as it is typed ------------------
    phone.goto(f"{live_server.url}/visits/{visit.pk}/")
    phone.click("[data-testid=fill-checklist]")
    phone.wait_for_selector("[data-testid=checklist-form]")
    expect(phone.locator("[name=visit_date]")).to_have_attribute("aria-required", "true")
    expect(phone.locator("[name=holds_women]").first).to_have_attribute("required", "")
    _fill(phone, {k: v for k, v in FIRST_HALF.items() if k[0] == "holds_women"})
    expect(phone.locator("[data-question=women_separated]")).to_be_visible()  # a condition, via htmx
    _fill(phone, {k: v for k, v in FIRST_HALF.items() if k[0] != "holds_women"})

    def first_half_on_server() -> bool:
        draft = Submission.objects.filter(visit=visit).first()
        return draft is not None and draft_values(draft) == FIRST_HALF

    _wait_for(first_half_on_server, "the first half autosaved")
    # ... and the page has had the server's answer to that save: the connection drops between two
    # saves, not in the middle of one (a save lost on its way is the phone's copy's other case)
    phone.wait_for_function(
        "() => Object.keys(localStorage).some((k) => { try { return JSON.parse(localStorage[k]).synced; }"
        " catch (e) { return false; } })"
    )
    submission = Submission.objects.get(visit=visit)
    assert submission.status == Submission.Status.DRAFT and not submission.answers.exists()
    expect(phone.locator("[data-progress-text]")).to_contain_text("5")
    assert phone.evaluate(OVERFLOW) <= 0

    # --- the connection drops: answers typed now stay on the phone ------------------------------
    context.set_offline(True)
    _fill(phone, TYPED_OFFLINE)
    phone.locator("[name=cell_persons__1]").blur()
    expect(phone.locator("[data-save-status]")).not_to_be_empty()
    time.sleep(1.5)  # longer than the autosave delay: nothing can reach the server
    assert draft_values(Submission.objects.get(pk=submission.pk)) == FIRST_HALF
    with pytest.raises(PlaywrightError):
        phone.reload()  # the monitor reloads while offline: the browser cannot load the page
    phone.close()  # ... and the phone's browser drops the tab, whose script could have sent them

    # --- back online, the page is opened again: the phone's answers are restored and sent -------
    context.set_offline(False)
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    phone.on("console", console.on_console)
    phone.on("pageerror", console.on_page_error)
    phone.goto(f"{live_server.url}/visits/{visit.pk}/checklist/")
    expect(phone.locator("[data-checklist-state]")).to_have_attribute("data-restored", "")
    expect(phone.locator("[name=notes]")).to_have_value(TYPED_OFFLINE[("notes", 0)])
    expect(phone.locator("[name=cell_number__1]")).to_have_value("7")
    expect(phone.locator("[name=problems][value=heat]")).to_be_checked()
    expect(phone.locator("[name=population]")).to_have_value("12")  # the server's half is there too
    _wait_for(
        lambda: draft_values(Submission.objects.get(pk=submission.pk)) == FIRST_HALF | TYPED_OFFLINE,
        "the answers kept on the phone reaching the server",
    )

    phone.wait_for_load_state("networkidle")  # which questions apply, asked again after the restore
    # --- the rest, then Finalise (the sticky bar is on screen wherever the monitor is) -----------
    # cell_window decides which questions apply: the page asks the server (htmx) and redraws them.
    # A person looks up at the redrawn questions before typing on; the test waits for the answer too
    # (a field replaced while Playwright types into it would take the keystrokes with it).
    with phone.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        _fill(phone, {k: v for k, v in AFTER_RELOAD.items() if k[0] != "women_note"})
    _fill(phone, {k: v for k, v in AFTER_RELOAD.items() if k[0] == "women_note"})
    bar = phone.locator("[data-testid=checklist-bar]")
    phone.locator("[name=visit_date]").scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"] + 1
    screenshot(phone, "checklist-phone-journey-kk-390")
    phone.click("[data-testid=submit-checklist]")
    phone.wait_for_url(f"{live_server.url}/visits/{visit.pk}/")

    submission.refresh_from_db()
    assert submission.is_final and submission.submitted_at is not None
    assert Submission.objects.filter(visit=visit).count() == 1  # one checklist, never a second
    assert submission_answer_values(submission) == FIRST_HALF | TYPED_OFFLINE | AFTER_RELOAD
    # the visit page names it for people, never by its instance ID
    main = phone.inner_text("main")
    assert submission.instance_id not in main and "Bob Seitov" in main
    context.close()
    assert [e for e in console.errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_a_failed_finalise_moves_the_focus_to_the_error_summary(page, live_server, browser):  # type: ignore[no-untyped-def]
    _unused, console = page
    monitor = User.objects.create_user(username="bob", password=JOURNEY_PASSWORD, role=Role.MONITOR)
    visit = _small_visit(monitor)
    context, phone = sign_in(browser, live_server, "bob", console, language="ru")
    phone.set_viewport_size(PHONE)
    phone.goto(f"{live_server.url}/visits/{visit.pk}/checklist/")
    phone.fill("[name=population]", "-5")
    phone.click("[data-testid=submit-checklist]")
    summary = phone.locator("[data-testid=error-summary]")
    expect(summary).to_be_focused()
    summary.locator("a[href='#id_population']").click()
    expect(phone.locator("#id_population")).to_be_focused()
    assert Submission.objects.get(visit=visit).status == Submission.Status.DRAFT
    context.close()
    assert [e for e in console.errors if "status of 400" not in e] == []  # the refused finalise


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_shipped_checklist_fits_a_phone(page, live_server, browser, language):  # type: ignore[no-untyped-def]
    _unused, console = page
    monitor = User.objects.create_user(username="bob", password=JOURNEY_PASSWORD, role=Role.MONITOR)
    coordinator = User.objects.create_user(username="alice", password=JOURNEY_PASSWORD, role=Role.COORDINATOR)
    visit = visit_create(
        actor=coordinator,
        facility=FacilityFactory(name_kk="Қарағанды тергеу изоляторы", name_ru="СИЗО Караганды"),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=timezone.localdate(),
        team=[monitor],
    )
    assert visit.template_version is not None  # the shipped checklist for the place's type
    context, phone = sign_in(browser, live_server, "bob", console, language=language)
    phone.set_viewport_size(PHONE)
    phone.goto(f"{live_server.url}/visits/{visit.pk}/checklist/")
    assert phone.evaluate(OVERFLOW) <= 0
    assert phone.evaluate(SMALL_TARGETS) == []
    screenshot(phone, f"checklist-phone-{language}-390")
    phone.click("[data-checklist-menu] summary")
    expect(phone.locator(".checklist-sections")).to_be_visible()
    phone.screenshot(path=str(_artifact(f"checklist-phone-menu-{language}-390")))
    context.close()
    assert console.errors == []


def _artifact(name: str) -> Any:
    from dozor.web.tests.browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
