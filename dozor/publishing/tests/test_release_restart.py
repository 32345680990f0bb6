"""Discard and start again a version for the authority (docs/decisions/0030): after the report was
returned and approved again, its approved version is stale and ``mark_sent`` refuses it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import client_for
from dozor.accounts.models import AuditEvent, User
from dozor.publishing import services
from dozor.publishing.models import PublicReport, Redaction
from dozor.publishing.tests import test_release_gate as gate
from dozor.publishing.tests.test_release_gate import AUTHORITY, approved_release, send
from dozor.visits.models import Report
from dozor.visits.reports import released
from dozor.visits.reports import services as reports

pytestmark = pytest.mark.django_db

# the release gate's fixtures: a visit with an interviewee, findings and a report approved by four eyes
visit = gate.visit
approved_report = gate.approved_report


def _reapprove(coordinator: User, report: Report) -> Report:
    reports.return_to_draft(actor=coordinator, report=report, reason="a late correction")
    reports.submit_for_review(actor=User.objects.get(username="writer"), report=report)
    return reports.approve(actor=coordinator, report=report)


def test_it_discards_a_stale_version_and_starts_again(
    coordinator: User, council: User, approved_report: Report
) -> None:
    old = approved_release(coordinator, council, approved_report)
    _reapprove(coordinator, approved_report)
    with pytest.raises(ValidationError) as stale:
        send(coordinator, approved_report)
    assert "stale_release" in str(stale.value.error_list[0].code)
    fresh = services.release_restart(actor=coordinator, public_report=old, reason="report corrected")
    assert not PublicReport.objects.filter(pk=old.pk).exists()
    assert not Redaction.objects.filter(public_report_id=old.pk).exists()
    assert fresh.audience == AUTHORITY and fresh.status == PublicReport.Status.DRAFT
    assert Redaction.objects.filter(public_report=fresh).exists()  # screened again
    approved_report.refresh_from_db()
    assert "en" not in released.approved_texts(approved_report)
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, object_id=str(old.pk))
    assert event.changes["reason"] == "report corrected" and event.actor_id == coordinator.pk
    # the new version goes through the gate again, then the report is sent with it
    for redaction in Redaction.objects.filter(public_report=fresh, state=Redaction.State.PROPOSED):
        services.redaction_decide(actor=coordinator, redaction=redaction, accept=True)
    services.public_version_submit(actor=coordinator, public_report=fresh)
    services.public_version_approve(actor=council, public_report=fresh)
    assert send(coordinator, approved_report).status == Report.Status.SENT


def test_it_refuses_to_discard_what_was_sent_or_a_public_version(
    coordinator: User, council: User, approved_report: Report
) -> None:
    sent = approved_release(coordinator, council, approved_report)
    public = services.public_version_start(
        actor=coordinator, report=approved_report, lang="ru", audience="public"
    )
    send(coordinator, approved_report)
    for release in (sent, public):
        with pytest.raises(ValidationError):
            services.release_restart(actor=coordinator, public_report=release, reason="why not")
    assert PublicReport.objects.filter(pk__in=[sent.pk, public.pk]).count() == 2


def test_it_needs_a_reason_and_a_coordinator(
    coordinator: User, council: User, approved_report: Report, as_council
) -> None:
    release = approved_release(coordinator, council, approved_report)
    with pytest.raises(ValidationError):
        services.release_restart(actor=coordinator, public_report=release, reason=" ")
    url = reverse("publishing:workflow", args=[release.pk])
    assert as_council.post(url, {"action": "restart", "reason": "x"}).status_code in (400, 403)
    assert PublicReport.objects.filter(pk=release.pk).exists()


def test_the_editor_offers_it_and_the_page_does_it(
    coordinator: User, council: User, approved_report: Report
) -> None:
    release = approved_release(coordinator, council, approved_report)
    _reapprove(coordinator, approved_report)
    page = client_for(coordinator)
    editor = page.get(reverse("publishing:editor", args=[release.pk])).content.decode()
    assert 'value="restart"' in editor
    done = page.post(
        reverse("publishing:workflow", args=[release.pk]), {"action": "restart", "reason": "redo"}
    )
    assert done.status_code == 302
    fresh = PublicReport.objects.get(report=approved_report, audience=AUTHORITY, lang="en")
    assert fresh.pk != release.pk and done["Location"] == reverse("publishing:editor", args=[fresh.pk])
