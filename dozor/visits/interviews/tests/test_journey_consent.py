"""Journey: a monitor on a phone (390 x 844) records a person's consent to be quoted in the report
to the authority, then records its withdrawal; nothing pushes the page sideways."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from dozor.accounts.models import Role, User
from dozor.core.models import VisitType
from dozor.facilities.tests.factories import FacilityFactory
from dozor.visits.interviews.services import interview_record
from dozor.visits.models import Consent, Interview
from dozor.visits.services import visit_create
from dozor.web.tests.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_a_monitor_on_a_phone_records_and_withdraws_a_consent(page, live_server, browser):  # type: ignore[no-untyped-def]
    _unused, console = page
    alice = User.objects.create_user(username="alice", password=PASSWORD, role=Role.COORDINATOR)
    bob = User.objects.create_user(username="bob", password=PASSWORD, role=Role.MONITOR, first_name="Bob")
    day = timezone.localdate() - datetime.timedelta(days=1)
    visit = visit_create(
        actor=alice,
        facility=FacilityFactory(name_en="Synthetic colony (consent journey)"),
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=day,
        team=[bob],
    )
    interview = interview_record(
        actor=bob, visit=visit, code="D-11", category=Interview.Category.DETAINEE, held_on=day
    )

    context, phone = sign_in(browser, live_server, "bob", console, password=PASSWORD)
    phone.set_viewport_size(PHONE)
    phone.goto(f"{live_server.url}/visits/interviews/{interview.pk}/")
    row = "[data-testid=consent-quote_authority]"
    assert phone.get_attribute(row, "data-state") == "not_asked"
    assert phone.evaluate(OVERFLOW) <= 0

    phone.click("[data-testid=record-consent]")
    phone.select_option("#id_use", "quote_authority")
    phone.check("input[name=granted][value=yes]")
    phone.select_option("#id_method", "written")
    phone.fill("#id_given_on", day.isoformat())
    phone.click("[data-testid=save-consent]")
    phone.wait_for_selector(f"{row}[data-state=given]")
    assert phone.evaluate(OVERFLOW) <= 0
    screenshot(phone, "consent-phone-given")
    consent = Consent.objects.get(interview=interview)
    assert (consent.use, consent.method, consent.recorded_by, consent.in_force) == (
        "quote_authority",
        "written",
        bob,
        True,
    )

    phone.click("[data-testid=withdraw-quote_authority]")
    phone.fill(f"#id_withdraw_note_{consent.pk}", "Asked at the follow-up visit not to be quoted")
    phone.click("[data-testid=confirm-withdraw-quote_authority]")
    phone.wait_for_selector(f"{row}[data-state=withdrawn]")
    assert phone.evaluate(OVERFLOW) <= 0
    screenshot(phone, "consent-phone-withdrawn")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and not consent.in_force
    assert consent.withdrawn_recorded_by == bob
    assert console.errors == []
    context.close()
