"""Reference data shared by every app: country pack, languages, regions, authorities."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.core.fields import EncryptedTextField
from dozor.core.i18n import pick


class TranslatedNameModel(models.Model):
    """A model with a name in each working language; ``name`` picks the active language."""

    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self, "name")


class CodedReference(TranslatedNameModel):
    """Reference row identified by a stable code from the country pack."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]


class CountryPack(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    version = models.CharField(_("version"), max_length=40)
    name_kk = models.CharField(max_length=200, blank=True)
    name_ru = models.CharField(max_length=200, blank=True)
    name_en = models.CharField(max_length=200, blank=True)
    npm_name_kk = models.CharField(max_length=300, blank=True)
    npm_name_ru = models.CharField(max_length=300, blank=True)
    npm_name_en = models.CharField(max_length=300, blank=True)
    default_language = models.CharField(max_length=5, default="ru")
    loaded_at = models.DateTimeField(_("loaded at"))
    checksum = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("country pack")

    def __str__(self) -> str:
        return f"{self.code} {self.version}"

    @property
    def name(self) -> str:
        return pick(self, "name")

    @property
    def npm_name(self) -> str:
        return pick(self, "npm_name")


class Language(CodedReference):
    class Meta(CodedReference.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")


class Region(CodedReference):
    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        CITY = "city", _("City of republican significance")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    centre_kk = models.CharField(_("centre (Kazakh)"), max_length=200, blank=True)
    centre_ru = models.CharField(_("centre (Russian)"), max_length=200, blank=True)
    centre_en = models.CharField(_("centre (English)"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    boundary_id = models.CharField(_("boundary id"), max_length=40, blank=True)

    class Meta(CodedReference.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    @property
    def centre(self) -> str:
        return pick(self, "centre")


class Authority(CodedReference):
    """A state body operating or supervising places: ministry -> committee -> department."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        COMMITTEE = "committee", _("Committee")
        DEPARTMENT = "department", _("Department")
        AGENCY = "agency", _("Agency")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    short_kk = models.CharField(max_length=80, blank=True)
    short_ru = models.CharField(max_length=80, blank=True)
    short_en = models.CharField(max_length=80, blank=True)
    # Materialised path of codes ("/MVD/KUIS/") so that subtree queries are one indexed LIKE.
    path = models.CharField(max_length=400, db_index=True, editable=False)

    class Meta(CodedReference.Meta):
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    @property
    def short(self) -> str:
        return pick(self, "short") or self.name


class PopulationCategory(CodedReference):
    class Meta(CodedReference.Meta):
        verbose_name = _("population category")
        verbose_name_plural = _("population categories")


class VisitType(CodedReference):
    description_kk = models.TextField(blank=True)
    description_ru = models.TextField(blank=True)
    description_en = models.TextField(blank=True)

    class Meta(CodedReference.Meta):
        verbose_name = _("visit type")
        verbose_name_plural = _("visit types")

    @property
    def description(self) -> str:
        return pick(self, "description")


class Holiday(TranslatedNameModel):
    """A day of the country's calendar that is not an ordinary weekday or weekend day (country-pack
    data, ``dozor.core.workdays``). The table keeps the name it had in the recommendations app."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        DAY_OFF = "day_off", _("Day off moved from another day")
        WORKING_DAY = "working_day", _("Weekend day made a working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.HOLIDAY)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        db_table = "recommendations_holiday"
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")


class PlaceName(models.Model):
    """One place of the gazetteer (country-pack data, ``gazetteer.yaml``): every spelling of a
    region or settlement in Kazakh, Russian and Latin letters, so a search in any of them finds
    the places there (``dozor.core.search``)."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        SETTLEMENT = "settlement", _("Settlement")

    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    names = models.JSONField(_("names"), default=list)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("place name")
        verbose_name_plural = _("place names")

    def __str__(self) -> str:
        return self.code


# The outbox and the background jobs keep their code in their own folders; Django looks for models here.
from dozor.core.jobs.models import Job  # noqa: E402, F401
from dozor.core.outbox.models import Notification  # noqa: E402, F401


class KeyCanary(models.Model):
    """A known text encrypted under one field-encryption key (``dozor.core.canary``): a key id
    whose bytes no longer decrypt its canary is refused before it writes anything."""

    key_id = models.CharField(_("key id"), max_length=40, unique=True)
    token = models.TextField(_("encrypted canary"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("key canary")
        verbose_name_plural = _("key canaries")

    def __str__(self) -> str:
        return self.key_id


class FormKey(models.Model):
    """The NPM's RSA key pair for encrypted ODK forms (``dozor.core.formkeys``, decision 0027).

    Forms carry the public key; Collect encrypts each finalised submission with it. The private
    key is an encrypted field (under ``DOZOR_FIELD_KEYS``, so ``dozor keys rotate`` re-encrypts
    it with the rest). A replaced key stays, no longer current, to open submissions made with
    forms still on the phones."""

    public_key = models.TextField(_("public key"))  # base64 DER SubjectPublicKeyInfo, as XLSForm wants
    private_key = EncryptedTextField(_("private key"))  # PKCS#8 PEM
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True)  # SHA-256 of the DER
    current = models.BooleanField(_("current"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["-current", "-created_at", "-pk"]
        verbose_name = _("form key")
        verbose_name_plural = _("form keys")
        constraints = [
            models.UniqueConstraint(
                fields=["current"], condition=models.Q(current=True), name="core_formkey_one_current"
            )
        ]

    def __str__(self) -> str:
        return self.fingerprint[:16]
