"""The demo's report sent to the authority through the release gate (issue 16,
docs/decisions/0020-release-gate.md): the past demo visit's report is reviewed, approved, its
version for the authority (Russian) is screened and redacted by the coordinator, approved by the
council member (a second person), and the report is recorded as sent. Signing in as ``liaison``
(KUIS, which supervises the demo SIZO) shows exactly that approved text: the cell numbers of the
findings ("Корпус 2, камеры 12-18") are not in it, nor is the withdrawn quote."""

from __future__ import annotations

import datetime

from dozor.accounts.models import User
from dozor.publishing import services as services_publishing
from dozor.publishing.models import PublicReport, Redaction
from dozor.visits.models import Report, Visit
from dozor.visits.reports import services as services_reports

AUTHORITY_LANG = "ru"


def demo_send_report(
    *, coordinator: User, monitor: User, approver: User, visit: Visit, sent_on: datetime.date
) -> bool:
    """Take the visit's draft report through review, approval and the release gate to "sent";
    False if it was not a draft (already done)."""
    report = Report.objects.filter(visit=visit).first()
    if report is None or report.status != Report.Status.DRAFT:
        return False
    services_reports.submit_for_review(actor=monitor, report=report)
    services_reports.approve(actor=coordinator, report=report)
    release = services_publishing.public_version_start(
        actor=coordinator, report=report, lang=AUTHORITY_LANG, audience=PublicReport.Audience.AUTHORITY
    )
    for redaction in Redaction.objects.filter(public_report=release, state=Redaction.State.PROPOSED).order_by(
        "section", "start"
    ):
        # the demo editor removes everything proposed (names, exact locations)
        services_publishing.redaction_decide(actor=coordinator, redaction=redaction, accept=True)
    services_publishing.public_version_submit(actor=coordinator, public_report=release)
    services_publishing.public_version_approve(actor=approver, public_report=release)
    services_reports.mark_sent(
        actor=coordinator,
        report=report,
        sent_on=sent_on,
        sent_to="[ДЕМО] Комитет уголовно-исполнительной системы МВД РК",
        sent_reference="[ДЕМО] НПМ-01/2026",
        lang=AUTHORITY_LANG,
    )
    return True


def demo_release_delete() -> int:
    """Delete the releases (and press releases) of demo reports, which protect them."""
    from dozor.demo.base import DEMO_PREFIX
    from dozor.publishing.models import PressRelease

    demo = {"report__visit__facility__code__startswith": DEMO_PREFIX}
    deleted = PressRelease.objects.filter(**{f"public_report__{k}": v for k, v in demo.items()}).delete()[0]
    return deleted + PublicReport.objects.filter(**demo).delete()[0]
