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
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import active_user, can, require
from dozor.accounts.audit import audit_record, diff, snapshot
from dozor.accounts.models import AuditEvent, User
from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.people.models import Person
from dozor.planning.budget.costs import CostTable, Estimate, plan_estimates
from dozor.planning.models import Expense, GroupMember, Plan, PlannedVisit, Unavailability
from dozor.planning.optimiser.engine import Member, group_problems
from dozor.planning.optimiser.instance import load_busy, load_people, load_places, load_rules

Errors = dict[str, list[str]]

PLAN_YEARS = (2000, 2100)
VISIT_FIELDS = ["facility", "visit_type", "starts_on", "ends_on", "announced", "objectives"]


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


def _check_plan(
    *, plan: Plan | None, year: int, quarter: int | None, title: str, budget: Decimal, status: str
) -> None:
    errors: Errors = {}
    if not PLAN_YEARS[0] <= year <= PLAN_YEARS[1]:
        _add(
            errors,
            "year",
            _("The year must be between %(first)s and %(last)s.")
            % {"first": PLAN_YEARS[0], "last": PLAN_YEARS[1]},
        )
    if quarter is not None and quarter not in (1, 2, 3, 4):
        _add(errors, "quarter", _("The quarter must be 1, 2, 3 or 4."))
    if not title.strip():
        _add(errors, "title", _("Give the plan a title."))
    if budget is None or Decimal(budget) <= 0:
        _add(errors, "budget", _("The budget must be more than zero"))
    if status not in Plan.Status.values:
        _add(errors, "status", _("Unknown plan status."))
    others = Plan.objects.filter(year=year, quarter=quarter)
    if plan is not None:
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
    _check_plan(plan=None, year=year, quarter=quarter, title=title, budget=budget, status=Plan.Status.DRAFT)
    plan = Plan.objects.create(
        year=year, quarter=quarter, title=title.strip(), budget=Decimal(budget), notes=notes, created_by=actor
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=plan, changes=diff({}, snapshot(plan)))
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: Plan, title: str, budget: Decimal, notes: str, status: str) -> Plan:
    require(actor, "planning.manage")
    _check_plan(plan=plan, year=plan.year, quarter=plan.quarter, title=title, budget=budget, status=status)
    before = snapshot(plan)
    values = {"title": title.strip(), "budget": Decimal(budget), "notes": notes, "status": status}
    changed = [name for name, value in values.items() if getattr(plan, name) != value]
    for name in changed:
        setattr(plan, name, values[name])
    if changed:
        plan.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, obj=plan, changes=diff(before, snapshot(plan))
        )
    return plan


# --- planned visits ----------------------------------------------------------------------------


def _check_visit(
    *,
    plan: Plan,
    facility: Facility,
    visit_type: VisitType,
    starts_on: datetime.date,
    ends_on: datetime.date,
    members: Sequence[tuple[Person, str]],
    exclude_visit: int | None,
) -> Estimate:
    """Every problem of the visit (raised together), else its cost estimate (solo)."""
    errors: Errors = {}
    if ends_on < starts_on:
        _add(errors, "ends_on", _("The end date is before the start date."))
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
    facility: Facility,
    visit_type: VisitType,
    starts_on: datetime.date,
    ends_on: datetime.date,
    announced: bool,
    objectives: str = "",
    members: Sequence[tuple[Person, str]],
) -> PlannedVisit:
    require(actor, "planning.manage")
    estimate = _check_visit(
        plan=plan,
        facility=facility,
        visit_type=visit_type,
        starts_on=starts_on,
        ends_on=ends_on,
        members=members,
        exclude_visit=None,
    )
    visit = PlannedVisit.objects.create(
        plan=plan,
        facility=facility,
        visit_type=visit_type,
        starts_on=starts_on,
        ends_on=ends_on,
        announced=announced,
        objectives=objectives,
        source=PlannedVisit.Source.MANUAL,
        locked=True,
        risk_score=_risk_of(facility),
        estimated_cost=Decimal(estimate.total),
        cost_breakdown=estimate.as_json(),
        created_by=actor,
    )
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


def has_record(visit: PlannedVisit) -> bool:
    """Whether the visit's record was started (the visits app links it through ``record``; read
    through the reverse relation, so planning does not import visits)."""
    return visit.pk is not None and PlannedVisit.objects.filter(pk=visit.pk, record__isnull=False).exists()


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
    if has_record(visit):
        raise ValidationError(
            {"status": [_("The visit has started: change its dates and team in the visit record.")]}
        )


@transaction.atomic
def planned_visit_update(
    *,
    actor: User,
    visit: PlannedVisit,
    facility: Facility,
    visit_type: VisitType,
    starts_on: datetime.date,
    ends_on: datetime.date,
    announced: bool,
    objectives: str,
    members: Sequence[tuple[Person, str]],
) -> PlannedVisit:
    require(actor, "planning.manage")
    _check_changeable(visit)
    estimate = _check_visit(
        plan=visit.plan,
        facility=facility,
        visit_type=visit_type,
        starts_on=starts_on,
        ends_on=ends_on,
        members=members,
        exclude_visit=visit.pk,
    )
    before = {**snapshot(visit), "group": _group_of(visit)}
    values: dict[str, Any] = {
        "facility": facility,
        "visit_type": visit_type,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "announced": announced,
        "objectives": objectives,
        "locked": True,
        "estimated_cost": Decimal(estimate.total),
        "cost_breakdown": estimate.as_json(),
    }
    if facility.pk != visit.facility_id:
        values["risk_score"] = _risk_of(facility)
    for name, value in values.items():
        setattr(visit, name, value)
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
    """New dates for a visit; its group is checked again on them."""
    require(actor, "planning.manage")
    _check_changeable(visit)
    members = [(gm.person, gm.role) for gm in visit.group.select_related("person").order_by("id")]
    estimate = _check_visit(
        plan=visit.plan,
        facility=visit.facility,
        visit_type=visit.visit_type,
        starts_on=starts_on,
        ends_on=ends_on,
        members=members,
        exclude_visit=visit.pk,
    )
    before = snapshot(visit)
    visit.starts_on, visit.ends_on, visit.locked = starts_on, ends_on, True
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
    elif has_record(visit):
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
    errors: Errors = {}
    if category not in Expense.Category.values:
        _add(errors, "category", _("Unknown expense category."))
    if amount is None or Decimal(amount) <= 0:
        _add(errors, "amount", _("The amount must be more than zero."))
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
    errors: Errors = {}
    if ends_on < starts_on:
        _add(errors, "ends_on", _("The end date is before the start date."))
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
