"""Publishing (OPCAT art. 23, without exposing anyone - art. 21): the public version of a visit
report made by redaction, and the NPM's media work.

A public version is made per language from the text of an approved report (``source``: the plain
text per section, as ``dozor.visits.reports.content`` builds it without the internal annexes). Redactions
are spans of that text; accepted ones are removed from the public text (replaced by a marker such
as "[…]"): redaction removes text, it never hides text that stays in a file. An editor redacts, a
second person approves, then a coordinator publishes; unpublishing withdraws it everywhere.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicReport(models.Model):
    """A release of a visit report's text to one audience, in one language (issue 16,
    docs/decisions/0020-release-gate.md): the public version, or the version for the authority.
    Both go through the same screening, the same four eyes and the same audit."""

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Public")
        AUTHORITY = "authority", _("The authority")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Redaction in progress")
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved for publication")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    report = models.ForeignKey(
        "visits.Report",
        verbose_name=_("visit report"),
        on_delete=models.PROTECT,
        related_name="public_versions",
    )
    lang = models.CharField(_("language"), max_length=2)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.PUBLIC
    )
    source = models.JSONField(_("internal text"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    editor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who started the release: never its approver (the editor field becomes the submitter).
    started_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approver = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("public version of a report")
        verbose_name_plural = _("public versions of reports")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "lang", "audience"], name="release_once_per_language_and_audience"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.lang} {self.audience} {self.status}"

    @property
    def for_authority(self) -> bool:
        return self.audience == self.Audience.AUTHORITY


class Redaction(models.Model):
    """A span of one section of the internal text that the public version leaves out."""

    class Kind(models.TextChoices):
        PERSON_NAME = "person_name", _("Name of a person")
        IIN = "iin", _("IIN (individual identification number)")
        PHONE = "phone", _("Phone number")
        EMAIL = "email", _("E-mail address")
        ADDRESS = "address", _("Address")
        CELL_DATE = "cell_date", _("Cell number with a date")
        HEALTH = "health", _("Health or other special-category detail")
        PATTERN = "pattern", _("Configured pattern")
        MANUAL = "manual", _("Marked by the editor")
        LOCATION = "location", _("Exact location (cell or room)")
        CONSENT = "consent", _("Quote without consent in force")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    public_report = models.ForeignKey(PublicReport, on_delete=models.CASCADE, related_name="redactions")
    section = models.CharField(_("section"), max_length=16)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    original = models.TextField(_("text removed"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PROPOSED)
    replacement = models.CharField(_("replacement"), max_length=60, default="[…]")
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["public_report", "section", "start", "id"]
        verbose_name = _("redaction")
        verbose_name_plural = _("redactions")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="redaction_not_empty")
        ]

    def __str__(self) -> str:
        return f"{self.section}[{self.start}:{self.end}] {self.kind} {self.state}"


class MediaContact(models.Model):
    name = models.CharField(_("name"), max_length=200)
    outlet = models.CharField(_("outlet"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    languages = models.ManyToManyField(
        "core.Language", verbose_name=_("languages"), blank=True, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    topics = models.CharField(_("topics"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["outlet", "name"]
        verbose_name = _("media contact")
        verbose_name_plural = _("media contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.outlet})"


class PressRelease(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    public_report = models.ForeignKey(
        PublicReport,
        verbose_name=_("published report"),
        on_delete=models.PROTECT,
        related_name="press_releases",
    )
    lang = models.CharField(_("language"), max_length=2)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    # The release gate's proposals for the text (docs/decisions/0020-release-gate.md): a list of
    # {"start", "end", "kind", "text", "state" (proposed, accepted, rejected), "decided_by"},
    # recomputed whenever the text changes; issuing is refused while one is undecided.
    screening = models.JSONField(_("screening"), default=list, blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("press release")
        verbose_name_plural = _("press releases")

    def __str__(self) -> str:
        return self.title


class MediaInteraction(models.Model):
    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("Interview")
        REQUEST = "request", _("Request for comment")
        BRIEFING = "briefing", _("Briefing or press conference")
        PUBLICATION = "publication", _("Publication about the NPM")
        OTHER = "other", _("Other")

    contact = models.ForeignKey(
        MediaContact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    press_release = models.ForeignKey(
        PressRelease,
        verbose_name=_("press release"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    happened_on = models.DateField(_("date"))
    summary = models.TextField(_("summary"))
    link = models.URLField(_("link"), blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-id"]
        verbose_name = _("media interaction")
        verbose_name_plural = _("media interactions")

    def __str__(self) -> str:
        return f"{self.happened_on} {self.kind}"
