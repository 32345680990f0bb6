"""Visits to places and the checklist answers recorded during them.

This issue (methodology) needs the visit as the thing completed checklists belong to; the
visit issue extends it with phases, findings, interviews, evidence and reports.
"""

from __future__ import annotations

from django.db import models
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from dozor.core.fields import EncryptedTextField


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
    planned_visit = models.OneToOneField(
        "planning.PlannedVisit",
        verbose_name=_("planned visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="record",
        help_text=_("Empty for an ad hoc visit made at short notice."),
    )
    purpose = models.TextField(_("purpose"), blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
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
    revision = models.PositiveIntegerField(
        _("revision"), default=0, editable=False, help_text=_("Grows by one with every saved change.")
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
        OPENROSA = "openrosa", _("ODK Collect (direct)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        FINAL = "final", _("final")
        # Replaced by an edit made in ODK Collect, ODK Central or Kobo: kept (with its Answer rows)
        # as history, but no longer counted anywhere (``replaced_by`` names the new version).
        SUPERSEDED = "superseded", _("replaced by an edit")

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
    # A checklist filled in online is a draft until it is finalised; only final submissions (and
    # their Answer rows) count anywhere answers are used. Drafts keep their answers in ``draft``,
    # never as Answer rows; a final submission being edited keeps its final answers until the
    # edit is finalised (docs/decisions/0011-checklist-drafts.md).
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.FINAL)
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    # The review state at the source (ODK Central's ReviewState such as ``hasIssues``, Kobo's
    # validation status), as the source spelled it; empty when the source has none.
    review_state = models.CharField(_("review state at the source"), max_length=40, blank=True)
    draft = models.JSONField(
        _("answers being edited"),
        default=dict,
        blank=True,
        help_text=_("Answers saved as a draft and not yet finalised: answers and units per repeat."),
    )
    draft_saved_at = models.DateTimeField(_("draft saved at"), null=True, blank=True)
    draft_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("checklist submission")
        verbose_name_plural = _("checklist submissions")

    def __str__(self) -> str:
        return self.display_name()

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.FINAL

    @property
    def has_issues(self) -> bool:
        """Flagged at the source: ODK Central's "has issues", Kobo's "on hold"."""
        return self.review_state in {"hasIssues", "validation_status_on_hold"}

    @property
    def has_pending_draft(self) -> bool:
        """A draft not yet finalised: a new checklist, or changes to a final one."""
        return self.draft_saved_at is not None

    def display_name(self) -> str:
        """How people read a submission: "Checklist by Aigerim Seitova, 07.12.2026 10:40 (draft)",
        in the reader's language and time zone. The instance ID stays in data and exports."""
        moment = self.submitted_at if self.status != self.Status.DRAFT else self.draft_saved_at
        moment = moment or self.received_at
        when = date_format(localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""
        values = {"name": self.submitter_name or "—", "when": when}
        if self.is_final:
            return _("Checklist by %(name)s, %(when)s (final)") % values
        if self.status == self.Status.SUPERSEDED:
            return _("Checklist by %(name)s, %(when)s (replaced by an edit)") % values
        return _("Checklist by %(name)s, %(when)s (draft)") % values


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
    # Encrypted at rest like interview notes: a finding often says what happened to whom.
    description = EncryptedTextField(_("description"))
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Details that could identify a person or expose a health matter: the description is then "
            "read only by the visit's team and coordinators and never leaves the NPM."
        ),
    )
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
    revision = models.PositiveIntegerField(
        _("revision"), default=0, editable=False, help_text=_("Grows by one with every saved change.")
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
    # The interview the referral rests on, when the person was interviewed: the referral then needs
    # that person's consent record for it, in force (docs/decisions/0021-consent-records.md).
    interview = models.ForeignKey(
        "visits.Interview",
        verbose_name=_("interview the referral rests on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
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
    # Consent is a record per use (``Consent``, related name ``consents``), not a flag here.
    at_risk = models.BooleanField(
        _("at risk of reprisal"),
        default=False,
        help_text=_("The next visit to the place must check on this person."),
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    excerpt = EncryptedTextField(
        _("what may be quoted"),
        blank=True,
        help_text=_(
            "Words the report may quote. Used in documents only if the person consented to the use "
            "of the information; attributed by name only if they also consented to being named."
        ),
    )
    identity = EncryptedTextField(
        _("identity"), blank=True, help_text=_("Optional: name, date of birth, cell. Stored encrypted.")
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.PositiveIntegerField(
        _("revision"), default=0, editable=False, help_text=_("Grows by one with every saved change.")
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


class Consent(models.Model):
    """One person's consent to one use of what they told the NPM (OPCAT art. 21; SPT CAT/OP/6/Rev.1):
    how, when, by whom and in what language it was asked, whether the person could give it, and its
    withdrawal. Documents obey the consent in force when they are produced; a withdrawal after a
    document was sent leaves a task for the coordinators."""

    class Use(models.TextChoices):
        QUOTE_AUTHORITY = "quote_authority", _("Quote in the report to the authority")
        QUOTE_PUBLIC = "quote_public", _("Quote in public documents")
        NAMING = "naming", _("Being named")
        REFERRAL_PROSECUTOR = "referral_prosecutor", _("Referral to the prosecutor")
        REFERRAL_DOCTOR = "referral_doctor", _("Referral to a doctor")
        PHOTOGRAPH = "photograph", _("Photograph")
        FOLLOW_UP = "follow_up", _("Follow-up by the NPM")

    class Method(models.TextChoices):
        ORAL = "oral", _("Orally, noted by the interviewer")
        WRITTEN = "written", _("In writing, signed")
        REPRESENTATIVE = "representative", _("By a parent, guardian or legal representative")

    class Capacity(models.TextChoices):
        FULL = "full", _("Able to consent")
        CHILD = "child", _("A child: consent of the child and of a representative")
        GUARDIANSHIP = "guardianship", _("Under guardianship: consent of the guardian as well")
        DOUBTFUL = "doubtful", _("Capacity doubtful: not relied on")

    interview = models.ForeignKey(
        "visits.Interview", verbose_name=_("interview"), on_delete=models.CASCADE, related_name="consents"
    )
    use = models.CharField(_("use"), max_length=20, choices=Use.choices)
    granted = models.BooleanField(_("consent given"), default=True)
    method = models.CharField(
        _("how it was given"), max_length=16, choices=Method.choices, default=Method.ORAL
    )
    given_on = models.DateField(_("date"))
    language = models.ForeignKey(
        "core.Language",
        verbose_name=_("language in which it was asked"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    capacity = models.CharField(
        _("capacity to consent"), max_length=12, choices=Capacity.choices, default=Capacity.FULL
    )
    capacity_assessed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("capacity assessed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_note = models.CharField(_("how the withdrawal was received"), max_length=500, blank=True)
    # A withdrawal that came after a document carrying the use was sent: the NPM must act (ask the
    # authority to disregard or return the quote, check on the person). Open until marked done.
    task_open = models.BooleanField(_("action needed after withdrawal"), default=False)
    task_done_at = models.DateTimeField(_("action done at"), null=True, blank=True)
    task_note = models.CharField(_("what was done"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["interview", "use", "-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "use"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_in_force_per_use",
            )
        ]

    def __str__(self) -> str:
        return f"{self.interview_id} {self.use} {'+' if self.granted else '-'}"

    @property
    def in_force(self) -> bool:
        """Consent that documents may rely on: given, not withdrawn, by someone able to give it."""
        return self.granted and self.withdrawn_at is None and self.capacity != self.Capacity.DOUBTFUL


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
    sealed = models.BooleanField(
        _("encrypted at rest"),
        default=False,
        editable=False,
        help_text=_(
            "The stored file is encrypted with the key ring (AES-GCM); it is decrypted only to be served."
        ),
    )
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


class Phase(models.Model):
    """A step of the visit as it happened (opening talk, tour, interviews...), with its times."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening talk with the management")
        TOUR = "tour", _("Tour of the premises")
        INTERVIEWS = "interviews", _("Private interviews")
        DOCUMENTS = "documents", _("Examination of registers and documents")
        CLOSING = "closing", _("Closing talk")
        OTHER = "other", _("Other")

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("phase"), max_length=12, choices=Kind.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["visit", "started_at", "id"]
        verbose_name = _("visit phase")
        verbose_name_plural = _("visit phases")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="phase_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.kind} {self.started_at:%H:%M}"


class OccupancyCount(models.Model):
    """Capacity and population counted on the day of the visit, by category. The totals are
    written to the place's occupancy history (``facilities.Occupancy``, source "visit")."""

    class Category(models.TextChoices):
        MEN = "men", _("Men")
        WOMEN = "women", _("Women")
        BOYS = "boys", _("Boys (under 18)")
        GIRLS = "girls", _("Girls (under 18)")
        OTHER = "other", _("Other or not recorded")

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="occupancy_counts"
    )
    category = models.CharField(_("category"), max_length=8, choices=Category.choices)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"))

    class Meta:
        ordering = ["visit", "id"]
        verbose_name = _("occupancy count")
        verbose_name_plural = _("occupancy counts")
        constraints = [models.UniqueConstraint(fields=["visit", "category"], name="occupancy_count_once")]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.category}: {self.population}/{self.capacity}"


class Report(models.Model):
    """The visit report: its workflow status and editable sections. Findings, positive practice
    and annexes are built from the visit's data when the report is shown or rendered."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("Group review")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent to the authority")
        PUBLISHED = "published", _("Published")

    visit = models.OneToOneField(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="report"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=300, blank=True)
    sent_reference = models.CharField(_("outgoing reference"), max_length=120, blank=True)
    # The recommendations issued from this report, for its "Recommendations" section, kept by the
    # recommendations app (above visits) whenever one is issued, changed or deleted: a list of
    # {"text_kk", "text_ru", "text_en", "meta_kk", "meta_ru", "meta_en"} in issuing order.
    issued_recommendations = models.JSONField(default=list, blank=True, editable=False)
    # The approved versions for the authority (issue 16, docs/decisions/0020-release-gate.md), kept
    # by the publishing app (above visits) when it approves or reopens one, so that sending
    # (``mark_sent``) and the liaison portal (recommendations, below publishing) read exactly the
    # approved text: {"texts": {lang: {"release", "sections", "approved_at", "approved_by"}},
    # "sent": {"lang", "release", "sent_on"}} (``dozor.visits.reports.released``).
    authority_release = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")

    def __str__(self) -> str:
        return f"{self.visit} ({self.status})"

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.REVIEW)


class ReportSection(models.Model):
    """One editable part of a report. ``revision`` grows with every save: an edit based on an older
    revision is refused as a conflict (optimistic concurrency), so nobody's text is overwritten."""

    class Key(models.TextChoices):
        SUMMARY = "summary", _("Summary")
        METHODOLOGY = "methodology", _("Methodology")
        FINDINGS = "findings", _("Findings")
        POSITIVE = "positive", _("Positive practice")
        CONCLUSIONS = "conclusions", _("Conclusions")
        RECOMMENDATIONS = "recommendations", _("Recommendations")
        ANNEXES = "annexes", _("Annexes")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(_("section"), max_length=16, choices=Key.choices)
    order = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(_("text"), blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report", "order", "id"]
        verbose_name = _("report section")
        verbose_name_plural = _("report sections")
        constraints = [models.UniqueConstraint(fields=["report", "key"], name="report_section_once")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.key} r{self.revision}"


class ReportVersion(models.Model):
    """A frozen copy of the whole report text (sections and the findings built from the data),
    taken at every status change and whenever an editor saves a version."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Report.Status.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    content = models.JSONField(_("content"), default=dict)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "-number"]
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_version_once")]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number}"


class ReportComment(models.Model):
    """A reviewer's comment on one section of a report."""

    section = models.ForeignKey(ReportSection, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["section", "created_at", "id"]
        verbose_name = _("report comment")
        verbose_name_plural = _("report comments")

    def __str__(self) -> str:
        return f"{self.section_id} {self.created_at:%Y-%m-%d}"
