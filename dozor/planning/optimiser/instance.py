"""Build the planning problem (``dozor.planning.optimiser.engine`` values) from the database in a bounded number of
queries, whatever the number of persons and places: one query per kind of fact, never per row."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from dozor.facilities.models import Facility
from dozor.people.models import (
    ConflictOfInterest,
    EligibilityDeclaration,
    EligibilityRule,
    Participation,
    Person,
)
from dozor.planning.models import (
    ExpertiseRequirement,
    GroupMember,
    PlannedVisit,
    PlanningRules,
    Unavailability,
)
from dozor.planning.optimiser.engine import Busy, PersonInfo, PlaceInfo, Rules, Window
from dozor.training.models import Competency, CompetencyGrant, Event

FAR_FUTURE = datetime.date(9999, 12, 31)


def load_rules() -> Rules:
    row = PlanningRules.objects.order_by("pk").prefetch_related("languages").first()
    if row is None:
        return Rules()
    return Rules(
        min_size=row.min_group_size,
        max_size=row.max_group_size,
        competency_scope=row.competency_scope,
        languages=frozenset(lang.code for lang in row.languages.all()),
        visits_per_participant=row.visits_per_participant,
        reserve_share=float(row.reserve_share),
        min_visits_per_region=row.min_visits_per_region,
        visit_days=row.visit_days,
    )


def load_people(
    person_ids: Iterable[int] | None = None, *, period: Window | None = None
) -> dict[int, PersonInfo]:
    """Every person with a participation (or just ``person_ids``), with what the rules need.

    ``period`` limits competency grants and unavailability to those touching it (fewer rows)."""
    persons = Person.objects.all()
    if person_ids is not None:
        persons = persons.filter(pk__in=list(person_ids))
    else:
        persons = persons.filter(participations__status=Participation.Status.ACTIVE).distinct()
    ids = list(persons.values_list("pk", flat=True))
    rows = {p.pk: p for p in Person.objects.filter(pk__in=ids).select_related("region")}
    expertise: dict[int, set[str]] = defaultdict(set)
    for pid, code in Person.expertise.through.objects.filter(person_id__in=ids).values_list(
        "person_id", "expertise__code"
    ):
        expertise[pid].add(code)
    languages: dict[int, set[str]] = defaultdict(set)
    for pid, code in Person.languages.through.objects.filter(person_id__in=ids).values_list(
        "person_id", "language__code"
    ):
        languages[pid].add(code)
    terms: dict[int, list[Window]] = defaultdict(list)
    for pid, start, end in Participation.objects.filter(
        person_id__in=ids, status=Participation.Status.ACTIVE
    ).values_list("person_id", "term_start", "term_end"):
        terms[pid].append((start, end or FAR_FUTURE))
    # eligibility: every rule in force answered, none answered "yes"
    rules_in_force = set(EligibilityRule.objects.filter(is_active=True).values_list("pk", flat=True))
    answered: dict[int, set[int]] = defaultdict(set)
    excluded: set[int] = set()
    for pid, rule_id, answer in EligibilityDeclaration.objects.filter(
        person_id__in=ids, rule_id__in=rules_in_force
    ).values_list("person_id", "rule_id", "answer"):
        answered[pid].add(rule_id)
        if answer:
            excluded.add(pid)
    competencies: dict[int, list[tuple[str, datetime.date, datetime.date]]] = defaultdict(list)
    today = timezone.localdate()
    grant_rows = _grants_touching(period or (today, FAR_FUTURE)).filter(person_id__in=ids)
    for pid, code, first, last, revoked in grant_rows.values_list(
        "person_id", "competency__code", "granted_on", "valid_until", "revoked_on"
    ):
        if revoked is not None:
            last = min(last, revoked - datetime.timedelta(days=1))
        if last >= first:
            competencies[pid].append((code, first, last))
    unavailable: dict[int, list[Window]] = defaultdict(list)
    unav = Unavailability.objects.filter(person_id__in=ids)
    if period is not None:
        unav = unav.filter(starts_on__lte=period[1], ends_on__gte=period[0])
    for pid, start, end in unav.values_list("person_id", "starts_on", "ends_on"):
        unavailable[pid].append((start, end))
    conflict_facilities: dict[int, set[int]] = defaultdict(set)
    conflict_paths: dict[int, set[str]] = defaultdict(set)
    if period is not None:
        today = period[0]
    for pid, facility_id, path in (
        ConflictOfInterest.objects.filter(person_id__in=ids)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .values_list("person_id", "facility_id", "authority__path")
    ):
        if facility_id:
            conflict_facilities[pid].add(facility_id)
        if path:
            conflict_paths[pid].add(path)
    result: dict[int, PersonInfo] = {}
    for pid, person in rows.items():
        result[pid] = PersonInfo(
            id=pid,
            name=person.full_name,
            female=person.gender == Person.Gender.FEMALE,
            region=person.region.code if person.region else None,
            expertise=frozenset(expertise[pid]),
            languages=frozenset(languages[pid]),
            eligible=pid not in excluded and answered[pid] >= rules_in_force,
            terms=tuple(terms[pid]),
            competencies=tuple(competencies[pid]),
            unavailable=tuple(unavailable[pid]),
            conflict_facilities=frozenset(conflict_facilities[pid]),
            conflict_paths=tuple(sorted(conflict_paths[pid])),
        )
    return result


def _grants_touching(period: Window) -> QuerySet[CompetencyGrant]:
    """Grants valid on some day of ``period`` (the semantics of ``dozor.training.selectors.valid_grants``
    over a range: a revoked certificate or a cancelled event never counts; a grant revoked on a day
    counts until the day before)."""
    return CompetencyGrant.objects.filter(
        Q(granted_on__lte=period[1], valid_until__gte=period[0])
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=period[0]))
        & (
            Q(certificate__isnull=True)
            | (
                Q(certificate__revoked_on__isnull=True)
                & ~Q(certificate__enrolment__event__status=Event.Status.CANCELLED)
            )
        )
    )


def load_places(
    facilities: Iterable[Facility] | None = None, *, risks: dict[int, float] | None = None
) -> dict[int, PlaceInfo]:
    """The active places (or the given ones) with their group requirements."""
    rules_row = PlanningRules.objects.order_by("pk").first()
    woman_categories = (
        set(rules_row.woman_for_categories.values_list("pk", flat=True)) if rules_row else set()
    )
    qs = Facility.objects.select_related("type", "authority", "region")
    if facilities is None:
        rows = list(qs.filter(status=Facility.Status.ACTIVE))
    else:
        rows = list(qs.filter(pk__in=[f.pk for f in facilities]))
    ids = [f.pk for f in rows]
    categories: dict[int, set[int]] = defaultdict(set)
    for fid, cid in Facility.population_categories.through.objects.filter(facility_id__in=ids).values_list(
        "facility_id", "populationcategory_id"
    ):
        categories[fid].add(cid)
    requirements: dict[int, list[tuple[str, frozenset[str]]]] = defaultdict(list)
    for requirement in ExpertiseRequirement.objects.prefetch_related("facility_types", "expertise"):
        codes = frozenset(e.code for e in requirement.expertise.all())
        for facility_type in requirement.facility_types.all():
            requirements[facility_type.pk].append((requirement.name, codes))
    competencies: dict[int, set[str]] = defaultdict(set)
    for code, type_id in Competency.required_for.through.objects.values_list(
        "competency__code", "facilitytype_id"
    ):
        competencies[type_id].add(code)
    result: dict[int, PlaceInfo] = {}
    for f in rows:
        result[f.pk] = PlaceInfo(
            id=f.pk,
            name=f.name,
            region=f.region.code,
            type_code=f.type.code,
            authority_path=f.authority.path,
            risk=(risks or {}).get(f.pk, 0.0),
            needs_woman=bool(categories[f.pk] & woman_categories),
            expertise_any=tuple(requirements[f.type_id]),
            competencies=frozenset(competencies[f.type_id]),
            latitude=float(f.latitude) if f.latitude is not None else None,
            longitude=float(f.longitude) if f.longitude is not None else None,
        )
    return result


def load_busy(
    plan_year: int, *, exclude_visit: int | None = None, exclude_visits: Iterable[int] = ()
) -> Busy:
    """Every planned (not cancelled) visit of the year's plans, by person: to refuse double booking
    and to count visits against the yearly limit."""
    busy = Busy()
    visits = PlannedVisit.objects.filter(plan__year=plan_year).exclude(status=PlannedVisit.Status.CANCELLED)
    excluded = [*exclude_visits, *([exclude_visit] if exclude_visit is not None else [])]
    if excluded:
        visits = visits.exclude(pk__in=excluded)
    for person_id, start, end, facility_code, vid in GroupMember.objects.filter(
        planned_visit__in=visits
    ).values_list(
        "person_id",
        "planned_visit__starts_on",
        "planned_visit__ends_on",
        "planned_visit__facility__code",
        "planned_visit_id",
    ):
        busy.add(person_id, (start, end), f"#{vid} {facility_code}")
    return busy
