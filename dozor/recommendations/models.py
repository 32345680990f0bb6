"""Recommendations and their follow-up (OPCAT arts. 19(b), 22): status history with how each status
was verified, the authorities' responses, the correspondence register with working-day deadlines on
the country pack's holiday calendar (``dozor.core.workdays``), reprisal follow-up and the reminder log.

Status values are country-pack data (``packs/kz/recommendations.yaml``).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dozor.core.fields import EncryptedTextField
from dozor.core.i18n import pick
from dozor.core.models import CodedReference
from dozor.core.search import search_join


class Status(CodedReference):
    """A status value (implemented, partially implemented, in progress, ...). ``outcome`` says how
    it counts in implementation rates; ``closed`` ends the follow-up (no responses, no reminders)."""

    class Outcome(models.TextChoices):
        IMPLEMENTED = "implemented", _("Implemented")
        PARTIAL = "partial", _("Partially implemented")
        OPEN = "open", _("Open")
        NOT_IMPLEMENTED = "not_implemented", _("Not implemented")
        WITHDRAWN = "withdrawn", _("No longer counted")

    outcome = models.CharField(_("counts as"), max_length=16, choices=Outcome.choices)
    closed = models.BooleanField(_("closes the follow-up"), default=False)
    initial = models.BooleanField(_("status of a new recommendation"), default=False)

    class Meta(CodedReference.Meta):
        verbose_name = _("recommendation status")
        verbose_name_plural = _("recommendation statuses")


class Recommendation(models.Model):
    class Source(models.TextChoices):
        VISIT_REPORT = "visit_report", _("Visit report")
        THEMATIC = "thematic", _("Thematic report")
        ANNUAL = "annual", _("Annual report")
        SPT = "spt", _("Subcommittee on Prevention of Torture (SPT)")
        OTHER = "other", _("Other")

    class Addressee(models.TextChoices):
        FACILITY = "facility", _("Management of the place")
        AUTHORITY = "authority", _("Ministry or committee")
        GOVERNMENT = "government", _("Government")
        PARLIAMENT = "parliament", _("Parliament (law proposal)")

    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Term(models.TextChoices):
        SHORT = "short", _("Short term")
        MEDIUM = "medium", _("Medium term")
        LONG = "long", _("Long term")

    source = models.CharField(_("source"), max_length=14, choices=Source.choices)
    report = models.ForeignKey(
        "visits.Report",
        verbose_name=_("visit report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    source_reference = models.CharField(_("source document"), max_length=300, blank=True)
    addressee = models.CharField(_("addressee"), max_length=12, choices=Addressee.choices)
    authority = models.ForeignKey(
        "core.Authority",
        verbose_name=_("authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommendations",
        help_text=_("The ministry or committee answerable (for a place: its operating authority)."),
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    theme = models.ForeignKey(
        "standards.Theme", verbose_name=_("theme"), on_delete=models.PROTECT, related_name="+"
    )
    provisions = models.ManyToManyField(
        "standards.Provision", verbose_name=_("provisions"), blank=True, related_name="recommendations"
    )
    text_kk = models.TextField(_("text (Kazakh)"), blank=True)
    text_ru = models.TextField(_("text (Russian)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.MEDIUM
    )
    term = models.CharField(_("term"), max_length=8, choices=Term.choices, default=Term.SHORT)
    systemic = models.BooleanField(_("systemic"), default=False)
    issued_on = models.DateField(_("issued on"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.ForeignKey(Status, verbose_name=_("status"), on_delete=models.PROTECT, related_name="+")
    status_changed_on = models.DateField(_("status since"), null=True, blank=True)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeats"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    search_text = models.TextField(editable=False, default="")
    # What the screening of texts to the authority found (docs/decisions/0030): the hits as
    # {field, kind, start, end, digest} (never the text itself), and whether the authority is kept
    # from reading the recommendation until each hit is cleared by a second person or edited away.
    withheld = models.BooleanField(_("withheld from the authority"), default=False, editable=False)
    screening = models.JSONField(default=list, blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.PositiveIntegerField(
        _("revision"), default=0, editable=False, help_text=_("Grows by one with every saved change.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        indexes = [
            models.Index(fields=["authority", "status"], name="rec_authority_status"),
            models.Index(fields=["facility", "status"], name="rec_facility_status"),
            models.Index(fields=["issued_on"], name="rec_issued"),
            models.Index(fields=["deadline"], name="rec_deadline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(text_kk="", text_ru="", text_en=""), name="recommendation_has_text"
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__isnull=True) | models.Q(deadline__gte=models.F("issued_on")),
                name="recommendation_deadline_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(addressee="facility", facility__isnull=False)
                | models.Q(addressee="authority", authority__isnull=False)
                | models.Q(addressee__in=["government", "parliament"]),
                name="recommendation_addressee_named",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:60]}"

    def clean(self) -> None:
        """The rules of one recommendation, every problem at once (the services add those that
        compare it with other rows: the repeat link, the first status change). The place and its
        authority are the service's to fill in from the report and the place before this check."""
        errors: dict[str, list[str]] = {}

        def add(key: str, message: str) -> None:
            errors.setdefault(key, []).append(message)

        if not (self.text_kk or self.text_ru or self.text_en):
            add("text_ru", gettext("Write the recommendation in at least one language."))
        if self.source not in self.Source.values:
            add("source", gettext("Unknown source."))
        if self.source == self.Source.VISIT_REPORT and self.report_id is None:
            add("report", gettext("Name the visit report the recommendation comes from."))
        if self.addressee not in self.Addressee.values:
            add("addressee", gettext("Unknown addressee."))
        elif self.addressee == self.Addressee.FACILITY and self.facility_id is None:
            add("facility", gettext("A recommendation to the management of a place needs the place."))
        elif self.addressee == self.Addressee.AUTHORITY and self.authority_id is None:
            add("authority", gettext("Name the ministry or committee the recommendation is addressed to."))
        if self.priority not in self.Priority.values:
            add("priority", gettext("Unknown priority."))
        if self.term not in self.Term.values:
            add("term", gettext("Unknown term."))
        if self.issued_on is not None:
            if self.issued_on > timezone.localdate():
                add("issued_on", gettext("The date of issue cannot be in the future."))
            if self.deadline is not None and self.deadline < self.issued_on:
                add("deadline", gettext("The deadline cannot be before the date of issue."))
        if errors:
            raise ValidationError(errors)

    @property
    def text(self) -> str:
        return pick(self, "text")

    def build_search_text(self) -> str:
        return search_join((self.text_kk, self.text_ru, self.text_en))


class Response(models.Model):
    """An authority's answer to a recommendation (a report on measures taken, an action plan)."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="responses")
    authority = models.ForeignKey(
        "core.Authority", verbose_name=_("authority"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("measures taken"))
    action_plan = models.TextField(_("action plan"), blank=True)
    planned_by = models.DateField(_("to be completed by"), null=True, blank=True)
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)

    class Meta:
        ordering = ["recommendation", "-submitted_at", "-id"]
        verbose_name = _("authority response")
        verbose_name_plural = _("authority responses")

    def __str__(self) -> str:
        return f"{self.recommendation_id} {self.submitted_at:%Y-%m-%d}"


class ResponseAttachment(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="responses/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["response", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class StatusChange(models.Model):
    """One assessment of a recommendation: the status, when, by whom, on what evidence and how it
    was verified (the authority's own report is weaker than a check on site)."""

    class Verification(models.TextChoices):
        AUTHORITY_REPORT = "authority_report", _("Authority's report")
        DOCUMENTS = "documents", _("Documents examined")
        ON_SITE = "on_site", _("Verified on site (follow-up visit)")
        OTHER = "other", _("Other")

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="history")
    status = models.ForeignKey(Status, verbose_name=_("status"), on_delete=models.PROTECT, related_name="+")
    changed_on = models.DateField(_("date"))
    verification = models.CharField(_("how it was verified"), max_length=16, choices=Verification.choices)
    evidence = models.TextField(_("evidence"), blank=True)
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("follow-up visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    response = models.ForeignKey(
        Response,
        verbose_name=_("response assessed"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
    )
    author = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recommendation", "-changed_on", "-id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.recommendation_id} {self.status_id} {self.changed_on}"


class Letter(models.Model):
    """An outgoing or incoming letter of the correspondence register."""

    class Direction(models.TextChoices):
        OUTGOING = "out", _("Outgoing")
        INCOMING = "in", _("Incoming")

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    number = models.CharField(_("registration number"), max_length=60)
    registered_on = models.DateField(_("registered on"))
    authority = models.ForeignKey(
        "core.Authority",
        verbose_name=_("correspondent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
    )
    subject = models.CharField(_("subject"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    answer_within = models.PositiveSmallIntegerField(_("answer within (working days)"), null=True, blank=True)
    due_on = models.DateField(_("answer due"), null=True, blank=True)
    in_reply_to = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    escalation_of = models.ForeignKey(
        "self",
        verbose_name=_("escalation of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations",
        help_text=_("The unanswered letter this one escalates to the supervising ministry."),
    )
    report = models.ForeignKey(
        "visits.Report",
        verbose_name=_("visit report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="letters",
    )
    recommendations = models.ManyToManyField(
        Recommendation, verbose_name=_("recommendations"), blank=True, related_name="letters"
    )
    withheld = models.BooleanField(_("withheld from the authority"), default=False, editable=False)
    screening = models.JSONField(default=list, blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [models.UniqueConstraint(fields=["direction", "number"], name="letter_number_once")]

    def __str__(self) -> str:
        return f"{self.number} {self.registered_on}"


class ScreeningClearance(models.Model):
    """A second person's decision that one hit of the screening may reach the authority (a name
    that is an official's, a room number that identifies nobody): docs/decisions/0030. Keyed by
    the hit's kind and a keyed fingerprint of its text, so editing the text elsewhere keeps it, and
    a new or changed hit needs a new decision."""

    class Target(models.TextChoices):
        RECOMMENDATION = "recommendation", _("Recommendation")
        LETTER = "letter", _("Letter")

    target = models.CharField(_("cleared in"), max_length=16, choices=Target.choices)
    target_id = models.PositiveIntegerField()
    field = models.CharField(_("field"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20)
    digest = models.CharField(max_length=64)
    reason = models.CharField(_("why it may be sent"), max_length=300, blank=True)
    cleared_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("cleared by")
    )
    cleared_at = models.DateTimeField(_("cleared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("screening clearance")
        verbose_name_plural = _("screening clearances")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "target_id", "field", "kind", "digest"], name="screening_cleared_once"
            )
        ]
        indexes = [models.Index(fields=["target", "target_id"], name="screening_target")]

    def __str__(self) -> str:
        return f"{self.target} {self.target_id} {self.field} {self.kind}"


PERSON_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and copied by hand


class ProtectedPerson(models.Model):
    """A person at risk of (or suffering) reprisals for contact with the NPM, known in Dozor by a
    random pseudonymous code ("P-7K3Q") that stays the same across transfers and release, so that
    the follow-up follows the person rather than the place (CAT/OP/6/Rev.1). The identity is
    encrypted at rest and shown only to coordinators and the case's team; the current whereabouts
    (a place, or released / outside custody / unknown) is the latest row of ``locations``."""

    class Category(models.TextChoices):
        DETAINEE = "detainee", _("Person deprived of liberty")
        RELATIVE = "relative", _("Relative of a detainee")
        STAFF = "staff", _("Staff of the place")
        NPM_MEMBER = "npm_member", _("NPM member")
        OTHER = "other", _("Other")

    class Whereabouts(models.TextChoices):
        HELD = "held", _("Held at a place")
        RELEASED = "released", _("Released")
        OUTSIDE = "outside", _("Outside custody")
        UNKNOWN = "unknown", _("Whereabouts unknown")

    code = models.CharField(_("person code"), max_length=12, unique=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    identity = EncryptedTextField(
        _("identity"),
        blank=True,
        help_text=_("Name, date of birth and what else identifies the person. Stored encrypted."),
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("current place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="protected_persons",
    )
    whereabouts = models.CharField(
        _("whereabouts"), max_length=10, choices=Whereabouts.choices, default=Whereabouts.UNKNOWN
    )
    since = models.DateField(_("since"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("protected person")
        verbose_name_plural = _("protected persons")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(whereabouts="held", facility__isnull=False))
                | (~models.Q(whereabouts="held") & models.Q(facility__isnull=True)),
                name="protected_person_held_at_a_place",
            )
        ]

    def __str__(self) -> str:
        return self.code

    def location_on(self, day: datetime.date) -> PersonLocation | None:
        """Where the person was on ``day`` (the latest move dated on or before it). Reads
        ``locations`` through the prefetch cache when there is one."""
        moves = sorted(self.locations.all(), key=lambda move: (move.since, move.pk))
        current = None
        for move in moves:
            if move.since <= day:
                current = move
        return current

    def held_at_on(self, facility_id: int, day: datetime.date) -> bool:
        location = self.location_on(day)
        return (
            location is not None
            and location.whereabouts == self.Whereabouts.HELD
            and location.facility_id == facility_id
        )


class PersonLocation(models.Model):
    """One move of a protected person: from ``since`` on, held at ``facility`` or released /
    outside custody / whereabouts unknown. The source note (who told the NPM) is encrypted."""

    person = models.ForeignKey(ProtectedPerson, on_delete=models.CASCADE, related_name="locations")
    whereabouts = models.CharField(
        _("whereabouts"), max_length=10, choices=ProtectedPerson.Whereabouts.choices
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateField(_("since"))
    source = EncryptedTextField(_("source"), blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "-since", "-id"]
        verbose_name = _("whereabouts of a protected person")
        verbose_name_plural = _("whereabouts of protected persons")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(whereabouts="held", facility__isnull=False))
                | (~models.Q(whereabouts="held") & models.Q(facility__isnull=True)),
                name="person_location_held_at_a_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.whereabouts} {self.since}"


class ReprisalCase(models.Model):
    """An at-risk person or a reprisal allegation about a protected person, followed up on the
    later visits to whichever place holds the person (SPT policy on reprisals, CAT/OP/6/Rev.1).
    ``facility`` is the place the case was raised at (none for a relative or an NPM member, say).
    Never visible to authorities."""

    class Kind(models.TextChoices):
        AT_RISK = "at_risk", _("Interviewee at risk of reprisal")
        ALLEGATION = "allegation", _("Reprisal allegation")

    class State(models.TextChoices):
        OPEN = "open", _("To be checked")
        MONITORING = "monitoring", _("Checked, still followed")
        CLOSED = "closed", _("Closed")

    person = models.ForeignKey(
        ProtectedPerson, verbose_name=_("person"), on_delete=models.PROTECT, related_name="cases"
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("place raised at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reprisal_cases",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    interview = models.ForeignKey(
        "visits.Interview",
        verbose_name=_("interview"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reprisal_cases",
    )
    raised_on = models.DateField(_("raised on"))
    summary = EncryptedTextField(_("summary"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    outcome = EncryptedTextField(_("outcome"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-raised_on", "-id"]
        verbose_name = _("reprisal follow-up")
        verbose_name_plural = _("reprisal follow-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["interview"],
                condition=models.Q(interview__isnull=False),
                name="reprisal_once_per_interview",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.raised_on}"

    def checkable_at(self, facility_id: int, day: datetime.date) -> bool:
        """Whether a visit to ``facility_id`` starting on ``day`` is where to check on the person:
        the place that held them that day, whatever place the case began at; for a person held
        nowhere that day (staff, a relative, someone released) the place the case was raised at."""
        if day < self.raised_on:
            return False
        person = self.person
        if person.held_at_on(facility_id, day):
            return True
        location = person.location_on(day)
        held = location is not None and location.whereabouts == ProtectedPerson.Whereabouts.HELD
        return (
            not held
            and person.category != ProtectedPerson.Category.DETAINEE
            and self.facility_id == facility_id
        )


class ReprisalCheck(models.Model):
    """What a later visit found when it checked on a reprisal case."""

    case = models.ForeignKey(ReprisalCase, on_delete=models.CASCADE, related_name="checks")
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_on = models.DateField(_("checked on"))
    outcome = EncryptedTextField(_("what was found"))
    author = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-checked_on", "-id"]
        verbose_name = _("reprisal check")
        verbose_name_plural = _("reprisal checks")

    def __str__(self) -> str:
        return f"{self.case_id} {self.checked_on}"


class ReprisalAction(models.Model):
    """What the NPM did about a reprisal case (a letter to the authority, an urgent visit, a report
    to the prosecutor, to the SPT...) and what came of it. Note and outcome are encrypted."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter to the authority")
        URGENT_VISIT = "urgent_visit", _("Urgent visit")
        PROSECUTOR = "prosecutor", _("Referral to the prosecutor")
        SPT = "spt", _("Communication to the SPT")
        OMBUDSMAN = "ombudsman", _("Referral to the Ombudsman")
        OTHER = "other", _("Other action")

    case = models.ForeignKey(ReprisalCase, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=12, choices=Kind.choices)
    taken_on = models.DateField(_("taken on"))
    note = EncryptedTextField(_("note"), blank=True)
    outcome = EncryptedTextField(_("outcome"), blank=True)
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    author = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-taken_on", "-id"]
        verbose_name = _("action on a reprisal case")
        verbose_name_plural = _("actions on reprisal cases")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.taken_on}"


class ReminderLog(models.Model):
    """One reminder digest sent to one user on one day: a second run the same day sends nothing."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    items = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminder_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
