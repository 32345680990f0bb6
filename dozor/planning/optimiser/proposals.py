"""Proposals: run the optimiser (or the greedy baseline) for a plan, keep the result apart from
the plan, and let the coordinator accept or reject it.

Accepting replaces the plan's visits that are neither locked (entered or changed by hand) nor
carried out, re-checking every proposed group against the database as it is at that moment; if
anything changed meanwhile (someone became unavailable, another plan booked a participant), the
acceptance is refused with the reasons and nothing is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dozor.accounts.access import require
from dozor.accounts.audit import audit_record
from dozor.accounts.models import AuditEvent, User
from dozor.core.jobs.models import Job
from dozor.core.jobs.services import job_done, job_failed, job_queue
from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.people.models import Person
from dozor.planning.budget import costs
from dozor.planning.models import GroupMember, Plan, PlannedVisit, Proposal
from dozor.planning.optimiser.engine import Member, PersonInfo, PlaceInfo, group_problems
from dozor.planning.optimiser.instance import load_busy, load_people, load_places, load_rules
from dozor.planning.optimiser.solver import (
    Infeasible,
    Instance,
    ProposedVisit,
    Solution,
    greedy,
    nothing_placeable,
    solve,
)
from dozor.planning.risk import scores as risk
from dozor.planning.services import plan_costs_refresh

PROPOSED_VISIT_TYPE = "periodic"
UNPLACEABLE_SHOWN = 20


class MemberCosts(Mapping[tuple[int, int], int]):
    """(place id, person id) -> that person's cost on a visit there. A person's cost depends only on
    their home region, so it is computed once per (place, region) and looked up, instead of
    storing millions of pairs."""

    def __init__(
        self, table: costs.CostTable, places: dict[int, PlaceInfo], people: dict[int, PersonInfo], days: int
    ):
        self._table, self._places, self._people, self._days = table, places, people, days
        self._cache: dict[tuple[int, str | None], int] = {}

    def __getitem__(self, key: tuple[int, int]) -> int:
        place_id, person_id = key
        person = self._people[person_id]
        cached = self._cache.get((place_id, person.region))
        if cached is None:
            cached = self._table.member_cost(person, self._places[place_id], self._days)
            self._cache[place_id, person.region] = cached
        return cached

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return ((place_id, person_id) for place_id in self._places for person_id in self._people)

    def __len__(self) -> int:
        return len(self._places) * len(self._people)


def proposal_period(plan: Plan, *, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The days a proposal may use: the plan's period, from tomorrow on if it has begun."""
    today = today or timezone.localdate()
    first = max(plan.starts_on, today + datetime.timedelta(days=1))
    return first, plan.ends_on


def build_instance(plan: Plan, *, budget: int, today: datetime.date | None = None) -> Instance:
    """The planning problem for ``plan`` from the database (a bounded number of queries)."""
    rules = load_rules()
    period = proposal_period(plan, today=today)
    if period[0] > period[1]:
        raise ValidationError(_("The plan's period is over: nothing is left to plan."))
    table = costs.CostTable.load()
    scores = risk.risk_totals(None, on=period[0])
    kept = (
        []
        if plan.pk is None
        else list(
            plan.visits.filter(Q(locked=True) | Q(status=PlannedVisit.Status.DONE)).exclude(
                status=PlannedVisit.Status.CANCELLED
            )
        )
    )
    extra = Facility.objects.filter(pk__in=[v.facility_id for v in kept])
    places = load_places(None, risks=scores)
    places.update(load_places(extra, risks=scores))
    people = load_people(None, period=period)
    members_of: dict[int, list[tuple[int, str]]] = {}
    for vid, pid, role in GroupMember.objects.filter(planned_visit__in=[v.pk for v in kept]).values_list(
        "planned_visit_id", "person_id", "role"
    ):
        members_of.setdefault(vid, []).append((pid, role))
    missing = {pid for members in members_of.values() for pid, _role in members} - set(people)
    if missing:
        people.update(load_people(missing, period=period))
    locked = [
        ProposedVisit(
            place_id=v.facility_id,
            window=(v.starts_on, v.ends_on),
            members=tuple(members_of.get(v.pk, [])),
            cost=int(v.estimated_cost),
            risk=places[v.facility_id].risk,
            locked=True,
        )
        for v in kept
    ]
    return Instance(
        places=places,
        people=people,
        rules=rules,
        period=period,
        budget=budget,
        fixed_cost={pid: table.fixed_cost(place, rules.visit_days) for pid, place in places.items()},
        member_cost=MemberCosts(table, places, people, rules.visit_days),  # type: ignore[arg-type]
        locked=locked,
    )


def _payload(solution: Solution) -> list[dict[str, Any]]:
    return [
        {
            "facility": v.place_id,
            "starts_on": v.window[0].isoformat(),
            "ends_on": v.window[1].isoformat(),
            "members": [[pid, role] for pid, role in v.members],
            "cost": v.cost,
            "risk": round(v.risk, 2),
        }
        for v in solution.visits
        if not v.locked
    ]


def _summary(inst: Instance, solution: Solution, baseline: Solution | None) -> dict[str, Any]:
    unplaceable = [
        {"facility": pid, "name": inst.places[pid].name, "reasons": reasons}
        for pid, reasons in sorted(solution.unplaceable.items(), key=lambda item: -inst.places[item[0]].risk)
    ]
    return {
        "status": solution.status,
        "visits": len([v for v in solution.visits if not v.locked]),
        "kept_visits": len(inst.locked),
        "cost": solution.cost,
        "risk_covered": round(solution.risk_covered, 2),
        "bound": round(solution.bound, 2) if solution.bound is not None else None,
        "gap": round(solution.gap, 4) if solution.gap is not None else None,
        "greedy_risk_covered": round(baseline.risk_covered, 2) if baseline is not None else None,
        "greedy_visits": len([v for v in baseline.visits if not v.locked]) if baseline is not None else None,
        "greedy_cost": baseline.cost if baseline is not None else None,
        "seconds": round(solution.seconds, 2),
        "budget": inst.budget,
        "spendable": inst.spendable,
        "period": [inst.period[0].isoformat(), inst.period[1].isoformat()],
        "unplaceable": len(unplaceable),
        "unplaceable_examples": unplaceable[:UNPLACEABLE_SHOWN],
    }


def run(
    inst: Instance,
    *,
    method: str = Proposal.Method.CP_SAT,
    time_limit: float = 20,
    workers: int = 2,
    target_gap: float = 0.01,
) -> tuple[Solution, Solution]:
    """(the proposal, the greedy baseline) for ``inst``; raises Infeasible with the reasons."""
    baseline = greedy(inst)
    if method == Proposal.Method.GREEDY:
        if inst.budget <= 0:
            raise Infeasible([_("The budget must be more than zero.")])
        solution = baseline
    else:
        solution = solve(inst, time_limit=time_limit, workers=workers, target_gap=target_gap)
    reasons = nothing_placeable(inst, solution)
    if reasons:
        raise Infeasible(reasons)
    return solution, baseline


def proposal_create(
    *,
    actor: User,
    plan: Plan,
    method: str = Proposal.Method.CP_SAT,
    budget: Decimal | int | None = None,
    time_limit: float = 20,
) -> Proposal:
    """Propose visits for ``plan`` and store the proposal (the plan itself is not changed)."""
    amount = _proposal_input(actor=actor, method=method, budget=budget, time_limit=time_limit, plan=plan)
    inst = build_instance(plan, budget=int(amount))
    try:
        solution, baseline = run(inst, method=method, time_limit=float(time_limit))
    except Infeasible as exc:
        raise ValidationError(exc.reasons) from exc
    with transaction.atomic():
        proposal = Proposal.objects.create(
            plan=plan,
            method=method,
            budget=amount,
            summary=_summary(inst, solution, baseline),
            payload=_payload(solution),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=proposal,
            changes={"summary": {k: v for k, v in proposal.summary.items() if k != "unplaceable_examples"}},
        )
    return proposal


def _proposal_input(
    *, actor: User, method: str, budget: Decimal | int | None, time_limit: float, plan: Plan
) -> Decimal:
    require(actor, "planning.manage")
    if method not in Proposal.Method.values:
        raise ValidationError({"method": _("Unknown method.")})
    amount = Decimal(plan.budget if budget is None else budget)
    if amount <= 0:
        raise ValidationError({"budget": _("The budget must be more than zero.")})
    if not 1 <= float(time_limit) <= 600:
        raise ValidationError({"time_limit": _("The time limit must be between 1 and 600 seconds.")})
    return amount


@transaction.atomic
def proposal_job_queue(
    *,
    actor: User,
    plan: Plan,
    method: str = Proposal.Method.CP_SAT,
    budget: Decimal | int | None = None,
    time_limit: float = 20,
) -> Job:
    """Check the input, then queue the optimiser as a background job (``proposal_job_run``): the
    optimiser may run for minutes, which no web request should. The job page follows it."""
    amount = _proposal_input(actor=actor, method=method, budget=budget, time_limit=time_limit, plan=plan)
    job = job_queue(
        kind=Job.Kind.PROPOSAL,
        owner=actor,
        params={"plan": plan.pk, "method": method, "budget": str(amount), "time_limit": float(time_limit)},
    )
    from dozor.planning.optimiser.tasks import proposal_job_run  # the task module imports this one

    proposal_job_run.enqueue(job.pk)  # with the database backend: in this transaction, so never lost
    return job


def proposal_job_work(*, job: Job) -> Job:
    """Run a claimed proposal job (in the worker): the proposal, or the reasons it could not be made."""
    owner = job.owner
    plan = Plan.objects.filter(pk=job.params.get("plan")).first()
    if owner is None or plan is None:
        return job_failed(job=job, errors=[_("The plan or the person who started the job no longer exists.")])
    try:
        proposal = proposal_create(
            actor=owner,
            plan=plan,
            method=job.params["method"],
            budget=Decimal(job.params["budget"]),
            time_limit=float(job.params["time_limit"]),
        )
    except ValidationError as exc:
        return job_failed(job=job, errors=exc.messages)
    except PermissionDenied:
        return job_failed(job=job, errors=[_("You may no longer run the optimiser.")])
    return job_done(job=job, result={"proposal": proposal.pk})


@transaction.atomic
def proposal_accept(*, actor: User, proposal: Proposal) -> list[PlannedVisit]:
    """Replace the plan's unlocked, not yet carried out visits with the proposal's."""
    require(actor, "planning.manage")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != Proposal.Status.PENDING:
        raise ValidationError(_("This proposal has already been decided."))
    plan = proposal.plan
    replaced = plan.visits.filter(locked=False, status=PlannedVisit.Status.PLANNED)
    replaced_ids = list(replaced.values_list("pk", flat=True))
    taken = set(
        plan.visits.exclude(pk__in=replaced_ids)
        .exclude(status=PlannedVisit.Status.CANCELLED)
        .values_list("facility_id", flat=True)
    )
    rows = proposal.payload
    facility_ids = {row["facility"] for row in rows}
    person_ids = {pid for row in rows for pid, _role in row["members"]}
    facilities = Facility.objects.in_bulk(facility_ids)
    persons = Person.objects.in_bulk(person_ids)
    period = proposal_period(plan)
    rules = load_rules()
    places = load_places(facilities.values())
    people = load_people(person_ids, period=(plan.starts_on, plan.ends_on))
    busy = load_busy(plan.year, exclude_visits=replaced_ids)  # replaced visits no longer book anyone
    problems: list[str] = []
    for row in rows:
        starts = datetime.date.fromisoformat(row["starts_on"])
        ends = datetime.date.fromisoformat(row["ends_on"])
        place = places.get(row["facility"])
        if place is None or facilities[row["facility"]].status != Facility.Status.ACTIVE:
            problems.append(_("A proposed place is no longer active."))
            continue
        if row["facility"] in taken:
            problems.append(_("%(place)s already has a visit in the plan.") % {"place": place.name})
        if starts < period[0] or ends > period[1]:
            problems.append(_("%(place)s: the proposed dates have passed.") % {"place": place.name})
        members = [Member(people[pid], role) for pid, role in row["members"] if pid in people]
        found = group_problems(place, members, (starts, ends), rules, busy)
        problems.extend(f"{place.name}: {problem}" for problem in found)
        for pid, _role in row["members"]:
            busy.add(pid, (starts, ends), f"#new {place.name}")
    if problems:
        shown = problems[:10]
        if len(problems) > 10:
            shown.append(_("... and %(n)s more problem(s).") % {"n": len(problems) - 10})
        raise ValidationError([_("Things changed since the proposal was made; make a new one."), *shown])
    replaced.delete()
    visit_type = VisitType.objects.get(code=PROPOSED_VISIT_TYPE)
    source = (
        PlannedVisit.Source.OPTIMISER
        if proposal.method == Proposal.Method.CP_SAT
        else PlannedVisit.Source.GREEDY
    )
    created = PlannedVisit.objects.bulk_create(
        [
            PlannedVisit(
                plan=plan,
                facility=facilities[row["facility"]],
                visit_type=visit_type,
                starts_on=datetime.date.fromisoformat(row["starts_on"]),
                ends_on=datetime.date.fromisoformat(row["ends_on"]),
                announced=False,
                objectives=_("Periodic preventive visit (proposed by risk)."),
                source=source,
                locked=False,
                risk_score=Decimal(str(row["risk"])),
                estimated_cost=Decimal(row["cost"]),
                created_by=actor,
            )
            for row in rows
        ]
    )
    GroupMember.objects.bulk_create(
        [
            GroupMember(planned_visit=visit, person=persons[pid], role=role)
            for visit, row in zip(created, rows, strict=True)
            for pid, role in row["members"]
        ]
    )
    plan_costs_refresh(actor=actor, plan=plan)
    proposal.status = Proposal.Status.ACCEPTED
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=proposal,
        changes={
            "status": {"before": "pending", "after": "accepted"},
            "replaced": replaced_ids,
            "created": len(created),
        },
    )
    return created


@transaction.atomic
def proposal_reject(*, actor: User, proposal: Proposal) -> None:
    require(actor, "planning.manage")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != Proposal.Status.PENDING:
        raise ValidationError(_("This proposal has already been decided."))
    proposal.status = Proposal.Status.REJECTED
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=proposal,
        changes={"status": {"before": "pending", "after": "rejected"}},
    )


@dataclass
class ProposalRow:
    facility: Facility
    starts_on: datetime.date
    ends_on: datetime.date
    announced: bool
    members: list[tuple[Person, str]]
    cost: int
    risk: float


def proposal_rows(proposal: Proposal) -> list[ProposalRow]:
    """The proposal's visits with their places and people (three queries)."""
    rows = proposal.payload
    facilities = Facility.objects.select_related("region", "type").in_bulk({row["facility"] for row in rows})
    persons = Person.objects.in_bulk({pid for row in rows for pid, _role in row["members"]})
    result = [
        ProposalRow(
            facility=facilities[row["facility"]],
            starts_on=datetime.date.fromisoformat(row["starts_on"]),
            ends_on=datetime.date.fromisoformat(row["ends_on"]),
            announced=False,
            members=[(persons[pid], role) for pid, role in row["members"] if pid in persons],
            cost=row["cost"],
            risk=row["risk"],
        )
        for row in rows
        if row["facility"] in facilities
    ]
    result.sort(key=lambda r: (r.starts_on, r.facility.pk))
    return result
