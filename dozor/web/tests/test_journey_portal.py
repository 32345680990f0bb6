"""Journey: an authority's liaison signs in, opens the authority portal and answers a
recommendation with a PDF attachment; the coordinator opens the response from the queue and
assesses it as partially implemented, verified on site on the follow-up visit; the recommendation
shows the new status, to the coordinator and on the portal."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import weasyprint

from dozor.accounts.models import Role, User
from dozor.core.models import Authority, VisitType
from dozor.recommendations.models import Response, ResponseAttachment
from dozor.recommendations.tests.factories import kuis_place, recommendation, report_for
from dozor.visits.services import visit_create
from dozor.web.tests.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
TEXT = "Ensure every newly admitted person is examined by a doctor within 24 hours."
ANSWER = "A doctor is now on duty at admission around the clock (order No. 17)."


def _sign_in(browser, live_server, username: str, console):  # type: ignore[no-untyped-def]
    return sign_in(browser, live_server, username, console, password=PASSWORD)


def _pdf(tmp_path: Path) -> Path:
    path = tmp_path / "order-17.pdf"
    path.write_bytes(weasyprint.HTML(string="<h1>Order No. 17</h1><p>Doctor on duty.</p>").write_pdf())
    return path


def test_a_liaison_answers_and_the_coordinator_assesses_on_site(  # type: ignore[no-untyped-def]
    page, live_server, browser, tmp_path
):
    _unused, console = page
    alice = User.objects.create_user(
        username="alice", password=PASSWORD, role=Role.COORDINATOR, first_name="Alice"
    )
    User.objects.create_user(
        username="lena",
        password=PASSWORD,
        role=Role.LIAISON,
        first_name="Lena",
        authority=Authority.objects.get(code="KUIS"),
    )
    place = kuis_place(name_en="Synthetic pre-trial centre (portal journey)")
    report = report_for(alice, place)
    rec = recommendation(alice, report, text=TEXT, deadline=datetime.date(2025, 9, 1))
    follow_up = visit_create(
        actor=alice,
        facility=place,
        visit_type=VisitType.objects.get(code="periodic"),
        started_on=datetime.date(2025, 10, 7),
    )

    # --- the liaison answers with an attachment --------------------------------------------------
    context, liaison = _sign_in(browser, live_server, "lena", console)
    liaison.click("nav.sidenav a[href='/recommendations/portal/']")
    liaison.wait_for_selector("[data-testid=portal-counts]")
    screenshot(liaison, "portal-home")
    liaison.click("[data-testid=portal-recommendations]")
    liaison.click(f"[data-testid=portal-recommendation-list] a[href$='/portal/recommendations/{rec.pk}/']")
    liaison.wait_for_selector("[data-testid=response-form]")
    liaison.fill("#id_text", ANSWER)
    liaison.fill("#id_action_plan", "Second doctor to be hired by December.")
    liaison.fill("#id_planned_by", "2026-12-31")
    liaison.set_input_files("#id_attachments", str(_pdf(tmp_path)))
    liaison.click("[data-testid=send-response]")
    liaison.wait_for_selector("[data-testid=response]")
    assert ANSWER in liaison.inner_text("[data-testid=response-text]")
    assert "order-17.pdf" in liaison.inner_text("[data-testid=response-attachments]")
    screenshot(liaison, "portal-response-sent")
    response = Response.objects.get(recommendation=rec)
    attachment = ResponseAttachment.objects.get(response=response)
    assert attachment.content_type == "application/pdf" and attachment.original_name == "order-17.pdf"

    # --- the coordinator assesses it, verified on site ---------------------------------------
    npm, coordinator = _sign_in(browser, live_server, "alice", console)
    coordinator.goto(live_server.url + "/recommendations/responses/")
    coordinator.click("[data-testid=open-response]")
    coordinator.wait_for_selector("[data-testid=assessment-form]")
    assert ANSWER in coordinator.inner_text("[data-testid=response-text]")
    coordinator.select_option("#id_status", label="Partially implemented")
    coordinator.select_option("#id_verification", "on_site")
    coordinator.select_option("#id_visit", str(follow_up.pk))
    coordinator.fill("#id_evidence", "Doctor on duty seen on 7 October; second post still vacant.")
    coordinator.click("[data-testid=save-assessment]")
    coordinator.wait_for_selector("[data-testid=assessment-of-this-response]")
    assert "Partially implemented" in coordinator.inner_text("[data-testid=recommendation-status]")
    screenshot(coordinator, "portal-response-assessed")
    rec.refresh_from_db()
    response.refresh_from_db()
    assert rec.status.code == "partially_implemented" and response.assessed_at is not None
    change = rec.history.get()
    assert change.verification == "on_site" and change.visit == follow_up and change.response == response
    npm.close()

    # --- the liaison sees the new status and how it was verified, not the NPM's notes ------------
    liaison.reload()
    assert "Partially implemented" in liaison.inner_text("[data-testid=recommendation-status]")
    history = liaison.inner_text("[data-testid=status-history]")
    assert "Verified on site" in history and "second post still vacant" not in liaison.content()
    context.close()

    assert console.errors == []
