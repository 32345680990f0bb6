"""Writes for visit planning: plans, planned visits with their groups, actual expenses and
participants' unavailability. Each function checks access, validates everything before saving
(one ValidationError listing every problem; nothing is written on error), writes atomically and
audits.

Decisions worth knowing:
- A group is checked with ``dozor.planning.optimiser.engine.group_problems`` on facts loaded by
  ``dozor.planning.optimiser.instance``: double booking against every other planned visit of the year, conflicts
  of interest, required expertise, a woman, languages, training competencies on the visit's days,
  eligibility and unavailability.
- Visits entered or changed by hand are ``locked`` so that re-optimising keeps them.
- After every change to a plan's visits their estimates are recomputed with trip sharing
  (``dozor.planning.budget.costs.plan_estimates``), so a visit's stored cost may change when a neighbouring
  visit of the same group and settlement is added, moved or cancelled.
- The reason for cancelling a visit is kept in the audit log (the model has no field for it).
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import active_user, can, require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.data import data_apply, data_values
from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.people.models import Person
from dozor.planning.budget.costs import CostTable, Estimate, plan_estimates
from dozor.planning.models import Expense, GroupMember, Plan, PlannedVisit, Unavailability
from dozor.planning.optimiser.engine import Member, group_problems
from dozor.planning.optimiser.instance import load_busy, load_people, load_places, load_rules
from dozor.planning.selectors import planned_visit_has_record

Errors = dict[str, list[str]]


@dataclass(frozen=True, kw_only=True)
class PlannedVisitData:
    """A planned visit's own fields for ``planned_visit_create`` and ``planned_visit_update`` (its
    group is passed beside it as ``members``: (person, role) pairs)."""

    facility: Facility
    visit_type: VisitType
    starts_on: datetime.date
    ends_on: datetime.date
    announced: bool = False
    objectives: str = ""


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _risk_of(facility: Facility) -> Decimal:
    """The facility's risk score from ``dozor.planning.risk.scores`` (0 while that module is absent)."""
    try:
        risk: Any = importlib.import_module("dozor.planning.risk.scores")
    except ImportError:
        return Decimal("0")
    scores = risk.score_facilities([facility.pk], explain=False)
    score = scores.get(facility.pk)
    if score is None:
        return Decimal("0")
    return Decimal(str(score.total)).quantize(Decimal("0.01"))


# --- plans -------------------------------------------------------------------------------------


def _model_errors(obj: models.Model) -> Errors:
    """The problems ``obj.clean()`` finds (the rules of one row), to report with the others."""
    try:
        obj.clean()
    except ValidationError as exc:
        return {key: list(messages) for key, messages in exc.message_dict.items()}
    return {}


def _check_plan(plan: Plan) -> None:
    """The plan's own rules (``Plan.clean``) and one plan per year or quarter."""
    errors = _model_errors(plan)
    year, quarter = plan.year, plan.quarter
    others = Plan.objects.filter(year=year, quarter=quarter)
    if plan.pk is not None:
        others = others.exclude(pk=plan.pk)
    if "year" not in errors and others.exists():
        if quarter is None:
            _add(errors, "year", _("There is already an annual plan for %(year)s.") % {"year": year})
        else:
            _add(
                errors,
                "quarter",
                _("There is already a plan for quarter %(quarter)s of %(year)s.")
                % {"quarter": quarter, "year": year},
            )
    _raise(errors)


@transaction.atomic
def plan_create(
    *, actor: User, year: int, quarter: int | None = None, title: str, budget: Decimal, notes: str = ""
) -> Plan:
    require(actor, "planning.manage")
    plan = Plan(year=year, quarter=quarter, title=title.strip(), budget=budget, notes=notes, created_by=actor)
    _check_plan(plan)
    plan.budget = Decimal(budget)
    plan.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=plan, changes=diff({}, snapshot(plan)))
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: Plan, title: str, budget: Decimal, notes: str, status: str) -> Plan:
    require(actor, "planning.manage")
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    before = snapshot(plan)
    current = {name: getattr(plan, name) for name in ("title", "budget", "notes", "status")}
    plan.title, plan.budget, plan.notes, plan.status = title.strip(), budget, notes, status
    _check_plan(plan)
    plan.budget = Decimal(budget)
    changed = [name for name, value in current.items() if getattr(plan, name) != value]
    if changed:
        plan.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, obj=plan, changes=diff(before, snapshot(plan))
        )
    return plan


# --- planned visits ----------------------------------------------------------------------------


def _check_visit(visit: PlannedVisit, members: Sequence[tuple[Person, str]]) -> Estimate:
    """Every problem of the visit (its own rules, ``PlannedVisit.clean``, and those of its plan,
    place and group; raised together), else its cost estimate (solo)."""
    errors = _model_errors(visit)
    plan, facility = visit.plan, visit.facility
    starts_on, ends_on = visit.starts_on, visit.ends_on
    exclude_visit = visit.pk
    if starts_on < plan.starts_on or ends_on > plan.ends_on:
        _add(
            errors,
            "starts_on",
            _("The visit must fall within the plan's period (%(first)s - %(last)s).")
            % {"first": plan.starts_on.isoformat(), "last": plan.ends_on.isoformat()},
        )
    if facility.status != Facility.Status.ACTIVE:
        _add(errors, "facility", _("The facility is not active."))
    roles = set(GroupMember.Role.values)
    for person, role in members:
        if role not in roles:
            _add(
                errors,
                "members",
                _("Unknown role '%(role)s' for %(name)s.") % {"role": role, "name": person.full_name},
            )
    window = (starts_on, max(starts_on, ends_on))
    people = load_people([p.pk for p, _role in members], period=window)
    place = load_places([facility])[facility.pk]
    if "ends_on" not in errors:
        group = [Member(person=people[p.pk], role=role) for p, role in members]
        busy = load_busy(plan.year, exclude_visit=exclude_visit)
        for problem in group_problems(place, group, window, load_rules(), busy):
            _add(errors, "members", problem)
    table = CostTable.load()  # raises MissingCostRate (a ValidationError) before anything is written
    _raise(errors)
    days = (ends_on - starts_on).days + 1
    return table.estimate(place, [(people[p.pk], role) for p, role in members], days)


def _group_of(visit: PlannedVisit) -> list[list[Any]]:
    return [[pid, role] for pid, role in visit.group.order_by("id").values_list("person_id", "role")]


def _set_group(visit: PlannedVisit, members: Sequence[tuple[Person, str]]) -> None:
    visit.group.all().delete()
    GroupMember.objects.bulk_create(
        [GroupMember(planned_visit=visit, person=person, role=role) for person, role in members]
    )


def _refresh_plan_costs(*, actor: User, plan: Plan) -> int:
    """Re-estimate the plan's visits with trip sharing; save and audit only changed figures.
    Returns how many visits changed."""
    visits = list(plan.visits.exclude(status=PlannedVisit.Status.CANCELLED))
    estimates = plan_estimates(visits)
    changed: list[PlannedVisit] = []
    changes: dict[str, Any] = {}
    for visit in visits:
        estimate = estimates[visit.pk]
        total = Decimal(estimate.total)
        breakdown = estimate.as_json()
        if visit.estimated_cost != total or visit.cost_breakdown != breakdown:
            changes[str(visit.pk)] = {"before": str(visit.estimated_cost), "after": str(total)}
            visit.estimated_cost, visit.cost_breakdown = total, breakdown
            changed.append(visit)
    if changed:
        PlannedVisit.objects.bulk_update(changed, ["estimated_cost", "cost_breakdown"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=plan,
            changes={"estimated_cost": changes},
        )
    return len(changed)


@transaction.atomic
def plan_costs_refresh(*, actor: User, plan: Plan) -> int:
    """Re-estimate every visit of the plan with the current rates and trip sharing (e.g. after the
    rates were reloaded or a proposal was accepted). Returns how many visits changed."""
    require(actor, "planning.manage")
    return _refresh_plan_costs(actor=actor, plan=plan)


@transaction.atomic
def planned_visit_create(
    *,
    actor: User,
    plan: Plan,
    data: PlannedVisitData,
    members: Sequence[tuple[Person, str]],
) -> PlannedVisit:
    require(actor, "planning.manage")
    visit = PlannedVisit(
        plan=plan,
        **data_values(data),
        source=PlannedVisit.Source.MANUAL,
        locked=True,
        created_by=actor,
    )
    estimate = _check_visit(visit, members)
    visit.risk_score = _risk_of(data.facility)
    visit.estimated_cost, visit.cost_breakdown = Decimal(estimate.total), estimate.as_json()
    visit.save()
    _set_group(visit, members)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=visit,
        changes={**diff({}, snapshot(visit)), "group": {"before": None, "after": _group_of(visit)}},
    )
    _refresh_plan_costs(actor=actor, plan=plan)
    visit.refresh_from_db()
    return visit


def _check_changeable(visit: PlannedVisit) -> None:
    if visit.status != PlannedVisit.Status.PLANNED:
        raise ValidationError(
            {
                "status": [
                    _("Only a planned visit can be changed; this one is %(status)s.")
                    % {"status": visit.get_status_display()}
                ]
            }
        )
    if planned_visit_has_record(visit):
        raise ValidationError(
            {"status": [_("The visit has started: change its dates and team in the visit record.")]}
        )


@transaction.atomic
def planned_visit_update(
    *,
    actor: User,
    visit: PlannedVisit,
    data: PlannedVisitData,
    members: Sequence[tuple[Person, str]],
) -> PlannedVisit:
    """Change a planned visit to ``data`` and ``members``; returns it as saved (read again under a
    row lock: the audit compares the database row with the new data)."""
    require(actor, "planning.manage")
    visit = PlannedVisit.objects.select_for_update().get(pk=visit.pk)
    _check_changeable(visit)
    before = {**snapshot(visit), "group": _group_of(visit)}
    moved_place = data.facility.pk != visit.facility_id
    data_apply(visit, data)
    estimate = _check_visit(visit, members)
    visit.locked = True
    visit.estimated_cost, visit.cost_breakdown = Decimal(estimate.total), estimate.as_json()
    if moved_place:
        visit.risk_score = _risk_of(data.facility)
    visit.save()
    new_group = [[p.pk, role] for p, role in members]
    if new_group != before["group"]:
        _set_group(visit, members)
    after = {**snapshot(visit), "group": _group_of(visit)}
    changes = diff(before, after)
    changes.pop("updated_at", None)
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=visit, changes=changes)
    _refresh_plan_costs(actor=actor, plan=visit.plan)
    visit.refresh_from_db()
    return visit


@transaction.atomic
def planned_visit_move(
    *, actor: User, visit: PlannedVisit, starts_on: datetime.date, ends_on: datetime.date
) -> PlannedVisit:
    """New dates for a visit; its group is checked again on them. Returns it as saved (read again
    under a row lock)."""
    require(actor, "planning.manage")
    visit = PlannedVisit.objects.select_for_update().get(pk=visit.pk)
    _check_changeable(visit)
    members = [(gm.person, gm.role) for gm in visit.group.select_related("person").order_by("id")]
    before = snapshot(visit)
    visit.starts_on, visit.ends_on = starts_on, ends_on
    estimate = _check_visit(visit, members)
    visit.locked = True
    visit.estimated_cost, visit.cost_breakdown = Decimal(estimate.total), estimate.as_json()
    visit.save(
        update_fields=["starts_on", "ends_on", "locked", "estimated_cost", "cost_breakdown", "updated_at"]
    )
    changes = diff(before, snapshot(visit))
    changes.pop("updated_at", None)
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=visit, changes=changes)
    _refresh_plan_costs(actor=actor, plan=visit.plan)
    visit.refresh_from_db()
    return visit


@transaction.atomic
def planned_visit_cancel(*, actor: User, visit: PlannedVisit, reason: str) -> PlannedVisit:
    require(actor, "planning.manage")
    errors: Errors = {}
    if visit.status != PlannedVisit.Status.PLANNED:
        _add(errors, "status", _("Only a planned visit can be cancelled."))
    elif planned_visit_has_record(visit):
        _add(errors, "status", _("The visit has started: it can no longer be cancelled in the plan."))
    if not reason.strip():
        _add(errors, "reason", _("Give the reason for cancelling the visit."))
    _raise(errors)
    before = snapshot(visit)
    visit.status = PlannedVisit.Status.CANCELLED
    visit.save(update_fields=["status", "updated_at"])
    changes = diff(before, snapshot(visit))
    changes.pop("updated_at", None)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=visit,
        changes={**changes, "reason": reason.strip()},
    )
    _refresh_plan_costs(actor=actor, plan=visit.plan)
    return visit


@transaction.atomic
def planned_visit_complete(*, actor: User, visit: PlannedVisit) -> PlannedVisit:
    require(actor, "planning.manage")
    errors: Errors = {}
    if visit.status != PlannedVisit.Status.PLANNED:
        _add(errors, "status", _("Only a planned visit can be marked as carried out."))
    if visit.ends_on > timezone.localdate():
        _add(errors, "ends_on", _("A visit can be marked as carried out only after its last day."))
    _raise(errors)
    before = snapshot(visit)
    visit.status = PlannedVisit.Status.DONE
    visit.save(update_fields=["status", "updated_at"])
    changes = diff(before, snapshot(visit))
    changes.pop("updated_at", None)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=visit, changes=changes)
    return visit


# --- expenses ----------------------------------------------------------------------------------


@transaction.atomic
def expense_add(
    *,
    actor: User,
    visit: PlannedVisit,
    category: str,
    amount: Decimal,
    spent_on: datetime.date,
    note: str = "",
) -> Expense:
    require(actor, "planning.manage")
    errors = _model_errors(Expense(planned_visit=visit, category=category, amount=amount, spent_on=spent_on))
    if visit.status == PlannedVisit.Status.CANCELLED:
        _add(errors, "__all__", _("The visit was cancelled: no expenses can be added to it."))
    first_day = datetime.date(visit.plan.year, 1, 1)
    if spent_on < first_day:
        _add(
            errors,
            "spent_on",
            _("The expense cannot be dated before the plan's year (%(year)s).") % {"year": visit.plan.year},
        )
    if len(note) > 300:
        _add(errors, "note", _("The note is too long (300 characters at most)."))
    _raise(errors)
    expense = Expense.objects.create(
        planned_visit=visit,
        category=category,
        amount=Decimal(amount),
        spent_on=spent_on,
        note=note.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=expense, changes=diff({}, snapshot(expense))
    )
    return expense


@transaction.atomic
def expense_delete(*, actor: User, expense: Expense) -> None:
    require(actor, "planning.manage")
    before = snapshot(expense)
    audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=expense, changes=diff(before, {}))
    expense.delete()


# --- unavailability ----------------------------------------------------------------------------


def _require_self_or_manage(actor: User, person: Person) -> User:
    """Coordinators act for anyone; a monitor (or council member) for their own person record."""
    if can(actor, "planning.manage"):
        return require(actor, "planning.manage")
    staff = active_user(actor)
    if staff is not None and can(staff, "planning.view") and person.user_id == staff.pk:
        return staff
    raise PermissionDenied


@transaction.atomic
def unavailability_add(
    *, actor: User, person: Person, starts_on: datetime.date, ends_on: datetime.date, reason: str = ""
) -> Unavailability:
    staff = _require_self_or_manage(actor, person)
    errors = _model_errors(Unavailability(person=person, starts_on=starts_on, ends_on=ends_on))
    if len(reason) > 200:
        _add(errors, "reason", _("The reason is too long (200 characters at most)."))
    _raise(errors)
    item = Unavailability.objects.create(
        person=person, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
    )
    audit_record(actor=staff, action=AuditEvent.Action.CREATE, obj=item, changes=diff({}, snapshot(item)))
    return item


@transaction.atomic
def unavailability_delete(*, actor: User, unavailability: Unavailability) -> None:
    staff = _require_self_or_manage(actor, unavailability.person)
    before = snapshot(unavailability)
    audit_record(actor=staff, action=AuditEvent.Action.DELETE, obj=unavailability, changes=diff(before, {}))
    unavailability.delete()
