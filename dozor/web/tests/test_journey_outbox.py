"""Journey: on a phone, in Kazakh, a coordinator opens the failing e-mails from her menu, and an
optimiser run she started. Photographed into test-artifacts/h6b/ (outbox-kk-390.png,
proposal-job-kk-390.png). Until the lead merges /work/helpers/po/h6b.kk.po into locale/, set
DOZOR_EXTRA_LOCALE to a folder holding its compiled catalogue to see the new strings in Kazakh."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import PASSWORD, make_user
from dozor.accounts.models import Role
from dozor.core.jobs.models import Job
from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import notification_queue
from dozor.planning.tests.factories import PlanFactory
from dozor.web.tests.browser import ARTIFACTS, ConsoleWatcher, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_screen(phone) -> bool:  # type: ignore[no-untyped-def]
    return bool(phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_a_coordinator_follows_failing_e_mails_and_an_optimiser_run_on_a_phone_in_kazakh(  # type: ignore[no-untyped-def]
    page, browser, live_server, settings
):
    if extra := os.environ.get("DOZOR_EXTRA_LOCALE"):
        settings.LOCALE_PATHS = [Path(extra), *settings.LOCALE_PATHS]
    alice = make_user("alice", Role.COORDINATOR)
    ruslan = make_user("ruslan", Role.COORDINATOR)
    for address, subject in [
        ("ruslan@npm.kz", "Шұғыл хабарлама: қатыгез қарау болуы мүмкін"),
        ("a.n@mail.kz", "Еске салулар"),
    ]:
        notification = notification_queue(
            kind=Notification.Kind.URGENT_FINDING
            if address.startswith("ruslan")
            else Notification.Kind.REMINDER,
            recipient=ruslan if address.startswith("ruslan") else None,
            address=address,
            subject=subject,
            body=".",
        )
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED,
            attempts=6,
            last_error=f"SMTPRecipientsRefused: {{'{address}': (554, b'5.7.1 Relay access denied')}}",
            next_attempt_at=timezone.now() + datetime.timedelta(minutes=32),
        )
    plan = PlanFactory(title="Бару жоспары 2026")
    job = Job.objects.create(
        kind=Job.Kind.PROPOSAL,
        owner=alice,
        params={"plan": plan.pk, "method": "milp", "budget": "50000000", "time_limit": 120},
        status=Job.Status.RUNNING,
        started_at=timezone.now(),
    )

    console = ConsoleWatcher()
    context, phone = sign_in(browser, live_server, "alice", console, language="kk", password=PASSWORD)
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/outbox/")
    table = phone.locator("[data-testid=failing-notifications]")
    assert table.locator("tbody tr").count() == 2
    assert "5.7.1 Relay access denied" in table.inner_text()
    out = ARTIFACTS / "h6b"
    out.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(out / "outbox-kk-390.png"), full_page=True)

    phone.goto(f"{live_server.url}/planning/proposals/runs/{job.pk}/")
    card = phone.locator("[data-testid=proposal-job]")
    assert card.get_attribute("data-status") == "running" and card.get_attribute("hx-get")
    assert fits_the_screen(phone)
    phone.screenshot(path=str(out / "proposal-job-kk-390.png"), full_page=True)
    assert console.errors == []
    context.close()
