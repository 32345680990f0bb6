"""Demo visit planning: a plan for this year and one for next year for the synthetic demo data set,
loaded by ``dozor demo`` and removed by ``demo --reset`` / ``--delete``.

Everything is invented and labelled: plan titles start with "Demo:", incidents, unavailability and
competency grants carry a "Demo: ... (synthetic)" text. Writes go through the services
(``dozor.planning.services``, ``dozor.planning.risk.services.incident_record``, ``dozor.training.services.competency_grant``)
with the demo coordinator as actor, so every visiting group obeys the pack's rules exactly as a
coordinator's would.

The demo persons of ``dozor.demo.base`` have languages, expertise, participations and declarations but no
current training competency (the 2014 seminar's grants have expired): active, eligible demo
persons are granted the competencies the places need here (on invented grounds, said so in the
note). Their languages and expertise are left as ``dozor.demo.base`` writes them (it rewrites them on
every load). Groups are then formed from the demo persons with ``dozor.planning.optimiser.engine``: the first
place of a shuffled, fixed list for which a group obeying every rule exists. The demo monitor's
person is in at least one unannounced visit's group, so "My visits" shows it to that login.

Loading is idempotent: a plan of a year that exists is left as it is (``--reset`` rebuilds it),
grants, incidents and the unavailability are written only when missing. Dates are relative to
today; the same day gives the same data.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dozor.accounts.models import User
from dozor.core.models import VisitType
from dozor.facilities.models import Facility
from dozor.people.models import Person
from dozor.planning import services
from dozor.planning.models import Expense, GroupMember, Incident, Plan, PlannedVisit, Unavailability
from dozor.planning.optimiser.engine import (
    Busy,
    Member,
    PersonInfo,
    PlaceInfo,
    Rules,
    group_problems,
    person_problems,
)
from dozor.planning.optimiser.instance import load_busy, load_people, load_places, load_rules
from dozor.planning.risk.services import incident_record
from dozor.training.models import Competency, CompetencyGrant
from dozor.training.services import competency_grant

DEMO_PREFIX = "DEMO-"  # as dozor.demo.base
DEMO_EMAIL_DOMAIN = "demo.invalid"  # as dozor.demo.base
SEED = 20260101
TITLE_PREFIX = "Demo: "
PLAN_NOTE = "Synthetic demo plan: invented visits, groups, costs and expenses. Демонстрационный план."
GRANT_NOTE = "Demo: synthetic grant for visit planning (invented training elsewhere)"
INCIDENT_SOURCE = "Demo: invented source (synthetic)"
UNAVAILABLE_REASON = "Demo: annual leave (synthetic)"
CURRENT_YEAR_VISITS = 12
NEXT_YEAR_VISITS = 6
BUDGETS = (Decimal("45000000"), Decimal("50000000"))  # this year, next year (tenge)

# Incidents: (kind, days ago, summary).
INCIDENTS: tuple[tuple[str, int, str], ...] = (
    (Incident.Kind.COMPLAINT, 20, "Demo: complaint about visits by relatives being refused (synthetic)"),
    (Incident.Kind.COMPLAINT, 75, "Demo: complaint about the lack of medical care (synthetic)"),
    (Incident.Kind.INJURY, 40, "Demo: injuries recorded on admission (synthetic)"),
    (Incident.Kind.HUNGER_STRIKE, 130, "Demo: hunger strike of several detainees (synthetic)"),
    (Incident.Kind.DEATH, 200, "Demo: death in custody reported by the media (synthetic)"),
    (Incident.Kind.REPRISAL, 300, "Demo: allegation of reprisals after a visit (synthetic)"),
)
# Share of the estimate actually spent on a carried-out visit, by expense category.
EXPENSE_SHARES: tuple[tuple[str, Decimal], ...] = (
    (Expense.Category.TRAVEL, Decimal("0.35")),
    (Expense.Category.PER_DIEM, Decimal("0.25")),
    (Expense.Category.COMPENSATION, Decimal("0.30")),
)


@dataclass(frozen=True)
class Slot:
    """A visit to place: its dates, whether it is announced, and a person who must be in the group."""

    starts_on: datetime.date
    ends_on: datetime.date
    announced: bool
    with_person: int | None = None


def demo_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(title__startswith=TITLE_PREFIX, notes=PLAN_NOTE)


def _demo_persons() -> QuerySet[Person]:
    return Person.objects.filter(is_demo=True, email__endswith="@" + DEMO_EMAIL_DOMAIN)


def _demo_facilities() -> QuerySet[Facility]:
    return Facility.objects.filter(code__startswith=DEMO_PREFIX)


@transaction.atomic
def demo_planning_delete() -> int:
    """Delete the demo plans, every planned visit to a demo place or with a demo person in its group,
    and the demo incidents, unavailability and competency grants."""
    persons, facilities = _demo_persons(), _demo_facilities()
    deleted = PlannedVisit.objects.filter(Q(plan__in=demo_plans()) | Q(facility__in=facilities)).delete()[0]
    deleted += GroupMember.objects.filter(person__in=persons).delete()[0]
    deleted += demo_plans().delete()[0]
    deleted += Incident.objects.filter(facility__in=facilities).delete()[0]
    deleted += Unavailability.objects.filter(person__in=persons).delete()[0]
    deleted += CompetencyGrant.objects.filter(person__in=persons, note=GRANT_NOTE).delete()[0]
    return deleted


@transaction.atomic
def demo_planning_load() -> int:
    """Load the demo planning data; returns the number of planned visits written (0 if present)."""
    coordinator = User.objects.filter(username="coordinator", email__endswith="@" + DEMO_EMAIL_DOMAIN).first()
    monitor = User.objects.filter(username="monitor", email__endswith="@" + DEMO_EMAIL_DOMAIN).first()
    visit_type = VisitType.objects.filter(code="periodic").first() or VisitType.objects.first()
    if coordinator is None or visit_type is None:
        return 0
    today = timezone.localdate()
    persons = list(_demo_persons().order_by("email"))
    active = _active_eligible(persons, today)
    _grant_competencies(coordinator, persons, active, today)
    _record_incidents(coordinator, today)
    monitor_person = Person.objects.filter(user=monitor).first() if monitor else None
    _add_unavailability(coordinator, [p for p in persons if p.pk in active and p != monitor_person], today)
    written = 0
    plans = ((today.year, BUDGETS[0], CURRENT_YEAR_VISITS), (today.year + 1, BUDGETS[1], NEXT_YEAR_VISITS))
    for year, budget, count in plans:
        if Plan.objects.filter(year=year, quarter__isnull=True).exists():
            continue  # the demo plan (or a real one) is there: leave it as it is
        plan = services.plan_create(
            actor=coordinator,
            year=year,
            title=f"{TITLE_PREFIX}visit plan {year} (synthetic)",
            budget=budget,
            notes=PLAN_NOTE,
        )
        slots = _slots(plan, count, today, monitor_person.pk if monitor_person else None)
        written += _plan_visits(
            coordinator, plan, slots, visit_type, [p.pk for p in persons if p.pk in active]
        )
    _complete_past_visits(coordinator, today)
    return written


def _active_eligible(persons: Sequence[Person], today: datetime.date) -> set[int]:
    """Demo persons with an active participation today and a full set of "no" declarations."""
    info = load_people([p.pk for p in persons])  # terms: active participations only
    return {pid for pid, person in info.items() if person.eligible and person.participates((today, today))}


def _grant_competencies(
    actor: User, persons: Sequence[Person], active: set[int], today: datetime.date
) -> None:
    """The competencies the demo places need, for active eligible demo persons (if not yet held)."""
    competencies = {c.code: c for c in Competency.objects.all()}
    held = set(
        CompetencyGrant.objects.filter(person__in=persons, note=GRANT_NOTE).values_list(
            "person_id", "competency__code"
        )
    )
    granted_on = datetime.date(today.year - 1, 1, 15)
    specialists = {"doctor", "psychiatrist", "psychologist", "social_worker", "disability_rights"}
    expertise: dict[int, set[str]] = {}
    for pid, code in Person.expertise.through.objects.filter(person__in=persons).values_list(
        "person_id", "expertise__code"
    ):
        expertise.setdefault(pid, set()).add(code)
    for index, person in enumerate(persons):
        if person.pk not in active:
            continue
        codes = ["npm_foundations", "monitoring_police_custody", "istanbul_protocol"]
        if index % 3 != 2 or expertise.get(person.pk, set()) & specialists:
            codes.append("monitoring_psychiatric")
        if index % 3 != 0 or "child_rights" in expertise.get(person.pk, set()):
            codes.append("interviewing_children")
        if index % 4 == 1:
            codes.append("monitoring_military")
        if person.gender == Person.Gender.FEMALE:
            codes.append("gender_sensitive_monitoring")
        for code in codes:
            if code in competencies and (person.pk, code) not in held:
                competency_grant(
                    actor=actor,
                    person=person,
                    competency=competencies[code],
                    granted_on=granted_on,
                    note=GRANT_NOTE,
                )


def _record_incidents(actor: User, today: datetime.date) -> None:
    facilities = list(_demo_facilities().filter(status=Facility.Status.ACTIVE).order_by("code"))
    if not facilities or Incident.objects.filter(facility__in=facilities, source=INCIDENT_SOURCE).exists():
        return
    for number, (kind, days_ago, summary) in enumerate(INCIDENTS):
        incident_record(
            actor=actor,
            facility=facilities[(number * 7 + 3) % len(facilities)],
            kind=kind,
            occurred_on=today - datetime.timedelta(days=days_ago),
            summary=summary,
            source=INCIDENT_SOURCE,
        )


def _add_unavailability(actor: User, persons: Sequence[Person], today: datetime.date) -> None:
    if not persons or Unavailability.objects.filter(person__in=persons, reason=UNAVAILABLE_REASON).exists():
        return
    starts_on = today + datetime.timedelta(days=10)
    services.unavailability_add(
        actor=actor,
        person=persons[min(1, len(persons) - 1)],
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=13),
        reason=UNAVAILABLE_REASON,
    )


def _slots(plan: Plan, count: int, today: datetime.date, monitor_person: int | None) -> list[Slot]:
    """``count`` visit dates spread over the plan's period on weekdays (every third announced), and
    three upcoming ones where the plan's period allows; the first upcoming visit is unannounced and
    has the demo monitor's person in its group."""
    first, last = plan.starts_on + datetime.timedelta(days=14), plan.ends_on - datetime.timedelta(days=10)
    span = (last - first).days
    days = [first + datetime.timedelta(days=span * i // max(1, count - 1)) for i in range(count)]
    upcoming = [today + datetime.timedelta(days=d) for d in (6, 16, 27)]
    upcoming = [d for d in upcoming if plan.starts_on <= d <= plan.ends_on]
    dates = sorted({_weekday(d) for d in [*days[: count - len(upcoming)], *upcoming]})
    slots = []
    for index, day in enumerate(dates):
        length = 2 if index % 4 == 2 else 1
        end = min(day + datetime.timedelta(days=length - 1), plan.ends_on)
        slots.append(Slot(day, end, announced=index % 3 == 0))
    future = [i for i, slot in enumerate(slots) if slot.starts_on > today]
    if monitor_person is not None and future:
        i = future[0]
        slots[i] = Slot(slots[i].starts_on, slots[i].ends_on, announced=False, with_person=monitor_person)
    return slots


def _weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def _plan_visits(
    actor: User, plan: Plan, slots: Sequence[Slot], visit_type: VisitType, person_ids: Sequence[int]
) -> int:
    rules = load_rules()
    period = (plan.starts_on, plan.ends_on)
    people = load_people(person_ids, period=period)
    facilities = list(_demo_facilities().filter(status=Facility.Status.ACTIVE).order_by("code"))
    random.Random(SEED + plan.year).shuffle(facilities)
    places = load_places(facilities)
    persons = {p.pk: p for p in Person.objects.filter(pk__in=person_ids)}
    busy = load_busy(plan.year)
    used: set[int] = set()
    written = 0
    for number, slot in enumerate(slots):
        window = (slot.starts_on, slot.ends_on)
        for facility in facilities:
            place = places.get(facility.pk)
            if place is None or facility.pk in used:
                continue
            group = _group(place, window, people, rules, busy, slot.with_person, offset=number)
            if group is None:
                continue
            services.planned_visit_create(
                actor=actor,
                plan=plan,
                data=services.PlannedVisitData(
                    facility=facility,
                    visit_type=visit_type,
                    starts_on=slot.starts_on,
                    ends_on=slot.ends_on,
                    announced=slot.announced,
                    objectives="Demo: periodic visit; check conditions and treatment (synthetic)",
                ),
                members=[(persons[m.person.id], m.role) for m in group],
            )
            for member in group:
                busy.add(member.person.id, window, facility.code)
            used.add(facility.pk)
            written += 1
            break
    return written


def _group(
    place: PlaceInfo,
    window: tuple[datetime.date, datetime.date],
    people: dict[int, PersonInfo],
    rules: Rules,
    busy: Busy,
    required: int | None,
    *,
    offset: int,
) -> list[Member] | None:
    """A smallest group obeying every rule (``required`` in it, not as leader), or None."""
    free = [
        p
        for p in people.values()
        if not person_problems(p, place, window, rules)
        and busy.clash(p.id, window) is None
        and busy.counts.get(p.id, 0) < rules.visits_per_participant
    ]
    # Rotate the candidates so that groups differ from visit to visit, deterministically.
    free.sort(key=lambda p: p.id)
    if free:
        shift = offset % len(free)
        free = free[shift:] + free[:shift]
    chosen: list[PersonInfo] = []
    if required is not None:
        person = next((p for p in free if p.id == required), None)
        if person is None:
            return None
        chosen.append(person)

    def take(test: Callable[[PersonInfo], bool]) -> None:
        if any(test(p) for p in chosen):
            return
        person = next((p for p in free if p not in chosen and test(p)), None)
        if person is not None:
            chosen.append(person)

    def has_expertise(codes: frozenset[str]) -> Callable[[PersonInfo], bool]:
        return lambda p: bool(p.expertise & codes)

    def speaks(language: str) -> Callable[[PersonInfo], bool]:
        return lambda p: language in p.languages

    if place.needs_woman:
        take(lambda p: p.female)
    for _name, codes in place.expertise_any:
        take(has_expertise(codes))
    for language in sorted(rules.languages):
        take(speaks(language))
    for person in free:
        if len(chosen) >= rules.min_size:
            break
        if person not in chosen:
            chosen.append(person)
    chosen = chosen[: rules.max_size]
    leader = next((p for p in chosen if p.id != required), None)
    members = [Member(person=p, role="leader" if p is leader else "member") for p in chosen]
    if group_problems(place, members, window, rules, busy):
        return None
    return members


def _complete_past_visits(actor: User, today: datetime.date) -> None:
    """Mark the demo plans' visits that are over as carried out, with their actual expenses."""
    past = PlannedVisit.objects.filter(
        plan__in=demo_plans(), status=PlannedVisit.Status.PLANNED, ends_on__lt=today
    ).select_related("plan")
    for number, visit in enumerate(past.order_by("starts_on", "id")):
        services.planned_visit_complete(actor=actor, visit=visit)
        if visit.estimated_cost <= 0:
            continue
        # Actual spending differs a little from the estimate, as it does.
        factor = Decimal("0.9") + Decimal(number % 4) / Decimal("20")
        for category, share in EXPENSE_SHARES:
            amount = (visit.estimated_cost * share * factor).quantize(Decimal("1"))
            if amount > 0:
                services.expense_add(
                    actor=actor,
                    visit=visit,
                    category=category,
                    amount=amount,
                    spent_on=visit.ends_on,
                    note="Demo: synthetic expense",
                )
