"""Reads of the standards library. Every function starts from what the user may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from dozor.accounts.access import AnyUser, can
from dozor.core.search import search_words
from dozor.standards.access import instruments_visible_to, provisions_visible_to
from dozor.standards.models import Instrument, Provision


@dataclass(frozen=True)
class ProvisionFilters:
    q: str = ""
    instrument: str = ""  # instrument code
    theme: str = ""  # theme code


@dataclass(frozen=True)
class InstrumentGroup:
    kind: str
    label: str
    instruments: Sequence[Instrument]


def instrument_groups(user: AnyUser) -> list[InstrumentGroup]:
    """Instruments grouped by kind (in the order of ``Instrument.Kind``), each with its provision count."""
    instruments = list(instruments_visible_to(user).annotate(provision_count=Count("provisions")))
    groups = []
    for kind, label in Instrument.Kind.choices:
        members = [i for i in instruments if i.kind == kind]
        if members:
            groups.append(InstrumentGroup(kind=kind, label=str(label), instruments=members))
    return groups


def instrument_provisions(instrument: Instrument) -> QuerySet[Provision]:
    return instrument.provisions.select_related("theme").order_by("sort_order", "code")


def provision_search(user: AnyUser, filters: ProvisionFilters) -> QuerySet[Provision]:
    """Provisions matching every word of ``q`` in any language (case-folded), instrument and theme."""
    qs = provisions_visible_to(user).select_related("instrument", "theme")
    for word in search_words(filters.q):
        qs = qs.filter(search_text__contains=word)
    if filters.instrument:
        qs = qs.filter(instrument__code=filters.instrument)
    if filters.theme:
        qs = qs.filter(theme__code=filters.theme)
    return qs.order_by("instrument__sort_order", "sort_order", "code")


def provision_see_also(provision: Provision) -> list[Provision]:
    return list(
        provision.see_also.select_related("instrument").order_by("instrument__sort_order", "sort_order")
    )


def provision_citations(user: AnyUser, provision: Provision) -> list[Any]:
    """Checklist questions that cite the provision, with their section, version and template.

    Read through the reverse relation so that the standards layer does not import methodology;
    only users who may read checklists see them (a liaison may read standards but not checklists).
    """
    if not can(user, "methodology.view"):
        return []
    return list(
        provision.questions.select_related("section__version__template").order_by(
            "section__version__template__code", "-section__version__number", "section__order", "order"
        )
    )
