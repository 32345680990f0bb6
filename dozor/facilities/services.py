"""Writes to the registry of places. Each function validates, writes atomically and audits."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.data import data_apply, data_values
from dozor.core.models import Authority, PopulationCategory, Region
from dozor.core.revisions import revision_check, revision_claim
from dozor.core.search import Gazetteer, gazetteer_read
from dozor.facilities.models import Facility, FacilityType, Occupancy


@dataclass(frozen=True, kw_only=True)
class FacilityData:
    """A place's own fields as a form, the API or an import gives them, for ``facility_create``
    and ``facility_update`` (its population categories are passed beside it)."""

    code: str
    type: FacilityType
    authority: Authority
    region: Region
    name_kk: str = ""
    name_ru: str = ""
    name_en: str = ""
    settlement: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    capacity: int | None = None
    status: str = Facility.Status.ACTIVE
    opened_on: datetime.date | None = None
    closed_on: datetime.date | None = None
    notes: str = ""


def _check_facility(facility: Facility) -> None:
    facility.clean()  # the registry's own messages first
    # The constraints are the rules clean() has just checked: not queried again.
    facility.full_clean(exclude=["population_categories"], validate_constraints=False)


def _categories_snapshot(facility: Facility) -> list[str]:
    return sorted(facility.population_categories.values_list("code", flat=True))


@transaction.atomic
def facility_create(
    *,
    actor: User,
    data: FacilityData,
    population_categories: list[PopulationCategory] | None = None,
    gazetteer: Gazetteer | None = None,
) -> Facility:
    """Add a place; ``gazetteer`` (read when not given) spells out its settlement and region in
    its search text."""
    require(actor, "facilities.edit")
    facility = Facility(**data_values(data))
    facility.search_text = facility.build_search_text(gazetteer)
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
    data: FacilityData,
    population_categories: list[PopulationCategory] | None = None,
    base_revision: int | None = None,
) -> Facility:
    """Change a place to ``data``; ``population_categories`` replaces its categories when given.
    Returns the place as saved (read again under a row lock: the audit compares the database row
    with ``data``, whatever the caller's instance holds). ``base_revision`` is the revision the
    editor loaded: a place saved by somebody else since raises ``StaleRevision`` and changes nothing."""
    require(actor, "facilities.edit")
    locked = Facility.objects.select_for_update().get(pk=facility.pk)
    revision_check(locked, base_revision=base_revision)
    _apply_update(
        actor=actor,
        facility=locked,
        data=data,
        population_categories=population_categories,
        base_revision=base_revision,
    )
    return locked


def _apply_update(
    *,
    actor: User,
    facility: Facility,
    data: FacilityData,
    population_categories: list[PopulationCategory] | None,
    gazetteer: Gazetteer | None = None,
    base_revision: int | None = None,
) -> bool:
    """Change the facility (a row the caller locked); return whether anything changed (and was
    audited, under the next revision)."""
    before = snapshot(facility) | {"population_categories": _categories_snapshot(facility)}
    changed = data_apply(facility, data)
    search_text = facility.build_search_text(gazetteer)
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
        revision_claim(facility, base_revision=base_revision)
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
    Occupancy(facility=facility, date=date, capacity=capacity, population=population).clean()
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


@dataclass(frozen=True)
class FacilityRow:
    """One row of an import file that ``dozor.facilities.io.validate_rows`` accepted."""

    data: FacilityData
    population_categories: tuple[PopulationCategory, ...] = ()


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)


@transaction.atomic
def facilities_import(*, actor: User, rows: list[FacilityRow], filename: str = "") -> ImportResult:
    """Write rows that ``dozor.facilities.io.validate_rows`` already accepted; upsert by code.

    The caller validates the whole file first; any error here (a race on a unique code) rolls
    the whole import back, so a file is either written completely or not at all.
    """
    require(actor, "facilities.import")
    result = ImportResult()
    existing = {
        f.code: f
        for f in Facility.objects.select_for_update()
        .filter(code__in=[row.data.code for row in rows])
        .order_by()  # the default ordering joins the region, whose rows need no lock
    }
    gazetteer = gazetteer_read()  # once for the whole file
    for row in rows:
        categories = list(row.population_categories)
        facility = existing.get(row.data.code)
        if facility is None:
            facility_create(actor=actor, data=row.data, population_categories=categories, gazetteer=gazetteer)
            result.created += 1
        else:
            if _apply_update(
                actor=actor,
                facility=facility,
                data=row.data,
                population_categories=categories,
                gazetteer=gazetteer,
            ):
                result.updated += 1
            else:
                result.unchanged += 1
        result.codes.append(row.data.code)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        object_type="facilities.facility",
        object_repr=filename[:300],
        changes={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return result


def facility_search_rebuild(*, dry_run: bool = False) -> int:
    """Build every place's search text again (after the folding or the gazetteer changed); return
    how many changed. Not audited: the search text is derived, not a fact anyone edited."""
    gazetteer = gazetteer_read()
    changed: list[Facility] = []
    for facility in Facility.objects.only(
        "id", "code", "name_kk", "name_ru", "name_en", "settlement", "region_id", "search_text"
    ).order_by("pk"):
        search_text = facility.build_search_text(gazetteer)
        if search_text != facility.search_text:
            facility.search_text = search_text
            changed.append(facility)
    if changed and not dry_run:
        Facility.objects.bulk_update(changed, ["search_text"], batch_size=500)
    return len(changed)


# --- facts kept by the apps above (visits, recommendations) ---------------------------------------


def facility_facts_set(
    *,
    last_visits: Mapping[int, tuple[datetime.date | None, datetime.date | None]] | None = None,
    follow_up: Mapping[int, tuple[int, list[str]]] | None = None,
) -> None:
    """Store facts that apps above the registry own, for the readers below them (planning's risk
    score): ``last_visits`` maps a place to the first and last day of its latest visit carried
    out (``(None, None)``: never visited); ``follow_up`` maps a place to its number of open
    recommendations and their deadlines (ISO dates, "" for none). One UPDATE per place; the
    place's own fields, its ``updated_at`` and its audit trail are untouched (these are derived
    figures, not edits)."""
    with transaction.atomic():
        for pk, (started, ended) in (last_visits or {}).items():
            Facility.objects.filter(pk=pk).update(last_visit_started_on=started, last_visit_ended_on=ended)
        for pk, (count, deadlines) in (follow_up or {}).items():
            Facility.objects.filter(pk=pk).update(
                open_recommendations=count, open_recommendation_deadlines=sorted(deadlines)
            )
