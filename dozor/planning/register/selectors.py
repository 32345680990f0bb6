"""Reads of the register of deaths and serious incidents in custody, through the access helpers:
``planning.view`` and the places the reader may see (liaisons and trainers: nothing)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from dozor.accounts.access import AnyUser
from dozor.core.i18n import pick
from dozor.facilities.access import facilities_visible_to
from dozor.planning.access import incidents_visible_to
from dozor.planning.models import Incident, Investigation, Known

IN_REGISTER = Q(kind=Incident.Kind.DEATH) | Q(serious=True)


def entries_for(user: AnyUser) -> QuerySet[Incident]:
    """The register entries ``user`` may see: deaths and incidents marked serious at places they
    may see."""
    return (
        incidents_visible_to(user)
        .filter(IN_REGISTER, facility__in=facilities_visible_to(user))
        .select_related("facility__region", "facility__type")
        .order_by("-occurred_on", "-id")
    )


def with_action_counts(entries: QuerySet[Incident]) -> QuerySet[Incident]:
    """``entries`` with ``action_count``, the number of the NPM's follow-up actions."""
    return entries.annotate(action_count=Count("actions"))


def entry_for(user: AnyUser, pk: int | str) -> Incident:
    try:
        return entries_for(user).get(pk=int(pk))
    except (Incident.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def entry_years(user: AnyUser) -> list[int]:
    dates = entries_for(user).order_by().values_list("occurred_on__year", flat=True).distinct()
    return sorted(set(dates), reverse=True)


@dataclass
class TypeRow:
    name: str
    deaths: int = 0
    serious: int = 0


@dataclass
class RegisterFigures:
    """A year's figures for the annual report and the register page: counted in the database."""

    year: int
    deaths: int = 0
    serious: int = 0
    relatives_informed: int = 0
    investigated: int = 0
    followed_up: int = 0
    open_follow_up: int = 0
    median_days_to_learn: float | None = None
    by_type: list[TypeRow] = field(default_factory=list)


def year_figures(entries: QuerySet[Incident], year: int) -> RegisterFigures:
    """Counts for the incidents of ``year`` among ``entries`` (a ``entries_for`` queryset): two
    queries whatever the number."""
    rows = list(
        entries.filter(occurred_on__year=year)
        .order_by()
        .annotate(followed=Count("actions"))
        .values_list(
            "kind",
            "facility__type__name_ru",
            "facility__type__name_kk",
            "facility__type__name_en",
            "relatives_informed",
            "investigation",
            "closed_on",
            "occurred_on",
            "learned_on",
            "followed",
        )
    )
    figures = RegisterFigures(year=year)
    by_type: dict[str, TypeRow] = {}
    delays: list[int] = []
    for kind, ru, kk, en, relatives, investigation, closed_on, occurred_on, learned_on, actions in rows:
        name = pick(SimpleNamespace(name_ru=ru, name_kk=kk, name_en=en), "name")
        row = by_type.setdefault(name, TypeRow(name=name))
        if kind == Incident.Kind.DEATH:
            figures.deaths += 1
            row.deaths += 1
        else:
            figures.serious += 1
            row.serious += 1
        figures.relatives_informed += relatives == Known.YES
        figures.investigated += investigation not in (Investigation.UNKNOWN, Investigation.NONE)
        figures.followed_up += actions > 0
        figures.open_follow_up += closed_on is None
        if learned_on is not None:
            delays.append((learned_on - occurred_on).days)
    if delays:
        figures.median_days_to_learn = float(statistics.median(delays))
    figures.by_type = sorted(by_type.values(), key=lambda r: (-(r.deaths + r.serious), r.name))
    return figures


def days_to_learn(incident: Incident) -> int | None:
    if incident.learned_on is None:
        return None
    return (incident.learned_on - incident.occurred_on).days
