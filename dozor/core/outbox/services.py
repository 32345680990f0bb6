"""Writes and reads of the outbox: queue an e-mail, deliver what is due, retry by hand.

Rules (docs/decisions/0017-tasks-and-outbox.md):

- **Queue in the same transaction** as the fact the e-mail is about (``notification_queue``): the
  finding and its alert, the day's reminder log and the digest, are saved together or not at all.
- **Sent means accepted**: a notification is marked sent only after the mail server accepted it
  (``EmailMessage.send`` returned without an error), and in the same transaction the caller's
  ``on_accepted`` records the domain fact ("the coordinator was notified") - never before.
- **Refused means retried**: every failure is counted, its error kept, and the next attempt put off
  exponentially (1, 2, 4 ... minutes, at most ``BACKOFF_CAP`` apart). After
  ``settings.DOZOR_NOTIFICATION_FAILING_AFTER`` failures the status is "failing": the coordinators
  see it (``notifications.manage``) and may retry at once; it is still retried automatically, so an
  alert is never given up silently.
- **One sender at a time**: a notification is claimed by moving its next attempt ``LEASE`` ahead
  with a conditional UPDATE; a second worker that read the same row finds it changed and skips it.
  If a worker dies after the server accepted the mail and before the commit, the lease runs out
  and the e-mail is sent a second time: a duplicate is better than a lost alert.

Core is the lowest layer, so it knows nothing of findings or reminders: the apps that queue
e-mails deliver them through ``notifications_deliver`` with their own ``on_accepted``.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dozor.core.outbox.models import Notification

logger = logging.getLogger(__name__)

BACKOFF_BASE = datetime.timedelta(minutes=1)
BACKOFF_CAP = datetime.timedelta(hours=6)
LEASE = datetime.timedelta(minutes=10)
BATCH = 200  # notifications per delivery run; the next run takes the rest
RETRYING = (Notification.Status.PENDING, Notification.Status.FAILED)


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4 ... minutes, capped."""
    if attempts < 1:
        return datetime.timedelta(0)
    return min(BACKOFF_BASE * 2 ** min(attempts - 1, 20), BACKOFF_CAP)


def notification_queue(
    *,
    kind: str,
    address: str,
    subject: str,
    body: str,
    html: str = "",
    recipient: models.Model | None = None,
    topic: models.Model | None = None,
) -> Notification:
    """Put one e-mail in the outbox, due at once. Call it inside the transaction that saves the
    fact the e-mail announces, and deliver it after the commit (the caller's task)."""
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not address:
        raise ValueError("a notification needs an address")
    return Notification.objects.create(
        kind=kind,
        recipient_id=recipient.pk if recipient is not None else None,
        address=address,
        subject=" ".join(subject.split())[:300],  # one line: a header cannot hold a line break
        body=body,
        html=html,
        topic_type=ContentType.objects.get_for_model(topic) if topic is not None else None,
        topic_id=topic.pk if topic is not None else None,
        next_attempt_at=timezone.now(),
    )


def notifications_about(topic: models.Model) -> QuerySet[Notification]:
    return Notification.objects.filter(topic_type=ContentType.objects.get_for_model(topic), topic_id=topic.pk)


def notifications_due(*, kind: str, now: datetime.datetime | None = None) -> QuerySet[Notification]:
    """The notifications of ``kind`` not yet accepted whose next attempt has come."""
    return Notification.objects.filter(
        kind=kind, status__in=RETRYING, next_attempt_at__lte=now or timezone.now()
    ).order_by("next_attempt_at", "pk")


def notifications_failing() -> QuerySet[Notification]:
    """What the coordinators should look at: the notifications that failed too often."""
    return Notification.objects.filter(status=Notification.Status.FAILED).select_related("recipient")


def notifications_failing_count() -> int:
    return Notification.objects.filter(status=Notification.Status.FAILED).count()


def _claim(notification: Notification, now: datetime.datetime) -> bool:
    claimed = Notification.objects.filter(
        pk=notification.pk, status__in=RETRYING, next_attempt_at=notification.next_attempt_at
    ).update(next_attempt_at=now + LEASE)
    return claimed == 1


def _message(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject, body=notification.body, to=[notification.address]
    )
    if notification.html:
        message.attach_alternative(notification.html, "text/html")
    return message


def notification_deliver(
    *, notification: Notification, on_accepted: Callable[[Notification], None] | None = None
) -> bool:
    """Try to send one notification; True when the mail server accepted it (see the module's rules)."""
    now = timezone.now()
    if not _claim(notification, now):
        return False  # sent meanwhile, or another worker has it
    try:
        _message(notification).send(fail_silently=False)
    except Exception as exc:  # smtplib.SMTPException, OSError (refused, unreachable, timed out) ...
        attempts = notification.attempts + 1
        failing = attempts >= settings.DOZOR_NOTIFICATION_FAILING_AFTER
        notification.attempts = attempts
        notification.status = Notification.Status.FAILED if failing else Notification.Status.PENDING
        notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        notification.next_attempt_at = timezone.now() + backoff(attempts)
        notification.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
        logger.warning(
            "notification %s (%s) refused, attempt %s: %s", notification.pk, notification.kind, attempts, exc
        )
        return False
    with transaction.atomic():
        notification.attempts += 1
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.last_error = ""
        notification.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        if on_accepted is not None:
            on_accepted(notification)
    return True


@dataclass
class Delivery:
    sent: int = 0
    refused: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "refused": self.refused}


def notifications_deliver(
    *,
    kind: str,
    on_accepted: Callable[[Notification], None] | None = None,
    now: datetime.datetime | None = None,
) -> Delivery:
    """Deliver every due notification of ``kind`` (at most ``BATCH``); the count of each outcome."""
    delivery = Delivery()
    for notification in list(notifications_due(kind=kind, now=now)[:BATCH]):
        if notification_deliver(notification=notification, on_accepted=on_accepted):
            delivery.sent += 1
        else:
            delivery.refused += 1
    return delivery


def notification_retry_now(*, notification: Notification) -> bool:
    """Make a notification that is not sent due at once (the coordinators' "Retry" button)."""
    updated = Notification.objects.filter(Q(pk=notification.pk) & Q(status__in=RETRYING)).update(
        next_attempt_at=timezone.now()
    )
    return updated == 1
