"""Visits to places and the checklist answers recorded during them.

This issue (methodology) needs the visit as the thing completed checklists belong to; the
visit issue extends it with phases, findings, interviews, evidence and reports.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    facility = models.ForeignKey(
        "facilities.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="visits"
    )
    visit_type = models.ForeignKey("core.VisitType", verbose_name=_("visit type"), on_delete=models.PROTECT)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    announced = models.BooleanField(_("announced in advance"), default=False)
    template_version = models.ForeignKey(
        "methodology.TemplateVersion",
        verbose_name=_("checklist version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.facility} {self.started_on:%Y-%m-%d}"


class TeamMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Group leader")
        MEMBER = "member", _("Member")
        EXPERT = "expert", _("Expert")
        INTERPRETER = "interpreter", _("Interpreter")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="visit_memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["visit", "user"], name="team_member_once")]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.user_id} {self.role}"


class Submission(models.Model):
    """One completed checklist: from ODK Central, KoboToolbox, or filled in online."""

    class Source(models.TextChoices):
        ODK_CENTRAL = "odk_central", _("ODK Central export")
        KOBO = "kobo", _("KoboToolbox export")
        WEB = "web", _("Filled in online")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="submissions")
    version = models.ForeignKey(
        "methodology.TemplateVersion", on_delete=models.PROTECT, related_name="submissions"
    )
    instance_id = models.CharField(_("instance ID"), max_length=120, unique=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitter_name = models.CharField(_("submitter"), max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("checklist submission")
        verbose_name_plural = _("checklist submissions")

    def __str__(self) -> str:
        return self.instance_id


class Answer(models.Model):
    """One answer, stored in XLSForm's canonical text form (``yes``, ``a b`` for several choices,
    ``2025-03-01``, ``43.2 76.8 0 0``), so that a round trip reproduces it exactly."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey("methodology.Question", on_delete=models.PROTECT, related_name="answers")
    repeat_index = models.PositiveIntegerField(
        default=0, help_text=_("0 outside repeats; 1, 2... per repeated unit")
    )
    value = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["submission", "question__section__order", "repeat_index", "question__order"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["submission", "question", "repeat_index"], name="answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}[{self.repeat_index}]={self.value}"
