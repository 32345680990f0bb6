"""Organisations, persons, NPM participation, eligibility and conflicts of interest."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dozor.core.fields import EncryptedBooleanField
from dozor.core.i18n import pick
from dozor.core.models import CodedReference
from dozor.core.search import search_join


class Expertise(CodedReference):
    """A professional background the NPM needs on visits (lawyer, doctor, psychiatrist...)."""

    class Meta(CodedReference.Meta):
        verbose_name = _("expertise")
        verbose_name_plural = _("expertise")


class EligibilityRule(CodedReference):
    """An exclusion category from the participant selection rules, held as pack data.

    ``question`` is put to the candidate; answering "yes" excludes them. ``name`` is the short reason.
    """

    question_kk = models.TextField(blank=True)
    question_ru = models.TextField(blank=True)
    question_en = models.TextField(blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta(CodedReference.Meta):
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")

    @property
    def question(self) -> str:
        return pick(self, "question")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        NGO = "ngo", _("Non-governmental organisation")
        COMMISSIONER = "commissioner", _("Commissioner's office")
        MINISTRY = "ministry", _("Ministry or state body")
        INTERNATIONAL = "international", _("International organisation")
        ACADEMIA = "academia", _("Academia")
        BAR = "bar", _("Bar association")
        MEDICAL = "medical", _("Medical body")

    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    authority = models.ForeignKey(
        "core.Authority",
        verbose_name=_("state body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For ministries and state bodies: which authority this is."),
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_demo = models.BooleanField(_("synthetic demo record"), default=False)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["name_ru", "id"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self, "name")

    def build_search_text(self) -> str:
        return search_join((self.name_kk, self.name_ru, self.name_en))

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not (self.name_kk or self.name_ru or self.name_en):
            errors.setdefault("name_ru", []).append(gettext("Give the name in at least one language."))
        if self.authority_id and self.kind != self.Kind.MINISTRY:
            errors.setdefault("authority", []).append(
                gettext("Only a ministry or state body is linked to a state authority.")
            )
        if errors:
            raise ValidationError(errors)


class Person(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNDISCLOSED = "undisclosed", _("Prefers not to say")

    last_name = models.CharField(_("last name"), max_length=120)
    first_name = models.CharField(_("first name"), max_length=120)
    patronymic = models.CharField(_("patronymic"), max_length=120, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, default=Gender.UNDISCLOSED)
    languages = models.ManyToManyField(
        "core.Language", verbose_name=_("languages"), blank=True, related_name="+"
    )
    expertise = models.ManyToManyField(
        Expertise, verbose_name=_("expertise"), blank=True, related_name="persons"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="persons",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    notes = models.TextField(_("notes"), blank=True)
    is_demo = models.BooleanField(_("synthetic demo record"), default=False)
    search_text = models.TextField(editable=False, default="")
    revision = models.PositiveIntegerField(
        _("revision"), default=0, editable=False, help_text=_("Grows by one with every saved change.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    def build_search_text(self) -> str:
        # Names only: the e-mail is private, and a searchable e-mail would let anyone who may
        # search the roster probe for it. Selectors match e-mails separately for coordinators.
        return search_join((self.last_name, self.first_name, self.patronymic))

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.last_name:
            errors.setdefault("last_name", []).append(gettext("Give the last name."))
        if not self.first_name:
            errors.setdefault("first_name", []).append(gettext("Give the first name."))
        if errors:
            raise ValidationError(errors)


class Participation(models.Model):
    """A person's term as an NPM participant (selected by the Coordination Council)."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="participations"
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.CANDIDATE)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("regional group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_ref = models.CharField(_("decision reference"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-term_start", "-id"]
        verbose_name = _("NPM participation")
        verbose_name_plural = _("NPM participations")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
                name="participation_term_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.term_start} {self.status}"

    def clean(self) -> None:
        """The term's own rules; whether the person may be active (eligibility, no overlapping
        active term) is for ``participation_create`` / ``participation_update`` to check."""
        errors: dict[str, list[str]] = {}
        start, end = self.term_start, self.term_end
        if start is None:
            errors.setdefault("term_start", []).append(gettext("Give the date the term starts."))
        if start and end and end < start:
            errors.setdefault("term_end", []).append(gettext("The term cannot end before it starts."))
        if self.status == self.Status.ENDED and end is None:
            errors.setdefault("term_end", []).append(
                gettext("An ended participation needs the date the term ended.")
            )
        if self.status not in self.Status.values:
            errors.setdefault("status", []).append(gettext("Choose a valid status."))
        if errors:
            raise ValidationError(errors)


class EligibilityDeclaration(models.Model):
    """The person's declared answer to one eligibility rule's question."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="declarations")
    rule = models.ForeignKey(EligibilityRule, on_delete=models.PROTECT, related_name="declarations")
    # Encrypted at rest (psychiatric registration, criminal record...); emptied with the row at the
    # end of its retention period (packs/<pack>/retention.yaml, dozor purge).
    answer = EncryptedBooleanField(_("answer"), null=True)
    declared_on = models.DateField(_("declared on"))
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("eligibility declaration")
        verbose_name_plural = _("eligibility declarations")
        constraints = [models.UniqueConstraint(fields=["person", "rule"], name="declaration_one_per_rule")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.rule_id}"  # never the answer: it is kept encrypted


class ConflictOfInterest(models.Model):
    """A person must not visit an authority's places or a facility (family, former employment...)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="conflicts"
    )
    authority = models.ForeignKey(
        "core.Authority",
        verbose_name=_("authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conflicts",
    )
    reason = models.CharField(_("reason"), max_length=300)
    declared_on = models.DateField(_("declared on"))
    ended_on = models.DateField(_("no longer applies from"), null=True, blank=True)

    class Meta:
        ordering = ["-declared_on", "-id"]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.CheckConstraint(
                condition=Q(authority__isnull=False) | Q(facility__isnull=False),
                name="conflict_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.reason}"
