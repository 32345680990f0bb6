"""Visit planning: risk factors and signals, rules for visiting groups, cost rates, plans, planned
visits with their groups and expenses, and the optimiser's proposals.

Rules, factors and rates are country-pack data (packs/kz/planning.yaml) so that another NPM changes
them without code. Unannounced planned visits are *secret* (see planning/access.py).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dozor.core.fields import EncryptedTextField
from dozor.core.i18n import pick
from dozor.core.models import CodedReference


class RiskFactor(CodedReference):
    """One explained term of the risk score. ``code`` names the computation (dozor/planning/risk/scores.py);
    ``weight`` is the most points the factor can add; ``params`` tune it (thresholds, windows)."""

    weight = models.DecimalField(_("weight (points)"), max_digits=6, decimal_places=2, default=Decimal("10"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    description_kk = models.TextField(blank=True)
    description_ru = models.TextField(blank=True)
    description_en = models.TextField(blank=True)

    class Meta(CodedReference.Meta):
        verbose_name = _("risk factor")
        verbose_name_plural = _("risk factors")

    @property
    def description(self) -> str:
        return pick(self, "description")


class LearnedFrom(models.TextChoices):
    AUTHORITY = "authority", _("Notification by the authority")
    RELATIVES = "relatives", _("Relatives or a lawyer")
    COMPLAINT = "complaint", _("A complaint")
    MEDIA = "media", _("Media or social networks")
    VISIT = "visit", _("The NPM's own visit")
    OTHER = "other", _("Other source")


class Known(models.TextChoices):
    UNKNOWN = "unknown", _("Not known")
    YES = "yes", _("Yes")
    NO = "no", _("No")


class Investigation(models.TextChoices):
    """Where the State's investigation stands (Criminal Procedure Code: a report of a death in
    custody is registered in the Unified Register of Pre-Trial Investigations)."""

    UNKNOWN = "unknown", _("Not known")
    NONE = "none", _("None opened")
    PRE_TRIAL = "pre_trial", _("Pre-trial investigation under way")
    DISCONTINUED = "discontinued", _("Discontinued")
    CHARGES = "charges", _("Sent to court")
    COURT = "court", _("Court decision")


class Incident(models.Model):
    """A risk signal about a place: a death, an injury, a hunger strike, a reprisal allegation or a
    complaint. Internal NPM data: authorities never see it. Deaths and incidents marked serious
    form the register of deaths and serious incidents in custody, with the State's investigation
    and the NPM's follow-up (``IncidentAction``)."""

    class Kind(models.TextChoices):
        DEATH = "death", _("Death in custody")
        INJURY = "injury", _("Injury")
        HUNGER_STRIKE = "hunger_strike", _("Hunger strike")
        REPRISAL = "reprisal", _("Reprisal allegation")
        COMPLAINT = "complaint", _("Complaint")
        OTHER = "other", _("Other incident")

    facility = models.ForeignKey(
        "facilities.Facility", verbose_name=_("facility"), on_delete=models.CASCADE, related_name="incidents"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    summary = models.CharField(_("summary"), max_length=400)
    source = models.CharField(_("source"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # --- the register of deaths and serious incidents in custody (dozor/planning/register/) -------
    # A death is always in the register; another incident when marked serious. No name of the
    # person is kept here: the register is about the place, the State's duty and the NPM's
    # follow-up; a person at risk of reprisal has a protected-person case (decision 0024).
    serious = models.BooleanField(
        _("serious incident"),
        default=False,
        help_text=_("Put it in the register of deaths and serious incidents in custody and follow it up."),
    )
    learned_on = models.DateField(_("the NPM learned of it on"), null=True, blank=True)
    learned_from = models.CharField(
        _("the NPM learned of it from"), max_length=16, choices=LearnedFrom.choices, blank=True
    )
    relatives_informed = models.CharField(
        _("relatives informed"), max_length=8, choices=Known.choices, default=Known.UNKNOWN
    )
    relatives_informed_on = models.DateField(_("relatives informed on"), null=True, blank=True)
    investigation = models.CharField(
        _("investigation"), max_length=16, choices=Investigation.choices, default=Investigation.UNKNOWN
    )
    investigating_body = models.CharField(_("investigating body"), max_length=200, blank=True)
    case_reference = models.CharField(_("case reference"), max_length=100, blank=True)
    closed_on = models.DateField(
        _("follow-up closed on"),
        null=True,
        blank=True,
        help_text=_("When the NPM ended its follow-up; empty while it continues."),
    )
    revision = models.PositiveIntegerField(default=0, editable=False)  # decision 0016

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["facility", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.kind} {self.occurred_on}"


class IncidentAction(models.Model):
    """What the NPM did about a death or serious incident, and what came of it."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Request for information")
        URGENT_VISIT = "urgent_visit", _("Urgent visit")
        LETTER = "letter", _("Letter to the authority")
        PROSECUTOR = "prosecutor", _("Referral to the prosecutor")
        STATEMENT = "statement", _("Public statement")
        OTHER = "other", _("Other action")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=16, choices=Kind.choices)
    taken_on = models.DateField(_("date"))
    # may name people or quote relatives: encrypted at rest (decision 0022)
    note = EncryptedTextField(_("what was done"), blank=True)
    outcome = EncryptedTextField(_("outcome"), blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["taken_on", "id"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.taken_on}"


class PlanningRules(models.Model):
    """The visiting-group, capacity and coverage rules of the loaded country pack (one row)."""

    class CompetencyScope(models.TextChoices):
        EVERY_MEMBER = "every_member", _("Every member holds it")
        AT_LEAST_ONE = "at_least_one", _("At least one member holds it")

    min_group_size = models.PositiveSmallIntegerField(_("minimum group size"), default=3)
    max_group_size = models.PositiveSmallIntegerField(_("maximum group size"), default=5)
    competency_scope = models.CharField(
        _("required training competency"),
        max_length=16,
        choices=CompetencyScope.choices,
        default=CompetencyScope.EVERY_MEMBER,
    )
    woman_for_categories = models.ManyToManyField(
        "core.PopulationCategory",
        verbose_name=_("a woman in the group when the place holds"),
        blank=True,
        related_name="+",
    )
    languages = models.ManyToManyField(
        "core.Language",
        verbose_name=_("languages every group must speak"),
        blank=True,
        related_name="+",
    )
    visits_per_participant = models.PositiveSmallIntegerField(
        _("visits per participant per year"), default=12
    )
    reserve_share = models.DecimalField(
        _("budget reserved for follow-up and urgent visits"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.15"),
    )
    min_visits_per_region = models.PositiveSmallIntegerField(_("minimum visits per region"), default=1)
    visit_days = models.PositiveSmallIntegerField(_("days per visit"), default=1)
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("planning rules")
        verbose_name_plural = _("planning rules")

    def __str__(self) -> str:
        return f"rules {self.min_group_size}-{self.max_group_size}"


class ExpertiseRequirement(models.Model):
    """A group visiting a place of ``facility_type`` includes someone with one of ``expertise``
    (e.g. a doctor or psychiatrist for psychiatric institutions)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    facility_types = models.ManyToManyField(
        "facilities.FacilityType", verbose_name=_("facility types"), related_name="expertise_requirements"
    )
    expertise = models.ManyToManyField(
        "people.Expertise", verbose_name=_("any of these expertise"), related_name="+"
    )
    name_kk = models.CharField(max_length=300, blank=True)
    name_ru = models.CharField(max_length=300, blank=True)
    name_en = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("expertise requirement")
        verbose_name_plural = _("expertise requirements")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self, "name")


class CostRate(models.Model):
    """A cost rate (pack data). ``region`` empty = the default for every region."""

    class Kind(models.TextChoices):
        PER_DIEM = "per_diem", _("Per diem (per person and day)")
        ACCOMMODATION = "accommodation", _("Accommodation (per person and night)")
        TRAVEL_KM = "travel_km", _("Travel between towns (per km)")
        LOCAL_KM = "local_km", _("Local travel (per km)")
        COMPENSATION = "compensation", _("Participant compensation (per visit day)")
        INTERPRETER = "interpreter", _("Interpreter fee (per day)")
        EXPERT = "expert", _("Expert fee (per day)")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "region__sort_order"]
        verbose_name = _("cost rate")
        verbose_name_plural = _("cost rates")
        constraints = [
            models.UniqueConstraint(fields=["kind", "region"], name="cost_rate_once"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(region__isnull=True), name="cost_rate_default_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.region_id or '*'} {self.amount}"


class Fare(models.Model):
    """A one-way fare between two region centres; where none is given, distance x per-km rate."""

    origin = models.ForeignKey(
        "core.Region", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    destination = models.ForeignKey(
        "core.Region", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("fare"), max_digits=12, decimal_places=2)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("fare")
        verbose_name_plural = _("fares")
        constraints = [models.UniqueConstraint(fields=["origin", "destination"], name="fare_once")]

    def __str__(self) -> str:
        return f"{self.origin_id}->{self.destination_id} {self.amount}"


class Unavailability(models.Model):
    """A participant cannot visit between these dates (leave, illness, other duties)."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="unavailabilities"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("unavailability")
        verbose_name_plural = _("unavailabilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="unavailability_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.starts_on}..{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": [gettext("The end date is before the start date.")]})


PLAN_YEARS = (2000, 2100)


class Plan(models.Model):
    """An annual plan (quarter empty) or a quarterly plan, with its budget."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), null=True, blank=True, choices=[(1, "I"), (2, "II"), (3, "III"), (4, "IV")]
    )
    title = models.CharField(_("title"), max_length=200)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "quarter", "id"]
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="plan_once_per_quarter"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(quarter__isnull=True), name="plan_once_per_year"
            ),
            models.CheckConstraint(condition=Q(budget__gt=0), name="plan_budget_positive"),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="plan_quarter_valid",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=PLAN_YEARS[0], year__lte=PLAN_YEARS[1]), name="plan_year_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """The rules of one plan (the services add that a year or quarter has one plan)."""
        errors: dict[str, list[str]] = {}
        if not PLAN_YEARS[0] <= self.year <= PLAN_YEARS[1]:
            errors["year"] = [
                gettext("The year must be between %(first)s and %(last)s.")
                % {"first": PLAN_YEARS[0], "last": PLAN_YEARS[1]}
            ]
        if self.quarter is not None and self.quarter not in (1, 2, 3, 4):
            errors["quarter"] = [gettext("The quarter must be 1, 2, 3 or 4.")]
        if not self.title.strip():
            errors["title"] = [gettext("Give the plan a title.")]
        if self.budget is None or Decimal(self.budget) <= 0:
            errors["budget"] = [gettext("The budget must be more than zero")]
        if self.status not in self.Status.values:
            errors["status"] = [gettext("Unknown plan status.")]
        if errors:
            raise ValidationError(errors)

    @property
    def starts_on(self) -> datetime.date:
        month = 1 if self.quarter is None else 3 * (self.quarter - 1) + 1
        return datetime.date(self.year, month, 1)

    @property
    def ends_on(self) -> datetime.date:
        if self.quarter is None or self.quarter == 4:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, 3 * self.quarter + 1, 1) - datetime.timedelta(days=1)


class PlannedVisit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Carried out")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        OPTIMISER = "optimiser", _("Proposed by the optimiser")
        GREEDY = "greedy", _("Proposed by the simple method")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="visits")
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="planned_visits",
    )
    visit_type = models.ForeignKey("core.VisitType", verbose_name=_("visit type"), on_delete=models.PROTECT)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    announced = models.BooleanField(_("announced in advance"), default=False)
    objectives = models.TextField(_("objectives"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    locked = models.BooleanField(
        _("keep when re-optimising"),
        default=False,
        help_text=_("Visits entered or changed by hand are kept as they are when the plan is re-optimised."),
    )
    risk_score = models.DecimalField(_("risk score"), max_digits=6, decimal_places=2, default=Decimal("0"))
    estimated_cost = models.DecimalField(
        _("estimated cost"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    cost_breakdown = models.JSONField(_("cost breakdown"), default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="planned_visit_order"
            )
        ]
        indexes = [models.Index(fields=["plan", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.facility} {self.starts_on:%Y-%m-%d}"

    def clean(self) -> None:
        """The dates in order (the services add the plan's period, the place and the group)."""
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": [gettext("The end date is before the start date.")]})

    @property
    def is_secret(self) -> bool:
        return not self.announced


class GroupMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Group leader")
        MEMBER = "member", _("Member")
        EXPERT = "expert", _("Expert")
        INTERPRETER = "interpreter", _("Interpreter")

    planned_visit = models.ForeignKey(PlannedVisit, on_delete=models.CASCADE, related_name="group")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="planned_visits"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["planned_visit", "role", "id"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [models.UniqueConstraint(fields=["planned_visit", "person"], name="group_member_once")]

    def __str__(self) -> str:
        return f"{self.planned_visit_id} {self.person_id} {self.role}"


class Expense(models.Model):
    """An actual expense of a planned visit, entered after the visit."""

    class Category(models.TextChoices):
        PER_DIEM = "per_diem", _("Per diem")
        ACCOMMODATION = "accommodation", _("Accommodation")
        TRAVEL = "travel", _("Travel")
        COMPENSATION = "compensation", _("Participant compensation")
        INTERPRETER = "interpreter", _("Interpreter")
        EXPERT = "expert", _("Expert")
        OTHER = "other", _("Other")

    planned_visit = models.ForeignKey(
        PlannedVisit, verbose_name=_("planned visit"), on_delete=models.CASCADE, related_name="expenses"
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    spent_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["spent_on", "id"]
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="expense_positive")]

    def __str__(self) -> str:
        return f"{self.planned_visit_id} {self.category} {self.amount}"

    def clean(self) -> None:
        """A known category and a positive amount (the services add the visit's and plan's rules)."""
        errors: dict[str, list[str]] = {}
        if self.category not in self.Category.values:
            errors["category"] = [gettext("Unknown expense category.")]
        if self.amount is None or Decimal(self.amount) <= 0:
            errors["amount"] = [gettext("The amount must be more than zero.")]
        if errors:
            raise ValidationError(errors)


class Proposal(models.Model):
    """A plan proposed by the optimiser (or the greedy method), kept apart from the plan until the
    coordinator accepts it. ``payload`` holds the proposed visits; ``summary`` the figures."""

    class Method(models.TextChoices):
        CP_SAT = "cp_sat", _("Optimiser (CP-SAT)")
        GREEDY = "greedy", _("Highest risk first")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="proposals")
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    summary = models.JSONField(_("summary"), default=dict)
    payload = models.JSONField(default=list)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("plan proposal")
        verbose_name_plural = _("plan proposals")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.method} {self.status}"
