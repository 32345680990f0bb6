"""Writes to the visit record: starting a visit from the plan, its phases, the arrival and
departure times and status, and the occupancy counted on the day.

Rules (issue 6, item 1):

- Who: only coordinators start a visit from a planned visit (``visits.manage``). Coordinators
  and the monitors on the visit's team (``dozor.visits.access.can_record``) record phases, times,
  status and occupancy; council members read only.
- Starting from the plan: the planned visit must still be *planned* (not cancelled, not carried
  out) and have no record yet. The visit copies the place, type, dates, notice and objectives
  (as the purpose); its checklist version is chosen as ``dozor.visits.services.visit_create`` does.
  Every group member whose person has an active account allowed to see visits joins the team
  with the same role; the others are listed by ``record_team_preview`` so the page can warn that
  they cannot see the visit until they get an account. The planned visit stays *planned* until
  the visit is completed.
- Time window: phase times, arrival and departure must fall on the visit's days, one day either
  side allowed (travel, a night visit). While the end date is unknown the window runs to today
  (or the start date if later) plus one day.
- Phases: a phase ends at or after its start. Adding a phase to a visit still *planned* moves it
  to *in progress* and, if the arrival time is empty, takes the phase's start as the arrival.
- Times and status: departure needs an arrival and comes at or after it; the end date is not
  before the start date. A visit with an arrival time cannot be *planned*; *in progress* needs
  the arrival time; *completed* needs both times (the end date, if empty, becomes the local date
  of departure). Completing a visit started from the plan marks the planned visit *carried out*;
  re-opening a completed visit sets it back to *planned* (the two always agree). Both changes are
  written directly rather than through ``dozor.planning.services.planned_visit_complete``: monitors on
  the team may complete the record, and a visit may end before the day the plan gave.
- Occupancy on the day: the input replaces the visit's counts as a whole and is validated as a
  whole first (at least one row, each category once, whole non-negative numbers); on any error
  nothing is written. The totals go to the place's occupancy history on the visit day (local
  date of arrival, else the start date) with source "visit": capacity is the sum of the known
  capacities, or the place's registered capacity when no row gives one (refused if neither is
  known). A record of the same day from another source (official data, an import) is *kept*:
  the visit's counts are saved, the history is not changed, and the result says so, so the page
  can warn. A "visit" record of that day (from this or another visit) is replaced. If this visit
  wrote the history on another day before (its day changed), that record is removed. As in
  ``dozor.facilities.services.occupancy_record`` the day cannot be in the future and the place's
  current population follows its latest record.

Every function is keyword-only, checks the actor's rights, validates everything before
writing, runs in one transaction and writes the audit log.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import can, require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.revisions import revision_check, revision_claim
from dozor.facilities.models import Occupancy
from dozor.facilities.services import population_refresh
from dozor.methodology.models import TemplateVersion
from dozor.planning.access import planned_visits_visible_to
from dozor.planning.models import GroupMember, PlannedVisit
from dozor.visits.access import can_record
from dozor.visits.models import OccupancyCount, Phase, Visit
from dozor.visits.services import team_member_add, visit_create

Errors = dict[str, list[str]]
CountRow = tuple[str, int | None, int]

# Visits may start the evening before and end the morning after the days they were given.
WINDOW_SLACK = datetime.timedelta(days=1)


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _require_record(actor: User, visit: Visit) -> Visit:
    """The visit re-read under a lock, so that two people recording at once run in turn."""
    if not can_record(actor, visit):
        raise PermissionDenied
    return Visit.objects.select_for_update(of=("self",)).select_related("facility").get(pk=visit.pk)


# --- starting a visit from the plan -------------------------------------------------------------


@dataclass
class TeamPreview:
    """Who of a planned visit's group joins the visit's team, and who cannot (no usable account)."""

    joining: list[tuple[GroupMember, User]] = field(default_factory=list)
    left_out: list[GroupMember] = field(default_factory=list)

    @property
    def left_out_names(self) -> list[str]:
        return [member.person.full_name for member in self.left_out]


def record_team_preview(planned_visit: PlannedVisit) -> TeamPreview:
    """Split the group: members whose person has an active account that may see visits join."""
    preview = TeamPreview()
    members = GroupMember.objects.filter(planned_visit=planned_visit).select_related("person__user")
    for member in members.order_by("role", "id"):
        user = member.person.user
        if user is not None and can(user, "visits.view"):
            preview.joining.append((member, user))
        else:
            preview.left_out.append(member)
    return preview


@transaction.atomic
def visit_from_planned(
    *, actor: User, planned_visit: PlannedVisit, template_version: TemplateVersion | None = None
) -> Visit:
    """Start the record of a planned visit; see the module docstring for the rules."""
    require(actor, "visits.manage")
    try:
        current = (
            planned_visits_visible_to(actor)
            .select_for_update()
            .select_related("facility", "visit_type")
            .get(pk=planned_visit.pk)
        )
    except PlannedVisit.DoesNotExist as exc:
        raise PermissionDenied from exc
    errors: Errors = {}
    if current.status == PlannedVisit.Status.CANCELLED:
        _add(errors, "planned_visit", _("The planned visit was cancelled; it cannot be started."))
    elif current.status != PlannedVisit.Status.PLANNED:
        _add(errors, "planned_visit", _("The planned visit has already been carried out."))
    if Visit.objects.filter(planned_visit=current).exists():
        _add(errors, "planned_visit", _("The record of this planned visit has already been started."))
    _raise(errors)
    preview = record_team_preview(current)
    visit = visit_create(
        actor=actor,
        facility=current.facility,
        visit_type=current.visit_type,
        started_on=current.starts_on,
        template_version=template_version,
        announced=current.announced,
    )
    visit.planned_visit = current
    visit.ended_on = current.ends_on
    visit.purpose = current.objectives
    visit.save(update_fields=["planned_visit", "ended_on", "purpose"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=visit,
        changes={
            "planned_visit": current.pk,
            "ended_on": current.ends_on,
            "purpose": current.objectives,
            "left_out": [member.person_id for member in preview.left_out],
        },
    )
    for member, user in preview.joining:
        team_member_add(actor=actor, visit=visit, user=user, role=member.role)
    return visit


# --- the time window ----------------------------------------------------------------------------


def _window(visit: Visit, ended_on: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    last = ended_on or max(visit.started_on, timezone.localdate())
    return visit.started_on - WINDOW_SLACK, last + WINDOW_SLACK


def _check_in_window(
    errors: Errors, key: str, moment: datetime.datetime | None, window: tuple[datetime.date, datetime.date]
) -> None:
    if moment is None:
        return
    if timezone.is_naive(moment):
        _add(errors, key, _("The time must include its time zone."))
        return
    day = timezone.localdate(moment)
    if not window[0] <= day <= window[1]:
        _add(
            errors,
            key,
            _("The time must fall within the visit days (%(first)s – %(last)s).")
            % {"first": window[0].isoformat(), "last": window[1].isoformat()},
        )


# --- phases -------------------------------------------------------------------------------------


def _check_phase(
    visit: Visit,
    kind: str,
    started_at: datetime.datetime | None,
    ended_at: datetime.datetime | None,
    note: str,
) -> None:
    errors: Errors = {}
    if kind not in Phase.Kind.values:
        _add(errors, "kind", _("Unknown phase."))
    if started_at is None:
        _add(errors, "started_at", _("Give the time the phase started."))
    window = _window(visit, visit.ended_on)
    _check_in_window(errors, "started_at", started_at, window)
    _check_in_window(errors, "ended_at", ended_at, window)
    if started_at is not None and ended_at is not None and ended_at < started_at:
        _add(errors, "ended_at", _("A phase cannot end before it started."))
    if len(note) > Phase._meta.get_field("note").max_length:  # type: ignore[operator]
        _add(errors, "note", _("The note is too long."))
    _raise(errors)


@transaction.atomic
def phase_add(
    *,
    actor: User,
    visit: Visit,
    kind: str,
    started_at: datetime.datetime,
    ended_at: datetime.datetime | None = None,
    note: str = "",
) -> Phase:
    current = _require_record(actor, visit)
    note = note.strip()
    _check_phase(current, kind, started_at, ended_at, note)
    phase = Phase.objects.create(
        visit=current, kind=kind, started_at=started_at, ended_at=ended_at, note=note, recorded_by=actor
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=phase, changes=snapshot(phase))
    if current.status == Visit.Status.PLANNED:
        before = snapshot(current, ["status", "arrived_at"])
        current.status = Visit.Status.IN_PROGRESS
        if current.arrived_at is None:
            current.arrived_at = started_at
        current.save(update_fields=["status", "arrived_at"])
        revision_claim(current, base_revision=None)  # an open record form must not put them back
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=current,
            changes=diff(before, snapshot(current, ["status", "arrived_at"])),
        )
    return phase


@transaction.atomic
def phase_update(
    *,
    actor: User,
    phase: Phase,
    kind: str,
    started_at: datetime.datetime,
    ended_at: datetime.datetime | None = None,
    note: str = "",
) -> Phase:
    current_visit = _require_record(actor, phase.visit)
    current = Phase.objects.select_for_update().get(pk=phase.pk, visit=current_visit)
    note = note.strip()
    _check_phase(current_visit, kind, started_at, ended_at, note)
    before = snapshot(current)
    current.kind = kind
    current.started_at = started_at
    current.ended_at = ended_at
    current.note = note
    current.save(update_fields=["kind", "started_at", "ended_at", "note"])
    changes = diff(before, snapshot(current))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=current, changes=changes)
    return current


@transaction.atomic
def phase_delete(*, actor: User, phase: Phase) -> None:
    current_visit = _require_record(actor, phase.visit)
    current = Phase.objects.select_for_update().get(pk=phase.pk, visit=current_visit)
    audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=current, changes=snapshot(current))
    current.delete()


# --- times, end date, status and purpose --------------------------------------------------------


def _set_planned_status(*, actor: User, visit: Visit, status: str) -> None:
    if visit.planned_visit_id is None:
        return
    planned = PlannedVisit.objects.select_for_update().filter(pk=visit.planned_visit_id).first()
    if planned is None or planned.status == status or planned.status == PlannedVisit.Status.CANCELLED:
        return
    before = snapshot(planned, ["status"])
    planned.status = status
    planned.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=planned,
        changes={**diff(before, snapshot(planned, ["status"])), "visit": visit.pk},
    )


RECORD_FIELDS = ["arrived_at", "left_at", "ended_on", "status", "purpose"]


@transaction.atomic
def visit_record_update(
    *,
    actor: User,
    visit: Visit,
    arrived_at: datetime.datetime | None,
    left_at: datetime.datetime | None,
    ended_on: datetime.date | None,
    status: str,
    purpose: str = "",
    base_revision: int | None = None,
) -> Visit:
    """Record the times, end date, status and purpose; see the module docstring for the rules.
    ``base_revision`` is the revision the editor loaded: a record saved by somebody else since
    raises ``StaleRevision`` and changes nothing."""
    current = _require_record(actor, visit)
    revision_check(current, base_revision=base_revision)
    purpose = purpose.strip()
    errors: Errors = {}
    if status not in Visit.Status.values:
        _add(errors, "status", _("Unknown status."))
    if ended_on is not None and ended_on < current.started_on:
        _add(errors, "ended_on", _("The visit cannot end before it started."))
    if left_at is not None and arrived_at is None:
        _add(errors, "arrived_at", _("Give the arrival time as well."))
    if arrived_at is not None and left_at is not None and left_at < arrived_at:
        _add(errors, "left_at", _("The team cannot leave before it arrived."))
    window = _window(current, ended_on)
    _check_in_window(errors, "arrived_at", arrived_at, window)
    _check_in_window(errors, "left_at", left_at, window)
    if status == Visit.Status.PLANNED and arrived_at is not None:
        _add(errors, "status", _("The team has arrived: the visit is in progress or completed."))
    if status == Visit.Status.IN_PROGRESS and arrived_at is None:
        _add(errors, "arrived_at", _("A visit in progress needs the arrival time."))
    if status == Visit.Status.COMPLETED and (arrived_at is None or left_at is None):
        _add(errors, "status", _("A visit can be completed only with its arrival and departure times."))
    _raise(errors)
    if status == Visit.Status.COMPLETED and ended_on is None and left_at is not None:
        ended_on = timezone.localdate(left_at)
    was_completed = current.status == Visit.Status.COMPLETED
    before = snapshot(current, RECORD_FIELDS)
    current.arrived_at = arrived_at
    current.left_at = left_at
    current.ended_on = ended_on
    current.status = status
    current.purpose = purpose
    current.save(update_fields=RECORD_FIELDS)
    changes = diff(before, snapshot(current, RECORD_FIELDS))
    if changes:
        revision_claim(current, base_revision=base_revision)
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=current, changes=changes)
    if status == Visit.Status.COMPLETED and not was_completed:
        _set_planned_status(actor=actor, visit=current, status=PlannedVisit.Status.DONE)
    elif was_completed and status != Visit.Status.COMPLETED:
        _set_planned_status(actor=actor, visit=current, status=PlannedVisit.Status.PLANNED)
    return current


# --- occupancy on the day -----------------------------------------------------------------------


@dataclass
class OccupancySaved:
    counts: list[OccupancyCount]
    day: datetime.date
    capacity: int
    population: int
    history: Occupancy | None  # the record written to the place's history
    kept: Occupancy | None  # a record from another source left as it was instead


def visit_day(visit: Visit) -> datetime.date:
    """The day the visit's counts belong to: the local date of arrival, else the start date."""
    return timezone.localdate(visit.arrived_at) if visit.arrived_at else visit.started_on


def history_note(visit: Visit) -> str:
    """Marks the history records a visit wrote (not translated: it is stored data)."""
    return f"visit #{visit.pk}"


def _whole(value: object) -> int | None:
    """A whole non-negative number, or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _clean_counts(counts: Iterable[Sequence[object]]) -> tuple[list[CountRow], Errors]:
    errors: Errors = {}
    rows: list[CountRow] = []
    seen: set[str] = set()
    labels = dict(OccupancyCount.Category.choices)
    for row in counts:
        if len(row) != 3:
            _add(errors, "counts", _("Each row needs a category, a capacity and a population."))
            continue
        category, capacity, population = row
        if not isinstance(category, str) or category not in labels:
            _add(errors, "counts", _("Unknown category: %(category)s.") % {"category": category})
            continue
        label = str(labels[category])
        if category in seen:
            _add(errors, "counts", _("%(category)s is given twice.") % {"category": label})
            continue
        seen.add(category)
        clean_capacity = None if capacity is None else _whole(capacity)
        clean_population = _whole(population)
        if capacity is not None and clean_capacity is None:
            _add(
                errors,
                "counts",
                _("%(category)s: the capacity must be a whole number, not negative.") % {"category": label},
            )
        if clean_population is None:
            _add(
                errors,
                "counts",
                _("%(category)s: the population must be a whole number, not negative.") % {"category": label},
            )
        if clean_population is not None and (capacity is None or clean_capacity is not None):
            rows.append((category, clean_capacity, clean_population))
    if not rows and not errors:
        _add(errors, "counts", _("Give the population of at least one category."))
    return rows, errors


@transaction.atomic
def occupancy_counts_save(*, actor: User, visit: Visit, counts: Iterable[Sequence[object]]) -> OccupancySaved:
    """Replace the visit's counts and write their totals to the place's occupancy history;
    see the module docstring for the rules."""
    current = _require_record(actor, visit)
    facility = current.facility
    rows, errors = _clean_counts(list(counts))
    day = visit_day(current)
    if day > timezone.localdate() + datetime.timedelta(days=1):
        _add(errors, "counts", _("The visit day is in the future; count on the day of the visit."))
    if facility.opened_on and day < facility.opened_on:
        _add(errors, "counts", _("The place was not open on the visit day."))
    known = [capacity for _category, capacity, _population in rows if capacity is not None]
    capacity_total = sum(known) if known else facility.capacity
    if rows and capacity_total is None:
        _add(
            errors,
            "counts",
            _("Give the capacity of at least one category: the place has no registered capacity."),
        )
    _raise(errors)
    assert capacity_total is not None
    population_total = sum(population for _category, _capacity, population in rows)

    previous = [snapshot(count) for count in current.occupancy_counts.all()]
    current.occupancy_counts.all().delete()
    saved = OccupancyCount.objects.bulk_create(
        [
            OccupancyCount(visit=current, category=category, capacity=capacity, population=population)
            for category, capacity, population in rows
        ]
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=current,
        changes={
            "occupancy_counts": {
                "before": previous,
                "after": [list(row) for row in rows],
            }
        },
    )

    note = history_note(current)
    for stale in Occupancy.objects.filter(
        facility=facility, source=Occupancy.Source.VISIT, note=note
    ).exclude(date=day):
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            obj=stale,
            object_repr=f"{facility.code} {stale.date.isoformat()}",
            changes=snapshot(stale),
        )
        stale.delete()

    existing = Occupancy.objects.select_for_update().filter(facility=facility, date=day).first()
    history: Occupancy | None = None
    kept: Occupancy | None = None
    if existing is not None and existing.source != Occupancy.Source.VISIT:
        kept = existing
    else:
        history, created = Occupancy.objects.update_or_create(
            facility=facility,
            date=day,
            defaults={
                "capacity": capacity_total,
                "population": population_total,
                "source": Occupancy.Source.VISIT,
                "note": note,
                "recorded_by": actor,
            },
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            obj=history,
            object_repr=f"{facility.code} {day.isoformat()}",
            changes={"capacity": capacity_total, "population": population_total, "visit": current.pk},
        )
    population_refresh(facility)
    return OccupancySaved(
        counts=saved,
        day=day,
        capacity=capacity_total,
        population=population_total,
        history=history,
        kept=kept,
    )
