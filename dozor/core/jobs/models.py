"""A job someone started in the browser and waits for: queued, running, done (with its result) or failed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """Long work run by the task worker instead of inside a web request.

    ``params`` holds what the work needs (plan, method ...), ``result`` what it produced (the
    proposal's id, a document's file name), ``errors`` the messages to show when it failed. The app
    that owns the kind decides who may see the job (its access helper), never this table.
    """

    class Kind(models.TextChoices):
        PROPOSAL = "planning.proposal", _("Plan proposal")
        ANNUAL_REPORT = "publishing.annual_report", _("Annual report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for its turn")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    params = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    result = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    output = models.FileField(upload_to="jobs/", blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
