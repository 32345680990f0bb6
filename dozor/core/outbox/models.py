"""One e-mail to one address, kept until the mail server accepted it (``services.py``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An e-mail in the outbox: pending until the mail server accepts it, then sent (never deleted).

    ``topic`` (content type and id) names the record the e-mail is about (e.g. the finding of an
    urgent alert), so the app that queued it can record the fact "notified" once it was accepted.
    """

    class Kind(models.TextChoices):
        URGENT_FINDING = "urgent_finding", _("Urgent alert: possible ill-treatment")
        REMINDER = "reminder", _("Reminder digest")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn after a document was sent")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failing")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.EmailField(_("address"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    html = models.TextField(blank=True)
    topic_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    topic_id = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["topic_type", "topic_id"], name="notification_topic")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.address} ({self.status})"
