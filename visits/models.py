"""Visits to places and the checklist answers recorded during them.

This issue (methodology) needs the visit as the thing completed checklists belong to; the
visit issue extends it with phases, findings, interviews, evidence and reports.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField


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


class Finding(models.Model):
    """What the group found, measured against standards, with the sources that confirm it."""

    class Severity(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        SERIOUS = "serious", _("Serious")
        MODERATE = "moderate", _("Moderate")
        POSITIVE = "positive", _("Positive practice")

    class Source(models.TextChoices):
        OBSERVATION = "observation", _("Own observation")
        DETAINEES = "detainees", _("Persons deprived of liberty")
        STAFF = "staff", _("Staff")
        DOCUMENTS = "documents", _("Documents and registers")
        MEDICAL = "medical", _("Medical records")

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="findings"
    )
    theme = models.ForeignKey(
        "standards.Theme", verbose_name=_("theme"), on_delete=models.PROTECT, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    title = models.CharField(_("title"), max_length=300)
    location = models.CharField(_("location in the facility"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    sources = models.JSONField(_("sources cross-checked"), default=list, blank=True)
    provisions = models.ManyToManyField(
        "standards.Provision", verbose_name=_("provisions breached"), blank=True, related_name="findings"
    )
    answers = models.ManyToManyField(
        Answer, verbose_name=_("checklist answers"), blank=True, related_name="findings"
    )
    evidence = models.ManyToManyField(
        "visits.Evidence", verbose_name=_("evidence"), blank=True, related_name="findings"
    )
    possible_ill_treatment = models.BooleanField(
        _("possible torture or ill-treatment"),
        default=False,
        help_text=_("Starts the urgent-action procedure: the coordinator is notified at once."),
    )
    urgent_notified_at = models.DateTimeField(_("coordinator notified at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["visit", "theme__sort_order", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.title


class Referral(models.Model):
    """A possible case of torture or ill-treatment referred to the prosecutor - only with the
    person's informed consent (OPCAT art. 21: do no harm)."""

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="referrals"
    )
    referred_on = models.DateField(_("referred on"))
    addressee = models.CharField(_("referred to"), max_length=300)
    reference = models.CharField(_("outgoing reference"), max_length=120, blank=True)
    consent_given = models.BooleanField(_("the person consented to the referral"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=models.Q(consent_given=True), name="referral_needs_consent")
        ]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.referred_on}"


class Interview(models.Model):
    """A confidential interview. Only its pseudonym code identifies it; notes and the optional
    identity are encrypted at rest and readable only by the visit's team and coordinators."""

    class Category(models.TextChoices):
        DETAINEE = "detainee", _("Person deprived of liberty")
        STAFF = "staff", _("Staff")
        MEDICAL = "medical", _("Medical staff")
        FAMILY = "family", _("Family member")
        OTHER = "other", _("Other")

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="interviews"
    )
    code = models.CharField(_("pseudonym code"), max_length=20)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    held_on = models.DateField(_("date"))
    language = models.ForeignKey(
        "core.Language",
        verbose_name=_("language"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    interpreter = models.BooleanField(_("through an interpreter"), default=False)
    consent_use = models.BooleanField(_("consents to the use of the information"), default=False)
    consent_naming = models.BooleanField(_("consents to being named"), default=False)
    consent_follow_up = models.BooleanField(_("consents to follow-up"), default=False)
    at_risk = models.BooleanField(
        _("at risk of reprisal"),
        default=False,
        help_text=_("The next visit to the place must check on this person."),
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    identity = EncryptedTextField(
        _("identity"), blank=True, help_text=_("Optional: name, date of birth, cell. Stored encrypted.")
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["visit", "code"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        constraints = [models.UniqueConstraint(fields=["visit", "code"], name="interview_code_once")]

    def __str__(self) -> str:
        return self.code


class Evidence(models.Model):
    """A photo or document: stored outside the static files, served only through an access check.
    Images are stored with their EXIF/GPS metadata removed unless the uploader chose to keep it."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document")

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    metadata_stripped = models.BooleanField(_("EXIF/GPS metadata removed"), default=True)
    confidential = models.BooleanField(_("confidential"), default=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visit", "uploaded_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name
