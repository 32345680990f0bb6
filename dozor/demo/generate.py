"""Large synthetic data sets for benchmarks (``dozor generate --scale kz10|osce``).

kz10 is roughly ten times Kazakhstan's NPM (3,600 places, 600 persons); osce is fifty times that
(180,000 places, 30,000 persons), a stress test for a regional deployment. ``tiny`` exists for tests.

Every row is labelled: facility codes start with ``GEN-``, names with "Synthetic:" and end with
"(generated)", persons have ``@gen.invalid`` e-mail addresses, everything has ``is_demo=True``.
Persons are usable as NPM participants for the visiting-group rules (dozor/planning/optimiser/engine.py): mostly
active participations, eligibility declarations answering every rule in force, a gender, language
and expertise mix, regions in proportion to the places, training competencies (some expiring in the
coming year), a few conflicts of interest and periods of unavailability; a share of the places has
synthetic incidents (risk signals). Rows are written with ``bulk_create`` in batches, one
transaction per batch, so memory stays flat at the osce scale. The same ``seed`` gives the same data on the same day (dates are relative to
today). Lives in ``web`` for the same layering reason as ``dozor/demo/base.py``.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from dozor.core.dates import add_years
from dozor.core.models import Authority, Language, Region
from dozor.core.search import gazetteer_read
from dozor.demo.base import (
    EXPERTISE_CODES,
    FIRST_NAMES,
    PATRONYMIC_STEMS,
    POSITIONS,
    SURNAMES,
    capacity_range,
    jitter,
)
from dozor.demo.base import short_names as type_short_names
from dozor.facilities.models import Facility, FacilityType, Occupancy
from dozor.people.models import (
    ConflictOfInterest,
    EligibilityDeclaration,
    EligibilityRule,
    Expertise,
    Organisation,
    Participation,
    Person,
)
from dozor.planning.models import GroupMember, Incident, PlannedVisit, Unavailability
from dozor.training.models import Competency, CompetencyGrant

GEN_PREFIX = "GEN-"
GEN_EMAIL_DOMAIN = "gen.invalid"
GEN_ORG_PREFIX = "Synthetic: "
OCCUPANCY_PER_FACILITY = 5
BATCH = 2000
PERSON_NOTE = "Synthetic generated person (benchmark data): invented name, not a real individual."
FACILITY_NOTE = "Synthetic generated record (benchmark data): not a real facility."
INCIDENT_SUMMARY = "Synthetic incident (generated)"
GENERATED_NOTE = "synthetic (generated)"

# Shares of generated persons (dozor/planning/optimiser/engine.py needs them for the visiting-group rules).
FEMALE_SHARE = 0.55
CANDIDATE_SHARE = 0.03  # not yet selected: no active term
ENDED_SHARE = 0.03  # term over
EXCLUDED_SHARE = 0.03  # answer "yes" to one eligibility question: not eligible
LANGUAGE_MIX: tuple[tuple[tuple[str, ...], float], ...] = (
    (("kk", "ru"), 0.75),
    (("ru",), 0.15),
    (("kk",), 0.10),
)
# Independent chance of each expertise; a person with none drawn gets "human_rights_defender".
EXPERTISE_SHARES: dict[str, float] = {
    "lawyer": 0.25,
    "doctor": 0.10,
    "psychiatrist": 0.03,
    "psychologist": 0.10,
    "social_worker": 0.12,
    "child_rights": 0.10,
    "disability_rights": 0.08,
    "gender": 0.08,
    "human_rights_defender": 0.20,
    "journalist": 0.04,
    "interpreter": 0.03,
}
# Chance of holding each training competency (granted 1-3 years ago, so some expire this year).
COMPETENCY_SHARES: dict[str, float] = {
    "npm_foundations": 0.90,
    "monitoring_police_custody": 0.70,
    "istanbul_protocol": 0.50,
    "monitoring_psychiatric": 0.40,
    "interviewing_children": 0.40,
    "monitoring_military": 0.20,
    "gender_sensitive_monitoring": 0.50,
}
# Specialists are more often trained for the places they are needed in (planning.yaml's expertise
# requirements), so that groups for children's and psychiatric places can be formed.
COMPETENCY_BY_EXPERTISE: dict[str, tuple[frozenset[str], float]] = {
    "interviewing_children": (frozenset({"child_rights"}), 0.9),
    "monitoring_psychiatric": (
        frozenset({"doctor", "psychiatrist", "disability_rights", "social_worker"}),
        0.85,
    ),
}
AUTHORITY_CONFLICT_SHARE = 0.02
FACILITY_CONFLICT_SHARE = 0.03
UNAVAILABLE_SHARE = 0.10
INCIDENT_FACILITY_SHARE = 0.15
# Relative frequency of incident kinds: complaints common, deaths rare.
INCIDENT_KINDS: dict[str, int] = {
    Incident.Kind.COMPLAINT: 60,
    Incident.Kind.INJURY: 14,
    Incident.Kind.OTHER: 10,
    Incident.Kind.HUNGER_STRIKE: 7,
    Incident.Kind.REPRISAL: 6,
    Incident.Kind.DEATH: 3,
}


@dataclass(frozen=True)
class Scale:
    facilities: int
    persons: int


SCALES: dict[str, Scale] = {
    "tiny": Scale(40, 10),  # test scale: fast enough for the test suite
    "kz10": Scale(3_600, 600),
    "osce": Scale(180_000, 30_000),
}

# Relative frequency of facility types in generated data: police cells and pre-trial centres are
# the most numerous places; a type missing here gets weight 2.
TYPE_WEIGHTS: dict[str, int] = {
    "IVS": 12,
    "SIZO": 4,
    "COLONY_MED": 5,
    "COLONY_MIN": 4,
    "COLONY_MAX": 3,
    "SPECIAL_RECEPTION": 4,
    "PSYCH_HOSPITAL": 4,
    "CHILDREN_HOME": 5,
    "SOCIAL_ELDERLY_DISABLED": 5,
    "NARCO_CENTRE": 3,
    "MIL_GUARDHOUSE": 3,
}


class GenerateError(Exception):
    """Generated data cannot be written (pack missing, other generated data in the way)."""


@dataclass
class GenerateReport:
    scale: str
    facilities: int = 0
    occupancy: int = 0
    category_links: int = 0
    organisations: int = 0
    persons: int = 0
    participations: int = 0
    declarations: int = 0
    grants: int = 0
    conflicts: int = 0
    unavailabilities: int = 0
    incidents: int = 0
    deleted: int = 0
    skipped: bool = False
    dry_run: bool = False

    @property
    def summary(self) -> str:
        if self.skipped:
            return (
                f"generated data of scale {self.scale} is already present ({self.facilities} facilities); "
                "nothing to do"
            )
        verb = "would create" if self.dry_run else "created"
        about = "about " if self.dry_run else ""
        deleted = f", deleted {self.deleted} old generated rows" if self.deleted else ""
        return (
            f"scale {self.scale}: {verb} {self.facilities} facilities "
            f"({self.occupancy} occupancy records, {about}{self.category_links} category links), "
            f"{self.organisations} organisations, {self.persons} persons "
            f"({self.participations} participations, {self.declarations} declarations, "
            f"{about}{self.grants} competency grants, {about}{self.conflicts} conflicts of interest, "
            f"{about}{self.unavailabilities} unavailabilities), {about}{self.incidents} incidents{deleted}"
        )


def generated_facilities() -> QuerySet[Facility]:
    return Facility.objects.filter(code__startswith=GEN_PREFIX)


def generated_delete() -> int:
    """Delete all generated rows (dependent rows first, so each delete is one set-based statement).

    Planned visits to generated places (a benchmark may have accepted a proposal) go with them, and
    generated persons leave the groups of other planned visits."""
    persons = Person.objects.filter(is_demo=True, email__endswith="@" + GEN_EMAIL_DOMAIN)
    facilities = generated_facilities()
    deleted = 0
    with transaction.atomic():
        deleted += PlannedVisit.objects.filter(facility__in=facilities).delete()[0]
        querysets: tuple[QuerySet[Any], ...] = (
            GroupMember.objects.filter(person__in=persons),
            CompetencyGrant.objects.filter(person__in=persons),
            Unavailability.objects.filter(person__in=persons),
            Incident.objects.filter(facility__in=facilities),
            EligibilityDeclaration.objects.filter(person__in=persons),
            Participation.objects.filter(person__in=persons),
            ConflictOfInterest.objects.filter(person__in=persons),
            Person.languages.through.objects.filter(person__in=persons),
            Person.expertise.through.objects.filter(person__in=persons),
            Occupancy.objects.filter(facility__in=facilities),
            ConflictOfInterest.objects.filter(facility__in=facilities),
            Facility.population_categories.through.objects.filter(facility__in=facilities),
        )
        for queryset in querysets:
            deleted += queryset.delete()[0]  # rows without dependants: Django deletes them in one statement
        deleted += persons.delete()[0]
        deleted += facilities.delete()[0]
        deleted += Organisation.objects.filter(is_demo=True, name_en__startswith=GEN_ORG_PREFIX).delete()[0]
    return deleted


def _batches(total: int) -> list[range]:
    return [range(start, min(start + BATCH, total)) for start in range(0, total, BATCH)]


def generate(
    *,
    scale: str,
    seed: int = 1,
    dry_run: bool = False,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
) -> GenerateReport:
    """Write the generated data set of ``scale``; ``progress`` is called with the rows done per batch."""
    size = SCALES[scale]
    report = GenerateReport(scale=scale, dry_run=dry_run)
    regions = list(Region.objects.order_by("sort_order", "code"))
    types = list(
        FacilityType.objects.filter(retired=False)  # a retired type gets no new places
        .select_related("authority")
        .prefetch_related("population_categories")
    )
    if not regions or not types:
        raise GenerateError("the country pack is not loaded: run `dozor pack load kz` first")
    existing = generated_facilities().count()
    if existing and not replace:
        if existing == size.facilities:
            report.facilities, report.skipped = existing, True
            return report
        raise GenerateError(
            f"{existing} generated facilities from another scale or an interrupted run are present; "
            "use --replace to delete them first"
        )
    rules = list(EligibilityRule.objects.filter(is_active=True))
    if dry_run:
        categories = {t.pk: len(t.population_categories.all()) for t in types}
        report.facilities = size.facilities
        report.occupancy = size.facilities * OCCUPANCY_PER_FACILITY
        report.category_links = round(size.facilities * sum(categories.values()) / len(categories))
        report.organisations = _organisation_count(size)
        report.persons = report.participations = size.persons
        report.declarations = size.persons * len(rules)
        report.grants = round(size.persons * sum(COMPETENCY_SHARES.values()))
        report.conflicts = round(size.persons * (AUTHORITY_CONFLICT_SHARE + FACILITY_CONFLICT_SHARE))
        report.unavailabilities = round(size.persons * UNAVAILABLE_SHARE)
        report.incidents = round(size.facilities * INCIDENT_FACILITY_SHARE * 2)
        return report
    if existing:
        report.deleted = generated_delete()
    rng = random.Random(seed)
    today = timezone.localdate()
    _write_facilities(size, rng, today, regions, types, report, progress)
    _write_persons(size, rng, today, regions, types, rules, report, progress)
    return report


def _organisation_count(size: Scale) -> int:
    return max(2, size.persons // 25)


def _write_facilities(
    size: Scale,
    rng: random.Random,
    today: datetime.date,
    regions: list[Region],
    types: list[FacilityType],
    report: GenerateReport,
    progress: Callable[[int], None] | None,
) -> None:
    weights = [TYPE_WEIGHTS.get(t.code, 2) for t in types]
    categories = {t.pk: [c.pk for c in t.population_categories.all()] for t in types}
    through = Facility.population_categories.through
    gazetteer = gazetteer_read()
    for batch in _batches(size.facilities):
        facilities, series = [], []
        for index in batch:
            facility_type = rng.choices(types, weights)[0]
            region = regions[index % len(regions)]
            number = index + 1
            ru, kk, en = type_short_names(facility_type)
            low, high = capacity_range(facility_type.code)
            capacity = rng.randint(low, high)
            closed = rng.random() < 0.03
            closed_on = today - datetime.timedelta(days=rng.randint(100, 2000)) if closed else None
            last = (closed_on or today) - datetime.timedelta(days=rng.randint(5, 200))
            rate = rng.uniform(0.4, 1.0) if rng.random() > 0.15 else rng.uniform(1.0, 1.5)
            points = []
            for back in range(OCCUPANCY_PER_FACILITY):
                date = last - datetime.timedelta(days=back * 365 + (rng.randint(0, 90) if back else 0))
                points.append(
                    (date, round(capacity * max(0.1, rate + (rng.uniform(-0.3, 0.2) if back else 0))))
                )
            facility = Facility(
                code=f"{GEN_PREFIX}{region.code}-{number:06d}",
                name_ru=f"Синт.: {ru} № {number} (сгенерировано)",
                name_kk=f"Синт.: № {number} {kk} (генерацияланған)",
                name_en=f"Synthetic: {en} No. {number} (generated)",
                type=facility_type,
                authority=facility_type.authority,
                region=region,
                settlement=region.centre_ru,
                latitude=jitter(rng, region.latitude, 1.5, -90, 90),
                longitude=jitter(rng, region.longitude, 2.0, -180, 180),
                capacity=capacity,
                population=points[0][1],
                population_date=points[0][0],
                status=Facility.Status.CLOSED if closed else Facility.Status.ACTIVE,
                closed_on=closed_on,
                notes=FACILITY_NOTE,
                is_demo=True,
            )
            facility.search_text = facility.build_search_text(gazetteer)
            facilities.append(facility)
            series.append(points)
        with transaction.atomic():
            Facility.objects.bulk_create(facilities)
            _ensure_pks(facilities, Facility, "code")
            occupancy = [
                Occupancy(
                    facility_id=f.pk,
                    date=date,
                    capacity=f.capacity or 0,
                    population=population,
                    source=Occupancy.Source.IMPORT,
                    note="synthetic",
                )
                for f, points in zip(facilities, series, strict=True)
                for date, population in points
            ]
            Occupancy.objects.bulk_create(occupancy)
            links = [
                through(facility_id=f.pk, populationcategory_id=c)
                for f in facilities
                for c in categories[f.type_id]
            ]
            through.objects.bulk_create(links)
            incidents = _incidents(rng, today, facilities)
            Incident.objects.bulk_create(incidents)
        report.facilities += len(facilities)
        report.incidents += len(incidents)
        report.occupancy += len(occupancy)
        report.category_links += len(links)
        if progress:
            progress(len(facilities))


def _incidents(rng: random.Random, today: datetime.date, facilities: list[Facility]) -> list[Incident]:
    """Risk signals for about INCIDENT_FACILITY_SHARE of the places, in the last three years."""
    kinds, weights = list(INCIDENT_KINDS), list(INCIDENT_KINDS.values())
    rows = []
    for facility in facilities:
        if rng.random() >= INCIDENT_FACILITY_SHARE:
            continue
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            rows.append(
                Incident(
                    facility_id=facility.pk,
                    kind=rng.choices(kinds, weights)[0],
                    occurred_on=today - datetime.timedelta(days=rng.randint(1, 3 * 365)),
                    summary=INCIDENT_SUMMARY,
                    source=GENERATED_NOTE,
                )
            )
    return rows


def _person_regions(size: Scale, rng: random.Random, regions: list[Region]) -> list[Region]:
    """One region per person, in proportion to the generated active places of each region (largest
    remainders), shuffled."""
    counts = dict(
        generated_facilities()
        .filter(status=Facility.Status.ACTIVE)
        .values("region_id")
        .annotate(n=Count("pk"))
        .values_list("region_id", "n")
    )
    total = sum(counts.values()) or 1
    quotas = [(size.persons * counts.get(r.pk, 0) / total, r) for r in regions]
    chosen = [r for quota, r in quotas for _ in range(int(quota))]
    by_remainder = sorted(quotas, key=lambda q: q[0] - int(q[0]), reverse=True)
    chosen.extend(r for _, r in by_remainder[: size.persons - len(chosen)])
    while len(chosen) < size.persons:  # no generated places at all
        chosen.append(regions[len(chosen) % len(regions)])
    rng.shuffle(chosen)
    return chosen


def _write_persons(
    size: Scale,
    rng: random.Random,
    today: datetime.date,
    regions: list[Region],
    types: list[FacilityType],
    rules: list[EligibilityRule],
    report: GenerateReport,
    progress: Callable[[int], None] | None,
) -> None:
    languages = {lang.code: lang.pk for lang in Language.objects.all()}
    expertise = {e.code: e.pk for e in Expertise.objects.all()}
    expertise_shares = {code: share for code, share in EXPERTISE_SHARES.items() if code in expertise}
    fallback_expertise = next(
        (c for c in ("human_rights_defender", *EXPERTISE_CODES) if c in expertise), None
    )
    competencies = {c.code: c for c in Competency.objects.filter(code__in=list(COMPETENCY_SHARES))}
    authorities = sorted({t.authority_id for t in types if t.authority_id}) or list(
        Authority.objects.values_list("pk", flat=True)[:20]
    )
    places_by_region: dict[int, list[int]] | None = None
    organisations = []
    for number in range(1, _organisation_count(size) + 1):
        org = Organisation(
            name_en=f"{GEN_ORG_PREFIX}NGO No. {number} (generated)",
            name_ru=f"Синт.: НПО № {number} (сгенерировано)",
            name_kk=f"Синт.: № {number} ҮЕҰ (генерацияланған)",
            kind=Organisation.Kind.NGO,
            region=regions[number % len(regions)],
            is_demo=True,
        )
        org.search_text = org.build_search_text()
        organisations.append(org)
    Organisation.objects.bulk_create(organisations, batch_size=BATCH)
    _ensure_pks(organisations, Organisation, "name_en")
    report.organisations = len(organisations)
    person_regions = _person_regions(size, rng, regions)
    lang_through, exp_through = Person.languages.through, Person.expertise.through
    mixes, mix_weights = [m for m, _ in LANGUAGE_MIX], [w for _, w in LANGUAGE_MIX]
    for batch in _batches(size.persons):
        persons, statuses = [], []
        for index in batch:
            female = rng.random() < FEMALE_SHARE
            gender = Person.Gender.FEMALE if female else Person.Gender.MALE
            stem = rng.choice(PATRONYMIC_STEMS)
            person = Person(
                last_name=rng.choice(SURNAMES) + ("а" if female else ""),
                first_name=rng.choice(FIRST_NAMES[gender]),
                patronymic=stem + ("на" if female else "ич") if stem else "",
                gender=gender,
                organisation=organisations[index % len(organisations)],
                position=rng.choice(POSITIONS),
                region=person_regions[index],
                email=f"gen-{index + 1:06d}@{GEN_EMAIL_DOMAIN}",
                notes=PERSON_NOTE,
                is_demo=True,
            )
            person.search_text = person.build_search_text()
            persons.append(person)
            roll = rng.random()
            statuses.append(
                "candidate"
                if roll < CANDIDATE_SHARE
                else "ended"
                if roll < CANDIDATE_SHARE + ENDED_SHARE
                else "active"
            )
        with transaction.atomic():
            Person.objects.bulk_create(persons)
            _ensure_pks(persons, Person, "email")
            participations: list[Participation] = []
            declarations: list[EligibilityDeclaration] = []
            lang_links: list[Any] = []
            exp_links: list[Any] = []
            grants: list[CompetencyGrant] = []
            conflicts: list[ConflictOfInterest] = []
            unavailable: list[Unavailability] = []
            for person, status in zip(persons, statuses, strict=True):
                if status == "candidate":
                    start = today + datetime.timedelta(days=rng.randint(10, 90))
                    end = None
                elif status == "ended":
                    start = today - datetime.timedelta(days=rng.randint(3 * 365 + 30, 2000))
                    end = start + datetime.timedelta(days=3 * 365)
                else:  # open-ended: covers today and the next years
                    start = today - datetime.timedelta(days=rng.randint(30, 2000))
                    end = None
                participations.append(
                    Participation(
                        person_id=person.pk,
                        term_start=start,
                        term_end=end,
                        status=status,
                        region_id=person.region_id,
                    )
                )
                declared = min(start, today) - datetime.timedelta(days=14)
                excluded = (
                    rules[rng.randrange(len(rules))].pk if rules and rng.random() < EXCLUDED_SHARE else None
                )
                declarations.extend(
                    EligibilityDeclaration(
                        person_id=person.pk, rule_id=rule.pk, answer=rule.pk == excluded, declared_on=declared
                    )
                    for rule in rules
                )
                for code in rng.choices(mixes, mix_weights)[0]:
                    if code in languages:
                        lang_links.append(lang_through(person_id=person.pk, language_id=languages[code]))
                codes = [code for code, share in expertise_shares.items() if rng.random() < share]
                if not codes and fallback_expertise:
                    codes = [fallback_expertise]
                exp_links.extend(exp_through(person_id=person.pk, expertise_id=expertise[c]) for c in codes)
                for code, share in COMPETENCY_SHARES.items():
                    competency = competencies.get(code)
                    specialists, specialist_share = COMPETENCY_BY_EXPERTISE.get(code, (frozenset(), share))
                    if specialists.intersection(codes):
                        share = specialist_share
                    if competency is None or rng.random() >= share:
                        continue
                    granted = today - datetime.timedelta(days=rng.randint(365, 3 * 365))
                    grants.append(
                        CompetencyGrant(
                            person_id=person.pk,
                            competency_id=competency.pk,
                            granted_on=granted,
                            valid_until=add_years(granted, competency.valid_years),
                            note=GENERATED_NOTE,
                        )
                    )
                roll = rng.random()
                if roll < AUTHORITY_CONFLICT_SHARE and authorities:
                    conflicts.append(
                        ConflictOfInterest(
                            person_id=person.pk,
                            authority_id=rng.choice(authorities),
                            reason="Synthetic: former employment (generated)",
                            declared_on=declared,
                        )
                    )
                elif roll < AUTHORITY_CONFLICT_SHARE + FACILITY_CONFLICT_SHARE:
                    if places_by_region is None:
                        places_by_region = _places_by_region()
                    places = places_by_region.get(person.region_id or 0) or []
                    if places:
                        conflicts.append(
                            ConflictOfInterest(
                                person_id=person.pk,
                                facility_id=rng.choice(places),
                                reason="Synthetic: a relative works there (generated)",
                                declared_on=declared,
                            )
                        )
                if rng.random() < UNAVAILABLE_SHARE:
                    first = today + datetime.timedelta(days=rng.randint(1, 340))
                    unavailable.append(
                        Unavailability(
                            person_id=person.pk,
                            starts_on=first,
                            ends_on=first + datetime.timedelta(days=7 * rng.randint(1, 3) - 1),
                            reason=GENERATED_NOTE,
                        )
                    )
            Participation.objects.bulk_create(participations)
            EligibilityDeclaration.objects.bulk_create(declarations)
            lang_through.objects.bulk_create(lang_links)
            exp_through.objects.bulk_create(exp_links)
            CompetencyGrant.objects.bulk_create(grants)
            ConflictOfInterest.objects.bulk_create(conflicts)
            Unavailability.objects.bulk_create(unavailable)
        report.persons += len(persons)
        report.participations += len(participations)
        report.declarations += len(declarations)
        report.grants += len(grants)
        report.conflicts += len(conflicts)
        report.unavailabilities += len(unavailable)
        if progress:
            progress(len(persons))


def _places_by_region() -> dict[int, list[int]]:
    places: dict[int, list[int]] = {}
    for pk, region_id in generated_facilities().order_by("pk").values_list("pk", "region_id"):
        places.setdefault(region_id, []).append(pk)
    return places


def _ensure_pks(objs: list[Any], model: type[Any], key: str) -> None:
    """Backends that cannot return ids from a bulk insert leave pk unset: look them up by ``key``."""
    missing = [obj for obj in objs if obj.pk is None]
    if not missing:
        return
    ids = dict(
        model.objects.filter(**{f"{key}__in": [getattr(o, key) for o in missing]}).values_list(key, "pk")
    )
    for obj in missing:
        obj.pk = ids[getattr(obj, key)]
