"""Places of deprivation of liberty (OPCAT art. 4) and their occupancy history."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dozor.core.i18n import pick
from dozor.core.models import CodedReference

# The fields a user edits, in the order of forms, CSV/XLSX columns and the audit trail.
FACILITY_FIELDS = [
    "code",
    "name_kk",
    "name_ru",
    "name_en",
    "type",
    "authority",
    "region",
    "settlement",
    "address",
    "latitude",
    "longitude",
    "capacity",
    "population_categories",
    "status",
    "opened_on",
    "closed_on",
    "notes",
]


class FacilityType(CodedReference):
    authority = models.ForeignKey(
        "core.Authority", verbose_name=_("default authority"), on_delete=models.PROTECT, related_name="+"
    )
    population_categories = models.ManyToManyField(
        "core.PopulationCategory", verbose_name=_("population categories"), blank=True, related_name="+"
    )
    weight = models.PositiveSmallIntegerField(_("risk weight"), default=1)
    visit_frequency_years = models.PositiveSmallIntegerField(_("visit at least every (years)"), default=4)

    class Meta(CodedReference.Meta):
        verbose_name = _("facility type")
        verbose_name_plural = _("facility types")


class Facility(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    type = models.ForeignKey(
        FacilityType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="facilities"
    )
    authority = models.ForeignKey(
        "core.Authority",
        verbose_name=_("operating authority"),
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="facilities"
    )
    settlement = models.CharField(_("settlement"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=400, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    population = models.PositiveIntegerField(
        _("current population"), null=True, blank=True, help_text=_("From the latest occupancy record.")
    )
    population_date = models.DateField(_("population as of"), null=True, blank=True)
    population_categories = models.ManyToManyField(
        "core.PopulationCategory",
        verbose_name=_("population categories"),
        blank=True,
        related_name="facilities",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_demo = models.BooleanField(_("synthetic demo record"), default=False)
    # Case-folded names and code in every language: searching Cyrillic case-insensitively
    # must work the same on SQLite (whose LIKE folds only ASCII) and PostgreSQL.
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__sort_order", "name_ru", "code"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", closed_on__isnull=True)
                | Q(status="closed", closed_on__isnull=False),
                name="facility_closed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["name_ru"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        return pick(self, "name")

    def build_search_text(self) -> str:
        parts = [self.code, self.name_kk, self.name_ru, self.name_en, self.settlement]
        return " | ".join(p for p in parts if p).casefold()

    @property
    def is_overcrowded(self) -> bool:
        return bool(self.capacity and self.population is not None and self.population > self.capacity)

    @property
    def occupancy_rate(self) -> float | None:
        if not self.capacity or self.population is None:
            return None
        return self.population / self.capacity


class Occupancy(models.Model):
    """Capacity and actual population of a facility on a date (from a visit or official data)."""

    class Source(models.TextChoices):
        OFFICIAL = "official", _("Official data")
        VISIT = "visit", _("Counted during a visit")
        IMPORT = "import", _("Imported")

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="occupancy"
    )
    date = models.DateField(_("date"))
    capacity = models.PositiveIntegerField(_("capacity"))
    population = models.PositiveIntegerField(_("population"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.OFFICIAL)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("occupancy record")
        verbose_name_plural = _("occupancy records")
        constraints = [models.UniqueConstraint(fields=["facility", "date"], name="occupancy_one_per_day")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.date}: {self.population}/{self.capacity}"

    @property
    def is_overcrowded(self) -> bool:
        return self.population > self.capacity
