"""Journey, the release gate (issue 16): a coordinator prepares the version of an approved visit
report for the authority (the exact cell numbers of a finding are proposed for removal and she
removes them), a second coordinator approves it, the report is recorded as sent, and the liaison of
the Penal Correction System Committee signs in and reads the report: the block is there, the cell
numbers are not."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dozor.accounts.models import Role, User
from dozor.core.models import Authority
from dozor.publishing.models import PublicReport
from dozor.recommendations.tests.factories import kuis_place, report_for
from dozor.standards.models import Theme
from dozor.visits.findings.services import finding_create
from dozor.visits.models import Finding, Report, ReportSection
from dozor.visits.reports.services import section_save
from dozor.web.tests.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
TIMEOUT = 30_000
BLOCK, CELLS = "Корпус 2", "камеры 12-18"


def _submit(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.click(selector)


def _approved_report(alice: User) -> Report:
    report = report_for(
        alice, kuis_place(name_en="Gate journey SIZO", name_ru="СИЗО (сценарий)"), Report.Status.DRAFT
    )
    finding_create(
        actor=alice,
        visit=report.visit,
        theme=Theme.objects.get(code="treatment"),
        severity=Finding.Severity.SERIOUS,
        title="Переполненность",
        location=f"{BLOCK}, {CELLS}",
        description="В камерах на четверых содержатся по восемь человек.",
        sources=[Finding.Source.OBSERVATION, Finding.Source.DOCUMENTS],
        provisions=[],
    )
    section = report.sections.get(key=ReportSection.Key.SUMMARY)
    section_save(
        actor=alice, section=section, body="Группа посетила учреждение.", base_revision=section.revision
    )
    Report.objects.filter(pk=report.pk).update(status=Report.Status.APPROVED, approved_at=timezone.now())
    report.refresh_from_db()
    return report


def test_the_authority_reads_exactly_the_approved_text(page, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    _first, console = page
    alice = User.objects.create_user(
        username="alice", password=PASSWORD, role=Role.COORDINATOR, first_name="Alice"
    )
    User.objects.create_user(username="bob", password=PASSWORD, role=Role.COORDINATOR, first_name="Bob")
    User.objects.create_user(
        username="lena", password=PASSWORD, role=Role.LIAISON, authority=Authority.objects.get(code="KUIS")
    )
    report = _approved_report(alice)

    # --- 1. the coordinator prepares the version for the authority ---------------------------------
    _ctx, editor = sign_in(browser, live_server, "alice", console, password=PASSWORD)
    editor.set_default_timeout(TIMEOUT)
    editor.goto(f"{live_server.url}/publishing/?report={report.pk}&audience=authority")
    editor.click("[data-testid=start-link]")
    editor.wait_for_selector("[data-testid=start-form]")
    editor.select_option("#id_lang", "ru")
    assert editor.input_value("#id_audience") == "authority"
    _submit(editor, "[data-testid=start-form] button[type=submit]")
    release = PublicReport.objects.get(report=report, audience=PublicReport.Audience.AUTHORITY)
    assert release.redactions.filter(kind="location", original=CELLS).exists()
    assert editor.locator("[data-testid=release-audience]").count() == 1
    waiting = editor.locator("[data-testid=redaction][data-state=proposed]")
    for _n in range(waiting.count()):
        _submit(editor, "[data-testid=redaction][data-state=proposed] >> nth=0 >> [data-testid=accept]")
    screenshot(editor, "release-gate-authority-redacted")
    _submit(editor, "[data-testid=step-submit] button[type=submit]")
    assert editor.locator("[data-testid=step-approve]").count() == 0  # not her own

    # --- 2. a second coordinator approves it ----------------------------------------------------------
    _ctx2, approver = sign_in(browser, live_server, "bob", console, password=PASSWORD)
    approver.set_default_timeout(TIMEOUT)
    approver.goto(f"{live_server.url}/publishing/{release.pk}/approve/")
    _submit(approver, "[data-testid=step-approve] button[type=submit]")
    release.refresh_from_db()
    assert release.status == PublicReport.Status.APPROVED

    # --- 3. the report is recorded as sent (in Russian) ----------------------------------------------
    editor.goto(f"{live_server.url}/visits/reports/{report.pk}/")
    editor.fill("[data-testid=step-send] [name=sent_to]", "КУИС МВД РК")
    editor.select_option("[data-testid=step-send] [name=lang]", "ru")
    _submit(editor, "[data-testid=step-send] button[type=submit]")
    report.refresh_from_db()
    assert report.status == Report.Status.SENT

    # --- 4. the liaison reads it: the block, not the cells -------------------------------------------
    _ctx3, liaison = sign_in(browser, live_server, "lena", console, password=PASSWORD)
    liaison.set_default_timeout(TIMEOUT)
    liaison.goto(f"{live_server.url}/recommendations/portal/reports/")
    with liaison.expect_navigation():
        liaison.click("[data-testid=portal-report-read]")
    text = liaison.inner_text("[data-testid=portal-report-text]")
    assert BLOCK in text and "12-18" not in text and "Переполненность" in text
    screenshot(liaison, "release-gate-liaison-reads")
