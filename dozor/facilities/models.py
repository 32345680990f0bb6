"""Places of deprivation of liberty (OPCAT art. 4) and their occupancy history."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dozor.core.i18n import pick
from dozor.core.models import CodedReference
from dozor.core.search import Gazetteer, gazetteer_read, search_join

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
    retired = models.BooleanField(
        _("retired"),
        default=False,
        help_text=_(
            "The type no longer exists in law; it is kept for the places and visits recorded under it."
        ),
    )

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
    # Facts that apps above the registry keep up to date (visits, recommendations), so that
    # planning's risk score reads them here instead of calling up into those apps at run time:
    # the latest visit carried out (its first and last day) and the open recommendations'
    # deadlines (an empty string for one without a deadline). Written only through
    # ``facility_facts_set``.
    last_visit_started_on = models.DateField(null=True, blank=True, editable=False)
    last_visit_ended_on = models.DateField(null=True, blank=True, editable=False)
    open_recommendations = models.PositiveIntegerField(default=0, editable=False)
    open_recommendation_deadlines = models.JSONField(default=list, blank=True, editable=False)
    revision = models.PositiveIntegerField(
        _("revision"), default=0, editable=False, help_text=_("Grows by one with every saved change.")
    )
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
            models.CheckConstraint(
                condition=Q(opened_on__isnull=True)
                | Q(closed_on__isnull=True)
                | Q(closed_on__gte=F("opened_on")),
                name="facility_closed_after_opened",
            ),
            models.CheckConstraint(
                # Both given (explicitly: a comparison with NULL would let the check pass) and in range.
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="facility_coordinates_paired_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(name_kk="", name_ru="", name_en=""), name="facility_has_a_name"
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["name_ru"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        """The rules of one place, with the registry's messages. Services call it before
        ``full_clean`` (whose field checks would word some of these differently); the constraints
        above hold the database to the same rules."""
        errors: dict[str, list[str]] = {}
        if not (self.name_kk or self.name_ru or self.name_en):
            errors.setdefault("name_ru", []).append(gettext("Give the name in at least one language."))
        if self.status == self.Status.CLOSED and self.closed_on is None:
            errors.setdefault("closed_on", []).append(gettext("A closed place needs the date it closed."))
        if self.status == self.Status.ACTIVE and self.closed_on is not None:
            errors.setdefault("closed_on", []).append(gettext("An active place cannot have a closing date."))
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            errors.setdefault("closed_on", []).append(gettext("The closing date is before the opening date."))
        if self.latitude is not None and not Decimal(-90) <= self.latitude <= Decimal(90):
            errors.setdefault("latitude", []).append(gettext("Latitude must be between -90 and 90."))
        if self.longitude is not None and not Decimal(-180) <= self.longitude <= Decimal(180):
            errors.setdefault("longitude", []).append(gettext("Longitude must be between -180 and 180."))
        if (self.latitude is None) != (self.longitude is None):
            errors.setdefault("longitude", []).append(
                gettext("Give both latitude and longitude, or neither.")
            )
        if self.capacity is not None and self.capacity < 0:
            errors.setdefault("capacity", []).append(gettext("Capacity cannot be negative."))
        if errors:
            raise ValidationError(errors)

    @property
    def name(self) -> str:
        return pick(self, "name")

    def build_search_text(self, gazetteer: Gazetteer | None = None) -> str:
        """Code, names and settlement, then every spelling the gazetteer knows of the settlement
        and the region (``gazetteer_read()`` when not given: pass one when building many)."""
        gazetteer = gazetteer if gazetteer is not None else gazetteer_read()
        parts = [self.code, self.name_kk, self.name_ru, self.name_en, self.settlement]
        parts += gazetteer.variants(settlement=self.settlement, region_id=self.region_id)
        return search_join(parts)

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
    def note_display(self) -> str:
        """The note in the reader's language: a visit stores the marker "visit #<id>" (matched on
        again when its counts change), shown translated."""
        prefix = "visit #"
        if self.note.startswith(prefix) and self.note[len(prefix) :].isdigit():
            return gettext("visit No. %(number)s") % {"number": self.note[len(prefix) :]}
        return self.note

    def clean(self) -> None:
        """Counts are not negative and the day is neither in the future nor before the place
        opened (the database checks the counts: the fields are positive integers)."""
        errors: dict[str, list[str]] = {}
        if self.capacity is None or self.capacity < 0:
            errors["capacity"] = [gettext("Capacity cannot be negative.")]
        if self.population is None or self.population < 0:
            errors["population"] = [gettext("Population cannot be negative.")]
        if self.date is not None:
            if self.date > timezone.localdate() + datetime.timedelta(days=1):
                errors["date"] = [gettext("The date cannot be in the future.")]
            opened_on = self.facility.opened_on if self.facility_id is not None else None
            if opened_on and self.date < opened_on:
                errors["date"] = [gettext("The place was not open on that date.")]
        if errors:
            raise ValidationError(errors)

    @property
    def is_overcrowded(self) -> bool:
        return self.population > self.capacity
