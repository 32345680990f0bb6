"""Writes to the registry of places. Each function validates, writes atomically and audits."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.models import PopulationCategory
from dozor.facilities.models import FACILITY_FIELDS, Facility, Occupancy

EDITABLE_FIELDS = [name for name in FACILITY_FIELDS if name != "population_categories"]


def _check_facility(facility: Facility) -> None:
    errors: dict[str, list[str]] = {}
    if not (facility.name_kk or facility.name_ru or facility.name_en):
        errors.setdefault("name_ru", []).append(_("Give the name in at least one language."))
    if facility.status == Facility.Status.CLOSED and facility.closed_on is None:
        errors.setdefault("closed_on", []).append(_("A closed place needs the date it closed."))
    if facility.status == Facility.Status.ACTIVE and facility.closed_on is not None:
        errors.setdefault("closed_on", []).append(_("An active place cannot have a closing date."))
    if facility.opened_on and facility.closed_on and facility.closed_on < facility.opened_on:
        errors.setdefault("closed_on", []).append(_("The closing date is before the opening date."))
    if facility.latitude is not None and not Decimal(-90) <= facility.latitude <= Decimal(90):
        errors.setdefault("latitude", []).append(_("Latitude must be between -90 and 90."))
    if facility.longitude is not None and not Decimal(-180) <= facility.longitude <= Decimal(180):
        errors.setdefault("longitude", []).append(_("Longitude must be between -180 and 180."))
    if (facility.latitude is None) != (facility.longitude is None):
        errors.setdefault("longitude", []).append(_("Give both latitude and longitude, or neither."))
    if facility.capacity is not None and facility.capacity < 0:
        errors.setdefault("capacity", []).append(_("Capacity cannot be negative."))
    if errors:
        raise ValidationError(errors)
    facility.full_clean(exclude=["population_categories"])


def _categories_snapshot(facility: Facility) -> list[str]:
    return sorted(facility.population_categories.values_list("code", flat=True))


@transaction.atomic
def facility_create(
    *, actor: User, values: dict[str, Any], population_categories: list[PopulationCategory] | None = None
) -> Facility:
    require(actor, "facilities.edit")
    facility = Facility(**{k: v for k, v in values.items() if k in EDITABLE_FIELDS})
    facility.search_text = facility.build_search_text()
    _check_facility(facility)
    facility.save()
    facility.population_categories.set(population_categories or [])
    after = snapshot(facility) | {"population_categories": _categories_snapshot(facility)}
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=facility, changes=diff({}, after))
    return facility


@transaction.atomic
def facility_update(
    *,
    actor: User,
    facility: Facility,
    values: dict[str, Any],
    population_categories: list[PopulationCategory] | None = None,
) -> Facility:
    require(actor, "facilities.edit")
    _apply_update(actor=actor, facility=facility, values=values, population_categories=population_categories)
    return facility


def _apply_update(
    *,
    actor: User,
    facility: Facility,
    values: dict[str, Any],
    population_categories: list[PopulationCategory] | None,
) -> bool:
    """Change the facility; return whether anything changed (and was audited)."""
    before = snapshot(facility) | {"population_categories": _categories_snapshot(facility)}
    changed = []
    for name, value in values.items():
        if name in EDITABLE_FIELDS and getattr(facility, name) != value:
            setattr(facility, name, value)
            changed.append(name)
    search_text = facility.build_search_text()
    if search_text != facility.search_text:
        facility.search_text = search_text
        changed.append("search_text")
    _check_facility(facility)
    if changed:
        facility.save(update_fields=[*changed, "updated_at"])
    if population_categories is not None:
        facility.population_categories.set(population_categories)
    after = snapshot(facility) | {"population_categories": _categories_snapshot(facility)}
    changes = diff(before, after)
    changes.pop("updated_at", None)
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=facility, changes=changes)
    return bool(changes)


def population_refresh(facility: Facility) -> None:
    """The place's current population follows its latest occupancy record. Checks no rights: it
    is called after a write to the history that its caller allowed (here, or a visit's counts)."""
    latest = facility.occupancy.order_by("-date", "-id").first()
    if latest is not None and (facility.population, facility.population_date) != (
        latest.population,
        latest.date,
    ):
        facility.population = latest.population
        facility.population_date = latest.date
        facility.save(update_fields=["population", "population_date", "updated_at"])


@transaction.atomic
def occupancy_record(
    *,
    actor: User,
    facility: Facility,
    date: datetime.date,
    capacity: int,
    population: int,
    source: str = Occupancy.Source.OFFICIAL,
    note: str = "",
) -> Occupancy:
    """Record capacity vs population on a date (one record per day; a second one replaces it)."""
    require(actor, "facilities.edit")
    errors: dict[str, list[str]] = {}
    if capacity is None or capacity < 0:
        errors["capacity"] = [_("Capacity cannot be negative.")]
    if population is None or population < 0:
        errors["population"] = [_("Population cannot be negative.")]
    if date > timezone.localdate() + datetime.timedelta(days=1):
        errors["date"] = [_("The date cannot be in the future.")]
    if facility.opened_on and date < facility.opened_on:
        errors["date"] = [_("The place was not open on that date.")]
    if errors:
        raise ValidationError(errors)
    record, created = Occupancy.objects.update_or_create(
        facility=facility,
        date=date,
        defaults={
            "capacity": capacity,
            "population": population,
            "source": source,
            "note": note,
            "recorded_by": actor,
        },
    )
    population_refresh(facility)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=record,
        object_repr=f"{facility.code} {date.isoformat()}",
        changes={"capacity": capacity, "population": population, "source": source},
    )
    return record


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)


@transaction.atomic
def facilities_import(*, actor: User, rows: list[dict[str, Any]], filename: str = "") -> ImportResult:
    """Write rows that ``dozor.facilities.io.validate_rows`` already accepted; upsert by code.

    The caller validates the whole file first; any error here (a race on a unique code) rolls
    the whole import back, so a file is either written completely or not at all.
    """
    require(actor, "facilities.import")
    result = ImportResult()
    existing = {f.code: f for f in Facility.objects.filter(code__in=[r["code"] for r in rows])}
    for row in rows:
        categories = row.pop("population_categories")
        facility = existing.get(row["code"])
        if facility is None:
            facility_create(actor=actor, values=row, population_categories=categories)
            result.created += 1
        else:
            if _apply_update(actor=actor, facility=facility, values=row, population_categories=categories):
                result.updated += 1
            else:
                result.unchanged += 1
        result.codes.append(row["code"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        object_type="facilities.facility",
        object_repr=filename[:300],
        changes={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return result
