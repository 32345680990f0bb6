"""Capacity building: programmes (seminar series), events, sessions, participants, attendance,
assessments, anonymous evaluations, certificates and the competencies they grant."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dozor.core.i18n import pick
from dozor.core.models import CodedReference


class Competency(CodedReference):
    """What a person is qualified to do on a visit (pack data), e.g. monitoring psychiatric institutions."""

    description_kk = models.TextField(blank=True)
    description_ru = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    valid_years = models.PositiveSmallIntegerField(_("valid for (years)"), default=3)
    required_for = models.ManyToManyField(
        "facilities.FacilityType",
        verbose_name=_("required to visit"),
        blank=True,
        related_name="required_competencies",
        help_text=_("A visiting group to these types of place needs a member holding this competency."),
    )

    class Meta(CodedReference.Meta):
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")

    @property
    def description(self) -> str:
        return pick(self, "description")


class Programme(models.Model):
    """A series of training events (e.g. the 2014 OSCE / Commissioner / PRI seminar series)."""

    title_kk = models.CharField(_("title (Kazakh)"), max_length=300, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    co_organisers = models.ManyToManyField(
        "people.Organisation", verbose_name=_("co-organisers"), blank=True, related_name="programmes"
    )
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_demo = models.BooleanField(_("synthetic demo record"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_kk="", title_ru="", title_en=""), name="programme_has_a_title"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="programme_dates_order",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="programme_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """A title in some language, dates in order, no negative budget (as the constraints say,
        with messages for the user; services call it before ``full_clean``)."""
        errors: dict[str, list[str]] = {}
        if not (self.title_kk or self.title_ru or self.title_en):
            errors["title_ru"] = [gettext("Give the title in at least one language.")]
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = [gettext("The end date is before the start date.")]
        if self.budget is not None and self.budget < 0:
            errors["budget"] = [gettext("The budget cannot be negative.")]
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        return pick(self, "title")


class Event(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="events"
    )
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=120)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=[("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))],  # in the reader's language
        default="ru",
    )
    capacity = models.PositiveIntegerField(pgettext_lazy("seats at an event", "places"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    co_organisers = models.ManyToManyField(
        "people.Organisation", verbose_name=_("co-organisers"), blank=True, related_name="+"
    )
    grants = models.ManyToManyField(
        Competency, verbose_name=_("competencies granted"), blank=True, related_name="events"
    )
    # Certificate rules (data, per event): attendance share and post-test score needed.
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("minimum attendance for a certificate (%)"), default=80
    )
    min_test_percent = models.PositiveSmallIntegerField(
        _("minimum post-test score for a certificate (%)"), default=0
    )
    is_demo = models.BooleanField(_("synthetic demo record"), default=False)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("training event")
        verbose_name_plural = _("training events")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="event_dates_order"),
            models.CheckConstraint(
                condition=Q(min_attendance_percent__lte=100) & Q(min_test_percent__lte=100),
                name="event_rule_percent",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_has_places"),
            models.CheckConstraint(
                condition=~Q(title_kk="", title_ru="", title_en=""), name="event_has_a_title"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.city}, {self.starts_on:%Y-%m-%d})"

    def clean(self) -> None:
        """A title in some language, dates in order, at least one place, percentages of 0-100 (as
        the constraints say, with messages for the user; services call it before ``full_clean``)."""
        errors: dict[str, list[str]] = {}
        if not (self.title_kk or self.title_ru or self.title_en):
            errors["title_ru"] = [gettext("Give the title in at least one language.")]
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = [gettext("The end date is before the start date.")]
        if self.capacity is not None and self.capacity < 1:
            errors["capacity"] = [gettext("An event needs at least one place.")]
        for name in ("min_attendance_percent", "min_test_percent"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 100:
                errors[name] = [gettext("A percentage must be between 0 and 100.")]
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        return pick(self, "title")


class Session(models.Model):
    """An agenda item of an event: topic, trainer, linked standards."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="sessions"
    )
    order = models.PositiveIntegerField(default=0)
    topic_kk = models.CharField(_("topic (Kazakh)"), max_length=300, blank=True)
    topic_ru = models.CharField(_("topic (Russian)"), max_length=300, blank=True)
    topic_en = models.CharField(_("topic (English)"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=90)
    trainer = models.ForeignKey(
        "people.Person",
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions_taught",
    )
    provisions = models.ManyToManyField(
        "standards.Provision", verbose_name=_("standards"), blank=True, related_name="training_sessions"
    )
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        ordering = ["starts_at", "order", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="session_duration_positive"),
            models.CheckConstraint(
                condition=~Q(topic_kk="", topic_ru="", topic_en=""), name="session_has_a_topic"
            ),
        ]

    def __str__(self) -> str:
        return self.topic

    def clean(self) -> None:
        """A topic in some language, a start with its time zone during the event's days, at least a
        minute long (services call it before ``full_clean``)."""
        errors: dict[str, list[str]] = {}
        if not (self.topic_kk or self.topic_ru or self.topic_en):
            errors["topic_ru"] = [gettext("Give the topic in at least one language.")]
        if self.starts_at is None or timezone.is_naive(self.starts_at):
            errors["starts_at"] = [gettext("Give the start time with its time zone.")]
        elif not self.event.starts_on <= timezone.localtime(self.starts_at).date() <= self.event.ends_on:
            errors["starts_at"] = [gettext("The session must take place during the event.")]
        if self.duration_minutes is not None and self.duration_minutes < 1:
            errors["duration_minutes"] = [gettext("The duration must be at least one minute.")]
        if errors:
            raise ValidationError(errors)

    @property
    def topic(self) -> str:
        return pick(self, "topic")


class Material(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="materials"
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to="training/materials/%Y/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "title"]
        verbose_name = _("training material")
        verbose_name_plural = _("training materials")

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="enrolments"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="enrolments"
    )
    # The organisation the person came from at the time (for breakdowns by organisation type).
    organisation = models.ForeignKey(
        "people.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["registered_at", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="enrolment_once")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.event_id} ({self.status})"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.session_id}: {self.status}"


class Assessment(models.Model):
    class Kind(models.TextChoices):
        PRE_TEST = "pre_test", _("Knowledge test before the training")
        POST_TEST = "post_test", _("Knowledge test after the training")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="assessments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("knowledge test")
        verbose_name_plural = _("knowledge tests")
        constraints = [models.UniqueConstraint(fields=["event", "kind"], name="assessment_kind_once")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.kind}"


class AssessmentQuestion(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(default=0)
    text_kk = models.TextField(blank=True)
    text_ru = models.TextField(blank=True)
    text_en = models.TextField(blank=True)
    # Learning gain per topic: pre and post questions on the same session compare.
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="test_questions"
    )
    # [{"name": "a", "label_kk": .., "label_ru": .., "label_en": ..}, ...]
    choices = models.JSONField(default=list)
    correct = models.CharField(max_length=40)
    points = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("test question")
        verbose_name_plural = _("test questions")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return pick(self, "text")


class AssessmentResult(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="results")
    answers = models.JSONField(default=dict)  # question id (str) -> choice name
    score = models.PositiveIntegerField()
    max_score = models.PositiveIntegerField()
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        constraints = [models.UniqueConstraint(fields=["assessment", "enrolment"], name="result_once")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.score}/{self.max_score}"

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


class Evaluation(models.Model):
    """A satisfaction evaluation. Deliberately carries no link to the person or enrolment:
    anonymity is structural, not a display rule."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="evaluations")
    overall = models.PositiveSmallIntegerField(_("overall (1-5)"))
    relevance = models.PositiveSmallIntegerField(_("relevance to my work (1-5)"))
    trainers = models.PositiveSmallIntegerField(_("trainers (1-5)"))
    comment = models.TextField(_("comment"), blank=True)
    submitted_on = models.DateField(_("submitted on"))

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{self.event_id}: {self.overall}"


class EvaluationToken(models.Model):
    """Records *that* an enrolled person evaluated the event (so they evaluate once), never *what*."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="evaluation_token")
    used_on = models.DateField()

    def __str__(self) -> str:
        return f"{self.enrolment_id}"


class Certificate(models.Model):
    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.code

    @property
    def is_valid(self) -> bool:
        return self.revoked_on is None


class CompetencyGrant(models.Model):
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="competency_grants"
    )
    competency = models.ForeignKey(
        Competency, verbose_name=_("competency"), on_delete=models.PROTECT, related_name="grants"
    )
    granted_on = models.DateField(_("granted on"))
    valid_until = models.DateField(_("valid until"))
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = _("competency held")
        verbose_name_plural = _("competencies held")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("granted_on")), name="grant_dates_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.competency_id} {self.granted_on}..{self.valid_until}"
