"""Cost estimates of planned visits from the pack's cost rates and fares.

The cost model (every amount in whole tenge, each line rounded half up; rates are the facility
region's rate where the pack gives one, else the default rate without a region):

- A visit lasts ``days`` days: ``PlanningRules.visit_days`` for the optimiser's candidate visits,
  the days from ``starts_on`` to ``ends_on`` (inclusive) for a planned visit with its dates.
- For each member of the group, coming from their home region (``Person.region``; none = the
  facility's region):

  - home region == facility region: no fare; per diem x days; compensation x days; accommodation
    (nights = days) only when the facility lies more than ``FAR_KM`` (150 km, great-circle) from
    the region centre;
  - another home region: the fare there and back, each way ``Fare(origin, destination)`` when the
    pack gives one, else the great-circle distance between the two region centres x
    ``ROAD_FACTOR`` (1.2) x ``travel_km``; per diem x (days + 1 travel day); accommodation x nights
    (nights = days);
  - an interpreter is paid the interpreter fee x days, an expert the expert fee x days, instead of
    the compensation every other member (leader, member) receives.

- The group (fixed) cost of a visit: local travel by car from the region centre to the facility
  and back, 2 x distance x ``ROAD_FACTOR`` x ``local_km`` (a facility without coordinates counts
  as standing at the region centre, i.e. no local travel).

Trip sharing (``plan_estimates``): visits of the same plan with the same group (the same set of
persons), in the same settlement (case-insensitive; an empty settlement never shares) and on
consecutive or overlapping days form one trip. Its travel (fares and car) is counted once - the
travel of its dearest visit - and split evenly across its visits (the odd tenge go to the first).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dozor.planning.optimiser.engine import PersonInfo, PlaceInfo

if TYPE_CHECKING:
    from dozor.planning.models import PlannedVisit

FAR_KM = 150.0
ROAD_FACTOR = Decimal("1.2")
EARTH_RADIUS_KM = 6371.0088
TRAVEL = "travel"
KINDS = ("per_diem", "accommodation", "travel_km", "local_km", "compensation", "interpreter", "expert")
ROLE_FEE = {"interpreter": "interpreter", "expert": "expert"}  # otherwise "compensation"


class MissingCostRate(ValidationError):
    """The pack gives no default rate for some kinds: estimates cannot be made."""

    def __init__(self, kinds: Sequence[str]) -> None:
        self.kinds = list(kinds)
        super().__init__(
            _(
                "No default cost rate (without a region) for: %(kinds)s. Load the country pack's planning.yaml."
            )
            % {"kinds": ", ".join(self.kinds)}
        )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def tenge(value: Decimal | float | int) -> int:
    """Whole tenge, rounded half up."""
    return int(Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# A cost line is stored as a code and its numbers (``PlannedVisit.cost_breakdown``), never as a
# sentence: the label is rendered when shown, in the reader's language.
LINE_LABELS = {
    "car": gettext_lazy("Car from the region centre and back (%(km)s km)"),
    "fare": gettext_lazy("%(name)s: fare %(origin)s - %(destination)s and back"),
    "per_diem": gettext_lazy("%(name)s: per diem, %(n)s day(s)"),
    "accommodation": gettext_lazy("%(name)s: accommodation, %(n)s night(s)"),
    "compensation": gettext_lazy("%(name)s: compensation, %(n)s day(s)"),
    "interpreter": gettext_lazy("%(name)s: interpreter fee, %(n)s day(s)"),
    "expert": gettext_lazy("%(name)s: expert fee, %(n)s day(s)"),
    "shared_travel": gettext_lazy("Travel shared by a trip of %(n)s visits (%(total)s in all)"),
}


def cost_line_label(line: dict[str, Any]) -> str:
    """The label of a stored cost line in the active language. Rows stored before codes were
    introduced carry a ready ``label`` (in the language of the calculation): shown as they are."""
    template = LINE_LABELS.get(str(line.get("code") or ""))
    if template is None:
        return str(line.get("label") or line.get("category") or "")
    try:
        return str(template) % dict(line.get("params") or {})
    except (KeyError, TypeError, ValueError):
        return str(line.get("label") or template)


@dataclass(frozen=True)
class CostLine:
    category: str  # per_diem, accommodation, travel, compensation, interpreter, expert (Expense categories)
    code: str  # a key of LINE_LABELS
    params: dict[str, Any]
    amount: int

    @property
    def label(self) -> str:
        return cost_line_label({"code": self.code, "params": self.params})


@dataclass
class Estimate:
    lines: list[CostLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def travel(self) -> int:
        return sum(line.amount for line in self.lines if line.category == TRAVEL)

    def by_category(self) -> dict[str, int]:
        result: dict[str, int] = defaultdict(int)
        for line in self.lines:
            result[line.category] += line.amount
        return dict(result)

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "lines": [
                {"category": ln.category, "code": ln.code, "params": dict(ln.params), "amount": ln.amount}
                for ln in self.lines
            ],
        }


@dataclass(frozen=True)
class VisitFacts:
    """What ``plan_estimates`` needs of a planned visit, as plain data."""

    id: int
    plan_id: int
    place: PlaceInfo
    settlement: str
    starts_on: Any  # datetime.date
    ends_on: Any
    members: tuple[tuple[PersonInfo, str], ...]

    @property
    def days(self) -> int:
        return int((self.ends_on - self.starts_on).days) + 1


class CostTable:
    """Rates (default and per region), fares and region centres, loaded once."""

    def __init__(
        self,
        *,
        defaults: dict[str, Decimal],
        regional: dict[tuple[str, str], Decimal],
        fares: dict[tuple[str, str], Decimal],
        centres: dict[str, tuple[float, float]],
    ) -> None:
        missing = [kind for kind in KINDS if kind not in defaults]
        if missing:
            raise MissingCostRate(missing)
        self.defaults = defaults
        self.regional = regional
        self.fares = fares
        self.centres = centres

    @classmethod
    def load(cls) -> CostTable:
        """Three queries: rates, fares, region centres."""
        from dozor.core.models import Region
        from dozor.planning.models import CostRate, Fare

        defaults: dict[str, Decimal] = {}
        regional: dict[tuple[str, str], Decimal] = {}
        for kind, region, amount in CostRate.objects.values_list("kind", "region__code", "amount"):
            if region is None:
                defaults[kind] = amount
            else:
                regional[(kind, region)] = amount
        fares = {
            (origin, destination): amount
            for origin, destination, amount in Fare.objects.values_list(
                "origin__code", "destination__code", "amount"
            )
        }
        centres = {
            code: (float(lat), float(lon))
            for code, lat, lon in Region.objects.values_list("code", "latitude", "longitude")
        }
        return cls(defaults=defaults, regional=regional, fares=fares, centres=centres)

    # --- pieces ------------------------------------------------------------------------------

    def rate(self, kind: str, region: str | None) -> Decimal:
        if region is not None and (kind, region) in self.regional:
            return self.regional[(kind, region)]
        return self.defaults[kind]

    def centre_distance(self, a: str, b: str) -> float:
        if a == b or a not in self.centres or b not in self.centres:
            return 0.0
        return haversine_km(*self.centres[a], *self.centres[b])

    def local_distance(self, place: PlaceInfo) -> float:
        """Great-circle km from the region centre to the facility (0 without coordinates)."""
        if place.latitude is None or place.longitude is None or place.region not in self.centres:
            return 0.0
        return haversine_km(*self.centres[place.region], place.latitude, place.longitude)

    def one_way_fare(self, origin: str, destination: str) -> int:
        if (origin, destination) in self.fares:
            return tenge(self.fares[(origin, destination)])
        km = Decimal(str(self.centre_distance(origin, destination)))
        return tenge(km * ROAD_FACTOR * self.rate("travel_km", destination))

    # --- lines -------------------------------------------------------------------------------

    def fixed_lines(self, place: PlaceInfo, days: int) -> list[CostLine]:
        km = Decimal(str(self.local_distance(place)))
        amount = tenge(2 * km * ROAD_FACTOR * self.rate("local_km", place.region))
        if amount == 0:
            return []
        return [
            CostLine(
                TRAVEL,
                "car",
                {"km": tenge(2 * km * ROAD_FACTOR)},
                amount,
            )
        ]

    def member_lines(
        self, person: PersonInfo, place: PlaceInfo, days: int, role: str = "member"
    ) -> list[CostLine]:
        region = place.region
        home = person.region or region
        name = person.name
        lines: list[CostLine] = []
        travelling = home != region
        if travelling:
            there, back = self.one_way_fare(home, region), self.one_way_fare(region, home)
            lines.append(
                CostLine(
                    TRAVEL,
                    "fare",
                    {"name": name, "origin": home, "destination": region},
                    there + back,
                )
            )
        per_diem_days = days + 1 if travelling else days
        lines.append(
            CostLine(
                "per_diem",
                "per_diem",
                {"name": name, "n": per_diem_days},
                tenge(self.rate("per_diem", region) * per_diem_days),
            )
        )
        if travelling or self.local_distance(place) > FAR_KM:
            lines.append(
                CostLine(
                    "accommodation",
                    "accommodation",
                    {"name": name, "n": days},
                    tenge(self.rate("accommodation", region) * days),
                )
            )
        fee = ROLE_FEE.get(role, "compensation")
        lines.append(CostLine(fee, fee, {"name": name, "n": days}, tenge(self.rate(fee, region) * days)))
        return lines

    # --- for the optimiser (plain data) ------------------------------------------------------

    def fixed_cost(self, place: PlaceInfo, days: int) -> int:
        return sum(line.amount for line in self.fixed_lines(place, days))

    def member_cost(self, person: PersonInfo, place: PlaceInfo, days: int, role: str = "member") -> int:
        return sum(line.amount for line in self.member_lines(person, place, days, role))

    def estimate(self, place: PlaceInfo, members: Sequence[tuple[PersonInfo, str]], days: int) -> Estimate:
        lines = list(self.fixed_lines(place, days))
        for person, role in members:
            lines.extend(self.member_lines(person, place, days, role))
        return Estimate(lines)

    # --- trips -------------------------------------------------------------------------------

    def trip_estimates(self, visits: Sequence[VisitFacts]) -> dict[int, Estimate]:
        """Each visit's estimate, travel shared within trips (see the module docstring)."""
        solo = {v.id: self.estimate(v.place, list(v.members), v.days) for v in visits}
        result = dict(solo)
        for trip in trips(visits):
            if len(trip) < 2:
                continue
            travel = max(solo[v.id].travel for v in trip)
            share, odd = divmod(travel, len(trip))
            for index, visit in enumerate(trip):
                lines = [ln for ln in solo[visit.id].lines if ln.category != TRAVEL]
                amount = share + (1 if index < odd else 0)
                if amount:
                    lines.insert(
                        0,
                        CostLine(
                            TRAVEL,
                            "shared_travel",
                            {"n": len(trip), "total": travel},
                            amount,
                        ),
                    )
                result[visit.id] = Estimate(lines)
        return result


def trips(visits: Iterable[VisitFacts]) -> list[list[VisitFacts]]:
    """Visits grouped into trips: same plan, same persons, same settlement, consecutive days."""
    keyed: dict[tuple[int, frozenset[int], str], list[VisitFacts]] = defaultdict(list)
    result: list[list[VisitFacts]] = []
    for visit in visits:
        settlement = visit.settlement.strip().casefold()
        people = frozenset(p.id for p, _role in visit.members)
        if not settlement or not people:
            result.append([visit])
            continue
        keyed[(visit.plan_id, people, settlement)].append(visit)
    for group in keyed.values():
        group.sort(key=lambda v: (v.starts_on, v.ends_on, v.id))
        current = [group[0]]
        end = group[0].ends_on
        for visit in group[1:]:
            if (visit.starts_on - end).days <= 1:
                current.append(visit)
                end = max(end, visit.ends_on)
            else:
                result.append(current)
                current, end = [visit], visit.ends_on
        result.append(current)
    return result


def visit_facts(visits: Iterable[PlannedVisit]) -> list[VisitFacts]:
    """Plain facts of these planned visits in two queries (visits with facility, group members)."""
    from dozor.planning.models import GroupMember, PlannedVisit

    ids = [v.pk for v in visits]
    rows = PlannedVisit.objects.filter(pk__in=ids).values_list(
        "pk",
        "plan_id",
        "starts_on",
        "ends_on",
        "facility_id",
        "facility__region__code",
        "facility__latitude",
        "facility__longitude",
        "facility__settlement",
        "facility__code",
    )
    members: dict[int, list[tuple[PersonInfo, str]]] = defaultdict(list)
    for vid, pid, role, region, last, first in (
        GroupMember.objects.filter(planned_visit_id__in=ids)
        .order_by("planned_visit_id", "id")
        .values_list(
            "planned_visit_id",
            "person_id",
            "role",
            "person__region__code",
            "person__last_name",
            "person__first_name",
        )
    ):
        person = PersonInfo(id=pid, name=f"{last} {first}".strip(), female=False, region=region)
        members[vid].append((person, role))
    facts: list[VisitFacts] = []
    for vid, plan_id, starts, ends, fid, region, lat, lon, settlement, code in rows:
        place = PlaceInfo(
            id=fid,
            name=code,
            region=region,
            type_code="",
            authority_path="",
            latitude=float(lat) if lat is not None else None,
            longitude=float(lon) if lon is not None else None,
        )
        facts.append(
            VisitFacts(
                id=vid,
                plan_id=plan_id,
                place=place,
                settlement=settlement or "",
                starts_on=starts,
                ends_on=ends,
                members=tuple(members[vid]),
            )
        )
    return facts


def estimate(
    place: PlaceInfo, members: Sequence[tuple[PersonInfo, str]], days: int, *, table: CostTable | None = None
) -> Estimate:
    """The estimate of one visit (loads the rates unless ``table`` is given)."""
    return (table or CostTable.load()).estimate(place, members, days)


def plan_estimates(visits: Iterable[PlannedVisit], *, table: CostTable | None = None) -> dict[int, Estimate]:
    """Estimates of these planned visits by id, travel shared within trips. Bounded queries: the
    rates (3) and the visits' facts (2), whatever the number of visits."""
    facts = visit_facts(visits)
    return (table or CostTable.load()).trip_estimates(facts)
