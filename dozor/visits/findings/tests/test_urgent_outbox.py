"""Urgent alerts go through the outbox: "notified" only once the mail server accepted the e-mail."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from conftest import make_user
from dozor.accounts.models import AuditEvent, Role
from dozor.core.outbox.models import Notification
from dozor.core.outbox.services import backoff
from dozor.core.tests.smtp_stub import StubState
from dozor.visits.findings.services import finding_create
from dozor.visits.findings.tasks import urgent_alerts_deliver
from dozor.visits.findings.tests.test_findings import coordinator_mail, values
from dozor.visits.models import Finding

pytestmark = pytest.mark.django_db


def accepted_events() -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="visits.finding", changes__has_key="urgent_alert_accepted")
    )


def make_due() -> None:
    """As if the back-off had passed."""
    Notification.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def test_it_leaves_the_alert_pending_when_the_mail_server_refuses(coordinator, visit, mail_server: StubState):
    coordinator_mail(coordinator, "alice@npm.kz")
    mail_server.refuse = True
    finding = finding_create(actor=coordinator, visit=visit, **values(possible_ill_treatment=True))
    finding.refresh_from_db()
    alert = Notification.objects.get()
    assert alert.kind == Notification.Kind.URGENT_FINDING and alert.address == "alice@npm.kz"
    assert alert.status == Notification.Status.PENDING and alert.attempts == 1 and alert.sent_at is None
    assert "554" in alert.last_error and mail_server.received == []
    assert alert.next_attempt_at > timezone.now()  # put off, not dropped
    assert finding.urgent_notified_at is None and accepted_events() == []  # nobody is "notified"
    queued = AuditEvent.objects.get(object_type="visits.finding", changes__has_key="urgent_alert_queued")
    assert queued.changes["urgent_alert_queued"] == [coordinator.pk]


def test_a_retry_after_the_server_accepts_marks_it_sent_and_the_coordinator_notified(
    coordinator, visit, mail_server: StubState
):
    coordinator_mail(coordinator, "alice@npm.kz")
    mail_server.refuse = True
    finding = finding_create(actor=coordinator, visit=visit, **values(possible_ill_treatment=True))
    assert urgent_alerts_deliver.call() == {"sent": 0, "refused": 0}  # not due yet: the back-off holds
    mail_server.refuse = False
    make_due()
    assert urgent_alerts_deliver.call() == {"sent": 1, "refused": 0}
    alert = Notification.objects.get()
    finding.refresh_from_db()
    assert alert.status == Notification.Status.SENT and alert.attempts == 2 and alert.last_error == ""
    assert finding.urgent_notified_at == alert.sent_at
    assert len(mail_server.received) == 1 and "alice@npm.kz" in mail_server.received[0]
    assert [event.changes["urgent_alert_accepted"] for event in accepted_events()] == [coordinator.pk]
    make_due()
    assert urgent_alerts_deliver.call() == {"sent": 0, "refused": 0}  # never sent twice
    assert len(mail_server.received) == 1


def test_it_backs_off_exponentially_and_shows_the_alert_as_failing(
    coordinator, visit, mail_server: StubState, settings
):
    settings.DOZOR_NOTIFICATION_FAILING_AFTER = 3
    coordinator_mail(coordinator, "alice@npm.kz")
    mail_server.refuse = True
    finding_create(actor=coordinator, visit=visit, **values(possible_ill_treatment=True))
    statuses = []
    for _attempt in range(3):
        alert = Notification.objects.get()
        statuses.append((alert.attempts, alert.status))
        make_due()
        before = timezone.now()
        urgent_alerts_deliver.call()
        after = timezone.now()
        alert.refresh_from_db()
        # put off by the back-off counted from the refusal, which came between before and after
        assert before + backoff(alert.attempts) <= alert.next_attempt_at <= after + backoff(alert.attempts)
    assert statuses == [
        (1, "pending"),
        (2, "pending"),
        (3, "failed"),
    ]  # failing after 3 refusals, still retried
    alert.refresh_from_db()
    assert alert.attempts == 4 and alert.status == Notification.Status.FAILED
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30) == datetime.timedelta(hours=6)  # capped: still retried several times a day


def test_a_coordinator_without_a_working_address_does_not_hold_up_the_others(
    coordinator, visit, mail_server: StubState
):
    coordinator_mail(coordinator, "alice@npm.kz")
    coordinator_mail(make_user("ruslan", Role.COORDINATOR), "ruslan@npm.kz")
    mail_server.refuse = True
    finding = finding_create(actor=coordinator, visit=visit, **values(possible_ill_treatment=True))
    mail_server.refuse = False
    Notification.objects.filter(address="ruslan@npm.kz").update(next_attempt_at=timezone.now())
    urgent_alerts_deliver.call()
    finding.refresh_from_db()
    assert finding.urgent_notified_at is not None  # the first accepted alert counts
    by_address = dict(Notification.objects.values_list("address", "status"))
    assert by_address == {"alice@npm.kz": "pending", "ruslan@npm.kz": "sent"}


def test_it_queues_nothing_new_for_a_finding_already_alerted(coordinator, visit, mail_server: StubState):
    coordinator_mail(coordinator, "alice@npm.kz")
    mail_server.refuse = True
    finding = finding_create(actor=coordinator, visit=visit, **values(possible_ill_treatment=True))
    Finding.objects.filter(pk=finding.pk).update(title="Edited")
    from dozor.visits.findings.services import _urgent_procedure

    _urgent_procedure(actor=coordinator, finding=Finding.objects.get(pk=finding.pk))
    assert Notification.objects.count() == 1
