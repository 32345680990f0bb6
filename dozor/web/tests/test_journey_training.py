"""Journey: a trainer adds a seminar to an existing programme, registers two participants, marks
their attendance, marks the seminar held and issues certificates; then an anonymous visitor checks
one certificate on the public verification page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dozor.accounts.models import Role, User
from dozor.people.tests.factories import PersonFactory
from dozor.training.models import Certificate, Enrolment, Event
from dozor.training.tests.factories import ProgrammeFactory
from dozor.web.tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


def test_it_runs_a_seminar_from_registration_to_a_verified_certificate(page, live_server, browser):
    browser_page, console = page
    User.objects.create_user(username="tom", password=PASSWORD, role=Role.TRAINER, first_name="Tom")
    programme = ProgrammeFactory(title_en="NPM practice seminars 2026")
    aigerim = PersonFactory(last_name="Seitkali", first_name="Aigerim")
    nurlan = PersonFactory(last_name="Abenov", first_name="Nurlan")
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)

    browser_page.goto(live_server.url + "/accounts/login/")
    browser_page.fill("#id_username", "tom")
    browser_page.fill("#id_password", PASSWORD)
    browser_page.click("main button[type=submit]")
    browser_page.wait_for_url(live_server.url + "/")

    browser_page.click("nav >> text=Programmes")
    browser_page.click(f"[data-testid=programme-{programme.pk}]")
    browser_page.click("[data-testid=new-event]")
    browser_page.fill("#id_title_en", "Practical aspects of the NPM")
    browser_page.fill("#id_city", "Ust-Kamenogorsk")
    browser_page.fill("#id_venue", "Hotel Irtysh")
    browser_page.fill("#id_starts_on", today.isoformat())
    browser_page.fill("#id_ends_on", tomorrow.isoformat())
    browser_page.fill("#id_capacity", "20")
    # the agenda runs tomorrow: attendance there is not yet counted, so no attendance minimum
    browser_page.fill("#id_min_attendance_percent", "0")
    foundations = _competency_pk("npm_foundations")
    browser_page.check(f"input[name=grants][value='{foundations}']")
    browser_page.click("[data-testid=save-event]")
    browser_page.wait_for_load_state("networkidle")
    event = Event.objects.get(city="Ust-Kamenogorsk")
    assert browser_page.locator("[data-testid=event-title]").inner_text() == "Practical aspects of the NPM"

    browser_page.click("[data-testid=add-session]")
    browser_page.fill("#id_topic_en", "SPT standards and visit planning")
    browser_page.fill("#id_starts_at", f"{tomorrow.isoformat()}T10:00")
    browser_page.click("[data-testid=save-session]")
    browser_page.wait_for_load_state("networkidle")
    session = event.sessions.get()

    # the event page shows one part at a time: after adding a session, the agenda
    browser_page.click("[data-testid=event-tabs] >> text=Participants")
    for person in (aigerim, nurlan):
        browser_page.click("[data-testid=register-participant]")
        browser_page.select_option("#id_person", str(person.pk))
        browser_page.click("[data-testid=register]")
        browser_page.wait_for_load_state("networkidle")
    enrolments = list(event.enrolments.order_by("pk"))
    assert [e.status for e in enrolments] == [Enrolment.Status.REGISTERED] * 2

    browser_page.click("[data-testid=event-tabs] >> text=Attendance")
    browser_page.click(f"[data-testid=all-present-{session.pk}]")
    expect(browser_page.locator("[data-unsaved]")).to_have_text("Not saved yet.")
    assert not session.attendance.exists()  # marked on the page, not yet saved
    browser_page.select_option(f"[data-testid=att-{session.pk}-{enrolments[1].pk}]", "late")
    browser_page.click("[data-testid=save-attendance]")
    browser_page.wait_for_load_state("networkidle")
    assert dict(session.attendance.values_list("enrolment_id", "status")) == {
        enrolments[0].pk: "present",
        enrolments[1].pk: "late",
    }
    assert browser_page.locator("[data-testid=attendance-grid]").is_visible()

    browser_page.click("[data-testid=edit-event]")
    browser_page.select_option("#id_status", "held")
    browser_page.click("[data-testid=save-event]")
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.locator("[data-testid=event-status]").inner_text() == "Held"

    browser_page.click("[data-testid=event-tabs] >> text=Certificates")
    for enrolment in enrolments:
        browser_page.click(f"[data-testid=issue-{enrolment.pk}]")
        browser_page.wait_for_load_state("networkidle")
    certificate = Certificate.objects.get(enrolment=enrolments[0])
    assert (
        browser_page.locator(f"[data-testid=certificate-code-{enrolments[0].pk}]").inner_text()
        == certificate.code
    )
    assert Certificate.objects.filter(enrolment__event=event).count() == 2
    screenshot(browser_page, "training-event")
    browser_page.click("text=Back to the programme")
    browser_page.wait_for_load_state("networkidle")
    assert "Ust-Kamenogorsk" in browser_page.locator("main").inner_text()
    screenshot(browser_page, "training-programme")
    browser_page.click("nav >> text=Training needs")
    browser_page.wait_for_load_state("networkidle")
    screenshot(browser_page, "training-needs")

    visitor = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
    public = visitor.new_page()
    public.on("console", console.on_console)
    public.on("pageerror", console.on_page_error)
    public.goto(f"{live_server.url}/verify/{certificate.code}/")
    assert public.locator("[data-testid=certificate-valid]").is_visible()
    assert public.locator("[data-testid=holder]").inner_text() == aigerim.full_name
    assert "Foundations of preventive monitoring" in public.locator("main").inner_text()
    screenshot(public, "training-verify")
    visitor.close()
    assert console.errors == []


def _competency_pk(code: str) -> int:
    from dozor.training.models import Competency

    return Competency.objects.get(code=code).pk
